import { createHash } from 'node:crypto';
import { Client, ClientChannel, utils } from 'ssh2';
import { ExecRequest, ExecResult, VimError } from '../../contract/src';

/** Where and as whom to run: a VM's management address and the key the orchestrator holds for it. */
export interface SshTarget {
  host: string;
  port?: number;
  username: string;
  /** PEM/OpenSSH private key. Never logged. */
  privateKey: string;
  /** The server's host key fingerprint (SHA-256, base64) when known: anything else is refused. */
  hostKeySha256?: string;
  /**
   * Called with the offered host key's fingerprint (`SHA256:…`) during the handshake, before anything runs;
   * throwing refuses the server with that error (see host-keys.ts for pinning on first use).
   */
  verifyHostKey?: (sha256: string) => Promise<void>;
  /** What the server is, in messages (e.g. "compute mano-…-vm-0"). */
  label?: string;
  readyTimeoutMs?: number;
}

/** The folder (relative to the login's home) that primitives run in and their files are placed into. */
export const WORK_DIR = 'mano-work';
const DEFAULT_LIMIT = 64 * 1024;

/** POSIX shell single-quoting. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs an exec request on a VM over SSH, with the same meaning as an adapter's `exec`: the request's files are
 * written under ~/mano-work (one SSH channel each, content on stdin), then the command runs there with the
 * environment given (set with `env`, so the server need not accept it) and the stdin given. Output is cut at
 * `limit` bytes per stream; on timeout the connection is dropped and `timedOut` is true.
 */
export async function sshExec(
  target: SshTarget,
  request: ExecRequest,
  signal?: AbortSignal,
  limit = DEFAULT_LIMIT,
): Promise<ExecResult> {
  if (!request.command.length) throw new VimError('VIM.INVALID_REQUEST', 'exec: empty command', false);
  for (const name of Object.keys(request.files ?? {}))
    if (name.startsWith('/') || name.split('/').includes('..'))
      throw new VimError('VIM.INVALID_REQUEST', `exec: file '${name}' is outside the working directory`, false);
  const client = await connect(target, signal);
  try {
    for (const [name, content] of Object.entries(request.files ?? {})) {
      const path = `${WORK_DIR}/${name}`;
      const dir = path.slice(0, path.lastIndexOf('/'));
      const r = await run(
        client,
        `mkdir -p ${shellQuote(dir)} && cat > ${shellQuote(path)} && chmod 755 ${shellQuote(path)}`,
        content,
        limit,
      );
      if (r.exitCode !== 0) throw new VimError('VIM.INTERNAL', `ssh: could not write ${name}: ${r.stderr.trim()}`, true);
    }
    const env = Object.entries(request.env ?? {})
      .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      .map(([k, v]) => `${k}=${shellQuote(v)}`);
    const command = `mkdir -p ${WORK_DIR} && cd ${WORK_DIR} && env ${env.join(' ')} ${request.command.map(shellQuote).join(' ')}`;
    return await run(client, command, request.stdin ?? '', limit, request.timeoutMs, signal);
  } finally {
    client.end();
  }
}

/** OpenSSH's way of writing a host key's fingerprint: `SHA256:` and the unpadded base64 of its SHA-256. */
export const hostKeyFingerprint = (key: Buffer): string =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

const sameFingerprint = (a: string, b: string) =>
  a.replace(/^SHA256:/, '').replace(/=+$/, '') === b.replace(/^SHA256:/, '').replace(/=+$/, '');

/** A host key other than the one pinned: a man-in-the-middle, or a machine rebuilt behind the orchestrator's back. */
export function hostKeyChanged(what: string, pinned: string, offered: string): VimError {
  const fp = (f: string) => (f.startsWith('SHA256:') ? f : `SHA256:${f}`);
  return new VimError(
    'VIM.AUTH_FAILED',
    `ssh: the host key of ${what} changed: pinned ${fp(pinned)}, offered ${fp(offered)}; refusing to connect (a man-in-the-middle, or the machine was replaced outside the orchestrator)`,
    false,
  );
}

function connect(target: SshTarget, signal?: AbortSignal): Promise<Client> {
  const where = `${target.host}:${target.port ?? 22}`;
  const what = target.label ? `${target.label} (${where})` : where;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let refusal: VimError | undefined;
    const fail = (e: Error & { level?: string }) => {
      client.end();
      if (refusal) return reject(refusal);
      const auth = e.level === 'client-authentication';
      reject(
        new VimError(
          auth ? 'VIM.AUTH_FAILED' : 'VIM.UNREACHABLE',
          `ssh ${target.username}@${target.host}:${target.port ?? 22}: ${auth ? 'the key was refused' : e.message}`,
          !auth,
        ),
      );
    };
    signal?.addEventListener('abort', () => fail(new Error('aborted')), { once: true });
    client.once('ready', () => resolve(client)).once('error', fail);
    client.connect({
      host: target.host,
      port: target.port ?? 22,
      username: target.username,
      privateKey: target.privateKey,
      readyTimeout: target.readyTimeoutMs ?? 20_000,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        const offered = hostKeyFingerprint(key);
        if (target.hostKeySha256 && !sameFingerprint(target.hostKeySha256, offered)) {
          refusal = hostKeyChanged(what, target.hostKeySha256, offered);
          return verify(false);
        }
        if (!target.verifyHostKey) return verify(true);
        target.verifyHostKey(offered).then(
          () => verify(true),
          (e: unknown) => {
            refusal = VimError.isVimError(e) ? e : new VimError('VIM.INTERNAL', `ssh ${what}: ${(e as Error).message}`, true);
            verify(false);
          },
        );
      },
    });
  });
}

function run(
  client: Client,
  command: string,
  stdin: string,
  limit: number,
  timeoutMs?: number,
  signal?: AbortSignal,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, channel: ClientChannel) => {
      if (err) return reject(new VimError('VIM.UNREACHABLE', `ssh exec: ${err.message}`, true));
      const out = { stdout: '', stderr: '', truncated: false };
      const collect = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
        const room = limit - Buffer.byteLength(out[key]);
        if (room <= 0) return void (out.truncated = true);
        if (chunk.length > room) out.truncated = true;
        out[key] += chunk.subarray(0, room).toString('utf8');
      };
      let timedOut = false;
      const stop = () => {
        timedOut = true;
        channel.close();
        client.end();
      };
      const timer = timeoutMs ? setTimeout(stop, timeoutMs) : undefined;
      signal?.addEventListener('abort', stop, { once: true });
      channel.on('data', collect('stdout'));
      channel.stderr.on('data', collect('stderr'));
      let exitCode: number | null = null;
      channel.on('exit', (code: number | null) => (exitCode = code ?? null));
      channel.on('close', () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', stop);
        resolve({ exitCode: timedOut ? null : exitCode, ...out, timedOut });
      });
      channel.end(stdin);
    });
  });
}

/** The `authorized_keys` line of a private key, to put on the VMs it will log into; a bad key is a config error. */
export function publicKeyLine(privateKey: string, path = 'config.private_key'): string {
  const parsed = utils.parseKey(privateKey);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key instanceof Error)
    throw new VimError('VIM.CONFIG_INVALID', `${path}: not a usable private key (${key?.message ?? 'empty'})`, false, path);
  if (!key.isPrivateKey())
    throw new VimError('VIM.CONFIG_INVALID', `${path}: a public key was given where the private key is needed`, false, path);
  return `${key.type} ${key.getPublicSSH().toString('base64')} opencloudedge-mano`;
}
