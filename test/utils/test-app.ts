import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { configureApp } from '../../src/app.factory';
import { AppModule } from '../../src/app.module';
import { AppConfig, loadConfig } from '../../src/config/env';
import { ManoLogger } from '../../src/common/logging/logger';

/** The database an API test runs on: SQLite (default) or PostgreSQL with MANO_TEST_DB=postgres. */
export interface TestDatabase {
  config: Pick<AppConfig, 'dataDir' | 'dbUrl'>;
  drop(): Promise<void>;
}

const PG_ADMIN_URL = process.env.MANO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty database of the kind the run asks for; migrations run when an app starts on it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mano-test-'));
  if (process.env.MANO_TEST_DB !== 'postgres') {
    return { config: { dataDir, dbUrl: undefined }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `mano_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    config: { dataDir, dbUrl: url.toString() },
    drop: async () => {
      const c = new Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  http: TestAgent;
  /** Logs in and returns the bearer token. */
  login(username?: string, password?: string, project?: string): Promise<string>;
  close(): Promise<void>;
}

/** The full AppModule with real migrations on the given database, served in-process to supertest. */
export async function startTestApp(db: TestDatabase, overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const config: AppConfig = {
    ...loadConfig({}),
    ...db.config,
    // the operator's choice of admin password (as with MANO_ADMIN_PASSWORD): no forced change at first login
    adminPasswordGiven: true,
    logLevel: 'error',
    ...overrides,
  };
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forConfig(config)] }).compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: new ManoLogger(config) });
  configureApp(app, config);
  await app.init();
  const http = request(app.getHttpServer());
  return {
    app,
    config,
    http,
    async login(username = 'admin', password = config.adminPassword, project?: string) {
      const res = await http
        .post('/osm/admin/v1/tokens')
        .set('Accept', 'application/json')
        .send({ username, password, ...(project ? { project_id: project } : {}) });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${res.text}`);
      return res.body.id as string;
    },
    close: () => app.close(),
  };
}

/** A JSON-speaking client with a bearer token, as osmclient is. */
export function asJson(agentCall: request.Test, token?: string): request.Test {
  agentCall.set('Accept', 'application/json');
  return token ? agentCall.set('Authorization', `Bearer ${token}`) : agentCall;
}

/**
 * One app on a fresh database for a whole `describe` block: started and logged in as admin before its tests
 * (then `ready` gets both), stopped and dropped after them.
 */
export function useTestApp(ready: (t: TestApp, admin: string) => void | Promise<void>, overrides: Partial<AppConfig> = {}): void {
  let db: TestDatabase;
  let t: TestApp;
  beforeAll(async () => {
    db = await createTestDatabase();
    t = await startTestApp(db, overrides);
    await ready(t, await t.login());
  });
  afterAll(async () => {
    await t.close();
    await db.drop();
  });
}
