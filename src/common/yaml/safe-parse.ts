import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { WORKER_SOURCE } from './worker-source';

/**
 * The one way the service reads YAML (request bodies, descriptors, manifests): YAML 1.1 as OSM's PyYAML does,
 * custom tags refused, aliases, nesting and collections bounded, and always on a worker thread with a time
 * and memory limit, so that a hostile document costs a worker, never the event loop.
 */
export const YAML_LIMITS = {
  /** Alias expansions (billion-laughs documents). */
  maxAliasCount: 100,
  /** Nesting of maps and sequences. */
  maxDepth: 100,
  /** Lexical tokens of one text (~4 per list item, ~1 M per MiB of `- 1` lines): far above real descriptors. */
  maxTokens: 500_000,
  /** Maps and sequences in one document. */
  maxNodes: 1_000_000,
  /** A parse taking longer is stopped (its worker is replaced). */
  timeoutMs: 30_000,
  /** Heap of a parse worker: past it the parse is refused, the service unaffected. */
  maxHeapMb: 512,
  /** JSON texts up to this size are parsed in place (JSON.parse is ~100× faster than YAML). */
  inlineJsonBytes: 1024 * 1024,
} as const;

export type YamlProblemKind = 'syntax' | 'tag' | 'depth' | 'too-complex';

/** A text refused: `kind` says why (callers map too-complex to 413, the others to 400/422). */
export class YamlRefused extends Error {
  constructor(
    readonly kind: YamlProblemKind,
    message: string,
  ) {
    super(message);
  }
}

/** One YAML document (or JSON, which YAML includes); an empty text is `null`. */
export async function parseYaml(text: string): Promise<unknown> {
  const fast = jsonFastPath(text);
  if (fast.done) return fast.value;
  return (await pool().run({ text, format: 'yaml', all: false }))[0];
}

/** Every document of a multi-document stream (`---` separated), as Kubernetes manifests are written. */
export function parseYamlAll(text: string): Promise<unknown[]> {
  return pool().run({ text, format: 'yaml', all: true });
}

/** A JSON text with the same nesting limits; large ones are parsed off the event loop. */
export async function parseJson(text: string): Promise<unknown> {
  if (Buffer.byteLength(text) > YAML_LIMITS.inlineJsonBytes) {
    return (await pool().run({ text, format: 'json', all: false }))[0];
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new YamlRefused('syntax', (e as Error).message.split('\n')[0]);
  }
  checkShape(value);
  return value;
}

/** osmclient sends JSON text labelled application/yaml: read it as JSON when it is, quickly. */
function jsonFastPath(text: string): { done: true; value: unknown } | { done: false } {
  const start = text.trimStart()[0];
  if (text.trim() === '') return { done: true, value: null };
  if ((start !== '{' && start !== '[') || Buffer.byteLength(text) > YAML_LIMITS.inlineJsonBytes) return { done: false };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { done: false }; // YAML flow style such as {a: 1}
  }
  checkShape(value);
  return { done: true, value };
}

/** The worker's nesting check, for JSON parsed in place. */
function checkShape(root: unknown): void {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let nodes = 0;
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > YAML_LIMITS.maxDepth) throw new YamlRefused('depth', `nesting deeper than ${YAML_LIMITS.maxDepth} levels`);
    if (++nodes > YAML_LIMITS.maxNodes) throw new YamlRefused('too-complex', `more than ${YAML_LIMITS.maxNodes} collections`);
    for (const c of Object.values(value)) if (c !== null && typeof c === 'object') stack.push([c, depth + 1]);
  }
}

interface Job {
  text: string;
  format: 'yaml' | 'json';
  all: boolean;
}
interface Reply {
  id: number;
  values?: unknown[];
  error?: { kind: YamlProblemKind; message: string };
}

/** A few long-lived workers; jobs beyond them wait in order. */
class ParsePool {
  private readonly idle: Worker[] = [];
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  async run(job: Job): Promise<unknown[]> {
    if (this.running >= this.size) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    const worker = this.idle.pop() ?? this.spawn();
    worker.ref(); // an idle worker must not keep the process alive; a busy one must wait for its answer
    try {
      const { reply, reusable } = await this.exchange(worker, job);
      if (reusable) {
        worker.unref();
        this.idle.push(worker);
      }
      if (reply.error) throw new YamlRefused(reply.error.kind, reply.error.message);
      return reply.values ?? [];
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private exchange(worker: Worker, job: Job): Promise<{ reply: Reply; reusable: boolean }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: Reply): void => {
        if (reply.id !== id) return;
        done();
        resolve({ reply, reusable: true });
      };
      const onError = (e: Error & { code?: string }): void => {
        done();
        void worker.terminate();
        const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
        reject(new YamlRefused('too-complex', oom ? `needs more than ${YAML_LIMITS.maxHeapMb} MB to parse` : e.message));
      };
      const onExit = (): void => {
        done();
        reject(new YamlRefused('too-complex', 'the parser stopped'));
      };
      const timer = setTimeout(() => {
        done();
        void worker.terminate();
        reject(new YamlRefused('too-complex', `takes more than ${YAML_LIMITS.timeoutMs / 1000} s to parse`));
      }, YAML_LIMITS.timeoutMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ id, ...job });
    });
  }

  private spawn(): Worker {
    return new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        yamlPath: require.resolve('yaml'),
        limits: YAML_LIMITS,
      },
      resourceLimits: { maxOldGenerationSizeMb: YAML_LIMITS.maxHeapMb },
      // the service's own flags (e.g. ts-node's loader) are of no use to a worker that only parses
      execArgv: [],
    });
  }
}

let shared: ParsePool | undefined;
function pool(): ParsePool {
  shared ??= new ParsePool(Math.max(1, Math.min(2, availableParallelism() - 1)));
  return shared;
}
