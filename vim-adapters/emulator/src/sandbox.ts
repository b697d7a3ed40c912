import { spawn } from 'node:child_process';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { basename, dirname, join, normalize } from 'node:path';
import { ExecRequest, ExecResult, VimError } from '../../contract/src';
import {
  asRoot,
  bwrapArgv,
  DEFAULT_LIMITS,
  ExecLimits,
  execMode,
  hostnameOf,
  prlimitArgv,
  SANDBOX_HOME,
  uidFor,
} from './isolation';

/** The account unsafe mode runs scripts as when the orchestrator is root. */
const NOBODY = 65534;
const DEFAULT_TIMEOUT_MS = 60_000;
/** After the kill, how long to wait for the pipes to close before answering anyway. */
const KILL_GRACE_MS = 5_000;

export interface SandboxOptions {
  outputLimit: number;
  limits?: ExecLimits;
  log?: (level: 'warn', message: string) => void;
}

let warnedUnsafe = false;

/**
 * A compute's sandbox: a directory of its own where day-1/2 scripts (untrusted code) run isolated from the host
 * (see isolation.ts), with a scrubbed environment, rlimits, a wall-clock limit that kills every process of the run,
 * and capped output — never inside the orchestrator.
 */
export class Sandbox {
  private readonly uid: number;

  constructor(readonly dir: string) {
    this.uid = asRoot() ? uidFor(dir) : (process.getuid?.() ?? 0);
  }

  /** The directory, owned by the compute's uid when root (bubblewrap binds it; nothing above it is shown). */
  ensure(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    if (!asRoot()) return;
    const owner = execMode().kind === 'unsafe' ? NOBODY : this.uid;
    if (execMode().kind === 'unsafe')
      // unsafe mode runs the script on the host as nobody: the parents need to be traversable (not listable)
      for (let d = dirname(this.dir), i = 0; i < 3; d = dirname(d), i++) chmodSync(d, 0o711);
    if (lstatSync(this.dir).uid !== owner) chownTree(this.dir, owner);
  }

  destroy(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async exec(request: ExecRequest, options: SandboxOptions, signal?: AbortSignal): Promise<ExecResult> {
    if (!request.command.length) throw new VimError('VIM.INVALID_REQUEST', 'exec: empty command', false);
    const mode = execMode();
    if (mode.kind === 'refused')
      throw new VimError(
        'VIM.UNSUPPORTED',
        `exec refused: scripts run only in a bubblewrap sandbox, and ${mode.reason}. Install bubblewrap ` +
          '(apt-get install bubblewrap) or set MANO_EMULATOR_EXEC=unsafe to run them without isolation',
        false,
      );
    const limits = options.limits ?? DEFAULT_LIMITS;
    const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.ensure();
    const owner = mode.kind === 'unsafe' ? NOBODY : this.uid;
    for (const [name, content] of Object.entries(request.files ?? {})) {
      const target = normalize(join(this.dir, name));
      if (!target.startsWith(`${this.dir}/`))
        throw new VimError('VIM.INVALID_REQUEST', `exec: file '${name}' is outside the sandbox`, false);
      clearPath(this.dir, target);
      writeFileSync(target, content, { mode: 0o755 });
      if (asRoot()) chownTree(this.dir, owner, target);
    }
    const home = mode.kind === 'bwrap' ? SANDBOX_HOME : this.dir;
    const env: Record<string, string> = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TMPDIR: '/tmp',
      LANG: 'C.UTF-8',
      ...(request.env ?? {}),
    };
    let argv: string[];
    if (mode.kind === 'bwrap') {
      argv = bwrapArgv(this.dir, request.command, limits, timeoutMs / 1000, this.uid, hostnameOf(basename(this.dir)));
    } else {
      if (!warnedUnsafe) options.log?.('warn', 'MANO_EMULATOR_EXEC=unsafe: day-1/2 scripts run WITHOUT isolation on this host');
      warnedUnsafe = true;
      argv = [...prlimitArgv(limits, timeoutMs / 1000), ...request.command];
    }
    return run(argv, {
      cwd: mode.kind === 'bwrap' ? '/' : this.dir,
      env,
      user: mode.kind === 'unsafe' && asRoot() ? NOBODY : undefined,
      stdin: request.stdin ?? '',
      timeoutMs,
      limit: options.outputLimit,
      signal,
    });
  }
}

interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  user?: number;
  stdin: string;
  timeoutMs: number;
  limit: number;
  signal?: AbortSignal;
}

/**
 * Runs argv in its own process group. At the time limit (or an abort) the group gets SIGKILL: under bwrap that is
 * bwrap itself, and its PID namespace dies with it (`--die-with-parent`), so nothing the script started survives.
 */
function run(argv: string[], o: RunOptions): Promise<ExecResult> {
  return new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: o.cwd,
      env: o.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(o.user !== undefined ? { uid: o.user, gid: o.user } : {}),
    });
    const out = { stdout: new OutputCap(o.limit), stderr: new OutputCap(o.limit) };
    child.stdout.on('data', (c: Buffer) => out.stdout.push(c));
    child.stderr.on('data', (c: Buffer) => out.stderr.push(c));
    let timedOut = false;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      // a pipe someone still holds must not keep the answer waiting
      grace ??= setTimeout(() => finish(null), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, o.timeoutMs);
    const onAbort = (): void => killGroup();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (grace) clearTimeout(grace);
      o.signal?.removeEventListener('abort', onAbort);
      const truncated = out.stdout.truncated || out.stderr.truncated;
      resolve({
        exitCode: timedOut ? null : code,
        stdout: out.stdout.text(),
        stderr: out.stderr.text(),
        timedOut,
        truncated,
      });
    };
    child.on('error', (e) => {
      settled = true;
      clearTimeout(timer);
      reject(new VimError('VIM.INVALID_REQUEST', `exec: cannot start '${argv[0]}': ${e.message}`, false));
    });
    child.on('close', (code, sig) => finish(code ?? (sig ? 128 + (constants.signals[sig] ?? 0) : null)));
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.stdin);
  });
}

/** Keeps the first `limit` bytes of a stream; what is cut is said at the end of the text. */
class OutputCap {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.subarray(0, room);
    this.chunks.push(kept);
    this.size += kept.length;
  }

  text(): string {
    const s = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `${s}\n[output truncated at ${this.limit} bytes]\n` : s;
  }
}

/**
 * Makes the directories down to `target` inside `root`, replacing anything in the way that is not a directory: a
 * symlink a script left (`scripts -> /root`) must not carry the orchestrator's next write out of the sandbox.
 */
function clearPath(root: string, target: string): void {
  const parts = target.slice(root.length + 1).split('/');
  let p = root;
  for (const [i, part] of parts.entries()) {
    p = join(p, part);
    const last = i === parts.length - 1;
    let st;
    try {
      st = lstatSync(p);
    } catch {
      st = undefined;
    }
    if (st && (last || !st.isDirectory())) rmSync(p, { recursive: true, force: true });
    if (!last && (!st || !st.isDirectory())) mkdirSync(p, { mode: 0o755 });
  }
}

/** chown of the directory's tree (or of one path in it), never following the symlinks a script may have left. */
function chownTree(root: string, uid: number, only?: string): void {
  const visit = (p: string): void => {
    const st = lstatSync(p);
    if (st.uid !== uid || st.gid !== uid) lchownSync(p, uid, uid);
    if (st.isDirectory() && !only) for (const n of readdirSync(p)) visit(join(p, n));
  };
  if (only) {
    // the file and the directories made for it
    for (let p = only; p.startsWith(`${root}/`); p = dirname(p)) visit(p);
    return;
  }
  visit(root);
  chownSync(root, uid, uid);
}
