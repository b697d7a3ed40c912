import type { AxiosInstance, AxiosResponse, Method } from 'axios';
import { checkVimUrl, guardedAgents, remoteText, VimError } from '../../contract/src';
import { issueToken, KeystoneCredentials, KeystoneToken, networkError } from './keystone';

/** Service types as the Keystone catalog names them; the first present wins. */
export const SERVICE_TYPES = {
  compute: ['compute'],
  network: ['network'],
  image: ['image'],
  volume: ['block-storage', 'volumev3', 'volume'],
} as const;
export type Service = keyof typeof SERVICE_TYPES;

/** Nova microversion we speak: Queens-era (tags at create, ports-only networks, `policies` server groups), within Ussuri. */
export const NOVA_MICROVERSION = '2.60';

export interface SessionOptions {
  credentials: KeystoneCredentials;
  regionName?: string;
  /** Catalog interface: public (default), internal or admin. */
  endpointInterface: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Hosts besides the auth URL's that catalog endpoints may point at; 'any' to follow them anywhere. */
  catalogHosts?: string[] | 'any';
}

export interface Request {
  service: Service;
  method: Method;
  path: string;
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  /** Statuses that are answers, not errors (e.g. 404 on delete). */
  accept?: number[];
  signal?: AbortSignal;
}

const TRANSIENT = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * One authenticated connection to an OpenStack cloud: a cached project-scoped token (renewed a minute before
 * it expires, and once on a 401), endpoints from the token's catalog, no keep-alive (Keystone, Nova and
 * Placement close their connections), transient transport errors retried for idempotent calls.
 */
export class OpenstackSession {
  private token?: Promise<KeystoneToken>;
  private http?: Promise<AxiosInstance>;

  constructor(readonly options: SessionOptions) {}

  async projectId(signal?: AbortSignal): Promise<string> {
    return (await this.currentToken(signal)).projectId;
  }

  async catalog(signal?: AbortSignal): Promise<KeystoneToken['catalog']> {
    return (await this.currentToken(signal)).catalog;
  }

  private async currentToken(signal?: AbortSignal, renew = false): Promise<KeystoneToken> {
    if (this.token && !renew) {
      const t = await this.token.catch(() => undefined);
      if (t && t.expiresAt - Date.now() > 60_000) return t;
    }
    const issued = issueToken(this.options.credentials, signal);
    this.token = issued;
    issued.catch(() => {
      if (this.token === issued) this.token = undefined;
    });
    return issued;
  }

  /** The endpoint URL of a service, per region and interface; a missing one is a configuration error naming it. */
  async endpoint(service: Service, signal?: AbortSignal): Promise<string> {
    const token = await this.currentToken(signal);
    const { regionName, endpointInterface } = this.options;
    for (const type of SERVICE_TYPES[service]) {
      const entry = token.catalog.find((s) => s.type === type);
      const ep = entry?.endpoints.find(
        (e) => e.interface === endpointInterface && (!regionName || e.region === regionName || e.region_id === regionName),
      );
      if (ep) return this.followable(ep.url, type).replace(/\/+$/, '');
    }
    throw new VimError(
      'VIM.CONFIG_INVALID',
      `the Keystone catalog has no ${endpointInterface} ${SERVICE_TYPES[service].join('/')} endpoint${regionName ? ` in region ${regionName}` : ''}`,
      false,
      regionName ? 'config.region_name' : undefined,
    );
  }

  /**
   * A URL the cloud handed us (catalog endpoint, `next` link): followed only to the auth URL's host or one the
   * account allows, and only where the network policy allows.
   */
  private followable(url: string, what: string): string {
    const parsed = checkVimUrl(url, `the Keystone catalog's ${what} endpoint`);
    const allowed = this.options.catalogHosts ?? [];
    const host = hostOf(parsed);
    const authHost = hostOf(new URL(this.options.credentials.authUrl));
    if (allowed !== 'any' && host !== authHost && !allowed.includes(host))
      throw new VimError(
        'VIM.CONFIG_INVALID',
        `the Keystone catalog sends ${what} to ${host}, not to vim_url's host ${authHost}: not followed (allow it with config.allow_catalog_hosts, or MANO_VIM_CATALOG_ANY_HOST=true)`,
        false,
        'config.allow_catalog_hosts',
      );
    return url;
  }

  private client(): Promise<AxiosInstance> {
    this.http ??= import('axios').then(({ default: axios }) =>
      axios.create({
        timeout: this.options.timeoutMs,
        ...guardedAgents({
          http: { keepAlive: false },
          https: {
            keepAlive: false,
            rejectUnauthorized: !this.options.credentials.insecure,
            ca: this.options.credentials.caCert,
          },
        }),
        // OpenStack APIs answer where they are asked; a redirect could lead anywhere, literal addresses included
        maxRedirects: 0,
        validateStatus: () => true,
        maxContentLength: 64 * 1024 * 1024,
      }),
    );
    return this.http;
  }

  /** A collection: `GET path?query`, answered as `{ <key>: [...] }`. */
  async list<T>(service: Service, path: string, key: string, query?: Request['query'], signal?: AbortSignal): Promise<T[]> {
    const { body } = await this.call<Record<string, T[] | undefined>>({ service, method: 'GET', path, query, signal });
    return body[key] ?? [];
  }

  /** Calls a service; answers the body of a 2xx (or an accepted status), throws VimError for anything else. */
  async call<T = Record<string, unknown>>(req: Request): Promise<{ status: number; body: T; headers: Record<string, string> }> {
    const http = await this.client();
    let renewed = false;
    for (let attempt = 0; ; attempt++) {
      const token = await this.currentToken(req.signal, false);
      const base = await this.endpoint(req.service, req.signal);
      const url = req.path.startsWith('http') ? this.followable(req.path, `${req.service} link`) : `${base}${req.path}`;
      let res: AxiosResponse;
      try {
        res = await http.request({
          url,
          method: req.method,
          data: req.body,
          params: req.query,
          signal: req.signal,
          headers: {
            'X-Auth-Token': token.token,
            Accept: 'application/json',
            ...(req.service === 'compute' ? { 'OpenStack-API-Version': `compute ${NOVA_MICROVERSION}` } : {}),
            ...req.headers,
          },
        });
      } catch (e) {
        const code = (e as { code?: string }).code ?? '';
        if (!req.signal?.aborted && TRANSIENT.has(code) && IDEMPOTENT.has(req.method.toUpperCase()) && attempt < 3) {
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
          continue;
        }
        throw networkError(e, `${req.service} at ${base}`);
      }
      if (res.status === 401 && !renewed) {
        // the token was revoked or expired early: authenticate again, once
        renewed = true;
        await this.currentToken(req.signal, true);
        continue;
      }
      if ((res.status >= 200 && res.status < 300) || req.accept?.includes(res.status))
        return { status: res.status, body: res.data as T, headers: res.headers as Record<string, string> };
      throw apiError(req, res.status, res.data);
    }
  }
}

const hostOf = (u: URL) =>
  u.hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

/** An OpenStack error body, whatever the service's flavour of it, as text fit to show (see remoteText). */
export function errorMessage(body: unknown): string {
  return remoteText(rawMessage(body));
}

function rawMessage(body: unknown): unknown {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return '';
  const b = body as Record<string, unknown>;
  if (typeof b.NeutronError === 'object' && b.NeutronError)
    return String((b.NeutronError as { message?: unknown }).message ?? '');
  if (typeof b.message === 'string') return b.message;
  if (typeof b.error === 'object' && b.error) return String((b.error as { message?: unknown }).message ?? '');
  // Nova and Cinder: {"badRequest": {"message": …}}, {"overLimit": {…}}
  const inner = Object.values(b).find((v) => typeof v === 'object' && v !== null && 'message' in v) as
    { message?: unknown } | undefined;
  return inner ? String(inner.message) : body;
}

const QUOTA = /quota|OverQuota|over.?limit|exceeded/i;

/** HTTP status → VimError, with `retryable` as the contract wants it: true only when the same call may succeed later. */
export function apiError(req: Pick<Request, 'service' | 'method' | 'path'>, status: number, body: unknown): VimError {
  const message = errorMessage(body);
  const what = `${req.service} ${req.method.toUpperCase()} ${req.path.split('?')[0]}: HTTP ${status}${message ? `: ${message}` : ''}`;
  if (status === 413 || ((status === 403 || status === 409) && QUOTA.test(message)))
    return new VimError('VIM.QUOTA_EXCEEDED', what, false);
  if (status === 401) return new VimError('VIM.AUTH_FAILED', what, false);
  if (status === 403) return new VimError('VIM.AUTH_FAILED', `not allowed: ${what}`, false);
  if (status === 404) return new VimError('VIM.NOT_FOUND', what, false);
  // in use, or in a transitional state: may well succeed once the other thing is done
  if (status === 409) return new VimError('VIM.CONFLICT', what, true);
  if (status === 429 || status >= 500) return new VimError('VIM.UNREACHABLE', what, true);
  return new VimError('VIM.INVALID_REQUEST', what, false);
}
