import { DomainError } from './errors/domain-error';
import { isObj, Obj } from './values';

/**
 * Dotted paths into plain records (`config.password`, `_admin.type`), and OSM's edit merge.
 *
 * Query keys and body keys become paths here, so a caller chooses the segments: `__proto__`,
 * `constructor` and `prototype` would walk from a record into `Object.prototype` and change every
 * object of the process (prototype pollution). They are refused wherever a path is built, and reads
 * follow own properties only, so nothing inherited is ever read as data.
 */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The first segment of a dotted path that may not be used as a key, if any. */
export function unsafeSegment(path: string): string | undefined {
  return path.split('.').find((k) => UNSAFE_KEYS.has(k));
}

/** 400 naming the key when `path` has a segment that would reach an object's prototype. */
export function assertSafePath(path: string, where = 'key'): void {
  const bad = unsafeSegment(path);
  if (bad !== undefined)
    throw DomainError.badRequest(
      'REQUEST.UNSAFE_KEY',
      `${where} '${path}' is not allowed: '${bad}' cannot be used as a field name`,
    );
}

/** The path (`a.b[0].c`) of the first unsafe key anywhere in a parsed body, if any. */
export function unsafeKeyIn(value: unknown, path = ''): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unsafeKeyIn(item, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isObj(value)) return undefined;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (UNSAFE_KEYS.has(key)) return here;
    const found = unsafeKeyIn(value[key], here);
    if (found !== undefined) return found;
  }
  return undefined;
}

const own = (node: unknown, key: string): unknown =>
  isObj(node) && Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;

/** The value at a dotted path, own properties only; undefined when any step is missing. */
export function getPath(obj: Obj, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => own(node, key), obj);
}

/** Sets the value at a dotted path, creating plain objects on the way (a non-object in the way is replaced). */
export function setPath(obj: Obj, path: string, value: unknown): void {
  assertSafePath(path);
  const keys = path.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    const next = own(node, key);
    if (!isObj(next)) defineOwn(node, key, {});
    node = node[key] as Obj;
  }
  defineOwn(node, keys[keys.length - 1], value);
}

export function deletePath(obj: Obj, path: string): void {
  assertSafePath(path);
  const keys = path.split('.');
  const parent = keys.length === 1 ? obj : getPath(obj, keys.slice(0, -1).join('.'));
  if (isObj(parent)) delete parent[keys[keys.length - 1]];
}

/**
 * OSM's edit merge (RFC 7396): objects merge recursively, `null` removes a key, anything else replaces.
 * A patch naming `__proto__`, `constructor` or `prototype` anywhere answers 422 naming its path.
 */
export function mergePatch(target: Obj, patch: Obj, path = ''): Obj {
  const out = structuredClone(target);
  for (const [key, value] of Object.entries(patch)) {
    const here = path ? `${path}.${key}` : key;
    if (UNSAFE_KEYS.has(key))
      throw DomainError.unprocessable('REQUEST.INVALID_BODY', `Format error at '${here}': not an allowed field name`, [
        { path: here, message: 'is not an allowed field name' },
      ]);
    const current = own(out, key);
    if (value === null) delete out[key];
    else if (isObj(value) && isObj(current)) defineOwn(out, key, mergePatch(current, value, here));
    else {
      const bad = unsafeKeyIn(value, here);
      if (bad !== undefined)
        throw DomainError.unprocessable('REQUEST.INVALID_BODY', `Format error at '${bad}': not an allowed field name`, [
          { path: bad, message: 'is not an allowed field name' },
        ]);
      defineOwn(out, key, structuredClone(value));
    }
  }
  return out;
}

/** An own, enumerable data property: never a setter such as `__proto__`'s. */
function defineOwn(obj: Obj, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
