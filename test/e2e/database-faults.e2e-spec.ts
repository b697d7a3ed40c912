import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { emulatorId, onboardMultivdu, settledOp } from '../utils/lcm';
import { asJson, startTestApp, TestApp } from '../utils/test-app';

/**
 * SQLite on a small tmpfs the test mounts: the disk fills up — writes answer 503 with a clear reason (never 500),
 * reads keep working, no record is corrupt, and everything works again once space returns —, then the data
 * directory turns read-only — the service refuses to start naming it, and starts once it is writable. Mounting needs root (CI runs as root); the
 * PostgreSQL equivalent (server stopped and restarted) is in the soak suite.
 */
const root = process.getuid?.() === 0;
const onSqlite = process.env.MANO_TEST_DB !== 'postgres';
if (!root || !onSqlite)
  process.stdout.write(
    `database-faults: not run here (${!onSqlite ? 'it is the SQLite suite; PostgreSQL faults are in npm run test:soak' : 'mounting a tmpfs needs root'})\n`,
  );

(root && onSqlite ? describe : describe.skip)('database faults: SQLite disk full and read-only data directory', () => {
  let mnt: string;
  let t: TestApp;
  let admin: string;
  let nsdId: string;
  let vim: string;
  const filler = () => join(mnt, 'filler');

  beforeAll(async () => {
    mnt = mkdtempSync(join(tmpdir(), 'mano-dbfault-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
    t = await startTestApp({ config: { dataDir: join(mnt, 'data'), dbUrl: undefined }, drop: async () => undefined });
    admin = await t.login();
    nsdId = await onboardMultivdu(t, admin);
    vim = await emulatorId(t, admin);
  });
  afterAll(async () => {
    await t?.close();
    execFileSync('umount', ['-l', mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  const integrity = async () => (await t.app.get(DataSource).query('PRAGMA integrity_check'))[0].integrity_check;
  const instantiate = (name: string) =>
    asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send({ nsName: name, nsdId, vimAccountId: vim });
  const project = (name: string) => asJson(t.http.post('/osm/admin/v1/projects'), admin).send({ name });
  const fillDisk = () => {
    const { bavail, bsize } = statfsSync(mnt);
    // leave nothing: a file of every free block (tmpfs allocates on write)
    writeFileSync(filler(), Buffer.alloc(bavail * bsize));
  };
  const expect503 = (res: { status: number; body: Record<string, unknown>; headers: Record<string, string> }) => {
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503, reason: 'DATABASE.UNAVAILABLE' });
    expect(res.headers['retry-after']).toBe('5');
  };

  it('disk full: writes answer 503 naming the cause, reads answer, nothing is corrupt, and it recovers when space returns', async () => {
    const before = (await asJson(t.http.get('/osm/admin/v1/projects'), admin).expect(200)).body.length;
    fillDisk();
    let res = await instantiate('while-full');
    for (let i = 0; i < 20 && res.status !== 503; i++) res = await instantiate(`while-full-${i}`);
    expect503(res);
    expect(res.body.detail).toMatch(/disk is full/);
    expect((await asJson(t.http.get('/osm/admin/v1/projects'), admin).expect(200)).body.length).toBe(before);
    await asJson(t.http.get('/osm/nslcm/v1/ns_instances'), admin).expect(200);

    unlinkSync(filler());
    await t.app.get(OperationRunner).idle();
    expect(await integrity()).toBe('ok');
    const created = await instantiate('after-full').expect(201);
    expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
    // whatever was accepted while the disk filled ended in a final state, none half-done
    const ops = (await asJson(t.http.get('/osm/nslcm/v1/ns_lcm_op_occs'), admin).expect(200)).body as {
      operationState: string;
    }[];
    expect(ops.filter((o) => o.operationState === 'PROCESSING')).toEqual([]);
  });

  it('read-only data directory: the service refuses to start naming it, and starts once it is writable again', async () => {
    // an open SQLite file keeps its write access whatever the mount says, so the directory turns read-only
    // between two starts: what an operator meets with a volume mounted read-only
    await t.close();
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    try {
      await expect(
        startTestApp({ config: { dataDir: join(mnt, 'data'), dbUrl: undefined }, drop: async () => undefined }),
      ).rejects.toThrow(/MANO_DATA_DIR .*mano-dbfault-.*\/data is not writable \(EROFS\)/);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt]);
    }
    t = await startTestApp({ config: { dataDir: join(mnt, 'data'), dbUrl: undefined }, drop: async () => undefined });
    admin = await t.login();
    await project('after-ro').expect(201);
    expect(await integrity()).toBe('ok');
  });
});
