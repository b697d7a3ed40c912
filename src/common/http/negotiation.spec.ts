import { negotiateFormat } from './negotiation';

describe('negotiateFormat (OSM order)', () => {
  it.each([
    [undefined, false, 'yaml'],
    [undefined, true, 'yaml'],
    ['application/json', false, 'json'],
    ['application/yaml', false, 'yaml'],
    ['application/json, */*', false, 'yaml'],
    ['*/*', true, 'yaml'],
    ['text/html', false, 'yaml'],
    ['text/html', true, 'json'],
  ])('Accept %s (error: %s) → %s', (accept, isError, expected) => {
    expect(negotiateFormat(accept, isError)).toBe(expected);
  });
});
