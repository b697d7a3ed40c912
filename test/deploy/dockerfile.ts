import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';

/**
 * A small Dockerfile reader and checker, for a machine without a builder: it parses the instructions and stages,
 * follows every COPY (from the build context or from another stage) and reports each path the build would not
 * find. What a stage's RUN produces is modelled for the two commands the image uses: `npm ci` (node_modules) and
 * `npm run build` (tsconfig.build.json's outDir, checked against the tree tsc really built here).
 */

export interface Instruction {
  keyword: string;
  /** The arguments as written (after the keyword, continuation lines joined). */
  raw: string;
  line: number;
}

export interface Stage {
  index: number;
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Instructions and stages; `\` continues a line, `#` starts a comment line (parser directives included). */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1).trimEnd();
      i++;
      const next = lines[i].trim();
      if (!next.startsWith('#')) line += ' ' + next; // comment lines inside a continuation are dropped, as Docker does
    }
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const ins: Instruction = { keyword: m[1].toUpperCase(), raw: m[2].trim(), line: start };
    if (ins.keyword === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.raw);
      if (!f) throw new Error(`line ${start}: cannot read FROM ${ins.raw}`);
      stages.push({ index: stages.length, image: f[1], name: f[2], instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${start}: ${ins.keyword} before the first FROM`);
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** `--flag=value` options and the remaining words (JSON array form or whitespace separated). */
export function splitArgs(raw: string): { flags: Record<string, string>; args: string[] } {
  const flags: Record<string, string> = {};
  let rest = raw;
  for (let f = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); f; f = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[f[1]] = f[2] ?? 'true';
    rest = rest.slice(f[0].length);
  }
  const args = rest.startsWith('[') ? (JSON.parse(rest) as string[]) : rest.split(/\s+/).filter((a) => a !== '');
  return { flags, args };
}

/** `.dockerignore` patterns (Go filepath.Match plus `**` and `!` exceptions), as the builder applies them. */
export function dockerIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = posix.normalize((negate ? l.slice(1) : l).replace(/^\/+/, '')).replace(/\/$/, '');
      const re = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) =>
          part === '**/' ? '(?:.*/)?' : part === '**' ? '.*' : part === '*' ? '[^/]*' : part === '?' ? '[^/]' : escape(part),
        )
        .join('');
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (path) => {
    const p = posix.normalize(path).replace(/^\.\//, '');
    // a path is excluded when it or one of its parent folders matches; the last matching rule wins
    const prefixes = p.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((x) => rule.re.test(x))) excluded = !rule.negate;
    return excluded;
  };
}

const escape = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');

/** Where a path of a stage's filesystem comes from: a file of the repository (built tree included) or a product. */
type Origin = { kind: 'repo'; path: string; context?: boolean } | { kind: 'product'; what: string };

interface StageTree {
  workdir: string;
  /** Absolute stage path → origin; a lookup takes the longest matching prefix. */
  mounts: Map<string, Origin>;
  user?: string;
}

export interface CheckResult {
  problems: string[];
  stages: Stage[];
  /** The final stage's filesystem, as absolute path → repository path (for the caller's own checks). */
  runtime: { workdir: string; resolve(path: string): string | undefined; user?: string };
  /** Files copied out of a stage that is a third-party image as it is (no RUN/COPY): their presence is that image's. */
  external: string[];
}

/**
 * Follows the Dockerfile as a builder would. `repo` is the build context; `outDir` the folder `npm run build`
 * produced there (already built by the caller).
 */
export function checkDockerfile(text: string, repo: string, ignoreText: string): CheckResult {
  const stages = parseDockerfile(text);
  const ignored = dockerIgnore(ignoreText);
  const problems: string[] = [];
  const external: string[] = [];
  const trees: StageTree[] = [];
  const byName = new Map(stages.filter((s) => s.name).map((s) => [s.name!.toLowerCase(), s.index]));

  const lookup = (tree: StageTree, abs: string): Origin | undefined => {
    for (let p = abs; ; p = posix.dirname(p)) {
      const o = tree.mounts.get(p);
      if (o?.kind !== 'repo') {
        if (o) return o;
      } else {
        const path = join(o.path, posix.relative(p, abs));
        // what came from the build context is there only if .dockerignore let it through
        const rel = relative(repo, path);
        return o.context && rel !== '' && ignored(rel) ? undefined : { ...o, path };
      }
      if (p === '/') return undefined;
    }
  };

  for (const stage of stages) {
    const tree: StageTree = { workdir: '/', mounts: new Map() };
    trees.push(tree);
    if (!/^[\w./-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(stage.image) || byName.has(stage.image.toLowerCase())) {
      if (!byName.has(stage.image.toLowerCase())) problems.push(`FROM ${stage.image}: not an image reference`);
    } else if (!/@sha256:/.test(stage.image) && !/:(\d+\.\d+\.\d+)([\w.-]*)$/.test(stage.image)) {
      problems.push(`FROM ${stage.image}: base image not pinned to a full version (x.y.z tag or digest)`);
    }
    for (const ins of stage.instructions) {
      const at = `line ${ins.line} (${ins.keyword} ${ins.raw.slice(0, 60)})`;
      if (ins.keyword === 'WORKDIR') tree.workdir = posix.resolve(tree.workdir, ins.raw);
      if (ins.keyword === 'USER') tree.user = ins.raw;
      if (ins.keyword === 'RUN') {
        if (/\bnpm ci\b/.test(ins.raw))
          tree.mounts.set(posix.join(tree.workdir, 'node_modules'), { kind: 'product', what: 'npm ci' });
        if (/\bnpm run build\b/.test(ins.raw)) {
          const origin = lookup(tree, posix.join(tree.workdir, 'tsconfig.build.json'));
          if (origin?.kind !== 'repo' || !existsSync(origin.path)) {
            problems.push(`${at}: npm run build without tsconfig.build.json in ${tree.workdir}`);
          } else {
            const outDir = tsOutDir(origin.path);
            tree.mounts.set(posix.join(tree.workdir, outDir), { kind: 'repo', path: join(repo, outDir) });
          }
        }
      }
      if (ins.keyword !== 'COPY' && ins.keyword !== 'ADD') continue;
      const { flags, args } = splitArgs(ins.raw);
      if (args.length < 2) {
        problems.push(`${at}: needs a source and a destination`);
        continue;
      }
      const dest = posix.resolve(tree.workdir, args[args.length - 1]);
      const sources = args.slice(0, -1);
      if (sources.length > 1 && !dest.endsWith('/') && !args[args.length - 1].endsWith('/'))
        problems.push(`${at}: several sources need a destination folder ending in /`);
      for (const src of sources) {
        let origin: Origin | undefined;
        if (flags.from !== undefined) {
          const from = byName.get(flags.from.toLowerCase()) ?? (/^\d+$/.test(flags.from) ? Number(flags.from) : undefined);
          if (from === undefined || from >= stage.index) {
            problems.push(`${at}: --from=${flags.from} names no earlier stage`);
            continue;
          }
          const fromStage = stages[from];
          if (fromStage.instructions.length === 0 && !/^node:/.test(fromStage.image)) {
            external.push(`${src} from ${fromStage.image}`);
            continue;
          }
          origin = lookup(trees[from], posix.resolve(trees[from].workdir, src));
          if (!origin) problems.push(`${at}: ${src} is not in stage ${flags.from} (nothing copied or built there)`);
          else if (origin.kind === 'repo' && !existsSync(origin.path)) {
            problems.push(`${at}: ${src} is not in stage ${flags.from} (${origin.path} does not exist in the built tree)`);
            origin = undefined;
          }
        } else {
          const rel = posix.normalize(src).replace(/\/$/, '');
          if (rel.startsWith('..')) problems.push(`${at}: ${src} is outside the build context`);
          else if (!existsSync(join(repo, rel))) problems.push(`${at}: ${src} does not exist in the build context`);
          else if (rel !== '.' && ignored(rel)) problems.push(`${at}: ${src} is excluded by .dockerignore`);
          else origin = { kind: 'repo', path: join(repo, rel), context: true };
        }
        if (!origin) continue;
        // `COPY dir dest` copies the folder's content into dest; `COPY file dest/` puts the file inside dest
        const target =
          origin.kind === 'repo' && !isDir(origin.path) && (dest.endsWith('/') || args[args.length - 1].endsWith('/'))
            ? posix.join(dest, posix.basename(src))
            : dest;
        tree.mounts.set(target.replace(/(.)\/$/, '$1'), origin);
      }
    }
  }
  const last = trees[trees.length - 1];
  if (last.user === undefined || /^(0|root)(:|$)/.test(last.user))
    problems.push(`the runtime stage runs as root (USER ${last.user ?? 'not set'}): set a non-root numeric USER`);
  return {
    problems,
    external,
    stages,
    runtime: {
      workdir: last.workdir,
      user: last.user,
      resolve: (p) => {
        const o = lookup(last, posix.resolve(last.workdir, p));
        return o?.kind === 'repo' && existsSync(o.path) ? o.path : undefined;
      },
    },
  };
}

const isDir = (path: string): boolean => statSync(path).isDirectory();

/** outDir of a tsconfig, following `extends` (relative to the tsconfig's folder, as tsc does). */
export function tsOutDir(tsconfig: string): string {
  const cfg = JSON.parse(readFileSync(tsconfig, 'utf8')) as { extends?: string; compilerOptions?: { outDir?: string } };
  if (cfg.compilerOptions?.outDir) return posix.normalize(cfg.compilerOptions.outDir);
  if (cfg.extends) return tsOutDir(join(dirname(tsconfig), cfg.extends));
  throw new Error(`${tsconfig} names no outDir`);
}
