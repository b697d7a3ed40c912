/**
 * The only way the UI talks to the service: OSM's public API under /osm, JSON, with the bearer token.
 * The token lives in memory and in sessionStorage (gone with the tab), never in localStorage or a cookie.
 */

export interface Session {
  token: string;
  username: string;
  userId: string;
  projectId: string;
  projectName: string;
  admin: boolean;
  expires: number;
  /** The token only allows changing the password (OSM's forced change of a generated password). */
  changePassword?: boolean;
}

export interface FieldProblem {
  path: string;
  message: string;
}

/** OSM's error body: {code, status, detail}, plus `errors` with the failing fields' paths on 422s. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
    readonly reason?: string,
  ) {
    super(detail);
  }
}

const KEY = 'mano.session';
let current: Session | null = load();
const listeners = new Set<(s: Session | null) => void>();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : null;
    return s && s.expires * 1000 > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function session(): Session | null {
  return current;
}

export function setSession(s: Session | null): void {
  current = s;
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
  for (const l of listeners) l(s);
}

export function onSession(listener: (s: Session | null) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  /** Raw body (a package file) with its content type. */
  raw?: { data: Blob | string; type: string };
  /** Answer as text (descriptors). */
  text?: boolean;
  signal?: AbortSignal;
}

export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: opts.text ? 'text/plain, application/yaml' : 'application/json' };
  if (current) headers.Authorization = `Bearer ${current.token}`;
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['Content-Type'] = opts.raw.type;
    body = opts.raw.data;
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, { method: opts.method ?? (body ? 'POST' : 'GET'), headers, body, signal: opts.signal });
  if (res.status === 401 && current && !path.endsWith('/admin/v1/tokens')) {
    // expired or revoked token: back to the login page
    setSession(null);
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  if (opts.text) return (await res.text()) as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

async function toError(res: Response): Promise<ApiError> {
  try {
    const b = (await res.json()) as { detail?: string; errors?: FieldProblem[]; reason?: string };
    return new ApiError(res.status, b.detail ?? res.statusText, b.errors ?? [], b.reason);
  } catch {
    return new ApiError(res.status, `${res.status} ${res.statusText}`);
  }
}

interface TokenAnswer {
  id: string;
  message?: string;
  user_id: string;
  username?: string;
  project_id?: string;
  project_name?: string;
  admin?: boolean;
  expires: number;
}

export async function login(username: string, password: string, project?: string): Promise<Session> {
  const t = await api<TokenAnswer>('/osm/admin/v1/tokens', {
    body: { username, password, ...(project ? { project_id: project } : {}) },
  });
  const s: Session = {
    token: t.id,
    username: t.username ?? username,
    userId: t.user_id,
    projectId: t.project_id ?? '',
    projectName: t.project_name ?? '',
    admin: t.admin === true,
    expires: t.expires,
    changePassword: t.message === 'change_password',
  };
  setSession(s);
  return s;
}

export async function logout(): Promise<void> {
  const s = current;
  setSession(null);
  if (s && !s.changePassword) {
    // the token goes in the header, never in a URL
    await fetch('/osm/admin/v1/tokens', {
      method: 'DELETE',
      headers: { Authorization: `Bearer ${s.token}`, Accept: 'application/json' },
    }).catch(() => undefined);
  }
}

/** The content type the catalog expects for a dropped file. */
export function packageType(file: File): string {
  const n = file.name.toLowerCase();
  if (n.endsWith('.tar.gz') || n.endsWith('.tgz')) return 'application/gzip';
  if (n.endsWith('.zip') || n.endsWith('.csar')) return 'application/zip';
  if (n.endsWith('.json')) return 'application/json';
  return 'text/plain';
}

/**
 * The notification stream (`GET /osm/events`, Server-Sent Events). EventSource cannot send the bearer token, so the
 * stream is read with fetch. Calls `onEvent` per event; on failure, reconnects after a pause (with Last-Event-ID).
 */
export function watchEvents(api_: string, onEvent: (type: string, data: unknown) => void): () => void {
  const stop = new AbortController();
  let lastId: string | undefined;
  const run = async (): Promise<void> => {
    while (!stop.signal.aborted && current) {
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream', Authorization: `Bearer ${current.token}` };
        if (lastId) headers['Last-Event-ID'] = lastId;
        const res = await fetch(`/osm/events?api=${api_}`, { headers, signal: stop.signal });
        if (!res.ok || !res.body) throw new Error(`events: ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('id:')) lastId = line.slice(3).trim();
              else if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            if (data) onEvent(type, safeParse(data));
          }
        }
      } catch {
        /* reconnect below */
      }
      if (!stop.signal.aborted) await new Promise((r) => setTimeout(r, 3000));
    }
  };
  void run();
  return () => stop.abort();
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
