import { DomainError } from './errors/domain-error';
import { applyListFilters } from './http/list-filters';
import { deletePath, getPath, mergePatch, setPath, unsafeKeyIn, unsafeSegment } from './object-paths';

const HOSTILE = [
  '__proto__.public',
  '__proto__.setProject',
  '__proto__.toString',
  'constructor.prototype.x',
  'a.__proto__',
  'prototype',
];

function statusOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e.status;
    throw e;
  }
  return undefined;
}

describe('object paths', () => {
  afterEach(() => {
    // nothing may have reached Object.prototype
    expect(({} as Record<string, unknown>).public).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(typeof {}.toString).toBe('function');
  });

  it('sets, reads and deletes dotted paths', () => {
    const obj: Record<string, unknown> = { a: 1 };
    setPath(obj, 'config.password', 's');
    setPath(obj, 'a.b', 2);
    expect(obj).toEqual({ a: { b: 2 }, config: { password: 's' } });
    expect(getPath(obj, 'config.password')).toBe('s');
    deletePath(obj, 'config.password');
    expect(obj).toEqual({ a: { b: 2 }, config: {} });
  });

  it.each(HOSTILE)('refuses %s with 400 naming the key', (path) => {
    const obj: Record<string, unknown> = {};
    expect(statusOf(() => setPath(obj, path, '1'))).toBe(400);
    expect(statusOf(() => deletePath(obj, path))).toBe(400);
    expect(unsafeSegment(path)).toBeDefined();
    try {
      setPath(obj, path, '1');
    } catch (e) {
      expect((e as Error).message).toContain(path);
    }
    expect(obj).toEqual({});
  });

  it('reads own properties only', () => {
    expect(getPath({}, 'toString')).toBeUndefined();
    expect(getPath({ a: {} }, 'a.constructor.name')).toBeUndefined();
    expect(getPath({ a: {} }, 'a.hasOwnProperty')).toBeUndefined();
  });

  it('merges patches, and refuses unsafe keys anywhere in them with 422 naming the path', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: 1 }, { a: { b: null, e: 3 }, d: 2 })).toEqual({ a: { c: 2, e: 3 }, d: 2 });
    const hostile = JSON.parse('{"a": {"__proto__": {"public": true}}}') as Record<string, unknown>;
    expect(statusOf(() => mergePatch({ a: {} }, hostile))).toBe(422);
    expect(statusOf(() => mergePatch({}, hostile))).toBe(422);
    const deep = JSON.parse('{"x": [{"constructor": {"prototype": {"y": 1}}}]}') as Record<string, unknown>;
    try {
      mergePatch({}, deep);
      throw new Error('accepted');
    } catch (e) {
      expect((e as DomainError).status).toBe(422);
      expect((e as DomainError).errors?.[0].path).toBe('x[0].constructor');
    }
    expect(statusOf(() => mergePatch({}, JSON.parse('{"__proto__": {"x": 1}}') as Record<string, unknown>))).toBe(422);
  });

  it('finds unsafe keys in parsed bodies', () => {
    expect(unsafeKeyIn(JSON.parse('{"a": [{"b": {"__proto__": 1}}]}'))).toBe('a[0].b.__proto__');
    expect(unsafeKeyIn({ a: [{ b: 1 }], prototypes: 1 })).toBeUndefined();
  });

  it('list filters refuse unsafe paths and never read inherited values', () => {
    const records = [{ name: 'a' }, { name: 'b' }];
    expect(statusOf(() => applyListFilters(records, { '__proto__.x': '1' }))).toBe(400);
    expect(statusOf(() => applyListFilters(records, { 'constructor.name': 'Object' }))).toBe(400);
    expect(applyListFilters(records, { toString: '' })).toEqual(records);
    expect(applyListFilters(records, { 'name.hasOwnProperty': 'x' })).toEqual([]);
  });
});
