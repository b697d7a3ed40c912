import { isDeepStrictEqual } from 'node:util';
import { DomainError, FieldProblem } from '../../common/errors/domain-error';
import { isObj, Obj } from '../../common/values';
import { FlavourParts, HANDLED, translateFlavour } from './flavour';
import { readTosca, TextParser, ToscaFile } from './reader';
import { validateTemplates } from './validate';
import { compact, resolveInputs } from './values';

/** A SOL001 VNFD as our SOL006 model, with what the translation kept aside (the record's `_admin.sol001`). */
export interface Sol001Translation {
  descriptor: Obj;
  admin: Obj;
}

const invalid = (problems: FieldProblem[]): DomainError =>
  DomainError.invalidFields('VNFD.SOL001_INVALID', problems, 'invalid SOL001 VNFD: ');

/** Folders Tacker packages keep for its own drivers (Heat templates, user-data and Mgmt driver scripts). */
const DRIVER_FOLDERS = /^(BaseHOT|UserData|Scripts|Files\/kubernetes)\//;

/**
 * Reads a SOL001 VNFD (entry definitions + imports), validates its templates against their types, and maps it
 * to SOL006: one `df` per flavour file (Tacker's layout: a top file with the abstract VNF, one file per
 * flavour with `substitution_mappings`), VDUs and the rest merged across flavours.
 */
export async function translateSol001(
  files: Map<string, Buffer>,
  entryPath: string,
  entryDoc: Obj,
  parse: TextParser,
): Promise<Sol001Translation> {
  const pkg = await readTosca(files, entryPath, entryDoc, parse);
  const typeProblems = validateTemplates(pkg);
  if (typeProblems.length) throw invalid(typeProblems);
  const { types } = pkg;
  const isVnf = (n: unknown) => isObj(n) && types.derivesFrom('node_types', String(n.type), 'tosca.nodes.nfv.VNF');
  const templateOf = (f: ToscaFile): Obj | undefined => (isObj(f.doc.topology_template) ? f.doc.topology_template : undefined);
  const ownFiles = pkg.files.filter((f) => !f.path.startsWith('bundled:'));
  const flavourFiles = ownFiles.filter((f) => isObj(templateOf(f)?.substitution_mappings));
  const top = templateOf(pkg.entry);
  const unresolved = new Set<string>();
  const nodesOf = (tpl: Obj | undefined): Record<string, Obj> =>
    isObj(tpl?.node_templates) ? (tpl!.node_templates as Record<string, Obj>) : {};

  // the abstract VNF: its type's defaults, then the top template's values
  const topVnfEntry = Object.entries(nodesOf(top)).find(([, n]) => isVnf(n));
  const vnfType = String(
    (isObj(flavourFiles[0] && templateOf(flavourFiles[0])!.substitution_mappings)
      ? (templateOf(flavourFiles[0])!.substitution_mappings as Obj).node_type
      : undefined) ?? topVnfEntry?.[1].type,
  );
  const defaults: Obj = {};
  for (const [name, def] of types.properties('node_types', vnfType) ?? new Map())
    if (def.default !== undefined) defaults[name] = def.default;
  const topInputs = isObj(top?.inputs) ? top!.inputs : {};
  const topProps = resolveInputs(
    isObj(topVnfEntry?.[1].properties) ? topVnfEntry![1].properties : {},
    topInputs,
    (name) => defaults[name],
    (name) => unresolved.add(`${pkg.entry.path}: ${name}`),
  ) as Obj;
  const abstract = (name: string) => (topProps[name] !== undefined ? topProps[name] : defaults[name]);

  const flavours: { id: string; file: string; parts: FlavourParts; description?: string; vnf: Obj }[] = [];
  const problems: FieldProblem[] = [];
  const sources = flavourFiles.length ? flavourFiles : [pkg.entry];
  for (const file of sources) {
    const tpl = templateOf(file) ?? {};
    const at = `${file.path}: topology_template`;
    const inputs = isObj(tpl.inputs) ? tpl.inputs : {};
    const resolve = (v: unknown) => resolveInputs(v, inputs, abstract, (name) => unresolved.add(`${file.path}: ${name}`));
    const nodes: Record<string, Obj> = {};
    for (const [name, node] of Object.entries(nodesOf(tpl)))
      nodes[name] = { ...node, properties: resolve(node.properties ?? {}), capabilities: resolve(node.capabilities ?? {}) };
    const policies: [string, Obj][] = (Array.isArray(tpl.policies) ? tpl.policies : isObj(tpl.policies) ? [tpl.policies] : [])
      .filter(isObj)
      .flatMap((p) => Object.entries(p))
      .filter((e): e is [string, Obj] => isObj(e[1]))
      .map(([n, p]) => [n, { ...p, properties: resolve(p.properties ?? {}) }]);
    const groups = isObj(tpl.groups) ? (tpl.groups as Record<string, Obj>) : {};
    const mappings = isObj(tpl.substitution_mappings) ? tpl.substitution_mappings : undefined;
    const vnfNode = Object.values(nodes).find(isVnf);
    const vnfProps = { ...defaults, ...topProps, ...((vnfNode?.properties as Obj) ?? {}) };
    const mapped = isObj(mappings?.properties) ? (mappings!.properties as Obj) : {};
    const id = String(
      mapped.flavour_id ?? (vnfNode?.properties as Obj | undefined)?.flavour_id ?? defaults.flavour_id ?? 'default',
    );
    if (flavours.some((f) => f.id === id)) {
      problems.push({ path: `${at}.substitution_mappings.properties.flavour_id`, message: `flavour '${id}' is defined twice` });
      continue;
    }
    const parts = translateFlavour(id, nodes, policies, groups, mappings, types, at);
    problems.push(...parts.problems);
    flavours.push({ id, file: file.path, parts, description: vnfProps.flavour_description as string | undefined, vnf: vnfProps });
  }
  if (!flavours.some((f) => f.parts.vdu.length))
    problems.push({
      path: `${pkg.entry.path}: topology_template`,
      message: 'no flavour defines a Vdu.Compute: nothing to deploy',
    });
  const first = flavours[0]?.vnf ?? { ...defaults, ...topProps };
  if (first.descriptor_id === undefined || first.descriptor_id === null)
    problems.push({ path: `${pkg.entry.path}: VNF.properties.descriptor_id`, message: 'is required (the VNFD id)' });
  if (problems.length) throw invalid(problems);

  // the flavour the top template (or the VNF type) selects comes first: it is the one deployed by default
  const preferred = abstract('flavour_id');
  flavours.sort((a, b) => Number(b.id === String(preferred)) - Number(a.id === String(preferred)));
  const notTranslated: string[] = [];
  const merge = (key: keyof FlavourParts, what: string): Obj[] => {
    const out = new Map<string, Obj>();
    for (const f of flavours) {
      for (const item of f.parts[key] as Obj[]) {
        const id = String(item.id);
        const had = out.get(id);
        if (!had) out.set(id, item);
        else if (key === 'vls') (had.flavour as Obj[]).push(...(item.flavour as Obj[]));
        else if (key === 'vdu' && !isDeepStrictEqual(had, item)) {
          // a VDU shared by flavours gets the connection points and storage of each
          const cpds = (had['int-cpd'] as Obj[] | undefined) ?? [];
          for (const c of (item['int-cpd'] as Obj[] | undefined) ?? []) {
            const same = cpds.find((x) => x.id === c.id);
            if (!same) cpds.push(c);
            else if (!isDeepStrictEqual(same, c))
              notTranslated.push(`VDU ${id}: int-cpd ${String(c.id)} differs in flavour '${f.id}'; the first definition is kept`);
          }
          if (cpds.length) had['int-cpd'] = cpds;
          const storages = new Set([
            ...((had['virtual-storage-desc'] as string[]) ?? []),
            ...((item['virtual-storage-desc'] as string[]) ?? []),
          ]);
          if (storages.size) had['virtual-storage-desc'] = [...storages];
          const rest = (o: Obj) => ({ ...o, 'int-cpd': undefined, 'virtual-storage-desc': undefined });
          if (!isDeepStrictEqual(rest(had), rest(item)))
            notTranslated.push(
              `VDU ${id}: flavour '${f.id}' defines it differently; the definition of flavour '${flavours[0].id}' is kept`,
            );
        } else if (!isDeepStrictEqual(had, item))
          notTranslated.push(
            `${what} ${id}: flavour '${f.id}' defines it differently; the definition of flavour '${flavours[0].id}' is kept`,
          );
      }
    }
    return [...out.values()];
  };
  const descriptor = compact({
    id: String(first.descriptor_id),
    provider: first.provider === undefined ? undefined : String(first.provider),
    'product-name': first.product_name === undefined ? undefined : String(first.product_name),
    'software-version': first.software_version === undefined ? undefined : String(first.software_version),
    version: first.descriptor_version === undefined ? undefined : String(first.descriptor_version),
    'vnfm-info': Array.isArray(first.vnfm_info) ? first.vnfm_info.map(String) : undefined,
    'product-info-name': first.product_info_name === undefined ? undefined : String(first.product_info_name),
    'product-info-description': first.product_info_description === undefined ? undefined : String(first.product_info_description),
    'localization-language': Array.isArray(first.localization_languages) ? first.localization_languages.map(String) : undefined,
    'default-localization-language':
      first.default_localization_language === undefined ? undefined : String(first.default_localization_language),
    description: typeof pkg.entry.doc.description === 'string' ? pkg.entry.doc.description : undefined,
    vdu: merge('vdu', 'VDU'),
    'virtual-compute-desc': merge('computes', 'virtual-compute-desc'),
    'virtual-storage-desc': merge('storages', 'virtual-storage-desc'),
    'sw-image-desc': merge('images', 'sw-image-desc'),
    'int-virtual-link-desc': merge('vls', 'int-virtual-link-desc'),
    'ext-cpd': merge('extCpds', 'ext-cpd'),
    df: flavours.map((f) =>
      compact({ ...f.parts.df, description: f.description === undefined ? undefined : String(f.description) }),
    ),
  });
  for (const f of flavours) notTranslated.push(...f.parts.notTranslated.map((n) => `flavour '${f.id}': ${n}`));
  const topLeft = Object.keys(topProps).filter((p) => !HANDLED.vnf.includes(p) && topProps[p] !== undefined);
  if (topLeft.length) notTranslated.push(`${pkg.entry.path}: VNF properties ${topLeft.join(', ')}: no SOL006 counterpart`);
  for (const u of unresolved) notTranslated.push(`get_input ${u}: no default value, left out`);
  return {
    descriptor,
    admin: compact({
      model: 'ETSI NFV SOL001 (TOSCA Simple Profile YAML), translated to SOL006',
      entry: pkg.entry.path,
      flavours: Object.fromEntries(flavours.map((f) => [f.id, f.file])),
      types: Object.keys(pkg.typeSources).length ? pkg.typeSources : undefined,
      'external-requirements': Object.fromEntries(flavours.map((f) => [f.id, f.parts.externalRequirements])),
      'not-translated': notTranslated,
      'not-executed': notExecuted(ownFiles, files),
    }),
  };
}

/**
 * LCM interface operations (Tacker's Mgmt driver hooks), VNF artifacts and driver folders: kept in the package,
 * never run here. Listed so that nothing is dropped silently.
 */
function notExecuted(own: ToscaFile[], files: Map<string, Buffer>): string[] {
  const out: string[] = [];
  for (const { path, doc } of own) {
    const tpl = doc.topology_template;
    if (!isObj(tpl) || !isObj(tpl.node_templates)) continue;
    for (const [name, node] of Object.entries(tpl.node_templates)) {
      if (!isObj(node)) continue;
      for (const [iface, ops] of Object.entries(isObj(node.interfaces) ? node.interfaces : {})) {
        for (const [op, body] of Object.entries(isObj(ops) ? ops : {})) {
          if (op === 'type' || op === 'inputs') continue;
          const impl = isObj(body) ? body.implementation : body;
          if (impl === undefined || (Array.isArray(impl) && impl.length === 0)) continue;
          out.push(`${path}: ${name}.interfaces.${iface}.${op} → ${typeof impl === 'string' ? impl : JSON.stringify(impl)}`);
        }
      }
      for (const [artifact, a] of Object.entries(isObj(node.artifacts) ? node.artifacts : {})) {
        const type = isObj(a) ? String(a.type ?? '') : '';
        if (type === 'tosca.artifacts.nfv.SwImage') continue;
        out.push(`${path}: ${name}.artifacts.${artifact} (${type || 'artifact'}) → ${isObj(a) ? String(a.file) : String(a)}`);
      }
    }
  }
  const driverFiles = [...files.keys()].filter((f) => DRIVER_FOLDERS.test(f)).sort();
  if (driverFiles.length) out.push(`package files for Tacker's drivers (Heat, user data, scripts): ${driverFiles.join(', ')}`);
  return out;
}
