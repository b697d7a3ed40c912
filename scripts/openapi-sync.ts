/** Regenerates openapi.yaml from the code: `npm run openapi:sync`. A test fails when it is stale. */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, renderOpenApiYaml } from '../src/app.factory';
import { loadConfig } from '../src/config/env';

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mano-openapi-'));
  try {
    const app = await createApp({ ...loadConfig({}), dataDir, logLevel: 'error' });
    writeFileSync(join(__dirname, '..', 'openapi.yaml'), renderOpenApiYaml(app));
    await app.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main();
