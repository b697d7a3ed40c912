import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descriptorSchemasFromYang } from './generate';
import { schemaProblems } from './validation';
import { parseYang, toJsonSchema, YangCompiler } from './yang';

describe('descriptor schemas derived from the OSM Release 9 YANG', () => {
  it('are what the generator makes from ../shared/corpus (run scripts/generate-descriptor-schemas.ts after changing it)', () => {
    const generated = descriptorSchemasFromYang();
    for (const kind of ['vnfd', 'nsd', 'nst'] as const) {
      const committed = JSON.parse(readFileSync(join(__dirname, 'schemas', `${kind}.schema.json`), 'utf8'));
      expect(generated[kind]).toEqual(committed);
    }
  });

  it("include OSM's augments (cloud-init-file, day1-2, kdu, mgmt-cp, NSD vim-network-name)", () => {
    const { vnfd, nsd } = descriptorSchemasFromYang() as Record<
      string,
      { properties: Record<string, { items?: { properties: Record<string, unknown> } }> }
    >;
    expect(Object.keys(vnfd.properties)).toEqual(expect.arrayContaining(['kdu', 'mgmt-cp', 'k8s-cluster']));
    expect(Object.keys(vnfd.properties.vdu.items!.properties)).toEqual(
      expect.arrayContaining(['cloud-init-file', 'monitoring-parameter']),
    );
    expect(Object.keys(nsd.properties['virtual-link-desc'].items!.properties)).toContain('vim-network-name');
  });

  it('reject a misspelled field with its path, keep OSM leniencies (version as a number)', () => {
    const base = {
      id: 'v',
      'product-name': 'p',
      provider: 'x',
      version: 1.0,
      vdu: [
        {
          id: 'a',
          'int-cpd': [
            { id: 'c', 'virtual-network-interface-requirement': [{ name: 'eth0', 'virtual-interface': { type: 'VIRTIO' } }] },
          ],
        },
      ],
    };
    expect(schemaProblems('vnfd', base)).toEqual([]);
    const typo = { ...base, vdu: [{ id: 'a', 'int-cdp': [] }] };
    expect(schemaProblems('vnfd', typo)).toEqual([
      { path: 'vnfd.vdu[0].int-cdp', message: expect.stringContaining('not a field') },
    ]);
    expect(schemaProblems('vnfd', { ...base, vdu: [{ name: 'no-key' }] })).toEqual([
      { path: 'vnfd.vdu[0].id', message: 'is required (list key)' },
    ]);
  });
});

describe('YANG compiler', () => {
  it('expands groupings, typedefs, choices and augments (also augments of augments)', () => {
    const a = `module a { prefix a; typedef percent { type uint8; }
      grouping g { leaf x { type percent; } choice c { case one { leaf y { type string; } } leaf z { type boolean; } } }
      container top { uses g; list items { key "id"; leaf id { type string; } } } }`;
    const b = `module b { prefix b; import a { prefix a; }
      augment "/a:top" { container extra { leaf e { type enumeration { enum on; enum off; } } } }
      augment "/a:top/b:extra" { leaf-list tags { type string; } } }`;
    const compiler = new YangCompiler([
      { name: 'a.yang', text: a },
      { name: 'b.yang', text: b },
    ]);
    const schema = toJsonSchema(compiler.compile('a')[0]) as {
      properties: Record<string, { properties?: Record<string, unknown>; items?: { required: string[] } }>;
    };
    expect(Object.keys(schema.properties)).toEqual(['x', 'y', 'z', 'items', 'extra']);
    expect(schema.properties.items.items!.required).toEqual(['id']);
    expect(schema.properties.extra.properties).toEqual({
      e: { enum: ['on', 'off'] },
      tags: { type: 'array', items: { type: ['string', 'number'] } },
    });
  });

  it('reads quoted, concatenated and commented YAML text', () => {
    const s = parseYang(`module m { // c\n description "a" + 'b' /* x */; }`, 'm.yang');
    expect(s.children[0]).toEqual({ keyword: 'description', arg: 'ab', children: [] });
  });
});
