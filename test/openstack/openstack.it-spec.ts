import { execFileSync } from 'node:child_process';
import { AccountOperations } from '../../src/vims/account-operations';
import {
  leftovers,
  operatorSession,
  prepareCloud,
  skipOpenstack,
  volumeBackendReady,
} from '../../vim-adapters/openstack/test/openstack-cloud';
import { startSshd, TestSshd } from '../../vim-adapters/ssh/test/sshd';
import { onboardFolder, onboardMultivdu, onboardWebserver, onboardWebserverVariant, pollOp } from '../utils/lcm';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

type Obj = Record<string, unknown>;
type Server = { id: string; name: string; status: string; 'OS-EXT-SRV-ATTR:user_data'?: string };
type Port = { name: string; description: string; fixed_ips: { ip_address: string }[]; device_id: string };

/**
 * What an operator does with a real OpenStack (`../shared/openstack`), through the NBI: register it, deploy
 * hackfest_multivdu and the example web server (day-0 user data, day-1/2 over SSH), scale out, terminate —
 * and what OpenStack then holds, checked with the operator's own API calls.
 *
 * Day-1/2 logs in to the VM's management address on osm-ext (172.21.18.0/24). The fake compute driver boots
 * nothing, so that subnet is made local to this machine (on lo) and a real OpenSSH server answers there.
 */
(skipOpenstack ? describe.skip : describe)('OpenStack VIM through the NBI (real OpenStack)', () => {
  const os = operatorSession();
  let t: TestApp;
  let admin: string;
  let sshd: TestSshd;
  let vim: string;
  const OSM_EXT_ON_LO = '172.21.18.254/24';

  // a fresh OpenStack takes up to a couple of minutes before Cinder can place volumes
  beforeAll(() => volumeBackendReady(os), 300_000);
  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    await prepareCloud(os);
    execFileSync('sh', ['-c', `ip addr show dev lo | grep -q ${OSM_EXT_ON_LO} || ip addr add ${OSM_EXT_ON_LO} dev lo`]);
    sshd = await startSshd('0.0.0.0');
  });
  afterAll(() => {
    sshd?.stop();
    execFileSync('sh', ['-c', `ip addr del ${OSM_EXT_ON_LO} dev lo || true`]);
  });

  const api = (method: 'get' | 'post' | 'delete', path: string, body?: object) => {
    const req = asJson(t.http[method](path), admin);
    return body ? req.send(body) : req;
  };
  const account = (extra: Obj = {}) => ({
    name: 'openstack-it',
    vim_type: 'openstack',
    vim_url: process.env.OS_AUTH_URL ?? 'http://127.0.0.1:5000/v3',
    vim_user: process.env.OS_USERNAME ?? 'admin',
    vim_password: process.env.OS_PASSWORD ?? 'admin',
    vim_tenant_name: process.env.OS_PROJECT_NAME ?? 'admin',
    ...extra,
  });
  const registered = async (body: Obj) => {
    const res = await api('post', '/osm/admin/v1/vim_accounts', body).expect(202);
    await t.app.get(AccountOperations).idle();
    return (await api('get', `/osm/admin/v1/vim_accounts/${res.body.id}`).expect(200)).body as Obj & { _admin: Obj; _id: string };
  };
  const servers = async (prefix: string) =>
    (await os.list<Server>('compute', '/servers/detail', 'servers')).filter((s) => s.name.startsWith(prefix));
  const ports = async (prefix: string) =>
    (await os.list<Port>('network', '/v2.0/ports', 'ports')).filter((p) => p.name.startsWith(prefix));
  const instantiate = async (body: Obj) => {
    const created = await api('post', '/osm/nslcm/v1/ns_instances_content', { vimAccountId: vim, ...body }).expect(201);
    const op = await pollOp(t, admin, created.body.nslcmop_id, (o) => o.operationState !== 'PROCESSING', 180_000);
    return { nsId: created.body.id as string, op, prefix: `mano-${(created.body.id as string).replace(/-/g, '').slice(0, 8)}` };
  };
  const terminate = async (nsId: string) => {
    const res = await api('post', `/osm/nslcm/v1/ns_instances/${nsId}/terminate`, {}).expect(202);
    const op = await pollOp(t, admin, res.body.id, (o) => o.operationState !== 'PROCESSING', 180_000);
    expect(op.operationState).toBe('COMPLETED');
    await api('delete', `/osm/nslcm/v1/ns_instances_content/${nsId}`).expect(204);
  };

  it('vim-create with a wrong password ends in ERROR with Keystone’s own message', async () => {
    const shown = await registered(account({ name: 'openstack-bad', vim_password: 'not-the-password' }));
    expect(shown._admin.operationalState).toBe('ERROR');
    expect(shown._admin['detailed-status']).toMatch(/refused the credentials: The request you have made requires authentication/);
  });

  it('vim-create with the right credentials ends ENABLED, showing what it checked; secrets never come back', async () => {
    const shown = await registered(
      account({
        config: {
          region_name: 'RegionOne',
          private_key: sshd.target.privateKey,
          ssh_user: sshd.target.username,
          ssh_port: sshd.target.port,
        },
      }),
    );
    expect(shown._admin.operationalState).toBe('ENABLED');
    expect(shown._admin['detailed-status']).toMatch(/token issued for project admin; services: .*compute.*network/);
    expect(JSON.stringify(shown)).not.toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(shown.vim_password).not.toBe(account().vim_password);
    vim = shown._id;
  });

  it('instantiates hackfest_multivdu: servers ACTIVE, ports with the NSD’s fixed IPs, internal network; terminate leaves nothing', async () => {
    const nsdId = await onboardMultivdu(t, admin);
    const { nsId, op, prefix } = await instantiate({ nsName: 'multivdu-os', nsdId });
    expect(op).toMatchObject({ operationState: 'COMPLETED' });

    const vms = await servers(prefix);
    expect(vms.map((s) => [s.name, s.status]).sort()).toEqual([
      [`${prefix}-1-datavm-0`, 'ACTIVE'],
      [`${prefix}-1-mgmtvm-0`, 'ACTIVE'],
    ]);
    const byName = new Map((await ports(prefix)).map((p) => [p.name, p]));
    expect(byName.get(`${prefix}-1-mgmtvm-0-mgmtVM-eth0-int`)?.fixed_ips[0].ip_address).toBe('172.21.18.81');
    expect(byName.get(`${prefix}-1-datavm-0-dataVM-eth0-int`)?.fixed_ips[0].ip_address).toBe('172.21.18.82');
    expect(byName.get(`${prefix}-1-mgmtvm-0-mgmtVM-eth0-int`)?.device_id).toBe(vms.find((s) => s.name.includes('mgmtvm'))?.id);
    const { body } = await os.call<{ networks: { id: string; name: string; subnets: string[] }[] }>({
      service: 'network',
      method: 'GET',
      path: '/v2.0/networks',
      query: { name: `${prefix}-1-internal` },
    });
    expect(body.networks).toHaveLength(1);
    expect(body.networks[0].subnets).toHaveLength(1);

    const vnfrs = (await api('get', `/osm/nslcm/v1/vnfrs?nsr-id-ref=${nsId}`).expect(200)).body as Obj[];
    expect(vnfrs[0]['ip-address']).toBe('172.21.18.81');

    await terminate(nsId);
    expect(await leftovers(os, prefix)).toEqual([]);
  });

  it('deploys the web server: cloud-init in the user data, day-1 and day-2 over SSH, scale out adds a server; terminate leaves nothing', async () => {
    const nsdId = await onboardWebserver(t, admin);
    const { nsId, op, prefix } = await instantiate({
      nsName: 'web-os',
      nsdId,
      additionalParamsForVnf: [{ 'member-vnf-index': '1', additionalParams: { greeting: 'Hello from OpenStack' } }],
    });
    expect(op).toMatchObject({ operationState: 'COMPLETED' });
    const configure = (op.steps as Obj[]).find((s) => String(s.key).includes('configure')) as { result: Obj } | undefined;
    expect(configure?.result).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('configured') });

    const [vm] = await servers(prefix);
    expect(vm.status).toBe('ACTIVE');
    const { body } = await os.call<{ server: Server }>({ service: 'compute', method: 'GET', path: `/servers/${vm.id}` });
    const userData = Buffer.from(body.server['OS-EXT-SRV-ATTR:user_data'] ?? '', 'base64').toString();
    expect(userData).toContain('<h1>Hello from OpenStack</h1>');
    expect(userData).toMatch(/ssh_authorized_keys:\n\s+- ssh-ed25519 \S+ opencloudedge-mano/);

    const action = await api('post', `/osm/nslcm/v1/ns_instances/${nsId}/action`, {
      member_vnf_index: '1',
      primitive: 'set-greeting',
      primitive_params: { greeting: 'over SSH' },
    }).expect(202);
    const done = await pollOp(t, admin, action.body.id, (o) => o.operationState !== 'PROCESSING', 60_000);
    expect(done).toMatchObject({
      operationState: 'COMPLETED',
      detailedStatus: expect.stringContaining('greeting set to: over SSH'),
    });

    const scaled = await api('post', `/osm/nslcm/v1/ns_instances/${nsId}/scale`, {
      scaleType: 'SCALE_VNF',
      scaleVnfData: {
        scaleVnfType: 'SCALE_OUT',
        scaleByStepData: { 'scaling-group-descriptor': 'web-scaling', 'member-vnf-index': '1' },
      },
    }).expect(202);
    expect((await pollOp(t, admin, scaled.body.id, (o) => o.operationState !== 'PROCESSING', 120_000)).operationState).toBe(
      'COMPLETED',
    );
    expect((await servers(prefix)).map((s) => [s.name, s.status]).sort()).toEqual([
      [`${prefix}-1-web-0`, 'ACTIVE'],
      [`${prefix}-1-web-1`, 'ACTIVE'],
    ]);

    await terminate(nsId);
    expect(await leftovers(os, prefix)).toEqual([]);
  });

  // the SME applications' VM flavour (descriptors/*_vnf cloud-init on ubuntu20.04): the fake compute driver boots no
  // guest, so their services never start; day-1 runs over SSH against the local sshd on osm-ext (the grader's
  // health-check works there; the registry's and the database's need their service and may fail, which is said)
  it.each([
    ['registry', 1, 1],
    ['object_detection', 1, 0],
    ['code_grader', 1, 0],
    ['crypto_service', 2, 1],
  ])(
    'instantiates the SME package %s on VMs (%i server(s), %i volume(s) beyond the root disks); terminate leaves nothing',
    async (pkg, nServers, nVolumes) => {
      await onboardFolder(t, admin, `${pkg}_vnf`, 'vnf');
      const nsdId = await onboardFolder(t, admin, `${pkg}_ns`, 'ns');
      const { nsId, op, prefix } = await instantiate({
        nsName: `${pkg}-os`,
        nsdId,
        vld: [{ name: 'mgmtnet', 'vim-network-name': 'osm-ext' }],
      });
      const vms = await servers(prefix);
      expect(vms.map((s) => s.status)).toEqual(Array(nServers).fill('ACTIVE'));
      const { body } = await os.call<{ server: Server }>({ service: 'compute', method: 'GET', path: `/servers/${vms[0].id}` });
      const userData = Buffer.from(body.server['OS-EXT-SRV-ATTR:user_data'] ?? '', 'base64').toString();
      expect(userData).toMatch(/^#cloud-config/);
      expect(userData).not.toContain('{{');
      const volumes = (await os.list<{ name: string }>('volume', '/volumes/detail', 'volumes')).filter((v) =>
        v.name.startsWith(prefix),
      );
      expect(volumes.length).toBeGreaterThanOrEqual(nVolumes);
      if (pkg === 'code_grader') {
        expect(op.operationState).toBe('COMPLETED');
        const day1 = (op.steps as Obj[]).find((s) => String(s.key).startsWith('day-1 health-check')) as { result: Obj };
        expect(day1.result).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('grader ready') });
      } else if (op.operationState !== 'COMPLETED') {
        // without the service the VM would run, its day-1 fails, naming itself
        expect(op).toMatchObject({
          operationState: 'FAILED_TEMP',
          errorMessage: expect.stringMatching(/day-1 (create-first-user|create-schema)/),
        });
      }
      await terminate(nsId);
      expect(await leftovers(os, prefix)).toEqual([]);
    },
  );

  it('a VM Nova cannot place (ERROR, "No valid host") fails the operation at once with Nova’s fault; over quota fails with the quota message', async () => {
    const variant = async (name: string, from: RegExp, to: string) =>
      onboardWebserverVariant(t, admin, name, (path, text) => (path.endsWith('vnfd.yaml') ? text.replace(from, to) : undefined));
    const huge = await variant('hugedisk', /size-of-storage: 5/, 'size-of-storage: 90000000');
    const started = Date.now();
    const noHost = await instantiate({ nsName: 'no-host', nsdId: huge });
    expect(noHost.op).toMatchObject({ operationState: 'FAILED_TEMP' });
    expect(String(noHost.op.errorMessage ?? noHost.op.detailedStatus)).toMatch(
      /failed in the VIM: Nova: No valid host was found/,
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    // retry builds the server again (still no host for it): a new server, the same failure
    const [broken] = await servers(noHost.prefix);
    await api('post', `/osm/nslcm/v1/ns_lcm_op_occs/${String(noHost.op._id)}/retry`).expect(202);
    const retried = await pollOp(t, admin, String(noHost.op._id), (o) => o.operationState !== 'PROCESSING', 120_000);
    expect(retried.operationState).toBe('FAILED_TEMP');
    const [rebuilt] = await servers(noHost.prefix);
    expect(rebuilt.id).not.toBe(broken.id);
    expect(rebuilt.status).toBe('ERROR');

    const greedy = await variant('greedy', /size: 0\.5/, 'size: 4096');
    const overQuota = await instantiate({ nsName: 'over-quota', nsdId: greedy });
    expect(overQuota.op).toMatchObject({ operationState: 'FAILED_TEMP' });
    expect(String(overQuota.op.errorMessage ?? overQuota.op.detailedStatus)).toMatch(
      /VIM.QUOTA_EXCEEDED: .*Quota exceeded for ram/,
    );

    for (const ns of [noHost, overQuota]) {
      await terminate(ns.nsId);
      expect(await leftovers(os, ns.prefix)).toEqual([]);
    }
  });
});
