/**
 * BENCH_PROFILE=1: the service runs with V8's sampling profiler (`--cpu-prof`, the inspector's Profiler domain) and
 * writes a .cpuprofile into test-results/ when it stops; this prints where its CPU time went (self time), by
 * function and by file or package, so a regression can be named without opening a profile viewer.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export const PROFILE_DIR = join(__dirname, '..', '..', 'test-results');

/** The Node flags that make the service write its profile (empty unless BENCH_PROFILE=1). */
export function profileFlags(): string[] {
  return process.env.BENCH_PROFILE === '1' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
}

/** The newest .cpuprofile written since `since` (ms epoch), if any. */
export function newestProfile(since: number): string | undefined {
  let best: { file: string; at: number } | undefined;
  for (const name of readdirSync(PROFILE_DIR, { withFileTypes: true })) {
    if (!name.isFile() || !name.name.endsWith('.cpuprofile')) continue;
    const file = join(PROFILE_DIR, name.name);
    const at = statSync(file).mtimeMs;
    if (at >= since && (!best || at > best.at)) best = { file, at };
  }
  return best?.file;
}

/** Where a frame's code lives: a package name, a file of this project, or V8's own pseudo-frames. */
function place(url: string): string {
  if (!url) return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (path.startsWith('node:')) return path;
  return relative(join(__dirname, '..', '..'), path);
}

/** The file itself, shortened to its path inside its package or this project. */
function fileOf(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('node_modules/');
  return nm >= 0 ? path.slice(nm + 'node_modules/'.length) : place(url);
}

/** Top `n` by self time: per function and per file/package, with the share of all sampled time. */
export function summarise(file: string, n = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const fns = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i])!;
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const where = place(frame.url);
    const fn = `${frame.functionName || '(anonymous)'} ${fileOf(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    places.set(where, (places.get(where) ?? 0) + us);
  }
  const top = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => `  ${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`);
  return [
    `profile ${relative(process.cwd(), file)}: ${(total / 1e6).toFixed(1)} s sampled`,
    `self time by file or package (top ${n}):`,
    ...top(places),
    `self time by function (top ${n}):`,
    ...top(fns),
  ].join('\n');
}

if (require.main === module) {
  // npx ts-node --transpile-only test/bench/profile.ts <file.cpuprofile> [n]
  console.log(summarise(process.argv[2], Number(process.argv[3] ?? 25)));
}
