import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';

export const ROOT = resolve(__dirname, '../..');
export const UI_DIST = join(ROOT, 'dist', 'ui');
export const RESULTS = join(ROOT, 'test-results');
/** Debian's chromium package (scripts/test-all.sh installs it); MANO_CHROMIUM names another binary. */
export const CHROMIUM = process.env.MANO_CHROMIUM ?? '/usr/bin/chromium';

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds the UI (vite) when dist/ui is missing or older than a source under ui/, so the test sees the current UI. */
export function ensureUiBuilt(): void {
  const index = join(UI_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'ui'))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'ui/vite.config.mts', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      // Jest sets NODE_ENV=test, which would make a development build (with preact/debug): build what ships
      env: { ...process.env, NODE_ENV: 'production' },
      stdio: 'inherit',
    },
  );
}

/** Makes the in-process app listen on a random loopback port (as a browser needs) and returns its base URL. */
export async function listen(app: INestApplication): Promise<string> {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}
