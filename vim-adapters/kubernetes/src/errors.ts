import { VimError } from '../../contract/src';

/** Local file-system errors: never echoed (their text tells which host files exist). */
const FILE_ERRORS = new Set(['ENOENT', 'EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'ELOOP']);

export const transportReason = (e: unknown): string => {
  const err = e as { code?: unknown; message?: string; cause?: { code?: string } };
  const code = err.cause?.code ?? (typeof err.code === 'string' ? err.code : undefined);
  if (code && FILE_ERRORS.has(code)) return 'a local file error (the kubeconfig must not name files)';
  return code ?? err.message ?? String(e);
};

/** client-node's ApiException (HTTP status + Status body) or a transport error, as the contract's VimError. */
export function kubernetesError(e: unknown, what: string): VimError {
  if (VimError.isVimError(e)) return e;
  const err = e as { code?: unknown; body?: unknown; message?: string; cause?: { code?: string } };
  const status = typeof err.code === 'number' ? err.code : undefined;
  if (status === undefined)
    return new VimError('VIM.UNREACHABLE', `${what}: cannot reach the Kubernetes API: ${transportReason(e)}`, true, undefined, e);
  let body: { message?: string; reason?: string } = {};
  try {
    body = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) ?? {};
  } catch {
    body = { message: String(err.body) };
  }
  const message = `${what}: HTTP ${status}${body.reason ? ` ${body.reason}` : ''}${body.message ? `: ${body.message}` : ''}`;
  if (/being terminated/.test(body.message ?? '')) return new VimError('VIM.CONFLICT', message, true);
  if (status === 403 && /exceeded quota/i.test(body.message ?? '')) return new VimError('VIM.QUOTA_EXCEEDED', message, false);
  if (status === 401 || status === 403) return new VimError('VIM.AUTH_FAILED', message, false);
  if (status === 404) return new VimError('VIM.NOT_FOUND', message, false);
  if (status === 409) return new VimError('VIM.CONFLICT', message, true);
  if (status === 429 || status >= 500) return new VimError('VIM.UNREACHABLE', message, true);
  return new VimError('VIM.INVALID_REQUEST', message, false);
}

/**
 * The API server failing to reach the kubelet (it proxies exec): nothing ran, so it may be retried. client-node
 * reports a refused upgrade as an Error whose message carries the HTTP status and the Status text.
 */
export const TRANSIENT_EXEC =
  /error dialing backend|connection refused|connection reset|i\/o timeout|no route to host|EOF|proxy error|unable to upgrade|\b50[0234]\b/i;
export function execError(e: unknown, what: string): VimError {
  const error = kubernetesError(e, what);
  if (error.code === 'VIM.INVALID_REQUEST' && TRANSIENT_EXEC.test(error.message))
    return new VimError('VIM.UNREACHABLE', error.message, true, undefined, e);
  return error;
}

/** Kubernetes quantity → number (CPU in cores, memory in GiB). */
export function quantity(q: string | undefined, unit: 'cpu' | 'memory'): number {
  if (!q) return 0;
  const m = /^([0-9.]+)([a-zA-Z]*)$/.exec(q);
  if (!m) return 0;
  const n = Number(m[1]);
  const factors: Record<string, number> = {
    m: 1e-3,
    n: 1e-9,
    u: 1e-6,
    k: 1e3,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    '': 1,
  };
  const value = n * (factors[m[2]] ?? 1);
  return unit === 'memory' ? value / 1024 ** 3 : value;
}
