import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { ExecRequest, ExecResult, VimError } from '../../contract/src';

/** The unprivileged account sandboxed commands run as when the orchestrator runs as root. */
const NOBODY = { uid: 65534, gid: 65534 };

const asRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * A compute's sandbox: a directory of its own where day-1/2 scripts (untrusted code) run as an
 * unprivileged user with a scrubbed environment and a timeout, never inside the orchestrator.
 */
export class Sandbox {
  constructor(readonly dir: string) {}

  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    if (asRoot()) {
      // the sandbox root and its parents need only be traversable (not listable) by the script's user
      for (let d = dirname(this.dir), i = 0; i < 3; d = dirname(d), i++) chmodSync(d, 0o711);
      chownSync(this.dir, NOBODY.uid, NOBODY.gid);
    }
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async exec(request: ExecRequest, limit: number, signal?: AbortSignal): Promise<ExecResult> {
    if (!request.command.length) throw new VimError('VIM.INVALID_REQUEST', 'exec: empty command', false);
    this.ensure();
    for (const [name, content] of Object.entries(request.files ?? {})) {
      const target = normalize(join(this.dir, name));
      if (!target.startsWith(`${this.dir}/`))
        throw new VimError('VIM.INVALID_REQUEST', `exec: file '${name}' is outside the sandbox`, false);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content, { mode: 0o755 });
      if (asRoot()) chownSync(target, NOBODY.uid, NOBODY.gid);
    }
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: this.dir,
      LANG: 'C.UTF-8',
      ...(request.env ?? {}),
    };
    const timeoutMs = request.timeoutMs ?? 60_000;
    return new Promise<ExecResult>((resolve, reject) => {
      const child = spawn(request.command[0], request.command.slice(1), {
        cwd: this.dir,
        env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(asRoot() ? NOBODY : {}),
      });
      const out = { stdout: '', stderr: '', truncated: false };
      const collect = (key: 'stdout' | 'stderr') => (chunk: Buffer) => {
        if (out[key].length >= limit) {
          out.truncated = true;
          return;
        }
        out[key] += chunk.toString('utf8');
        if (out[key].length > limit) {
          out[key] = out[key].slice(0, limit);
          out.truncated = true;
        }
      };
      child.stdout.on('data', collect('stdout'));
      child.stderr.on('data', collect('stderr'));
      let timedOut = false;
      const killGroup = (): void => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      const onAbort = (): void => killGroup();
      signal?.addEventListener('abort', onAbort);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(new VimError('VIM.INVALID_REQUEST', `exec: cannot start '${request.command[0]}': ${e.message}`, false));
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({ exitCode: timedOut ? null : code, stdout: out.stdout, stderr: out.stderr, timedOut, truncated: out.truncated });
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(request.stdin ?? '');
    });
  }
}
