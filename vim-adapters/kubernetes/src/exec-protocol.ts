import type { ExecRequest, ExecResult } from '../../contract/src';

/**
 * Pod exec for day-1/2 scripts: the Kubernetes exec stream protocol (`v4.channel.k8s.io`, one WebSocket binary
 * message per frame, first byte = channel) and the shell command that brings the request's files and
 * environment into the container. Pure, so both are unit-tested without a cluster.
 */
export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4 } as const;

/** The working directory of primitives inside the container. */
export const POD_WORK_DIR = '/tmp/mano-work';
const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The container command: files written from base64 (exec has no file upload), then the request's command run
 * in the work directory with its environment. Only `sh` and `base64` are needed in the image.
 */
export function podExecCommand(request: ExecRequest, workDir = POD_WORK_DIR): string[] {
  const parts = [`mkdir -p ${quote(workDir)}`, `cd ${quote(workDir)}`];
  for (const [name, content] of Object.entries(request.files ?? {})) {
    if (name.startsWith('/') || name.split('/').includes('..'))
      throw new Error(`file '${name}' is outside the working directory`);
    const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/')) : '.';
    parts.push(
      `mkdir -p ${quote(dir)}`,
      `printf %s ${quote(Buffer.from(content).toString('base64'))} | base64 -d > ${quote(name)}`,
      `chmod 755 ${quote(name)}`,
    );
  }
  const env = Object.entries(request.env ?? {})
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => `${k}=${quote(v)}`);
  const run = `env ${env.join(' ')} ${request.command.map(quote).join(' ')}`;
  // stdin travels in the command too: the exec stream cannot signal its end to every API server version
  parts.push(
    request.stdin
      ? `printf %s ${quote(Buffer.from(request.stdin).toString('base64'))} | base64 -d | ${run}`
      : `exec ${run} < /dev/null`,
  );
  return ['sh', '-c', parts.join(' && ')];
}

/** The exit code in the error channel's `metav1.Status`: Success → 0, NonZeroExitCode → its code, else null. */
export function exitCodeOf(status: {
  status?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}): number | null {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    return Number.isInteger(code) ? code : null;
  }
  return null;
}

/** Collects the frames of one exec: stdout and stderr (cut at `limit` bytes each), then the status. */
export class ExecStreamDecoder {
  private readonly out = { stdout: '', stderr: '' };
  private truncated = false;
  private status?: Parameters<typeof exitCodeOf>[0];
  /** The error channel's message when the exec itself failed (container not found, command not found…). */
  failure?: string;

  constructor(private readonly limit = 64 * 1024) {}

  push(frame: Buffer): void {
    if (!frame.length) return;
    const channel = frame[0];
    const data = frame.subarray(1);
    if (channel === CHANNEL.stdout || channel === CHANNEL.stderr) {
      const key = channel === CHANNEL.stdout ? 'stdout' : 'stderr';
      const room = this.limit - Buffer.byteLength(this.out[key]);
      if (data.length > room) this.truncated = true;
      if (room > 0) this.out[key] += data.subarray(0, room).toString('utf8');
    } else if (channel === CHANNEL.error && data.length) {
      try {
        this.status = JSON.parse(data.toString('utf8')) as Parameters<typeof exitCodeOf>[0];
        if (exitCodeOf(this.status) === null)
          this.failure = (this.status as { message?: string }).message ?? data.toString('utf8');
      } catch {
        this.failure = data.toString('utf8');
      }
    }
  }

  result(timedOut = false): ExecResult {
    return {
      exitCode: timedOut || !this.status ? null : exitCodeOf(this.status),
      ...this.out,
      timedOut,
      truncated: this.truncated,
    };
  }
}
