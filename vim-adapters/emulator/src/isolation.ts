import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { configInvalid } from '../../contract/src';

/**
 * How day-1/2 scripts are isolated on the emulator. Package scripts are untrusted code running on the
 * orchestrator's host, so by default they run under bubblewrap: a fresh mount namespace that shows only the
 * system's read-only /usr (and the few /etc files a shell, Python and a C compiler need), the compute's own
 * directory and a small private /tmp; no network (a namespace with only its own loopback — even when the compute has
 * ports: the host's network is never the compute's); its own PID namespace (killing bwrap kills every process in
 * it, `setsid` included); an unprivileged uid; and rlimits (processes, address space, file size, CPU, open files).
 * Without bubblewrap scripts are refused, unless the operator asks for the old weak mode with
 * `MANO_EMULATOR_EXEC=unsafe`.
 */

export interface ExecLimits {
  /** Processes (RLIMIT_NPROC) the script's uid may have at once. */
  processes: number;
  /** Address space of each process (RLIMIT_AS), MiB. */
  memoryMiB: number;
  /** Largest file a process may write (RLIMIT_FSIZE), MiB. */
  fileSizeMiB: number;
  /** Open files per process (RLIMIT_NOFILE). */
  openFiles: number;
  /** Size of the private /tmp (a tmpfs, memory-backed), MiB. */
  tmpMiB: number;
}

export const DEFAULT_LIMITS: ExecLimits = { processes: 64, memoryMiB: 1024, fileSizeMiB: 64, openFiles: 256, tmpMiB: 64 };

type Obj = Record<string, unknown>;

/** `config.exec_limits` of an emulator account: each key optional, integers ≥ 1. */
export function parseExecLimits(v: unknown): ExecLimits {
  if (v === undefined || v === null) return { ...DEFAULT_LIMITS };
  if (typeof v !== 'object' || Array.isArray(v)) throw configInvalid('config.exec_limits', 'must be a mapping');
  const keys: Record<string, keyof ExecLimits> = {
    processes: 'processes',
    memory_mib: 'memoryMiB',
    file_size_mib: 'fileSizeMiB',
    open_files: 'openFiles',
    tmp_mib: 'tmpMiB',
  };
  const out = { ...DEFAULT_LIMITS };
  for (const [k, x] of Object.entries(v as Obj)) {
    const key = keys[k];
    if (!key) throw configInvalid(`config.exec_limits.${k}`, `is not a limit (known: ${Object.keys(keys).join(', ')})`);
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > 1_048_576)
      throw configInvalid(`config.exec_limits.${k}`, 'must be an integer from 1 to 1048576');
    out[key] = x;
  }
  return out;
}

export type ExecMode = { kind: 'bwrap' } | { kind: 'unsafe' } | { kind: 'refused'; reason: string };

export const asRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/** The unprivileged uids scripts run as when the orchestrator is root: `MANO_EMULATOR_EXEC_UIDS=first-last`. */
export function uidRange(env: NodeJS.ProcessEnv = process.env): { first: number; size: number } {
  const raw = env.MANO_EMULATOR_EXEC_UIDS?.trim() || '61000-64999';
  const m = /^(\d{1,10})-(\d{1,10})$/.exec(raw);
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2]) : NaN;
  if (!m || first < 1000 || last < first || last > 4_294_967_294 || (first <= 65534 && last >= 65534))
    throw new Error(
      `MANO_EMULATOR_EXEC_UIDS must be 'first-last' with 1000 ≤ first ≤ last, not holding nobody (65534) (got '${raw}')`,
    );
  return { first, size: last - first + 1 };
}

/** A uid of the range for one compute (by its directory): computes never share files, and reuse is stable. */
export function uidFor(key: string, range = uidRange()): number {
  let h = 0x811c9dc5;
  for (const c of Buffer.from(key)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return range.first + (h % range.size);
}

const TOOLS = { bwrap: '/usr/bin/bwrap', prlimit: '/usr/bin/prlimit', setpriv: '/usr/bin/setpriv' };
let probed: ExecMode | undefined;

/**
 * The mode scripts run in, decided once per process: `MANO_EMULATOR_EXEC` unset or `bwrap` → bubblewrap, checked
 * by starting a sandbox (a missing binary or user namespaces the kernel refuses give the reason); `unsafe` → no
 * isolation; anything else is refused.
 */
export function execMode(env: NodeJS.ProcessEnv = process.env): ExecMode {
  const wanted = (env.MANO_EMULATOR_EXEC ?? '').trim();
  if (wanted === 'unsafe') return { kind: 'unsafe' };
  if (wanted !== '' && wanted !== 'bwrap')
    return { kind: 'refused', reason: `MANO_EMULATOR_EXEC='${wanted}' is not a mode (bwrap or unsafe)` };
  return (probed ??= probe());
}

/** For tests: forget the probe (after changing PATH-independent facts such as the environment). */
export const resetExecMode = (): void => void (probed = undefined);

function probe(): ExecMode {
  for (const [name, path] of Object.entries(TOOLS)) {
    if (name === 'setpriv' && !asRoot()) continue;
    if (!existsSync(path))
      return {
        kind: 'refused',
        reason: `${path} is missing (Debian package ${name === 'bwrap' ? 'bubblewrap' : 'util-linux'})`,
      };
  }
  const r = spawnSync(TOOLS.bwrap, [...namespaceArgs(), ...systemMounts(), '--', '/bin/sh', '-c', 'exit 0'], {
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: '/usr/bin:/bin' },
  });
  if (r.status === 0) return { kind: 'bwrap' };
  const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 300);
  return { kind: 'refused', reason: `bubblewrap cannot create a sandbox here (${why}); are user namespaces permitted?` };
}

/**
 * As root, bwrap runs privileged (no user namespace) and `setpriv` drops to the compute's uid with no capabilities
 * and no_new_privs (bwrap keeps only what that and its chdir into the compute's directory need): on the host the script is that uid, so RLIMIT_NPROC counts its processes (root's are never
 * counted). Otherwise bwrap makes a user namespace (where the kernel counts the namespace's processes).
 */
function namespaceArgs(): string[] {
  const common = ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try'];
  const privileged = [
    '--cap-drop',
    'ALL',
    ...['CAP_SETUID', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_DAC_READ_SEARCH'].flatMap((c) => ['--cap-add', c]),
  ];
  return [
    ...(asRoot() ? privileged : ['--unshare-user', '--uid', '65534', '--gid', '65534']),
    ...common,
    '--die-with-parent',
    '--new-session',
  ];
}

/** What a shell, Python 3 and cc/gcc need, read-only; nothing else of the host (no /home, /root, /var, /srv, /opt). */
function systemMounts(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  // merged-/usr systems have these as symlinks into /usr; older ones as directories
  for (const d of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
    if (!existsSync(d)) continue;
    const st = lstatSync(d);
    if (st.isSymbolicLink()) args.push('--symlink', readlinkSync(d), d);
    else if (st.isDirectory()) args.push('--ro-bind', d, d);
  }
  const etc = ['alternatives', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'localtime', 'nsswitch.conf', 'passwd', 'group'];
  const python = existsSync('/etc') ? readdirSync('/etc').filter((n) => /^python3(\.\d+)?$/.test(n)) : [];
  args.push('--perms', '0755', '--dir', '/etc');
  for (const f of [...etc, ...python]) args.push('--ro-bind-try', `/etc/${f}`, `/etc/${f}`);
  args.push('--proc', '/proc', '--dev', '/dev');
  return args;
}

export const SANDBOX_HOME = '/sandbox';

/** The full command line: bwrap around prlimit around the command; the compute's directory is the only writable place. */
export function bwrapArgv(
  dir: string,
  command: string[],
  limits: ExecLimits,
  cpuSeconds: number,
  uid: number,
  hostname: string,
): string[] {
  return [
    TOOLS.bwrap,
    ...namespaceArgs(),
    '--hostname',
    hostname,
    ...systemMounts(),
    '--perms',
    '1777',
    '--size',
    String(limits.tmpMiB * 1024 * 1024),
    '--tmpfs',
    '/tmp',
    '--bind',
    dir,
    SANDBOX_HOME,
    '--chdir',
    SANDBOX_HOME,
    '--',
    ...(asRoot()
      ? [
          TOOLS.setpriv,
          `--reuid=${uid}`,
          `--regid=${uid}`,
          '--clear-groups',
          '--inh-caps=-all',
          '--bounding-set=-all',
          '--no-new-privs',
          '--',
        ]
      : []),
    ...prlimitArgv(limits, cpuSeconds),
    ...command,
  ];
}

export function prlimitArgv(limits: ExecLimits, cpuSeconds: number): string[] {
  const mib = 1024 * 1024;
  return [
    TOOLS.prlimit,
    `--nproc=${limits.processes}`,
    `--as=${limits.memoryMiB * mib}`,
    `--fsize=${limits.fileSizeMiB * mib}`,
    `--nofile=${limits.openFiles}`,
    `--cpu=${Math.max(1, Math.ceil(cpuSeconds))}`,
    '--core=0',
    '--',
  ];
}

/** A hostname for the sandbox's UTS namespace: the compute's name, cut to a DNS label. */
export const hostnameOf = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 63) || 'compute';
