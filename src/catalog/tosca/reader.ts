import { posix } from 'node:path';
import { DomainError } from '../../common/errors/domain-error';
import { isObj, Obj } from '../../common/values';
import { bundledTypeFile, ETSI_TYPE_FILE, TypeRegistry } from './types';

/** A parsed definitions file of the package (or a bundled ETSI type file, path `bundled:…`). */
export interface ToscaFile {
  path: string;
  doc: Obj;
}

/** A SOL001 VNFD with its imports resolved. */
export interface ToscaPackage {
  entry: ToscaFile;
  /** Every file that was read, entry first, then in import order (depth first). */
  files: ToscaFile[];
  types: TypeRegistry;
  /** Where each ETSI type file came from (the package, or bundled and why). */
  typeSources: Record<string, string>;
}

export type TextParser = (text: string, what: string) => Promise<unknown>;

const VERSIONS = new Set(['tosca_simple_yaml_1_0', 'tosca_simple_yaml_1_1', 'tosca_simple_yaml_1_2', 'tosca_simple_yaml_1_3']);
const MAX_FILES = 64;

export const toscaError = (path: string, message: string): DomainError =>
  DomainError.unprocessable('VNFD.SOL001_INVALID', `invalid SOL001 VNFD: ${path}: ${message}`, [{ path, message }]);

/** `imports` entries: a file name, `{file: …}`, or `{name: {file: …}}` (TOSCA 1.0 style). */
function importTargets(doc: Obj, at: string): string[] {
  const imports = doc.imports;
  if (imports === undefined || imports === null) return [];
  if (!Array.isArray(imports)) throw toscaError(`${at}: imports`, 'must be a list');
  return imports.map((i, n) => {
    if (typeof i === 'string') return i;
    if (isObj(i) && typeof i.file === 'string') return i.file;
    const inner = isObj(i) ? Object.values(i)[0] : undefined;
    if (isObj(inner) && typeof inner.file === 'string') return inner.file;
    throw toscaError(`${at}: imports[${n}]`, 'must be a file name or {file: …}');
  });
}

/** The SOL001 version an ETSI URL or a type file's text names (`…/raw/v2.7.1/…`, "version 2.7.1"). */
const versionIn = (s: string): string | undefined => /v?(\d+\.\d+\.\d+)/.exec(s)?.[1];

/**
 * Reads the entry definitions and, depth first, every import: package files relative to the importing file
 * (never outside the package), the ETSI SOL001 type files from the package when shipped and readable, else
 * bundled. Any other URL import is refused (nothing is fetched).
 */
export async function readTosca(
  files: Map<string, Buffer>,
  entryPath: string,
  entryDoc: Obj,
  parse: TextParser,
): Promise<ToscaPackage> {
  const types = new TypeRegistry();
  const read: ToscaFile[] = [];
  const typeSources: Record<string, string> = {};
  const seen = new Set<string>();

  const visit = async (path: string, doc: Obj): Promise<void> => {
    seen.add(path);
    const version = doc.tosca_definitions_version;
    if (typeof version !== 'string' || !VERSIONS.has(version))
      throw toscaError(
        `${path}: tosca_definitions_version`,
        `'${String(version)}' is not a TOSCA Simple Profile YAML version (tosca_simple_yaml_1_0 … 1_3)`,
      );
    read.push({ path, doc });
    types.add(doc);
    for (const target of importTargets(doc, path)) {
      if (read.length >= MAX_FILES) throw toscaError(path, `more than ${MAX_FILES} definitions files are imported`);
      const etsi = ETSI_TYPE_FILE.exec(target)?.[1];
      const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(target);
      if (isUrl && !etsi) throw toscaError(`${path}: imports`, `'${target}' is a URL: only files inside the package are read`);
      const local = isUrl ? undefined : posix.normalize(posix.join(posix.dirname(path), target));
      if (local && (local.startsWith('../') || local === '..'))
        throw toscaError(`${path}: imports`, `'${target}' leaves the package`);
      if (local && seen.has(local)) continue;
      const key = `bundled:${etsi}`;
      if (etsi && path.startsWith('bundled:')) {
        // a bundled file imports its sibling of the same version
        if (seen.has(key)) continue;
        seen.add(key);
        const v = path.split('@')[1];
        await visit(`${key}@${v}`, bundledTypeFile(etsi, v).doc);
        continue;
      }
      const content = local ? files.get(local) : undefined;
      if (content) {
        let parsed: unknown;
        try {
          parsed = await parse(content.toString('utf8'), local!);
        } catch (e) {
          if (!etsi) throw e;
          // ETSI's own 2.6.1 vnfd types file is not valid YAML for strict parsers (a flow list continued at
          // column 0): read once more with that line joined, else use our bundled copy
          const text = content.toString('utf8');
          try {
            parsed = await parse(text.replace(/,[ \t]*\r?\n(?=[a-z])/g, ', '), local!);
            typeSources[local!] = 'package (a flow list continued at column 0 was joined to read it)';
          } catch {
            if (seen.has(key)) continue;
            const bundled = bundledTypeFile(etsi, versionIn(text.slice(0, 400)));
            typeSources[local!] = `bundled SOL001 v${bundled.version} (the package's copy is not valid YAML)`;
            seen.add(key);
            await visit(`${key}@${bundled.version}`, bundled.doc);
            continue;
          }
        }
        if (!isObj(parsed)) throw toscaError(local!, 'must be a YAML mapping');
        if (etsi) typeSources[local!] ??= 'package';
        await visit(local!, parsed);
        continue;
      }
      if (!etsi) throw toscaError(`${path}: imports`, `'${target}' is not in the package`);
      if (seen.has(key)) continue;
      const bundled = bundledTypeFile(etsi, isUrl ? versionIn(target) : undefined);
      typeSources[local ?? target] = `bundled SOL001 v${bundled.version} (not in the package)`;
      seen.add(key);
      await visit(`${key}@${bundled.version}`, bundled.doc);
    }
  };
  await visit(entryPath, entryDoc);
  return { entry: read[0], files: read, types, typeSources };
}
