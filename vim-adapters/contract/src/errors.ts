/** Every failure an adapter reports, by kind. The orchestrator decides from `code` and `retryable` only. */
export type VimErrorCode =
  | 'VIM.UNREACHABLE'
  | 'VIM.TIMEOUT'
  | 'VIM.AUTH_FAILED'
  | 'VIM.QUOTA_EXCEEDED'
  | 'VIM.CONFLICT'
  | 'VIM.NOT_FOUND'
  | 'VIM.CONFIG_INVALID'
  | 'VIM.INVALID_REQUEST'
  | 'VIM.UNSUPPORTED'
  | 'VIM.INTERNAL';

/** The only error type that crosses the adapter boundary. `retryable` is honest: true only if the same call may succeed later. */
export class VimError extends Error {
  override readonly name = 'VimError';

  constructor(
    readonly code: VimErrorCode,
    message: string,
    readonly retryable: boolean,
    /** Field path inside the account config or the desired resource, when the error is about one. */
    readonly path?: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }

  static isVimError(e: unknown): e is VimError {
    return e instanceof VimError || (typeof e === 'object' && e !== null && (e as { name?: string }).name === 'VimError');
  }
}

export const configInvalid = (path: string, message: string): VimError =>
  new VimError('VIM.CONFIG_INVALID', `${path}: ${message}`, false, path);

/** What a VIM without Kubernetes answers when asked to deploy a KDU. */
export const kduUnsupported = (vim: string): VimError =>
  new VimError('VIM.UNSUPPORTED', `a ${vim} VIM cannot deploy KDUs (Kubernetes objects); use a Kubernetes VIM or cluster`, false);
