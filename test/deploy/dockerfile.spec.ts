import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:https';
import { builtinModules } from 'node:module';
import { AddressInfo } from 'node:net';
import { dirname, join, posix, relative } from 'node:path';
import { parse } from 'yaml';
import { checkDockerfile, dockerIgnore, parseDockerfile, splitArgs } from './dockerfile';

/**
 * The container image, checked without a builder (none here): every path the Dockerfile copies exists in the
 * build context or in the tree the earlier stage really builds, the runtime stage holds what the compiled
 * service reads when it runs, and it runs as a fixed non-root uid with a working health check.
 */
const REPO = join(__dirname, '..', '..');
const DOCKERFILE = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
const IGNORE = readFileSync(join(REPO, '.dockerignore'), 'utf8');
const KNOWN_ENV = new Set(
  readFileSync(join(REPO, 'src', 'config', 'env.ts'), 'utf8')
    .match(/'MANO_[A-Z0-9_]+'/g)!
    .map((s) => s.slice(1, -1)),
);

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  );
}

const finalStage = () => parseDockerfile(DOCKERFILE).at(-1)!;
const instr = (keyword: string) => finalStage().instructions.filter((i) => i.keyword === keyword);

beforeAll(() => {
  // the check follows COPY --from=build into the tree `npm run build` makes; build it once when it is not there
  if (!existsSync(join(REPO, 'dist', 'src', 'main.js'))) {
    process.stdout.write('dockerfile.spec: dist/ missing, running npm run build first\n');
    execFileSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'ignore', timeout: 300_000 });
  }
}, 320_000);

describe('Dockerfile', () => {
  it('copies only paths that exist: in the build context (not excluded by .dockerignore) or built by an earlier stage', () => {
    const { problems, stages, external } = checkDockerfile(DOCKERFILE, REPO, IGNORE);
    expect(problems).toEqual([]);
    expect(stages.map((s) => s.name)).toEqual(['build', 'deps', 'helm', 'runtime']);
    // the one file taken from a third-party image as it is: its path is the image's (alpine/helm installs there)
    expect(external).toEqual([`/usr/bin/helm from ${stages[2].image}`]);
  });

  it('puts into the runtime stage what the compiled service reads at run time, and nothing of the build', () => {
    const { runtime } = checkDockerfile(DOCKERFILE, REPO, IGNORE);
    const cmd = splitArgs(instr('CMD').at(-1)!.raw).args;
    const script = cmd.find((a) => a.endsWith('.js'))!;
    expect(runtime.resolve(script)).toBe(join(REPO, 'dist', 'src', 'main.js'));
    // src/version.ts reads package.json two folders above dist/src
    expect(runtime.resolve('package.json')).toBe(join(REPO, 'package.json'));
    expect(runtime.resolve('descriptors')).toBe(join(REPO, 'descriptors'));
    // the JSON schemas tsc emits beside the code (descriptor models, SOL001 types), each required by path
    const dist = join(REPO, 'dist');
    const jsonRequires = jsFiles(dist).flatMap((f) =>
      [...readFileSync(f, 'utf8').matchAll(/require\("(\.[^"]+\.json)"\)/g)].map((m) => join(dirname(f), m[1])),
    );
    expect(jsonRequires.length).toBeGreaterThanOrEqual(5);
    for (const file of jsonRequires)
      expect([relative(REPO, file), runtime.resolve(relative(REPO, file))]).toEqual([relative(REPO, file), file]);
    // sources, tests and dev tooling stay out
    for (const absent of ['src', 'test', 'tsconfig.json', 'vim-adapters', 'scripts'])
      expect([absent, runtime.resolve(absent)]).toEqual([absent, undefined]);
  });

  it('installs every package the compiled code requires as a production dependency (the image runs npm ci --omit=dev)', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const missing = new Set<string>();
    for (const f of jsFiles(join(REPO, 'dist'))) {
      if (relative(REPO, f).startsWith(`dist${posix.sep}ui${posix.sep}`)) continue; // the web UI is bundled by vite: no require at run time
      for (const m of readFileSync(f, 'utf8').matchAll(/require\("([^."][^"]*)"\)/g)) {
        const name = m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0];
        if (!builtins.has(m[1]) && !builtins.has(name) && !(name in pkg.dependencies))
          missing.add(`${name} (${relative(REPO, f)})`);
      }
    }
    expect([...missing]).toEqual([]);
    const install = finalStageOrDeps();
    expect(install).toMatch(/npm ci --omit=dev/);
  });

  it('runs as a fixed non-root uid, the one the Kubernetes Deployment asks for', () => {
    const users = instr('USER');
    expect(users.length).toBeGreaterThan(0);
    const [uid, gid] = users.at(-1)!.raw.split(':');
    expect(uid).toMatch(/^\d+$/); // numeric: runAsNonRoot cannot verify a user name
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
    const deployment = parse(readFileSync(join(REPO, 'deploy', 'kubernetes', 'base', 'deployment.yaml'), 'utf8')) as {
      spec: { template: { spec: { securityContext: { runAsUser: number; runAsGroup: number; fsGroup: number } } } };
    };
    const sc = deployment.spec.template.spec.securityContext;
    expect([sc.runAsUser, sc.runAsGroup, sc.fsGroup]).toEqual([Number(uid), Number(gid), Number(gid)]);
  });

  it('pins its base images, exposes 9999 and 9998, keeps its data in the /data volume, and sets only known MANO_* variables', () => {
    // one slim Node image for every Node stage, of a version package.json's engines accept (the tests run on it)
    const all = parseDockerfile(DOCKERFILE).map((s) => s.image);
    expect(all.filter((i) => !i.startsWith('node:'))).toEqual([expect.stringMatching(/^alpine\/helm:3\.\d+\.\d+$/)]);
    const images = new Set(all.filter((i) => i.startsWith('node:')));
    expect(images.size).toBe(1);
    const [image] = images;
    const m = /^node:(\d+)\.(\d+)\.(\d+)-[a-z]+-slim(@sha256:[0-9a-f]{64})?$/.exec(image)!;
    expect([image, m !== null]).toEqual([image, true]);
    const engines = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const [, major, minor] = /^>=(\d+)\.(\d+)$/.exec(engines)!.map(Number);
    expect(Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor)).toBe(true);
    expect(instr('EXPOSE').flatMap((i) => i.raw.split(/\s+/))).toEqual(['9999', '9998']);
    expect(instr('VOLUME').map((i) => splitArgs(i.raw).args)).toEqual([['/data']]);
    const env = instr('ENV').flatMap((i) => [...i.raw.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1], m[2]] as const));
    expect(Object.fromEntries(env)).toMatchObject({ MANO_DATA_DIR: '/data', MANO_HTTP_HOST: '0.0.0.0' });
    for (const [name] of env.filter(([n]) => n.startsWith('MANO_'))) expect([name, KNOWN_ENV.has(name)]).toEqual([name, true]);
    expect(instr('ENTRYPOINT').map((i) => splitArgs(i.raw).args[0])).toEqual(['/usr/bin/tini']);
  });

  describe('HEALTHCHECK', () => {
    let server: Server;
    let status = 200;
    let paths: string[] = [];
    beforeAll(async () => {
      const { generate } = await import('selfsigned');
      const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', curve: 'P-256' });
      server = createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
        paths.push(req.url ?? '');
        res.writeHead(status).end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    });
    afterAll(() => new Promise((r) => server.close(r)));

    const probe = (port: number) => {
      const raw = instr('HEALTHCHECK').at(-1)!.raw;
      const cmd = splitArgs(raw.replace(/^(--\S+\s+)*CMD\s+/, '')).args;
      return new Promise<number>((resolve) => {
        const child = spawn(process.execPath, cmd.slice(1), {
          env: { ...process.env, MANO_PORT: String(port) },
          stdio: 'ignore',
        });
        child.on('exit', (code) => resolve(code ?? -1));
      });
    };

    it('is node (no curl in a slim image) asking GET /readyz over HTTPS: exit 0 on 200, 1 on 503 and when nothing answers', async () => {
      const raw = instr('HEALTHCHECK').at(-1)!.raw;
      expect(raw).toMatch(/--interval=\d+s .*CMD \["node", "-e"/);
      const port = (server.address() as AddressInfo).port;
      paths = [];
      status = 200;
      expect(await probe(port)).toBe(0);
      status = 503;
      expect(await probe(port)).toBe(1);
      expect(paths).toEqual(['/readyz', '/readyz']);
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const freePort = (closed.address() as AddressInfo).port;
      await new Promise((r) => closed.close(r));
      expect(await probe(freePort)).toBe(1);
    });
  });

  it('the checker is not vacuous: a wrong path, a root user, an unpinned image and an excluded source are each reported', () => {
    const broken = DOCKERFILE.replace('COPY --from=build /src/dist ./dist', 'COPY --from=build /src/build ./dist')
      .replace('COPY --from=deps /app/node_modules ./node_modules', 'COPY --from=deps /app/node_module ./node_modules')
      .replace('COPY descriptors ./descriptors', 'COPY descriptors test/ ./')
      .replace('COPY package.json ./', 'COPY package.jsn ./')
      .replace('USER 10001:10001', 'USER root')
      .replace(/^FROM node:[^ ]+ AS deps$/m, 'FROM node:20-slim AS deps');
    expect(broken).not.toBe(DOCKERFILE);
    const { problems } = checkDockerfile(broken, REPO, IGNORE);
    const expected = [
      /FROM node:20-slim: base image not pinned/,
      /\/app\/node_module is not in stage deps/,
      /package\.jsn does not exist in the build context/,
      /\/src\/build is not in stage build/,
      /test\/ is excluded by \.dockerignore/,
      /runs as root \(USER root\)/,
    ];
    for (const re of expected) expect(problems.some((p) => re.test(p)) ? re : problems).toEqual(re);
    // a build stage that never builds has no dist to copy
    const unbuilt = DOCKERFILE.replace('RUN npm run build', 'RUN true');
    expect(checkDockerfile(unbuilt, REPO, IGNORE).problems.join('\n')).toMatch(
      /\/src\/dist is not in stage build \(nothing copied or built there\)/,
    );
  });

  it('.dockerignore keeps local state and secrets out of the context', () => {
    const ignored = dockerIgnore(IGNORE);
    for (const p of [
      'node_modules',
      'dist/src/main.js',
      'data/mano.sqlite',
      '.git/HEAD',
      'deploy/kubernetes/base/secrets.env',
      'x/y/db.env',
      '.env',
    ])
      expect([p, ignored(p)]).toEqual([p, true]);
    for (const p of ['src/main.ts', 'package.json', 'descriptors/hello_ns/hello_nsd.yaml', 'tsconfig.build.json'])
      expect([p, ignored(p)]).toEqual([p, false]);
  });
});

/** The install command of the stage whose node_modules the runtime copies. */
function finalStageOrDeps(): string {
  const stages = parseDockerfile(DOCKERFILE);
  const copy = stages.at(-1)!.instructions.find((i) => i.keyword === 'COPY' && /node_modules/.test(i.raw))!;
  const from = splitArgs(copy.raw).flags.from;
  const stage = stages.find((s) => s.name === from)!;
  return stage.instructions
    .filter((i) => i.keyword === 'RUN')
    .map((i) => i.raw)
    .join('\n');
}
