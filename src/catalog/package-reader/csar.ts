import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { DomainError, FieldProblem } from '../../common/errors/domain-error';
import { DescriptorKind } from '../descriptor-model/validation';
import { ArchiveFiles } from './archive';

/**
 * SOL004 CSAR checks, run before the descriptor is looked at: TOSCA.meta (or the single-root-YAML variant),
 * the manifest's metadata, and every `Source`/`Algorithm`/`Hash` entry against the files.
 * (A CMS signature block, when present, is not verified.)
 */
export interface Csar {
  entryDefinitions: string;
  /** Absent only for a TOSCA.meta without ETSI-Entry-Manifest (Tacker's own layout), when that is allowed. */
  manifest?: string;
  /** ETSI-Entry-Certificate (or `<name>.cert` next to a root YAML): the signer's certificate, when shipped. */
  certificate?: string;
}

const ALGORITHMS: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
const REQUIRED_METADATA: Record<DescriptorKind, string[][]> = {
  // a VNF package's manifest, or (either set) an NS package's
  vnfd: [['vnf_provider_id', 'vnf_product_name', 'vnf_release_date_time', 'vnf_package_version']],
  nsd: [
    ['nsd_designer', 'nsd_invariant_id', 'nsd_name', 'nsd_release_date_time', 'nsd_file_structure_version'],
    ['vnf_provider_id', 'vnf_product_name', 'vnf_release_date_time', 'vnf_package_version'],
  ],
  nst: [],
};

const refuse = (problems: FieldProblem[]): DomainError =>
  DomainError.invalidFields('PACKAGE.CSAR_INVALID', problems, 'invalid SOL004 package: ');

/** `key: value` lines (TOSCA.meta blocks, manifest metadata). */
function keyValues(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9_-]+)\s*:\s*(.*)$/.exec(line.trim());
    if (m) out.set(m[1], m[2].trim());
  }
  return out;
}

export function locateCsar(archive: ArchiveFiles, requireManifest = true): Csar {
  const meta = archive.files.get('TOSCA-Metadata/TOSCA.meta');
  if (meta) {
    const kv = keyValues(meta.toString('utf8'));
    const problems: FieldProblem[] = [];
    const entry = kv.get('Entry-Definitions');
    const manifest = kv.get('ETSI-Entry-Manifest');
    if (!entry) problems.push({ path: 'TOSCA-Metadata/TOSCA.meta', message: 'Entry-Definitions is missing' });
    else if (!archive.files.has(entry))
      problems.push({ path: 'TOSCA-Metadata/TOSCA.meta', message: `Entry-Definitions '${entry}' is not in the package` });
    if (!manifest) {
      if (requireManifest)
        problems.push({
          path: 'TOSCA-Metadata/TOSCA.meta',
          message: 'ETSI-Entry-Manifest is missing (required: MANO_CSAR_REQUIRE_MANIFEST=true)',
        });
    } else if (!archive.files.has(manifest))
      problems.push({ path: 'TOSCA-Metadata/TOSCA.meta', message: `ETSI-Entry-Manifest '${manifest}' is not in the package` });
    for (const key of ['ETSI-Entry-Change-Log', 'ETSI-Entry-Licenses', 'ETSI-Entry-Certificate']) {
      const v = kv.get(key);
      if (v && !archive.files.has(v) && ![...archive.files.keys()].some((f) => f.startsWith(`${v.replace(/\/$/, '')}/`))) {
        problems.push({ path: 'TOSCA-Metadata/TOSCA.meta', message: `${key} '${v}' is not in the package` });
      }
    }
    problems.push(...metaFileBlocks(archive, meta.toString('utf8')));
    if (problems.length) throw refuse(problems);
    const certificate = kv.get('ETSI-Entry-Certificate');
    return {
      entryDefinitions: entry!,
      manifest,
      certificate: certificate && archive.files.has(certificate) ? certificate : undefined,
    };
  }
  // no TOSCA-Metadata: one YAML at the root, and a manifest of the same base name
  const roots = [...archive.files.keys()].filter((f) => !f.includes('/') && /\.ya?ml$/i.test(f));
  if (roots.length !== 1) {
    throw refuse([
      {
        path: 'package',
        message: `without TOSCA-Metadata/TOSCA.meta the package needs exactly one YAML file at its root (found ${roots.length})`,
      },
    ]);
  }
  const manifest = roots[0].replace(/\.ya?ml$/i, '.mf');
  if (!archive.files.has(manifest))
    throw refuse([{ path: 'package', message: `manifest '${manifest}' (named after '${roots[0]}') is not in the package` }]);
  const certificate = roots[0].replace(/\.ya?ml$/i, '.cert');
  return { entryDefinitions: roots[0], manifest, certificate: archive.files.has(certificate) ? certificate : undefined };
}

/** TOSCA-Meta 1.0 per-file blocks (`Name`, `Content-Type`, `Algorithm`, `Hash`), as Tacker checks them. */
function metaFileBlocks(archive: ArchiveFiles, text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = 'TOSCA-Metadata/TOSCA.meta';
  for (const block of text.split(/\r?\n\s*\r?\n/).slice(1)) {
    const kv = keyValues(block);
    const name = kv.get('Name');
    if (name === undefined) continue;
    if (/^[a-z]+:\/\//i.test(name)) continue; // external artifacts cannot be checked here
    const file = archive.files.get(posix.normalize(name));
    if (!file) {
      problems.push({ path: at, message: `Name '${name}' is not in the package` });
      continue;
    }
    const algorithm = kv.get('Algorithm');
    const hash = kv.get('Hash');
    if (!algorithm) problems.push({ path: at, message: `Name '${name}': the Algorithm key is missing or empty` });
    else if (!ALGORITHMS[algorithm.toUpperCase()])
      problems.push({ path: at, message: `Name '${name}': unknown algorithm '${algorithm}' (SHA-256, SHA-384 or SHA-512)` });
    if (!hash) problems.push({ path: at, message: `Name '${name}': the Hash key is missing or empty` });
    else if (algorithm && ALGORITHMS[algorithm.toUpperCase()]) {
      const actual = createHash(ALGORITHMS[algorithm.toUpperCase()]).update(file).digest('hex');
      if (actual !== hash.toLowerCase()) problems.push({ path: at, message: `Name '${name}': ${algorithm} hash mismatch` });
    }
  }
  return problems;
}

/** The manifest's metadata and every artifact's hash. Every problem is reported, each naming its file. */
export function verifyManifest(archive: ArchiveFiles, csar: Csar, kind: DescriptorKind): void {
  if (!csar.manifest) return;
  const text = archive.files
    .get(csar.manifest)!
    .toString('utf8')
    .split(/-----BEGIN CMS-----/)[0];
  const problems: FieldProblem[] = [];
  const at = csar.manifest;
  const blocks = text
    .split(/\r?\n\s*\r?\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  const metaBlock = blocks.find((b) => /^metadata\s*:/m.test(b));
  if (!metaBlock) {
    problems.push({ path: at, message: 'the metadata block is missing' });
  } else {
    const kv = keyValues(metaBlock.replace(/^metadata\s*:/m, ''));
    const sets = REQUIRED_METADATA[kind];
    const best = sets.map((set) => set.filter((k) => !kv.has(k))).sort((a, b) => a.length - b.length)[0] ?? [];
    for (const key of best) problems.push({ path: at, message: `metadata key '${key}' is missing` });
    for (const [key, value] of kv) if (value === '') problems.push({ path: at, message: `metadata key '${key}' has no value` });
  }
  for (const block of blocks) {
    if (!/^Source\s*:/m.test(block)) continue;
    const kv = keyValues(block);
    const source = kv.get('Source');
    if (!source) {
      problems.push({ path: at, message: 'a Source entry has no value' });
      continue;
    }
    if (/^[a-z]+:\/\//i.test(source)) continue; // external artifacts cannot be checked here
    const file = archive.files.get(posix.normalize(source));
    if (!file) {
      problems.push({ path: at, message: `Source '${source}' is not in the package` });
      continue;
    }
    const algorithm = kv.get('Algorithm');
    const hash = kv.get('Hash');
    if (algorithm === undefined) problems.push({ path: at, message: `Source '${source}': the Algorithm key is missing` });
    else if (algorithm === '') problems.push({ path: at, message: `Source '${source}': Algorithm has no value` });
    else if (!ALGORITHMS[algorithm.toUpperCase()])
      problems.push({ path: at, message: `Source '${source}': unknown algorithm '${algorithm}' (SHA-256, SHA-384 or SHA-512)` });
    if (hash === undefined) problems.push({ path: at, message: `Source '${source}': the Hash key is missing` });
    else if (hash === '') problems.push({ path: at, message: `Source '${source}': Hash has no value` });
    if (algorithm && hash && ALGORITHMS[algorithm.toUpperCase()]) {
      const actual = createHash(ALGORITHMS[algorithm.toUpperCase()]).update(file).digest('hex');
      if (actual !== hash.toLowerCase())
        problems.push({
          path: at,
          message: `Source '${source}': ${algorithm} hash mismatch (manifest ${hash.slice(0, 16)}…, file ${actual.slice(0, 16)}…)`,
        });
    }
  }
  if (problems.length) throw refuse(problems);
}
