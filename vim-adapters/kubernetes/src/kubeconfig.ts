import { parse } from 'yaml';
import { checkVimUrl, configInvalid, isObj, Obj } from '../../contract/src';

/**
 * The kubeconfig fields accepted, by section; everything else is refused by name. An allow-list, because the client
 * acts on fields we never looked at: `token-file`, `client-key`, `certificate-authority` read files of the
 * orchestrator's host (and the connectivity check would send them to whatever `server` says), `exec` and
 * `auth-provider` run commands on it, `as`/`as-groups` impersonate. Only inline data is taken.
 */
const FIELDS = {
  cluster: ['server', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name'],
  user: ['token', 'client-certificate-data', 'client-key-data', 'username', 'password'],
  context: ['cluster', 'user', 'namespace'],
} as const;
const BOOLEAN = new Set(['insecure-skip-tls-verify']);
/** Informational: kept out of what the client sees, never interpreted. */
const IGNORED_TOP = new Set(['apiVersion', 'kind', 'preferences', 'extensions']);

function why(key: string): string {
  if (key === 'exec' || key === 'auth-provider')
    return 'is refused: it would run a command on the orchestrator host; use a token or client certificate data';
  if (key.endsWith('-file') || ['certificate-authority', 'client-certificate', 'client-key', 'tokenFile'].includes(key))
    return 'is refused: it names a file on the orchestrator host; the kubeconfig must be self-contained (use the *-data fields or a token)';
  return 'is not an accepted kubeconfig field (accepted: inline token, client certificate/key data, CA data, username/password)';
}

/**
 * A kubeconfig (object or YAML text) rebuilt from the accepted fields only: a field outside them, or of the wrong
 * type, is a VIM.CONFIG_INVALID naming its path (`config.kubeconfig.users[0].user.token-file`). Never reads a file
 * and never contacts the cluster.
 */
export function parseKubeconfig(raw: unknown, path: string): Obj {
  let doc = raw;
  if (typeof raw === 'string') {
    try {
      doc = parse(raw, { maxAliasCount: 100 });
    } catch (e) {
      throw configInvalid(path, `is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (!isObj(doc)) throw configInvalid(path, 'must be a kubeconfig (object or YAML text)');
  for (const key of Object.keys(doc))
    if (!['clusters', 'users', 'contexts', 'current-context'].includes(key) && !IGNORED_TOP.has(key))
      throw configInvalid(`${path}.${key}`, why(key));

  const section = (name: 'clusters' | 'users' | 'contexts', inner: keyof typeof FIELDS): Obj[] => {
    const entries = doc[name];
    if (!Array.isArray(entries) || entries.length === 0) throw configInvalid(`${path}.${name}`, 'is required');
    return entries.map((entry: unknown, i) => {
      const at = `${path}.${name}[${i}]`;
      if (!isObj(entry)) throw configInvalid(at, 'must be an object');
      for (const key of Object.keys(entry))
        if (key !== 'name' && key !== inner && key !== 'extensions') throw configInvalid(`${at}.${key}`, why(key));
      if (typeof entry.name !== 'string' || !entry.name) throw configInvalid(`${at}.name`, 'is required');
      const body = entry[inner] ?? {};
      if (!isObj(body)) throw configInvalid(`${at}.${inner}`, 'must be an object');
      const out: Obj = {};
      for (const [key, value] of Object.entries(body)) {
        const field = `${at}.${inner}.${key}`;
        if (key === 'extensions') continue; // informational (minikube's cluster_info): dropped
        if (!(FIELDS[inner] as readonly string[]).includes(key)) throw configInvalid(field, why(key));
        if (BOOLEAN.has(key) ? typeof value !== 'boolean' : typeof value !== 'string')
          throw configInvalid(field, BOOLEAN.has(key) ? 'must be a boolean' : 'must be a string');
        out[key] = value;
      }
      // the VIM URL policy (scheme, literal and named hosts refused): every connection is checked again (url-guard.ts)
      if (inner === 'cluster') checkVimUrl(String(out.server ?? ''), `${at}.cluster.server`);
      return { name: entry.name, [inner]: out };
    });
  };
  const clusters = section('clusters', 'cluster');
  const users = section('users', 'user');
  const contexts = section('contexts', 'context');
  const current = doc['current-context'];
  if (current !== undefined && typeof current !== 'string') throw configInvalid(`${path}.current-context`, 'must be a string');
  return { apiVersion: 'v1', kind: 'Config', clusters, users, contexts, ...(current ? { 'current-context': current } : {}) };
}
