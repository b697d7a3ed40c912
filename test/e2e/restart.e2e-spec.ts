import { DataSource } from 'typeorm';
import { AccountOperations } from '../../src/vims/account-operations';
import { AccountsService } from '../../src/vims/accounts.service';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { emulatorId, onboardMultivdu, settledOp } from '../utils/lcm';
import { asJson, createTestDatabase, startTestApp } from '../utils/test-app';

describe('restart', () => {
  it('keeps users and projects, and does not seed twice', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startTestApp(db);
      const admin = await first.login();
      await asJson(first.http.post('/osm/admin/v1/projects'), admin).send({ name: 'kept' }).expect(201);
      await asJson(first.http.post('/osm/admin/v1/users'), admin)
        .send({ username: 'keeper', password: 'pw', projects: ['kept'] })
        .expect(201);
      await first.close();

      const second = await startTestApp(db);
      try {
        const token = await second.login('keeper', 'pw');
        const me = await asJson(second.http.get('/osm/admin/v1/users/keeper'), token).expect(200);
        expect(me.body.projects).toEqual(['kept']);
        // the admin token issued before the restart is still valid
        const users = await asJson(second.http.get('/osm/admin/v1/users'), admin).expect(200);
        expect(users.body.map((u: { username: string }) => u.username).sort()).toEqual(['admin', 'keeper']);
        const roles = await asJson(second.http.get('/osm/admin/v1/roles?name=system_admin'), admin).expect(200);
        expect(roles.body).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('restart with VIMs', () => {
  it('keeps the emulator inventory, and finishes account checks left unfinished', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startTestApp(db);
      const admin = await first.login();
      const emu = (await asJson(first.http.get('/osm/admin/v1/vim_accounts?name=emulator'), admin).expect(200)).body[0]._id;
      const adapter = await first.app.get(AccountsService).adapter({ projectIds: [] } as never, emu, 'write');
      await adapter.apply({ ref: { kind: 'network', name: 'kept-net', labels: {} }, ipProfile: { cidr: '10.9.0.0/24' } });
      await adapter.apply({
        ref: { kind: 'compute', name: 'kept-vm', labels: { owner: 'restart-test' } },
        deploymentType: 'vm',
        image: 'ubuntu',
        flavor: { vcpu: 2, memoryGiB: 2, storageGiB: 10 },
        ports: [{ name: 'eth0', network: 'kept-net', fixedIp: '10.9.0.7' }],
      });
      // an account whose check never finished (the process died during it)
      const pending = await asJson(first.http.post('/osm/admin/v1/vim_accounts'), admin)
        .send({ name: 'pending', vim_type: 'emulator', vim_url: 'x', vim_user: 'u', vim_password: 'p', vim_tenant_name: 't' })
        .expect(202);
      await first.app.get(AccountOperations).idle();
      const ds = first.app.get(DataSource);
      const [row] = await ds.query(`SELECT record FROM admin_accounts WHERE id = '${pending.body.id}'`);
      const record = JSON.parse(row.record);
      record._admin.operationalState = 'PROCESSING';
      record._admin.operations[0].operationState = 'PROCESSING';
      record._admin.current_operation = 0;
      await ds.query(
        `UPDATE admin_accounts SET record = '${JSON.stringify(record)}', operational_state = 'PROCESSING' WHERE id = '${pending.body.id}'`,
      );
      await first.close();

      const second = await startTestApp(db);
      try {
        const inv = await asJson(second.http.get(`/mano/v1/emulator/${emu}/inventory`), admin).expect(200);
        expect(inv.body.computes).toHaveLength(1);
        expect(inv.body.computes[0]).toMatchObject({
          name: 'kept-vm',
          labels: { owner: 'restart-test' },
          ports: [{ ip: '10.9.0.7' }],
        });
        expect(inv.body.pops.find((p: { name: string }) => p.name === inv.body.computes[0].pop).used.vcpu).toBe(2);
        await second.app.get(AccountOperations).idle();
        const shown = await asJson(second.http.get(`/osm/admin/v1/vim_accounts/${pending.body.id}`), admin).expect(200);
        expect(shown.body._admin.operationalState).toBe('ENABLED');
        // only one default emulator, even after a restart
        const emus = await asJson(second.http.get('/osm/admin/v1/vim_accounts?vim_type=emulator&name=emulator'), admin).expect(
          200,
        );
        expect(emus.body).toHaveLength(1);
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});

describe('restart with unfinished LCM operations', () => {
  it('takes over an operation nobody finished and completes it', async () => {
    const db = await createTestDatabase();
    try {
      const first = await startTestApp(db);
      const admin = await first.login();
      const nsdId = await onboardMultivdu(first, admin);
      const vim = await emulatorId(first, admin);
      // the process "dies" before its worker picks the operation up
      first.app.get(OperationRunner).enqueue = () => undefined;
      const created = await asJson(first.http.post('/osm/nslcm/v1/ns_instances_content'), admin)
        .send({ nsName: 'survivor', nsdId, vimAccountId: vim })
        .expect(201);
      await first.close();

      const second = await startTestApp(db);
      try {
        const op = await settledOp(second, admin, created.body.nslcmop_id);
        expect(op).toMatchObject({ operationState: 'COMPLETED' });
        const ns = await asJson(second.http.get(`/osm/nslcm/v1/ns_instances/${created.body.id}`), admin).expect(200);
        expect(ns.body.nsState).toBe('READY');
      } finally {
        await second.close();
      }
    } finally {
      await db.drop();
    }
  });
});
