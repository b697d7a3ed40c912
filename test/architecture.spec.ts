import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The module map of README's "Architecture" section, enforced on the imports of every source file under src/, so a
 * layering mistake fails the build instead of creeping in. Change README and this table together.
 */
const ROOT = resolve(__dirname, '..');
const SRC = join(ROOT, 'src');

/** Folder under src/ → the folders it may import (besides itself). `contract` is vim-adapters/contract. */
const FOUNDATION = ['common', 'config', 'contract'];
const ALLOWED: Record<string, string[]> = {
  config: ['contract'],
  common: ['config'],
  database: ['common', 'config'],
  tls: ['common', 'config', 'database'],
  records: ['common', 'database', 'contract'],
  lcm: [...FOUNDATION, 'database', 'records'],
  monitoring: [...FOUNDATION, 'database', 'records', 'lcm'],
  auth: [...FOUNDATION, 'database', 'records'],
  catalog: [...FOUNDATION, 'database', 'records', 'auth'],
  vims: [...FOUNDATION, 'database', 'records', 'auth', 'adapters'],
  placement: [...FOUNDATION, 'database', 'records', 'auth', 'vims', 'lcm'],
  subscriptions: [...FOUNDATION, 'database', 'records', 'auth'],
  instances: [...FOUNDATION, 'database', 'records', 'auth', 'catalog', 'vims', 'lcm', 'placement', 'monitoring'],
  slices: [...FOUNDATION, 'database', 'records', 'auth', 'catalog', 'vims', 'instances', 'lcm'],
  health: ['common', 'auth', 'root'],
  metrics: ['common', 'config', 'auth'],
};

/**
 * The allowed exceptions (README lists them with the reason; at most two):
 * - database/options.ts collects the entity classes from records/ (the one list the app, the CLI and tests share).
 * - vims/vims.module.ts (and only it) wires the adapter implementations into the registry.
 */
const EXCEPTIONS: { file: string; to: string }[] = [
  { file: 'database/options.ts', to: 'records' },
  { file: 'vims/vims.module.ts', to: 'adapters' },
];

/** Libraries that talk to a VIM: only vim-adapters/ may import them. */
const VIM_CLIENTS = ['axios', 'ssh2', '@kubernetes/client-node', 'node:child_process', 'child_process'];

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) sources(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier of a file: static imports, re-exports, `import type`, `import('…')` and `require('…')`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s+'([^']+)'/g,
    /\bimport\s+'([^']+)'/g,
    /\bimport\(\s*'([^']+)'\s*\)/g,
    /\brequire\(\s*'([^']+)'\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]);
  return found;
}

/** The layer a path belongs to: src/<folder>, `root` for src/*.ts, `contract` or `adapters` for vim-adapters/. */
function layerOf(abs: string): string {
  const rel = relative(ROOT, abs).split(sep);
  if (rel[0] === 'vim-adapters') return rel[1] === 'contract' ? 'contract' : 'adapters';
  if (rel[0] !== 'src') return `outside:${rel[0]}`;
  return rel.length > 2 ? rel[1] : 'root';
}

interface Edge {
  file: string;
  from: string;
  to: string;
  spec: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const f of sources(SRC)) {
    const file = relative(SRC, f).split(sep).join('/');
    for (const spec of specifiers(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const from = layerOf(f);
      const target = resolve(dirname(f), spec);
      // a folder import means its index.ts
      const to = layerOf(existsSync(`${target}.ts`) ? `${target}.ts` : join(target, 'index.ts'));
      if (from !== to) out.push({ file, from, to, spec });
    }
  }
  return out;
}

describe('architecture (README "Architecture")', () => {
  const all = edges();

  it('finds the imports it checks (the scanner is not blind)', () => {
    expect(all.some((e) => e.from === 'lcm' && e.to === 'records')).toBe(true);
    expect(all.some((e) => e.from === 'instances' && e.to === 'lcm')).toBe(true);
    expect(specifiers(`import type { A } from './a';\nexport { B } from '../b';\nconst c = import('./c');`)).toEqual([
      './a',
      '../b',
      './c',
    ]);
  });

  it('every folder imports only what the map allows it', () => {
    const known = new Set([...Object.keys(ALLOWED), 'root']);
    const wrong = all
      .filter((e) => e.from !== 'root')
      .filter((e) => !EXCEPTIONS.some((x) => x.file === e.file && x.to === e.to))
      .filter((e) => !known.has(e.from) || !(ALLOWED[e.from] ?? []).includes(e.to))
      .map((e) => `${e.file} (${e.from}) imports ${e.spec} (${e.to})`);
    expect(wrong).toEqual([]);
  });

  it('the engine imports no API module, and the records layer nothing above it', () => {
    const api = ['auth', 'catalog', 'vims', 'placement', 'subscriptions', 'instances', 'slices', 'health', 'root'];
    const upward = all
      .filter(
        (e) =>
          (['lcm', 'monitoring'].includes(e.from) && api.includes(e.to)) ||
          (e.from === 'records' && [...api, 'lcm'].includes(e.to)),
      )
      .map((e) => `${e.file} imports ${e.spec}`);
    expect(upward).toEqual([]);
  });

  it('common imports nothing but config', () => {
    expect(all.filter((e) => e.from === 'common' && e.to !== 'config').map((e) => `${e.file} imports ${e.spec}`)).toEqual([]);
  });

  it('only vim-adapters import VIM client libraries', () => {
    const wrong: string[] = [];
    for (const f of sources(SRC))
      for (const spec of specifiers(readFileSync(f, 'utf8')))
        if (VIM_CLIENTS.includes(spec)) wrong.push(`${relative(ROOT, f)} imports ${spec}`);
    expect(wrong).toEqual([]);
  });

  it('YAML is parsed only through common/yaml (one configuration)', () => {
    const wrong: string[] = [];
    for (const f of sources(SRC)) {
      const file = relative(SRC, f).split(sep).join('/');
      if (file.startsWith('common/yaml/')) continue;
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(yaml|js-yaml)'/g))
        for (const name of m[1].split(',').map((n) => n.trim().split(/\s+as\s+/)[0]))
          if (name && name !== 'stringify' && name !== 'type') wrong.push(`${file} imports ${name} from ${m[2]}`);
      if (/import\s+(\*\s+as\s+)?\w+\s+from\s*'(yaml|js-yaml)'/.test(text)) wrong.push(`${file} imports the whole yaml module`);
    }
    expect(wrong).toEqual([]);
  });

  it('no forwardRef (a module cycle) and no source file over 500 lines', () => {
    const files = sources(SRC);
    expect(files.filter((f) => /\bforwardRef\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f))).toEqual([]);
    const long = files
      .map((f) => ({ f: relative(ROOT, f), n: readFileSync(f, 'utf8').split('\n').length }))
      .filter((x) => x.n > 500)
      .map((x) => `${x.f}: ${x.n} lines`);
    expect(long).toEqual([]);
  });
});
