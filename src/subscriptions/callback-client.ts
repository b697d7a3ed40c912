import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkVimUrl, deniedCause, guardAgent } from '../../vim-adapters/contract/src/url-policy';
import { DomainError } from '../common/errors/domain-error';

/** SOL013 credentials of a subscription, as unsealed for a request. */
export interface CallbackAuth {
  type: 'BASIC' | 'OAUTH2_CLIENT_CREDENTIALS';
  userName?: string;
  password?: string;
  clientId?: string;
  clientPassword?: string;
  tokenEndpoint?: string;
}

export interface CallResult {
  status: number;
  body: string;
}

const MAX_BODY = 64 * 1024;

/**
 * HTTP to subscribers' callbacks and token endpoints: user-given URLs, so only where the VIM URL policy allows
 * (MANO_VIM_URL_DENY / MANO_VIM_URL_ALLOW, checked again on every address DNS gives), every call bounded by a
 * timeout, answers read up to 64 KiB. Keep-alive agents so a busy receiver is not re-connected per notification.
 */
export class CallbackClient {
  private readonly http = guardAgent(new HttpAgent({ keepAlive: true, maxSockets: 64 }));
  private readonly https = guardAgent(new HttpsAgent({ keepAlive: true, maxSockets: 64 }));
  private readonly tokens = new Map<string, { token: string; until: number }>();

  constructor(private readonly timeoutMs: number) {}

  /** The URL checked as user input: 422 naming `field` when it is not an allowed http(s) URL. */
  static checkUrl(raw: string, field: string): URL {
    try {
      return checkVimUrl(raw, field);
    } catch (e) {
      throw DomainError.unprocessable('REQUEST.INVALID_BODY', `Format error at '${field}': ${(e as Error).message}`, [
        { path: field, message: (e as Error).message },
      ]);
    }
  }

  /** A request with the subscription's credentials; `key` caches its OAuth2 token (a 401 drops it and tries once more). */
  async call(
    method: 'GET' | 'POST',
    url: string,
    body: unknown,
    auth: CallbackAuth | undefined,
    key: string,
  ): Promise<CallResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (payload !== undefined) headers['Content-Type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      if (auth?.type === 'BASIC')
        headers.Authorization = `Basic ${Buffer.from(`${auth.userName}:${auth.password}`).toString('base64')}`;
      else if (auth?.type === 'OAUTH2_CLIENT_CREDENTIALS') headers.Authorization = `Bearer ${await this.token(auth, key)}`;
      const res = await this.send(method, url, headers, payload);
      if (res.status === 401 && auth?.type === 'OAUTH2_CLIENT_CREDENTIALS' && attempt === 0) {
        this.tokens.delete(key);
        continue;
      }
      return res;
    }
  }

  forget(key: string): void {
    this.tokens.delete(key);
  }

  /** SOL013 client credentials grant: HTTP Basic with the client's id and secret, form-encoded grant type. */
  private async token(auth: CallbackAuth, key: string): Promise<string> {
    const cached = this.tokens.get(key);
    if (cached && cached.until > Date.now()) return cached.token;
    const res = await this.send(
      'POST',
      auth.tokenEndpoint!,
      {
        Accept: 'application/json',
        'Content-Type': 'application/x-www-form-urlencoded',
        Authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId!)}:${encodeURIComponent(auth.clientPassword!)}`).toString('base64')}`,
      },
      'grant_type=client_credentials',
    );
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}`);
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(res.body) as typeof parsed;
    } catch {
      throw new Error('token endpoint did not answer JSON');
    }
    if (typeof parsed.access_token !== 'string' || !parsed.access_token) throw new Error('token endpoint gave no access_token');
    const ttl = typeof parsed.expires_in === 'number' ? parsed.expires_in : 300;
    // renewed a little before it expires
    this.tokens.set(key, { token: parsed.access_token, until: Date.now() + Math.max(0, ttl - 10) * 1000 });
    return parsed.access_token;
  }

  private send(method: string, raw: string, headers: Record<string, string>, payload?: string): Promise<CallResult> {
    const url = new URL(raw);
    const isHttps = url.protocol === 'https:';
    const req = (isHttps ? httpsRequest : httpRequest)(url, {
      method,
      headers: { ...headers, ...(payload !== undefined ? { 'Content-Length': String(Buffer.byteLength(payload)) } : {}) },
      agent: isHttps ? this.https : this.http,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return new Promise<CallResult>((resolve, reject) => {
      req.on('error', (e) => {
        const denied = deniedCause(e);
        reject(
          denied
            ? new Error(denied.message)
            : e.name === 'AbortError' || e.name === 'TimeoutError'
              ? new Error(`no answer within ${this.timeoutMs} ms`)
              : e,
        );
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.end(payload);
    });
  }
}
