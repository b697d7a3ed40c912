import { DomainError } from '../errors/domain-error';
import { applyListFilters, equalityFilters, parseListFilters } from './list-filters';

const records = [
  { name: 'a', n: 1, ok: true, tags: ['x', 'y'], nested: { list: [{ id: 'p' }, { id: 'q' }] } },
  { name: 'b', n: 5, ok: false, tags: ['z'], nested: { list: [{ id: 'r' }] } },
  { name: 'c', n: 9, tags: [], nested: {} },
];
const names = (query: Record<string, unknown>) => applyListFilters(records, query).map((r) => r.name);

describe('OSM list filters', () => {
  it('filters by equality, comma lists and null', () => {
    expect(names({ name: 'a' })).toEqual(['a']);
    expect(names({ name: 'a,c' })).toEqual(['a', 'c']);
    expect(names({ ok: 'true' })).toEqual(['a']);
    expect(names({ ok: '' })).toEqual(['c']);
    expect(names({ n: '5' })).toEqual(['b']);
  });

  it('applies operators', () => {
    expect(names({ 'n.gt': '1' })).toEqual(['b', 'c']);
    expect(names({ 'n.gte': '5', 'n.lt': '9' })).toEqual(['b']);
    expect(names({ 'n.lte': '1' })).toEqual(['a']);
    expect(names({ 'name.neq': 'a,b' })).toEqual(['c']);
    expect(names({ 'name.ncont': 'b' })).toEqual(['a', 'c']);
  });

  it('descends into arrays and dotted paths', () => {
    expect(names({ tags: 'y' })).toEqual(['a']);
    expect(names({ 'tags.cont': 'z' })).toEqual(['b']);
    expect(names({ 'nested.list.id': 'q' })).toEqual(['a']);
    expect(names({ 'nested.list.ANYINDEX.id': 'r' })).toEqual(['b']);
    expect(names({ 'nested.list.0.id': 'q' })).toEqual([]);
  });

  it('ignores OSM control keys', () => {
    expect(names({ ADMIN: '', FORCE: 'true', PUBLIC: 'false', SET_PROJECT: '', METHOD: 'GET' })).toEqual(['a', 'b', 'c']);
  });

  it('rejects non-numeric comparisons', () => {
    expect(() => parseListFilters({ 'n.gt': 'x' })).toThrow(DomainError);
  });
});

describe('equalityFilters (what a list may ask its database for)', () => {
  it('keeps only plain one-value filters among the given parameters', () => {
    expect(
      equalityFilters({ operationState: 'PROCESSING', nsInstanceId: 'a,b', 'operationState.neq': 'X', name: 'n' }, [
        'operationState',
        'nsInstanceId',
      ]),
    ).toEqual({ operationState: 'PROCESSING' });
    expect(equalityFilters({ operationState: ['A', 'B'] }, ['operationState'])).toEqual({});
  });
});
