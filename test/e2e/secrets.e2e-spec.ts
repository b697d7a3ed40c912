import { DataSource } from 'typeorm';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { AccountOperations } from '../../src/vims/account-operations';
import { onboardWebserver, settledOp } from '../utils/lcm';
import { routesOf } from '../utils/routes';
import { asJson, createTestDatabase, startTestApp, TestApp, TestDatabase } from '../utils/test-app';

/**
 * Secrets planted everywhere a user can give one — VIM, WIM and SDN passwords, an SSH private key, a kubeconfig
 * token, a Helm repository password, a user's password, a failed login's password — then the service is used as
 * an operator would (records shown and listed on every GET route, edited, an NS instantiated and terminated with
 * day-1/2 scripts). None of them may appear in any response body, in any log line at the most verbose level, or in
 * clear in any table of the database.
 */
const SECRETS = {
  vimPassword: 'planted-vim-password-7f3a9c',
  vimPasswordEdited: 'planted-vim-password-edited-51d0',
  sshKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nplanted-ssh-key-c0ffee42\n-----END OPENSSH PRIVATE KEY-----\n',
  kubeToken: 'planted-k8s-token-beef1234',
  wimPassword: 'planted-wim-password-99aa',
  sdnPassword: 'planted-sdn-password-42bb',
  repoPassword: 'planted-repo-password-17cc',
  userPassword: 'planted-User-Pass-1!dd',
  failedLogin: 'planted-bad-login-pw-ee',
};
const NEEDLES = [...Object.values(SECRETS), 'planted-ssh-key-c0ffee42'];

describe('secrets never leave: responses, logs at debug level, records at rest', () => {
  let db: TestDatabase;
  let t: TestApp;
  let admin: string;
  const bodies: string[] = [];
  const logs: string[] = [];
  const writes = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };

  beforeAll(async () => {
    // every log line the app writes is kept (and still shown)
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logs.push(String(chunk));
      return writes.out(chunk, ...rest);
    }) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      logs.push(String(chunk));
      return writes.err(chunk, ...rest);
    }) as typeof process.stderr.write;
    db = await createTestDatabase();
    // JSON lines (pino), as in production: structured fields are where a secret could slip in
    t = await startTestApp(db, { logLevel: 'debug', logFormat: 'json', vimCheckTimeoutMs: 2000 });
    admin = await t.login();
  });
  afterAll(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    await t.close();
    await db.drop();
  });

  /** Every answer is kept for the final check. */
  const keep = <T extends { text: string }>(res: T): T => {
    bodies.push(res.text ?? '');
    return res;
  };
  const post = async (topic: string, body: unknown) =>
    keep(await asJson(t.http.post(`/osm/admin/v1/${topic}`), admin).send(body as object));
  const settleAccounts = () => t.app.get(AccountOperations).idle();

  it('plants the secrets through the API', async () => {
    const vim = await post('vim_accounts', {
      name: 'secret-emu',
      vim_type: 'emulator',
      vim_url: 'emulator://secret',
      vim_user: 'u',
      vim_password: SECRETS.vimPassword,
      vim_tenant_name: 't',
      config: { private_key: SECRETS.sshKey, ssh_user: 'ubuntu' },
    });
    expect(vim.status).toBe(202);
    await post('wim_accounts', {
      name: 'w',
      wim_type: 'odl',
      wim_url: 'http://127.0.0.1:1/wim',
      user: 'u',
      password: SECRETS.wimPassword,
    });
    await post('sdns', { name: 's', type: 'opendaylight', ip: '127.0.0.1', port: 1, user: 'u', password: SECRETS.sdnPassword });
    await post('k8srepos', {
      name: 'r',
      type: 'helm-chart',
      url: 'http://127.0.0.1:1/charts',
      user: 'u',
      password: SECRETS.repoPassword,
    });
    await post('k8sclusters', {
      name: 'c',
      credentials: {
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: { token: SECRETS.kubeToken } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      },
      vim_account: vim.body.id,
      k8s_version: '1.32',
      nets: { net1: null },
    });
    await post('users', {
      username: 'sally',
      password: SECRETS.userPassword,
      project_role_mappings: [{ project: 'admin', role: 'project_user' }],
    });
    await settleAccounts();
    keep(
      await asJson(t.http.patch(`/osm/admin/v1/vim_accounts/${vim.body.id}`), admin).send({
        vim_password: SECRETS.vimPasswordEdited,
      }),
    );
    await settleAccounts();
    expect(
      keep(await asJson(t.http.post('/osm/admin/v1/tokens'), '').send({ username: 'sally', password: SECRETS.failedLogin }))
        .status,
    ).toBe(401);
    expect(
      keep(await asJson(t.http.post('/osm/admin/v1/tokens'), '').send({ username: 'sally', password: SECRETS.userPassword }))
        .status,
    ).toBe(200);

    // an NS with day-1 and a day-2 script on that VIM
    const nsdId = await onboardWebserver(t, admin);
    const created = keep(
      await asJson(t.http.post('/osm/nslcm/v1/ns_instances_content'), admin).send({
        nsName: 'secret-ns',
        nsdId,
        vimAccountId: vim.body.id,
        additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { greeting: 'hi' } }],
      }),
    );
    expect(created.status).toBe(201);
    expect((await settledOp(t, admin, created.body.nslcmop_id)).operationState).toBe('COMPLETED');
    const action = keep(
      await asJson(t.http.post(`/osm/nslcm/v1/ns_instances/${created.body.id}/action`), admin).send({
        member_vnf_index: '1',
        primitive: 'set-greeting',
        primitive_params: { greeting: 'again' },
      }),
    );
    expect((await settledOp(t, admin, action.body.id)).operationState).toBe('COMPLETED');
  }, 120_000);

  it('shows none of them on any GET route, listed or by id, as admin and with ADMIN', async () => {
    const ids = new Map<string, string[]>();
    const gets = routesOf(t.app).filter((r) => r.method === 'GET');
    for (const r of gets.filter((x) => !x.path.includes(':'))) {
      for (const q of ['', '?ADMIN=true']) {
        const res = keep(await asJson(t.http.get(`${r.path}${q}`), admin));
        if (res.status === 200 && Array.isArray(res.body))
          ids.set(
            r.path,
            (res.body as { _id?: string }[]).map((x) => x._id).filter((x): x is string => !!x),
          );
      }
    }
    let shown = 0;
    for (const r of gets.filter((x) => /\/:\w+$/.test(x.path))) {
      const list = ids.get(r.path.replace(/\/:\w+$/, '')) ?? [];
      for (const id of list) {
        keep(await asJson(t.http.get(r.path.replace(/:\w+$/, id)), admin));
        shown++;
      }
    }
    expect(shown).toBeGreaterThan(10);
    await t.app.get(OperationRunner).idle();
    const leaks = NEEDLES.filter((s) => bodies.some((b) => b.includes(s)));
    expect(leaks).toEqual([]);
    process.stdout.write(`secrets: ${NEEDLES.length} planted, ${bodies.length} response bodies checked, 0 found\n`);
  });

  it('writes none of them to the log (debug level) nor in clear to any table', async () => {
    expect(logs.join('').length).toBeGreaterThan(1000);
    // the capture holds pino's output at debug level: request lines and timed VIM calls among them
    const lines = logs
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{"level":'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(100);
    expect(lines.some((l) => l.context === 'HTTP' && l.level === 'debug' && typeof l.correlationId === 'string')).toBe(true);
    expect(lines.some((l) => l.context === 'VimCall' && typeof l.durationMs === 'number')).toBe(true);
    // the bearer token in use is a secret too
    expect([...NEEDLES, admin].filter((s) => logs.some((l) => l.includes(s)))).toEqual([]);
    const ds = t.app.get(DataSource);
    const tables = ds.entityMetadatas.map((m) => m.tableName);
    const dump = (await Promise.all(tables.map((table) => ds.query(`SELECT * FROM ${table}`))))
      .map((rows) => JSON.stringify(rows))
      .join('\n');
    expect(NEEDLES.filter((s) => dump.includes(s))).toEqual([]);
    process.stdout.write(`secrets: ${logs.length} log writes and ${tables.length} tables checked, 0 found\n`);
  });
});
