import type { AxiosError } from 'axios';
import { checkVimUrl, deniedCause, guardedAgents, remoteText, VimError } from '../../contract/src';

export interface KeystoneCredentials {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  projectDomainName: string;
  userDomainName: string;
  insecure: boolean;
  caCert?: string;
}

export interface CatalogEntry {
  type: string;
  name: string;
  endpoints: { interface: string; region?: string; region_id?: string; url: string }[];
}

export interface KeystoneToken {
  token: string;
  expiresAt: number;
  projectId: string;
  catalog: CatalogEntry[];
}

/** Keystone v3 password authentication, scoped to a project. No keep-alive: the services answer `Connection: close`. */
export async function issueToken(c: KeystoneCredentials, signal?: AbortSignal): Promise<KeystoneToken> {
  const url = `${c.authUrl.replace(/\/+$/, '')}/auth/tokens`;
  // checked again at each use: the policy may have changed since the account was registered
  checkVimUrl(url, 'vim_url');
  try {
    // loaded on first use, like every VIM client
    const { default: axios } = await import('axios');
    const res = await axios.post(
      url,
      {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } },
          },
          scope: { project: { name: c.projectName, domain: { name: c.projectDomainName } } },
        },
      },
      {
        signal,
        timeout: 15000,
        ...guardedAgents({
          http: { keepAlive: false },
          https: { keepAlive: false, rejectUnauthorized: !c.insecure, ca: c.caCert },
        }),
        // a redirect could lead anywhere, literal addresses included; Keystone never redirects a token request
        maxRedirects: 0,
        validateStatus: () => true,
      },
    );
    if (res.status === 201) {
      const body = res.data as { token: { expires_at: string; project: { id: string }; catalog?: CatalogEntry[] } };
      return {
        token: String(res.headers['x-subject-token']),
        expiresAt: Date.parse(body.token.expires_at),
        projectId: body.token.project.id,
        catalog: body.token.catalog ?? [],
      };
    }
    const message = remoteText((res.data as { error?: { message?: string } })?.error?.message) || `HTTP ${res.status}`;
    if (res.status === 401 || res.status === 403) {
      throw new VimError('VIM.AUTH_FAILED', `Keystone at ${c.authUrl} refused the credentials: ${message}`, false);
    }
    if (res.status === 404)
      throw new VimError(
        'VIM.CONFIG_INVALID',
        `${url} is not a Keystone v3 endpoint (HTTP 404); vim_url should end in /v3`,
        false,
        'vim_url',
      );
    throw new VimError(
      res.status >= 500 ? 'VIM.UNREACHABLE' : 'VIM.INVALID_REQUEST',
      `Keystone at ${c.authUrl} answered HTTP ${res.status}: ${message}`,
      res.status >= 500,
    );
  } catch (e) {
    // a refused connection arrives wrapped by the HTTP client (which copies the VimError's fields): unwrap it there
    if (VimError.isVimError(e) && !deniedCause(e)) throw e;
    throw networkError(e, `Keystone at ${c.authUrl}`);
  }
}

/** A transport failure as a human reads it: which endpoint, and what went wrong. */
export function networkError(e: unknown, what: string): VimError {
  const denied = deniedCause(e);
  if (denied) return new VimError('VIM.CONFIG_INVALID', `${what}: ${denied.message}`, false, 'vim_url');
  const err = e as AxiosError;
  const code = err.code ?? '';
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (nothing listens there)',
    ENOTFOUND: 'host name not found',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ECONNRESET: 'connection reset',
    ECONNABORTED: 'timed out',
    ETIMEDOUT: 'timed out',
    ERR_CANCELED: 'cancelled',
    DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate (set config.insecure or give the CA)',
    SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in chain (set config.insecure or give the CA)',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted (set config.insecure or give the CA)',
  };
  const reason = reasons[code] ?? remoteText(err.message ?? String(e));
  const timeout = ['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED'].includes(code);
  return new VimError(timeout ? 'VIM.TIMEOUT' : 'VIM.UNREACHABLE', `cannot reach ${what}: ${reason}`, true, undefined, e);
}
