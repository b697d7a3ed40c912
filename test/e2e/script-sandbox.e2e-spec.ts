import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorId, onboardWebserverVariant, settledOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Step = { key: string; kind: string; state: string; attempts: number; result?: { stdout: string; stderr: string } };

/**
 * Hostile day-2 primitives over HTTP on the emulator: the operation fails with the reason, the script ran once, and
 * the host is unaffected (the data dir's secret never reaches the operation; nothing the script started survives).
 * Needs bubblewrap (scripts/test-all.sh installs it); without it the operations fail "exec refused" and so do these tests.
 */
describe('day-1/2 scripts are sandboxed (emulator)', () => {
  let t: TestApp;
  let admin: string;
  let vim: string;
  const marker = `e2e-escapee-${process.pid}`;

  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    vim = await emulatorId(t, admin);
  });

  /** A web server whose health-check is `body`, with the given timeout-seconds, instantiated; the action's op. */
  const hostileAction = async (name: string, body: string, timeoutSeconds = 30) => {
    const nsdId = await onboardWebserverVariant(t, admin, name, (path, text) => {
      if (path === 'scripts/webserver.sh') return text.replace(/ {2}health-check\)\n/, `  health-check)\n    ${body}\n`);
      if (path.endsWith('_vnfd.yaml')) return text.replace('timeout-seconds: 30', `timeout-seconds: ${timeoutSeconds}`);
      return undefined;
    });
    const created = await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
      .send({ nsName: name, nsdId, vimAccountId: vim })
      .expect(201);
    expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
    const res = await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${created.body.id}/action`), admin)
      .send({ member_vnf_index: '1', primitive: 'health-check' })
      .expect(202);
    return settledOp(t, admin, res.body.id);
  };

  it('keeps the data dir private to the service: 0700, its secret key and SQLite database 0600', () => {
    const mode = (p: string) => (statSync(join(t.config.dataDir, p)).mode & 0o777).toString(8);
    expect(mode('.')).toBe('700');
    expect(mode('secret.key')).toBe('600');
    if (!t.config.dbUrl) expect(mode('mano.sqlite')).toBe('600');
  });

  it("a script reading the data dir's secret key and database fails with the reason; the secret is nowhere in the op", async () => {
    const secret = readFileSync(join(t.config.dataDir, 'secret.key'), 'utf8').trim();
    expect(secret.length).toBeGreaterThan(20);
    const op = await hostileAction(
      'thief',
      'cat ../../../../secret.key ../../../../mano.sqlite /etc/shadow; ls -la ../../.. ; exit 1',
    );
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.errorMessage).toMatch(/primitive 'health-check' exited with 1: .*No such file or directory/s);
    expect(JSON.stringify(op)).not.toContain(secret);
    const all = (await asJson(t.http.get('/osm/nslcm/v1/ns_lcm_op_occs'), admin).expect(200)).text;
    expect(all).not.toContain(secret);
  });

  it('a script that never ends is stopped at its timeout-seconds with everything it started, and run once', async () => {
    const started = Date.now();
    const op = await hostileAction('forever', `setsid sh -c 'sleep 3005; : ${marker}' & while :; do :; done`, 2);
    expect(op.operationState).toBe('FAILED_TEMP');
    expect(op.errorMessage).toMatch(/primitive 'health-check' timed out after 2 s/);
    const step = (op.steps as Step[]).find((s) => s.kind === 'primitive')!;
    expect(step.attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(30_000);
    let left = '';
    try {
      left = execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' });
    } catch {
      /* pgrep: nothing matched */
    }
    expect(left).toBe('');
  });
});
