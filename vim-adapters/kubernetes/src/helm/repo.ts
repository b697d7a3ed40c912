import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { checkVimUrl, deniedCause, guardedAgents, HelmRepo, VimError } from '../../../contract/src';

const INDEX_LIMIT = 16 * 1024 * 1024;
const CHART_LIMIT = 32 * 1024 * 1024;
const TIMEOUT_MS = 30_000;

interface IndexEntry {
  version?: unknown;
  urls?: unknown;
  digest?: unknown;
}

/** Helm's choice when no version is asked: the highest stable semantic version. */
function semverKey(v: string): [number[], boolean] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+.*)?$/.exec(v);
  return m ? [[Number(m[1]), Number(m[2]), Number(m[3])], !!m[4]] : undefined;
}
export function pickVersion(entries: IndexEntry[], version?: string): IndexEntry | undefined {
  if (version) return entries.find((e) => String(e.version) === version || String(e.version) === version.replace(/^v/, ''));
  const stable = entries.map((e) => ({ e, k: semverKey(String(e.version)) })).filter((x) => x.k && !x.k[1]) as {
    e: IndexEntry;
    k: [number[], boolean];
  }[];
  stable.sort((a, b) => b.k[0][0] - a.k[0][0] || b.k[0][1] - a.k[0][1] || b.k[0][2] - a.k[0][2]);
  return stable[0]?.e;
}

async function get(url: URL, repo: HelmRepo, limit: number, what: string): Promise<Buffer> {
  const { default: axios } = await import('axios');
  try {
    const res = await axios.get<ArrayBuffer>(url.toString(), {
      responseType: 'arraybuffer',
      timeout: TIMEOUT_MS,
      maxContentLength: limit,
      maxRedirects: 3,
      // the repository is user input: its address (and every redirect's) goes through the VIM URL policy
      ...guardedAgents({ http: { keepAlive: false }, https: { keepAlive: false, ca: repo.cacert } }),
      ...(repo.username ? { auth: { username: repo.username, password: repo.password ?? '' } } : {}),
      validateStatus: (s) => s === 200,
      proxy: false,
    });
    return Buffer.from(res.data);
  } catch (e) {
    const denied = deniedCause(e);
    if (denied) throw new VimError('VIM.INVALID_REQUEST', `${what}: ${denied.message}`, false);
    const status = (e as { response?: { status?: number } }).response?.status;
    const reason = status ? `HTTP ${status}` : ((e as { code?: string }).code ?? (e as Error).message);
    throw new VimError('VIM.INVALID_REQUEST', `${what}: cannot fetch ${url.origin}${url.pathname}: ${reason}`, false);
  }
}

/**
 * The chart's .tgz from a Helm repository, as `helm pull` gets it: the repository's index.yaml, the version asked
 * (else the highest stable one), its first URL (relative ones against the repository), and the digest the index
 * gives, which must match.
 */
export async function fetchRepoChart(repo: HelmRepo, name: string, version?: string): Promise<{ tgz: Buffer; version: string }> {
  const what = `Helm repository '${repo.name}'`;
  let base: URL;
  try {
    base = checkVimUrl(repo.url, 'k8srepos.url');
  } catch (e) {
    throw new VimError('VIM.INVALID_REQUEST', `${what}: ${(e as Error).message}`, false);
  }
  const root = new URL(base.toString().replace(/\/*$/, '/'));
  const indexText = (await get(new URL('index.yaml', root), repo, INDEX_LIMIT, what)).toString('utf8');
  let index: { entries?: Record<string, IndexEntry[]> };
  try {
    index = parse(indexText, { maxAliasCount: 100, uniqueKeys: false }) as typeof index;
  } catch (e) {
    throw new VimError('VIM.INVALID_REQUEST', `${what}: index.yaml is not YAML: ${(e as Error).message}`, false);
  }
  const entries = index?.entries?.[name];
  if (!Array.isArray(entries) || !entries.length)
    throw new VimError('VIM.INVALID_REQUEST', `${what} has no chart '${name}' in its index.yaml`, false);
  const entry = pickVersion(entries, version);
  if (!entry)
    throw new VimError(
      'VIM.INVALID_REQUEST',
      `${what}: chart '${name}' has no ${version ? `version ${version}` : 'stable version'} (it has ${entries
        .map((e) => String(e.version))
        .slice(0, 10)
        .join(', ')})`,
      false,
    );
  const urls = Array.isArray(entry.urls) ? entry.urls.filter((u): u is string => typeof u === 'string') : [];
  const digest = typeof entry.digest === 'string' ? entry.digest.toLowerCase() : undefined;
  if (!urls.length || !digest || !/^[0-9a-f]{64}$/.test(digest))
    throw new VimError(
      'VIM.INVALID_REQUEST',
      `${what}: chart '${name}' ${String(entry.version)} has ${urls.length ? 'no sha256 digest' : 'no URL'} in index.yaml`,
      false,
    );
  let chartUrl: URL;
  try {
    chartUrl = checkVimUrl(new URL(urls[0], root).toString(), `index.yaml entries.${name}.urls[0]`);
  } catch (e) {
    throw new VimError('VIM.INVALID_REQUEST', `${what}: ${(e as Error).message}`, false);
  }
  const tgz = await get(chartUrl, repo, CHART_LIMIT, what);
  const actual = createHash('sha256').update(tgz).digest('hex');
  if (actual !== digest)
    throw new VimError(
      'VIM.INVALID_REQUEST',
      `${what}: chart '${name}' ${String(entry.version)} does not match the digest of index.yaml (sha256 ${actual}, expected ${digest})`,
      false,
    );
  return { tgz, version: String(entry.version) };
}
