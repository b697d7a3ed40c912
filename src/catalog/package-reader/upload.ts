import { createHash } from 'node:crypto';
import { DomainError } from '../../common/errors/domain-error';
import { parseYaml, YamlRefused } from '../../common/yaml/safe-parse';
import { DescriptorKind } from '../descriptor-model/validation';
import { ArchiveFiles, ArchiveLimits, readTarGz, readZip } from './archive';
import { translateSol001 } from '../tosca/translate';
import { Csar, locateCsar, verifyManifest } from './csar';
import { verifyDetachedCms } from './signature';

/** What an upload turned out to be, before any validation of the descriptor itself. */
export interface ReadPackage {
  format: 'tar.gz' | 'csar' | 'descriptor';
  /** The descriptor document as parsed (YAML 1.1 or JSON), envelope included. */
  document: unknown;
  /** The descriptor file's text, kept and served as uploaded. */
  text: string;
  /** Top folder of the package ('' for a bare descriptor). */
  pkgDir: string;
  /** Descriptor file name inside pkgDir. */
  descriptorFile: string;
  /** Package files relative to pkgDir. */
  files: Map<string, Buffer>;
  /** The bytes as uploaded (served back by package_content). */
  raw: Buffer;
  contentType: string;
  /** Accepted but worth telling (stale checksums.txt lines, links not followed): the record's `_admin.warnings`. */
  warnings: string[];
  /** A SOL001 (TOSCA) VNFD translated to SOL006: stored and validated instead of `document`. */
  translated?: Record<string, unknown>;
  /** Notes for the record's `_admin` (`sol001`, `manifest`, `signature`). */
  admin?: Record<string, unknown>;
}

/** SOL004 policy (MANO_CSAR_*): manifest and signature requirements, trust anchors. */
export interface CsarPolicy {
  requireManifest?: boolean;
  requireSignature?: boolean;
  trustDir?: string;
}

/** `strict` refuses a package whose OSM checksums.txt does not match; `warn` (OSM Release 8's behaviour) records it. */
export type ChecksumPolicy = 'strict' | 'warn';

const unprocessable = (path: string, detail: string): DomainError =>
  DomainError.unprocessable('PACKAGE.INVALID', detail, [{ path, message: detail }]);

export async function parseDescriptorText(text: string, what: string): Promise<unknown> {
  try {
    return await parseYaml(text);
  } catch (e) {
    if (!(e instanceof YamlRefused)) throw e;
    if (e.kind === 'too-complex')
      throw new DomainError(413, 'PACKAGE.DESCRIPTOR_TOO_COMPLEX', `${what} is refused: ${e.message}`);
    throw DomainError.badRequest('PACKAGE.UNPARSEABLE_DESCRIPTOR', `${what} is not valid YAML/JSON: ${e.message}`);
  }
}

const ZIP_MAGIC = (b: Buffer): boolean => b.length > 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const GZIP_MAGIC = (b: Buffer): boolean => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Reads an upload as OSM does: a .tar.gz with one top folder (descriptor YAML at its root, checksums.txt
 * verified when present), a bare descriptor file (text/plain), or an already parsed YAML/JSON body.
 */
export async function readUpload(
  input: { body: unknown; raw: Buffer; contentType: string; bodyIsRaw: boolean },
  kind: DescriptorKind,
  limits: ArchiveLimits,
  checksums: ChecksumPolicy = 'warn',
  csarPolicy: CsarPolicy = {},
): Promise<ReadPackage> {
  const contentType = input.contentType || 'application/yaml';
  if (contentType === 'application/zip' || (input.bodyIsRaw && ZIP_MAGIC(input.raw))) {
    return readCsar(input.raw, kind, limits, csarPolicy);
  }
  if (contentType === 'multipart/form-data') {
    throw new DomainError(
      415,
      'PACKAGE.UNSUPPORTED_FORMAT',
      'multipart/form-data uploads are not supported; send the package as the body (application/gzip)',
    );
  }
  if (!input.bodyIsRaw) {
    // application/yaml or json: the body is the descriptor itself
    const text = input.raw.length ? input.raw.toString('utf8') : '';
    if (typeof input.body !== 'object' || input.body === null || Object.keys(input.body).length === 0) {
      throw unprocessable('package', 'the body holds no descriptor');
    }
    return bareDescriptor(input.body, text);
  }
  if (input.raw.length === 0) throw unprocessable('package', 'the body is empty: send the package or descriptor file');
  if (GZIP_MAGIC(input.raw) || contentType === 'application/gzip' || contentType === 'application/x-gzip') {
    return readOsmPackage(input.raw, kind, limits, contentType, checksums);
  }
  const text = input.raw.toString('utf8');
  return bareDescriptor(await parseDescriptorText(text, 'the descriptor'), text);

  function bareDescriptor(document: unknown, text: string): ReadPackage {
    return {
      format: 'descriptor',
      document,
      text,
      pkgDir: '',
      descriptorFile: `${kind}.yaml`,
      files: new Map(),
      raw: input.raw,
      contentType,
      warnings: [],
    };
  }
}

/** A SOL004 CSAR: integrity first (TOSCA.meta, manifest, hashes), then the entry descriptor (SOL006, or SOL001 translated). */
async function readCsar(
  raw: Buffer,
  kind: DescriptorKind,
  limits: ArchiveLimits,
  policy: CsarPolicy,
  outer?: Record<string, unknown>,
): Promise<ReadPackage> {
  const archive = await readZip(raw, limits);
  const wrapped = signedWrapper(archive);
  if (wrapped && !outer) {
    // SOL004 option 2: the whole CSAR signed; then the inner CSAR is read as any other (its manifest may be signed too)
    const signature = await verifyDetachedCms({ ...wrapped, trustDir: policy.trustDir, option: 2 });
    const inner = await readCsar(wrapped.content, kind, limits, policy, signature);
    return { ...inner, raw, warnings: [...archive.warnings, ...inner.warnings] };
  }
  const csar = locateCsar(archive, policy.requireManifest === true);
  verifyManifest(archive, csar, kind);
  const admin: Record<string, unknown> = {};
  const manifestSignature = await signatureOfManifest(archive, csar, policy);
  admin.signature = outer
    ? { ...outer, ...(manifestSignature ? { 'manifest-signature': manifestSignature } : {}) }
    : (manifestSignature ?? { status: 'unsigned' });
  if (!outer && !manifestSignature && policy.requireSignature)
    throw DomainError.unprocessable(
      'PACKAGE.UNSIGNED',
      'the CSAR is not signed (MANO_CSAR_REQUIRE_SIGNATURE=true): sign its manifest (CMS in the .mf or a .cms file) or the whole CSAR (SOL004 option 2)',
      [{ path: csar.manifest ?? 'package', message: 'no CMS signature' }],
    );
  if (!csar.manifest)
    admin.manifest =
      'none: TOSCA.meta names no ETSI-Entry-Manifest, so no file hash was checked (MANO_CSAR_REQUIRE_MANIFEST=true refuses this)';
  const text = archive.files.get(csar.entryDefinitions)!.toString('utf8');
  const document = await parseDescriptorText(text, csar.entryDefinitions);
  let translated: Record<string, unknown> | undefined;
  if (typeof document === 'object' && document !== null && 'tosca_definitions_version' in document) {
    if (kind !== 'vnfd')
      throw DomainError.unprocessable(
        'PACKAGE.SOL001_UNSUPPORTED',
        `${csar.entryDefinitions} is a SOL001 (TOSCA) descriptor: only SOL001 VNF packages are read; put a SOL006 (OSM) ${kind} in the CSAR`,
        [{ path: csar.entryDefinitions, message: `SOL001 ${kind} is not supported` }],
      );
    const sol001 = await translateSol001(
      archive.files,
      csar.entryDefinitions,
      document as Record<string, unknown>,
      parseDescriptorText,
    );
    translated = sol001.descriptor;
    admin.sol001 = sol001.admin;
  }
  return {
    format: 'csar',
    document,
    text,
    pkgDir: '',
    descriptorFile: csar.entryDefinitions,
    files: archive.files,
    raw,
    contentType: 'application/zip',
    warnings: archive.warnings,
    translated,
    admin,
  };
}

/** SOL004 option 2: a zip holding `<name>.csar`, its detached CMS (`.cms`) and usually the certificate (`.cert`). */
function signedWrapper(
  archive: ArchiveFiles,
): { file: string; cms: Buffer; content: Buffer; certificate?: { file: string; data: Buffer } } | undefined {
  if (archive.files.has('TOSCA-Metadata/TOSCA.meta')) return undefined;
  const root = [...archive.files.keys()].filter((f) => !f.includes('/'));
  const csars = root.filter((f) => /\.csar$/i.test(f));
  if (csars.length !== 1) return undefined;
  const base = csars[0].replace(/\.csar$/i, '');
  const pick = (ext: RegExp, preferred: string) =>
    archive.files.has(preferred)
      ? preferred
      : root.filter((f) => ext.test(f)).length === 1
        ? root.find((f) => ext.test(f))
        : undefined;
  const cms = pick(/\.(cms|p7s)$/i, `${base}.cms`);
  if (!cms)
    throw DomainError.unprocessable(
      'PACKAGE.SIGNATURE_INVALID',
      `invalid package signature: ${csars[0]} is wrapped in a zip without its CMS signature (<name>.cms)`,
      [{ path: csars[0], message: 'no .cms signature next to it' }],
    );
  const cert = pick(/\.(cert|crt|pem)$/i, `${base}.cert`);
  return {
    file: cms,
    cms: archive.files.get(cms)!,
    content: archive.files.get(csars[0])!,
    certificate: cert ? { file: cert, data: archive.files.get(cert)! } : undefined,
  };
}

/** SOL004 option 1: the manifest signed, its CMS at the end of the .mf or in a .cms file of the same name. */
async function signatureOfManifest(
  archive: ArchiveFiles,
  csar: Csar,
  policy: CsarPolicy,
): Promise<Record<string, unknown> | undefined> {
  if (!csar.manifest) return undefined;
  const mf = archive.files.get(csar.manifest)!;
  const marker = mf.indexOf('-----BEGIN CMS-----');
  const cmsFile = csar.manifest.replace(/\.mf$/i, '.cms');
  const certFile = csar.certificate ?? [csar.manifest.replace(/\.mf$/i, '.cert')].find((f) => archive.files.has(f));
  const certificate = certFile ? { file: certFile, data: archive.files.get(certFile)! } : undefined;
  const base = { certificate, trustDir: policy.trustDir, option: 1 as const };
  // the signed content is the manifest up to the CMS block (or the whole manifest for a separate .cms)
  if (marker >= 0)
    return verifyDetachedCms({ ...base, file: csar.manifest, cms: mf.subarray(marker), content: mf.subarray(0, marker) });
  if (archive.files.has(cmsFile))
    return verifyDetachedCms({ ...base, file: cmsFile, cms: archive.files.get(cmsFile)!, content: mf });
  return undefined;
}

async function readOsmPackage(
  raw: Buffer,
  kind: DescriptorKind,
  limits: ArchiveLimits,
  contentType: string,
  checksums: ChecksumPolicy,
): Promise<ReadPackage> {
  const archive = await readTarGz(raw, limits);
  const tops = new Set([...archive.files.keys(), ...archive.directories].map((p) => p.split('/')[0]));
  if (tops.size !== 1)
    throw unprocessable(
      'package',
      `an OSM package has exactly one top-level folder; this one has ${tops.size}: ${[...tops].slice(0, 5).join(', ')}`,
    );
  const [pkgDir] = tops;
  const files = new Map<string, Buffer>();
  for (const [path, content] of archive.files) {
    if (path === pkgDir) throw unprocessable('package', `the top-level entry '${pkgDir}' must be a folder`);
    files.set(path.slice(pkgDir.length + 1), content);
  }
  const candidates = [...files.keys()].filter((p) => !p.includes('/') && /\.(ya?ml)$/i.test(p));
  const preferred = candidates.filter((p) => p.toLowerCase().includes(kind));
  const chosen = candidates.length === 1 ? candidates : preferred;
  if (chosen.length !== 1) {
    throw unprocessable(
      'package',
      candidates.length === 0
        ? `no descriptor (.yaml) at the root of folder '${pkgDir}'`
        : `several descriptors at the root of '${pkgDir}' (${candidates.join(', ')}); keep one`,
    );
  }
  const descriptorFile = chosen[0];
  const warnings = [...archive.warnings, ...verifyChecksums(files, pkgDir, checksums)];
  const text = files.get(descriptorFile)!.toString('utf8');
  return {
    format: 'tar.gz',
    document: await parseDescriptorText(text, descriptorFile),
    text,
    pkgDir,
    descriptorFile,
    files,
    raw,
    contentType,
    warnings,
  };
}

/**
 * `checksums.txt`: "<md5> <path>" per line, path relative to the archive root (or the package folder).
 * Many real packages carry one that no longer matches a file edited after packing, which OSM Release 8 onboards:
 * by default the problems come back as warnings; `strict` refuses them.
 */
function verifyChecksums(files: Map<string, Buffer>, pkgDir: string, policy: ChecksumPolicy): string[] {
  const list = files.get('checksums.txt');
  if (!list) return [];
  const problems: string[] = [];
  list
    .toString('utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .forEach((line) => {
      const m = /^([0-9a-fA-F]{32})\s+(.+)$/.exec(line);
      if (!m) return problems.push(`checksums.txt: unreadable line '${line.slice(0, 80)}'`);
      const path = m[2].startsWith(`${pkgDir}/`) ? m[2].slice(pkgDir.length + 1) : m[2];
      const content = files.get(path);
      if (!content) return problems.push(`checksums.txt lists '${m[2]}', which is not in the package`);
      const md5 = createHash('md5').update(content).digest('hex');
      if (md5 !== m[1].toLowerCase())
        problems.push(`checksum mismatch for '${m[2]}': checksums.txt says ${m[1]}, the file has ${md5}`);
    });
  if (problems.length && policy === 'strict') {
    throw DomainError.unprocessable(
      'PACKAGE.CHECKSUM_MISMATCH',
      problems.join('; '),
      problems.map((message) => ({ path: 'checksums.txt', message })),
    );
  }
  return problems;
}

export const md5Hex = (b: Buffer): string => createHash('md5').update(b).digest('hex');
