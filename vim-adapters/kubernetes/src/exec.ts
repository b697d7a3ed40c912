import type { KubeConfig, V1Status } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { ExecRequest, ExecResult, VimError } from '../../contract/src';
import { execError, TRANSIENT_EXEC } from './errors';
import { CHANNEL, ExecStreamDecoder, podExecCommand } from './exec-protocol';
import { Pod } from './observe';

type K8s = typeof import('@kubernetes/client-node');

/** A command in a pod's `main` container through the pod exec API (files and stdin carried in the command). */
export async function execInPod(
  k8s: K8s,
  kc: KubeConfig,
  namespace: string,
  pod: Pod,
  request: ExecRequest,
  outputLimit: number,
  signal?: AbortSignal,
): Promise<ExecResult> {
  const decoder = new ExecStreamDecoder(outputLimit);
  const sink = (channel: number) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        decoder.push(Buffer.concat([Buffer.from([channel]), chunk]));
        done();
      },
    });
  let command: string[];
  try {
    command = podExecCommand(request);
  } catch (e) {
    throw new VimError('VIM.INVALID_REQUEST', `exec: ${(e as Error).message}`, false);
  }
  const timedOut = await new Promise<boolean>((resolve, reject) => {
    let socket: { close(): void } | undefined;
    const end = (timedOut: boolean) => {
      clearTimeout(timer);
      socket?.close();
      resolve(timedOut);
    };
    const timer = request.timeoutMs ? setTimeout(() => end(true), request.timeoutMs) : undefined;
    signal?.addEventListener('abort', () => end(true), { once: true });
    new k8s.Exec(kc)
      .exec(
        namespace,
        pod.metadata!.name!,
        'main',
        command,
        sink(CHANNEL.stdout),
        sink(CHANNEL.stderr),
        null,
        false,
        (s: V1Status) => decoder.push(Buffer.concat([Buffer.from([CHANNEL.error]), Buffer.from(JSON.stringify(s))])),
      )
      .then(
        (ws) => {
          socket = ws;
          ws.on('close', () => end(false));
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(execError(e, `exec in pod ${pod.metadata?.name}`));
        },
      );
  });
  if (!timedOut && decoder.failure)
    throw new VimError(
      TRANSIENT_EXEC.test(decoder.failure) ? 'VIM.UNREACHABLE' : 'VIM.INVALID_REQUEST',
      `exec in pod ${pod.metadata?.name}: ${decoder.failure}`,
      TRANSIENT_EXEC.test(decoder.failure),
    );
  return decoder.result(timedOut);
}
