import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildService } from '../utils/child-service';
import { DESCRIPTORS } from '../utils/lcm';
import { createTestDatabase, TestDatabase } from '../utils/test-app';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const FINAL = ['COMPLETED', 'PARTIALLY_COMPLETED', 'FAILED_TEMP', 'FAILED', 'ROLLED_BACK'];
const PASSWORD = 'slice-crash-admin';
const pg = process.env.MANO_TEST_DB === 'postgres';

/**
 * The orchestrator is killed (SIGKILL) while slices are being instantiated; started again, every slice operation
 * is taken over and completes, with exactly one NS per subnet (one middle NS for all, as it is shared) and the
 * emulator holding exactly what the records say.
 */
describe(`slice crash recovery of the real process (${pg ? 'PostgreSQL' : 'SQLite'})`, () => {
  jest.setTimeout(600_000);
  let db: TestDatabase;
  const services: ChildService[] = [];
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.kill()));
    await db.drop();
  });

  const dataDir = () => db.config.dataDir ?? mkdtempSync(join(tmpdir(), 'mano-slice-crash-'));
  /** Runs a test body; a failure carries what the services printed (they run in their own processes). */
  const withOutput = async (fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (e) {
      const out = services.map((s, i) => `--- service ${i}:\n${s.output.slice(-4000)}`).join('\n');
      throw new Error(`${(e as Error).stack ?? String(e)}\n${out}`);
    }
  };
  const start = async (extra: Record<string, string> = {}, dir = dataDir()): Promise<ChildService> => {
    const s = await ChildService.start({
      MANO_ADMIN_PASSWORD: PASSWORD,
      MANO_DATA_DIR: dir,
      MANO_LCM_LEASE_MS: '2000',
      MANO_LCM_CONCURRENCY: '16',
      ...(db.config.dbUrl ? { MANO_DB_URL: db.config.dbUrl } : {}),
      ...extra,
    });
    services.push(s);
    return s;
  };

  /** The shared-slice packages, and an emulator VIM whose VMs take a moment to boot (operations are in flight). */
  async function prepare(s: ChildService): Promise<{ nstId: string; vim: string }> {
    for (const f of ['slice_edge_vnf', 'slice_middle_vnf']) await s.onboard(f, 'vnf');
    for (const f of ['slice_edge_ns', 'slice_middle_ns']) await s.onboard(f, 'ns');
    const nst = readFileSync(join(DESCRIPTORS, 'slice_shared_nst', 'slice_shared_nst.yaml'));
    const nstId = (await s.expect(201, 'POST', '/osm/nst/v1/netslice_templates_content', nst, 'application/yaml')).id;
    const vim = await s.expect(202, 'POST', '/osm/admin/v1/vim_accounts', {
      name: 'slow-boot',
      vim_type: 'emulator',
      vim_url: 'emulator://slow',
      vim_user: 'u',
      vim_password: 'p',
      vim_tenant_name: 't',
      config: { boot_delay: { vm: 0.3, container: 0 } },
    });
    for (;;) {
      const acc = await s.expect(200, 'GET', `/osm/admin/v1/vim_accounts/${vim.id}`);
      if (acc._admin.operationalState === 'ENABLED') break;
      await sleep(50);
    }
    return { nstId, vim: vim.id as string };
  }

  const launch = (s: ChildService, nstId: string, vim: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        s.expect(201, 'POST', '/osm/nsilcm/v1/netslice_instances_content', { nsiName: `s${i}`, nstId, vimAccountId: vim }),
      ),
    );

  async function waitUntil(s: ChildService, test: (ops: Obj[]) => boolean, what: string, ms = 150_000): Promise<Obj[]> {
    const until = Date.now() + ms;
    for (;;) {
      const ops = (await s.expect(200, 'GET', '/osm/nsilcm/v1/nsi_lcm_op_occs')) as Obj[];
      if (test(ops)) return ops;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(states(ops))}\n${s.output}`);
      await sleep(100);
    }
  }
  const states = (ops: Obj[]) =>
    ops.reduce((acc: Obj, o) => ({ ...acc, [o.operationState]: (acc[o.operationState] ?? 0) + 1 }), {});

  /** Every slice completes (a FAILED_TEMP one after a retry); one NS per subnet, one middle; the VIM as recorded. */
  async function expectAllDone(s: ChildService, vim: string, n: number): Promise<Obj[]> {
    let ops = await waitUntil(s, (o) => o.length === n && o.every((x) => FINAL.includes(x.operationState)), 'every slice op');
    for (const op of ops.filter((o) => o.operationState === 'FAILED_TEMP'))
      await s.expect(202, 'POST', `/osm/nsilcm/v1/nsi_lcm_op_occs/${op._id}/retry`);
    ops = await waitUntil(s, (o) => o.every((x) => FINAL.includes(x.operationState)), 'retries to end');
    expect(states(ops)).toEqual({ COMPLETED: n });

    const nss = (await s.expect(200, 'GET', '/osm/nslcm/v1/ns_instances_content')) as Obj[];
    const names = nss.map((x) => x.name as string);
    expect(new Set(names).size).toBe(names.length); // no duplicate NS
    expect(names.filter((x) => x.endsWith('.middle'))).toHaveLength(1);
    expect(nss).toHaveLength(2 * n + 1);
    expect(nss.every((x) => x.nsState === 'READY')).toBe(true);
    const middle = nss.find((x) => x.name.endsWith('.middle'))!;
    const nsis = (await s.expect(200, 'GET', '/osm/nsilcm/v1/netslice_instances_content')) as Obj[];
    expect(nsis).toHaveLength(n);
    for (const nsi of nsis) {
      expect(nsi._admin.nsiState).toBe('INSTANTIATED');
      expect(nsi['nsr-ref-list']).toHaveLength(3);
      expect(nsi['nsr-ref-list'].map((r: Obj) => r['nsr-ref'])).toContain(middle._id);
    }
    // every NS operation ran once: one instantiate per NS, all completed
    const nsOps = (await s.expect(200, 'GET', '/osm/nslcm/v1/ns_lcm_op_occs')) as Obj[];
    expect(states(nsOps)).toEqual({ COMPLETED: 2 * n + 1 });
    expect(new Set(nsOps.map((o) => o.nsInstanceId)).size).toBe(2 * n + 1);
    // the emulator holds exactly the recorded computes, and no network twice
    const vnfrs = (await s.expect(200, 'GET', '/osm/nslcm/v1/vnfrs')) as Obj[];
    const recorded = vnfrs.flatMap((v) => v.vdur.map((d: Obj) => d.name as string)).sort();
    const inventory = await s.expect(200, 'GET', `/mano/v1/emulator/${vim}/inventory`);
    expect(inventory.computes.map((c: Obj) => c.name as string).sort()).toEqual(recorded);
    const networks = inventory.networks.map((x: Obj) => x.name as string);
    expect(new Set(networks).size).toBe(networks.length);
    return ops;
  }

  it('SIGKILL during 20 concurrent slice instantiations; after a restart all complete, no duplicate NS', () =>
    withOutput(async () => {
      const dir = dataDir();
      const first = await start({}, dir);
      const { nstId, vim } = await prepare(first);
      await launch(first, nstId, vim, 20);
      // kill while slices are in flight and their NS operations half done (some completed, others running)
      const until = Date.now() + 120_000;
      for (;;) {
        const nsOps = (await first.expect(200, 'GET', '/osm/nslcm/v1/ns_lcm_op_occs')) as Obj[];
        const slices = (await first.expect(200, 'GET', '/osm/nsilcm/v1/nsi_lcm_op_occs')) as Obj[];
        const done = nsOps.filter((o) => o.operationState === 'COMPLETED').length;
        if (done >= 3 && done < nsOps.length && slices.some((o) => o.operationState === 'PROCESSING')) break;
        if (Date.now() > until) throw new Error(`no moment to kill: ${JSON.stringify(states(nsOps))}`);
        await sleep(20);
      }
      await first.kill();

      const second = await start({}, dir);
      const ops = await expectAllDone(second, vim, 20);
      const workers = ops.map((o) => o._admin.workers as string[]);
      expect(workers.some((w) => w.length === 2)).toBe(true); // some were taken over
      expect(workers.every((w) => w.length >= 1 && w.length <= 2 && new Set(w).size === w.length)).toBe(true);
    }));

  it('a crash between claiming the shared subnet and starting its NS operation resumes with one shared NS', () =>
    withOutput(async () => {
      const dir = dataDir();
      const first = await start({ MANO_IT_CRASH_AT: 'slice-share-claimed' }, dir);
      const { nstId, vim } = await prepare(first);
      // the process dies by itself the moment the first slice has claimed the middle
      await Promise.allSettled([launch(first, nstId, vim, 3)]);
      const until = Date.now() + 60_000;
      while ((await first.request('GET', '/readyz').catch(() => undefined))?.status === 200) {
        if (Date.now() > until) throw new Error(`the crash point was not reached:\n${first.output}`);
        await sleep(50);
      }

      const second = await start({}, dir);
      const before = (await second.expect(200, 'GET', '/osm/nsilcm/v1/nsi_lcm_op_occs')) as Obj[];
      expect(before.length).toBeGreaterThanOrEqual(1);
      const n = before.length;
      await expectAllDone(second, vim, n);
      // the middle's one instantiate operation is the one the crashed claim had chosen
      const nsis = (await second.expect(200, 'GET', '/osm/nsilcm/v1/netslice_instances_content')) as Obj[];
      const used = new Set(
        nsis.flatMap((x) => (x._admin['nsrs-detailed-list'] as Obj[]).filter((d) => d.shared).map((d) => d.nslcmop_instantiate)),
      );
      expect(used.size).toBe(1);
    }));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
