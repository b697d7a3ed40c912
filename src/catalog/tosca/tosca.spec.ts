import { parse } from 'yaml';
import { readTosca } from './reader';
import { validateTemplates } from './validate';
import { gib, resolveInputs, wholeGib } from './values';

const parser = async (text: string) => parse(text, { version: '1.1' }) as unknown;
const files = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)]));
const VERSION = 'tosca_definitions_version: tosca_simple_yaml_1_2\n';

describe('SOL001 reader helpers', () => {
  it('converts scalar-unit.size to GB as OpenStack flavors count them', () => {
    expect(gib('512 MB')).toBe(0.5);
    expect(gib('1 GiB')).toBe(1);
    expect(gib('2 TB')).toBe(2048);
    expect(gib('12')).toBeUndefined();
    expect(wholeGib('1869 MB')).toBe(2);
  });

  it('resolves get_input from defaults, then the fallback, and reports the rest', () => {
    const missing: string[] = [];
    const out = resolveInputs(
      { a: { get_input: 'x' }, b: [{ get_input: 'y' }], c: { get_input: 'z' } },
      { x: { type: 'string', default: 'dx' } },
      (n) => (n === 'y' ? 'fy' : undefined),
      (n) => missing.push(n),
    );
    expect(out).toEqual({ a: 'dx', b: ['fy'], c: undefined });
    expect(missing).toEqual(['z']);
  });

  it('resolves the ETSI type files from the bundle and validates properties through derived_from', async () => {
    const entry = `${VERSION}imports: [etsi_nfv_sol001_common_types.yaml, etsi_nfv_sol001_vnfd_types.yaml]
topology_template:
  node_templates:
    VDU1:
      type: tosca.nodes.nfv.Vdu.Compute
      properties:
        name: VDU1
        vdu_profile: { min_number_of_instances: one, max_number_of_instances: 2 }
        sw_image_data: { name: img, size: huge }
      capabilities:
        virtual_compute:
          properties:
            virtual_memory: { virtual_mem_size: 512 MB, colour: red }
`;
    const pkg = await readTosca(files({}), 'Definitions/top.yaml', parse(entry, { version: '1.1' }), parser);
    expect(pkg.typeSources).toEqual({
      'Definitions/etsi_nfv_sol001_common_types.yaml': 'bundled SOL001 v2.6.1 (not in the package)',
      'Definitions/etsi_nfv_sol001_vnfd_types.yaml': 'bundled SOL001 v2.6.1 (not in the package)',
    });
    const at = 'Definitions/top.yaml: topology_template.node_templates.VDU1';
    expect(validateTemplates(pkg)).toEqual([
      { path: `${at}.properties.vdu_profile.min_number_of_instances`, message: 'must be an integer' },
      { path: `${at}.properties.sw_image_data.size`, message: 'must be a scalar-unit.size ("<number> <unit>")' },
      {
        path: `${at}.capabilities.virtual_compute.properties.virtual_memory.colour`,
        message: 'unknown property (not defined by its type)',
      },
    ]);
  });

  it('never reads outside the package nor from a URL, and refuses a missing import', async () => {
    const read = (imports: string) =>
      readTosca(files({}), 'Definitions/top.yaml', parse(`${VERSION}imports: [${imports}]`, { version: '1.1' }), parser);
    await expect(read('../../etc/passwd')).rejects.toMatchObject({ message: expect.stringMatching(/leaves the package/) });
    await expect(read('https://example.com/types.yaml')).rejects.toMatchObject({ message: expect.stringMatching(/is a URL/) });
    await expect(read('types.yaml')).rejects.toMatchObject({
      message: expect.stringMatching(/'types.yaml' is not in the package/),
    });
    // an ETSI URL is served from the bundle, at the version it names
    const pkg = await read('https://forge.etsi.org/rep/nfv/SOL001/raw/v2.7.1/etsi_nfv_sol001_vnfd_types.yaml');
    expect(Object.values(pkg.typeSources)).toEqual(['bundled SOL001 v2.7.1 (not in the package)']);
  });
});
