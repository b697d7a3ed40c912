import { isObj, Obj } from '../../common/values';
import sol001v261 from './etsi/sol001-v2.6.1.json';
import sol001v271 from './etsi/sol001-v2.7.1.json';

/**
 * TOSCA type definitions of one package: its own files, the ETSI SOL001 type files (shipped in the package or
 * bundled here for the versions Tacker ships: 2.6.1 and 2.7.1) and the few TOSCA normative root types SOL001
 * derives from. Types are looked up through `derived_from`; properties are merged base first.
 */
export const BUNDLED_SOL001: Record<string, Record<string, Obj>> = {
  '2.6.1': sol001v261 as unknown as Record<string, Obj>,
  '2.7.1': sol001v271 as unknown as Record<string, Obj>,
};
export const DEFAULT_SOL001_VERSION = '2.6.1';
export const ETSI_TYPE_FILE = /^(?:.*\/)?(etsi_nfv_sol001_(?:common|vnfd)_types\.yaml)$/;

export type TypeSection = 'node_types' | 'data_types' | 'capability_types' | 'policy_types' | 'group_types';
const SECTIONS: TypeSection[] = ['node_types', 'data_types', 'capability_types', 'policy_types', 'group_types'];

/** TOSCA Simple Profile normative types SOL001 builds on (only what carries properties SOL001 uses). */
const NORMATIVE: Record<TypeSection, Record<string, Obj>> = {
  node_types: { 'tosca.nodes.Root': {} },
  data_types: { 'tosca.datatypes.Root': {} },
  capability_types: {
    'tosca.capabilities.Root': {},
    'tosca.capabilities.Node': { derived_from: 'tosca.capabilities.Root' },
    'tosca.capabilities.Compute': {
      derived_from: 'tosca.capabilities.Root',
      properties: {
        name: { type: 'string', required: false },
        num_cpus: { type: 'integer', required: false },
        cpu_frequency: { type: 'scalar-unit.frequency', required: false },
        disk_size: { type: 'scalar-unit.size', required: false },
        mem_size: { type: 'scalar-unit.size', required: false },
      },
    },
    'tosca.capabilities.Storage': { derived_from: 'tosca.capabilities.Root', properties: { name: { type: 'string' } } },
  },
  policy_types: {
    'tosca.policies.Root': {},
    'tosca.policies.Placement': { derived_from: 'tosca.policies.Root' },
    'tosca.policies.Scaling': { derived_from: 'tosca.policies.Root' },
    'tosca.policies.Update': { derived_from: 'tosca.policies.Root' },
    'tosca.policies.Performance': { derived_from: 'tosca.policies.Root' },
  },
  group_types: { 'tosca.groups.Root': {} },
};

export interface PropertyDef {
  type: string;
  required?: boolean;
  default?: unknown;
  entry_schema?: { type: string } | string;
}

export class TypeRegistry {
  private readonly types: Record<TypeSection, Map<string, Obj>> = {
    node_types: new Map(),
    data_types: new Map(),
    capability_types: new Map(),
    policy_types: new Map(),
    group_types: new Map(),
  };

  constructor() {
    for (const s of SECTIONS) for (const [name, def] of Object.entries(NORMATIVE[s])) this.types[s].set(name, def);
  }

  /** A definitions file's types; the first definition of a name wins (a package may import a file twice). */
  add(doc: Obj): void {
    for (const s of SECTIONS) {
      const section = doc[s];
      if (!isObj(section)) continue;
      for (const [name, def] of Object.entries(section)) if (isObj(def) && !this.types[s].has(name)) this.types[s].set(name, def);
    }
  }

  has(section: TypeSection, name: string): boolean {
    return this.types[section].has(name);
  }

  /** The type and its ancestors, most derived first; undefined when a type of the chain is not defined. */
  chain(section: TypeSection, name: string): Obj[] | undefined {
    const out: Obj[] = [];
    const seen = new Set<string>();
    let current: string | undefined = name;
    while (current) {
      if (seen.has(current)) return out; // a derivation loop ends here
      seen.add(current);
      const def = this.types[section].get(current);
      if (!def) return undefined;
      out.push({ ...def, __name: current });
      current = typeof def.derived_from === 'string' ? def.derived_from : undefined;
    }
    return out;
  }

  /** Is `name` (or one of its ancestors) `base`? */
  derivesFrom(section: TypeSection, name: string, base: string): boolean {
    return (this.chain(section, name) ?? []).some((t) => t.__name === base);
  }

  /** Properties of the type with those of its ancestors, the most derived definition of each winning. */
  properties(section: TypeSection, name: string): Map<string, PropertyDef> | undefined {
    const chain = this.chain(section, name);
    if (!chain) return undefined;
    const out = new Map<string, PropertyDef>();
    for (const t of [...chain].reverse()) {
      if (!isObj(t.properties)) continue;
      for (const [p, def] of Object.entries(t.properties)) {
        if (isObj(def)) out.set(p, { ...(out.get(p) ?? {}), ...def } as PropertyDef);
      }
    }
    return out;
  }

  /** Capability definitions of a node type (name → capability type), ancestors included. */
  capabilities(nodeType: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const t of [...(this.chain('node_types', nodeType) ?? [])].reverse()) {
      if (!isObj(t.capabilities)) continue;
      for (const [c, def] of Object.entries(t.capabilities)) {
        const type = typeof def === 'string' ? def : isObj(def) ? def.type : undefined;
        if (typeof type === 'string') out.set(c, type);
      }
    }
    return out;
  }
}

/** The bundled ETSI file for a version (as read from a URL or the shipped file's text), or the default one. */
export function bundledTypeFile(file: string, version?: string): { doc: Obj; version: string } {
  const v = version && BUNDLED_SOL001[version] ? version : DEFAULT_SOL001_VERSION;
  return { doc: BUNDLED_SOL001[v][file], version: v };
}
