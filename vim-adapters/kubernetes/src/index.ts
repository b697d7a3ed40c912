import type { KubeConfig } from '@kubernetes/client-node';
import { parse } from 'yaml';
import {
  configInvalid,
  ConnectivityOnlyAdapter,
  CONTRACT_VERSION,
  VimAccount,
  VimAdapterFactory,
  VimError,
  VimHealth,
} from '../../contract/src';

export interface KubernetesConfig {
  kubeconfig: Record<string, unknown>;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys that would make the orchestrator read its own files or run commands: refused. */
const FORBIDDEN: Record<string, string[]> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile', 'exec', 'auth-provider', 'username', 'password'],
};

/** A kubeconfig (object or YAML text) that carries everything inline. */
export function parseKubeconfig(raw: unknown, path: string): Obj {
  let doc = raw;
  if (typeof raw === 'string') {
    try {
      doc = parse(raw);
    } catch (e) {
      throw configInvalid(path, `is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (!isObj(doc)) throw configInvalid(path, 'must be a kubeconfig (object or YAML text)');
  for (const section of ['clusters', 'users', 'contexts'] as const) {
    if (!Array.isArray(doc[section]) || doc[section].length === 0) throw configInvalid(`${path}.${section}`, 'is required');
  }
  for (const [section, keys] of Object.entries(FORBIDDEN)) {
    (doc[section] as Obj[]).forEach((entry, i) => {
      const inner = isObj(entry) ? (entry[section === 'clusters' ? 'cluster' : 'user'] as Obj | undefined) : undefined;
      for (const key of keys) {
        if (inner && key in inner) {
          throw configInvalid(
            `${path}.${section}[${i}].${section === 'clusters' ? 'cluster' : 'user'}.${key}`,
            key === 'exec' || key === 'auth-provider'
              ? 'is refused: it would run a command on the orchestrator host; use a token or client certificate data'
              : 'is refused: the kubeconfig must be self-contained (use *-data fields or a token)',
          );
        }
      }
    });
  }
  return doc;
}

function parseAccount(account: VimAccount): KubernetesConfig {
  return { kubeconfig: parseKubeconfig(account.config?.kubeconfig, 'config.kubeconfig') };
}

const NOT_YET =
  'Kubernetes workloads are not managed yet by this orchestrator (the Kubernetes adapter is under construction); registration and connectivity checks work';

/** Kubernetes used as a VIM. This version checks reachability and credentials (`ping`). */
class KubernetesAdapter extends ConnectivityOnlyAdapter {
  constructor(
    private readonly kc: KubeConfig,
    private readonly k8s: typeof import('@kubernetes/client-node'),
  ) {
    super(NOT_YET);
  }

  async ping(): Promise<VimHealth> {
    const server = this.kc.getCurrentCluster()?.server ?? '(no server)';
    try {
      const v = await this.kc.makeApiClient(this.k8s.VersionApi).getCode();
      return { ok: true, detail: `Kubernetes ${v.gitVersion} at ${server}`, version: v.gitVersion };
    } catch (e) {
      const err = e as { code?: number | string; message?: string; cause?: { code?: string } };
      const status = typeof err.code === 'number' ? err.code : undefined;
      if (status === 401 || status === 403)
        throw new VimError('VIM.AUTH_FAILED', `Kubernetes API at ${server} refused the credentials (HTTP ${status})`, false);
      const code = err.cause?.code ?? (typeof err.code === 'string' ? err.code : '');
      throw new VimError(
        'VIM.UNREACHABLE',
        `cannot reach the Kubernetes API at ${server}: ${code || err.message}`,
        true,
        undefined,
        e,
      );
    }
  }
}

export const kubernetesFactory: VimAdapterFactory<KubernetesConfig> = {
  specVersion: CONTRACT_VERSION,
  vimType: 'kubernetes',
  parseAccount,
  connect: async (config) => {
    // loaded on first use: the client is large (tens of MB), and many installations never use Kubernetes
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    kc.loadFromString(JSON.stringify(config.kubeconfig));
    return new KubernetesAdapter(kc, k8s);
  },
};
