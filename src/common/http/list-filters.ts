import { DomainError } from '../errors/domain-error';
import { assertSafePath } from '../object-paths';

/** Query keys with OSM meanings other than filtering. */
export const CONTROL_QUERY_KEYS = new Set(['ADMIN', 'FORCE', 'PUBLIC', 'SET_PROJECT', 'METHOD']);

const OPERATORS = ['eq', 'neq', 'ne', 'gt', 'lt', 'gte', 'lte', 'cont', 'ncont'] as const;
type Operator = (typeof OPERATORS)[number];

export interface ListFilter {
  path: string[];
  operator: Operator;
  /** A comma in the query value means "any of". An empty value means null. */
  values: (string | null)[];
}

export type Query = Record<string, unknown>;

/**
 * The plain one-value filters among `params` (`x=v`, no operator, no list), for a list to ask its database for what
 * could match; applyListFilters still applies every filter to what comes back.
 */
export function equalityFilters<K extends string>(query: Query, params: readonly K[]): Partial<Record<K, string>> {
  const where: Partial<Record<K, string>> = {};
  for (const param of params) {
    const value = query[param];
    if (typeof value === 'string' && !value.includes(',')) where[param] = value;
  }
  return where;
}

/**
 * OSM list filters from the query string: `name=x`, dotted paths (`_admin.type=vnfd`), operators
 * as a last segment (`.neq .gt .lt .gte .lte .cont .ncont`), comma lists, `ANYINDEX` for any array element.
 */
export function parseListFilters(query: Query, ignore: string[] = []): ListFilter[] {
  const filters: ListFilter[] = [];
  for (const [key, raw] of Object.entries(query)) {
    if (CONTROL_QUERY_KEYS.has(key) || ignore.includes(key)) continue;
    assertSafePath(key, 'Filter');
    const parts = key.split('.');
    const last = parts[parts.length - 1] as Operator;
    const operator: Operator = parts.length > 1 && OPERATORS.includes(last) ? last : 'eq';
    const path = operator === 'eq' && last !== 'eq' ? parts : parts.slice(0, -1);
    const rawValues = (Array.isArray(raw) ? raw : [raw]).map(String);
    const values = rawValues.flatMap((v) => v.split(',')).map((v) => (v === '' ? null : v));
    if (['gt', 'lt', 'gte', 'lte'].includes(operator) && values.some((v) => v === null || Number.isNaN(Number(v)))) {
      throw DomainError.badRequest('REQUEST.INVALID_FILTER', `Filter '${key}' needs a number`);
    }
    filters.push({ path, operator, values });
  }
  return filters;
}

/** All values found at `path`, descending into arrays as MongoDB (and so OSM) does. */
function valuesAt(node: unknown, path: string[]): unknown[] {
  if (path.length === 0) return Array.isArray(node) ? [node, ...node] : [node];
  const [head, ...rest] = path;
  if (Array.isArray(node)) {
    if (head === 'ANYINDEX') return node.flatMap((item) => valuesAt(item, rest));
    if (/^\d+$/.test(head)) return valuesAt(node[Number(head)], rest);
    return node.flatMap((item) => valuesAt(item, path));
  }
  if (node !== null && typeof node === 'object' && Object.prototype.hasOwnProperty.call(node, head)) {
    return valuesAt((node as Record<string, unknown>)[head], rest);
  }
  return [undefined];
}

function equals(candidate: unknown, wanted: string | null): boolean {
  if (wanted === null) return candidate === null || candidate === undefined;
  if (typeof candidate === 'boolean') return String(candidate) === wanted.toLowerCase();
  if (typeof candidate === 'number') return candidate === Number(wanted);
  return typeof candidate === 'string' && candidate === wanted;
}

function contains(candidate: unknown, wanted: string | null): boolean {
  if (typeof candidate === 'string' && wanted !== null) return candidate.includes(wanted);
  return equals(candidate, wanted);
}

function compare(candidate: unknown, wanted: string | null, op: Operator): boolean {
  if (typeof candidate !== 'number' || wanted === null) return false;
  const w = Number(wanted);
  return op === 'gt' ? candidate > w : op === 'lt' ? candidate < w : op === 'gte' ? candidate >= w : candidate <= w;
}

export function matchesFilter(record: unknown, filter: ListFilter): boolean {
  const candidates = valuesAt(record, filter.path);
  const any = (test: (c: unknown, w: string | null) => boolean): boolean =>
    candidates.some((c) => filter.values.some((w) => test(c, w)));
  switch (filter.operator) {
    case 'eq':
      return any(equals);
    case 'neq':
    case 'ne':
      return !any(equals);
    case 'cont':
      return any(contains);
    case 'ncont':
      return !any(contains);
    default:
      return any((c, w) => compare(c, w, filter.operator));
  }
}

export function applyListFilters<T>(records: T[], query: Query, ignore: string[] = []): T[] {
  const filters = parseListFilters(query, ignore);
  return filters.length === 0 ? records : records.filter((r) => filters.every((f) => matchesFilter(r, f)));
}
