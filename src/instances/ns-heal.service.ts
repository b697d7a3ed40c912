import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { DomainError } from '../common/errors/domain-error';
import { newId } from '../common/ids';
import { ProjectScope } from '../common/records/project-scope';
import { Obj, list } from '../common/values';
import { Transactions } from '../database/transactions';
import { DayNService } from '../lcm/day-n.service';
import { HealTarget, healSteps, pinToRecord } from '../lcm/healing';
import { HealOperations } from '../lcm/healing-watcher';
import { OperationRunner } from '../lcm/operation-runner';
import { InstantiateParams, planInstantiation } from '../lcm/planner';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { NsInstanceEntity, VnfInstanceEntity } from '../records/ns.entities';
import { AccountsService } from '../vims/accounts.service';
import { persistOperation } from './ns-operation-start';
import { HealBody, healSchema } from './params';

/** VIM types whose ports can be given their old address again (Kubernetes assigns pod addresses itself). */
const KEEPS_ADDRESSES = new Set(['emulator', 'openstack']);
/** An NS whose VDUs can be healed: up, or up with some part broken. */
const HEALABLE = ['READY', 'DEGRADED'];

const notFound = (path: string, detail: string) =>
  new DomainError(404, 'NS_HEAL.NOT_FOUND', `${path}: ${detail}`, [{ path, message: detail }]);

/**
 * POST ns_instances/{id}/heal (OSM R11+ `healVnfData`), and the heal operations auto-healing starts: the named VDU
 * instances (all of a VNF's when none is named) are rebuilt by a HEAL operation, their day-1 run again when asked.
 */
@Injectable()
export class NsHealService extends HealOperations {
  constructor(
    @InjectRepository(NsInstanceEntity) private readonly nss: Repository<NsInstanceEntity>,
    @InjectRepository(VnfInstanceEntity) private readonly vnfs: Repository<VnfInstanceEntity>,
    @InjectRepository(CatalogItemEntity) private readonly catalog: Repository<CatalogItemEntity>,
    private readonly accounts: AccountsService,
    private readonly dayN: DayNService,
    private readonly tx: Transactions,
    private readonly runner: OperationRunner,
  ) {
    super();
  }

  async heal(session: Session, nsId: string, body: unknown): Promise<{ opId: string; name: string }> {
    const ns = await this.nss.findOneBy({ id: nsId });
    if (!ns || !ProjectScope.of(session).can('write', ns))
      throw DomainError.notFound('NS_INSTANCE.NOT_FOUND', `NS instance '${nsId}' not found`);
    return { opId: await this.start(ns, healSchema.validate(body), false), name: ns.name };
  }

  /** An auto-healing policy's heal (no caller: the orchestrator's own operation, `isAutomaticInvocation`). */
  async startAutomatic(nsId: string, body: Obj, admin: (ns: NsInstanceEntity) => void): Promise<string> {
    const ns = await this.nss.findOneBy({ id: nsId });
    if (!ns) throw DomainError.notFound('NS_INSTANCE.NOT_FOUND', `NS instance '${nsId}' not found`);
    admin(ns);
    return this.start(ns, healSchema.validate(body), true);
  }

  private async start(ns: NsInstanceEntity, body: HealBody, automatic: boolean): Promise<string> {
    if (!HEALABLE.includes(ns.nsState))
      throw DomainError.conflict(
        'NS_INSTANCE.NOT_READY',
        `NS '${ns.name}' is ${ns.nsState}; only a READY or DEGRADED NS can be healed`,
      );
    const targets = await this.targets(ns, body);
    const rows = await this.vnfs.findBy({ nsInstanceId: ns.id });
    const members = new Set(targets.map((t) => t.member));
    const items = await this.catalog.findBy({
      kind: 'vnfd',
      id: In(rows.filter((r) => members.has(r.memberVnfIndex)).map((r) => String(r.record['vnfd-id']))),
    });
    const vnfds = new Map(items.map((i) => [String(i.descriptor.id), i]));
    if (vnfds.size < new Set(rows.filter((r) => members.has(r.memberVnfIndex)).map((r) => r.record['vnfd-id'])).size)
      throw DomainError.conflict('NS_INSTANCE.VNFD_GONE', 'the VNFD of a VNF to heal is no longer in the catalog');
    // only the VNFs being healed: their plan, cloud-init and day-1
    const fullNsd = ns.record.nsd as Obj;
    const nsd = {
      ...fullNsd,
      df: list(fullNsd.df).map((df, i) =>
        i === 0 ? { ...df, 'vnf-profile': list(df['vnf-profile']).filter((p) => members.has(String(p.id))) } : df,
      ),
    };
    const params = ns.record.instantiate_params as InstantiateParams;
    const vduCounts = new Map<string, number>();
    for (const t of targets) {
      const vdu = String(t.vdur['vdu-id-ref']);
      vduCounts.set(vdu, Math.max(vduCounts.get(vdu) ?? 0, Number(t.vdur['count-index'] ?? 0) + 1));
    }
    const opId = newId();
    const plan = planInstantiation({
      nsId: ns.id,
      nsd,
      vnfds: new Map([...vnfds].map(([id, item]) => [id, item.descriptor])),
      params,
      vnfrIds: new Map(targets.map((t) => [t.member, t.vnfrId])),
      opId,
      members,
      vduCounts,
      userData: await this.dayN.cloudInit(nsd, vnfds, params),
    });
    const computes = [];
    const forDay1 = [];
    for (const t of targets) {
      const planned = plan.computes.find(
        (c) =>
          c.memberVnfIndex === t.member &&
          c.vduId === String(t.vdur['vdu-id-ref']) &&
          c.countIndex === Number(t.vdur['count-index'] ?? 0),
      );
      if (!planned)
        throw DomainError.conflict('NS_HEAL.NOT_PLANNABLE', `VDU instance ${String(t.vdur.name)} is not in its VNFD any more`);
      const vimType = await this.accounts.vimTypeOf(String(t.vdur['vim-account-id']));
      const c = pinToRecord(planned, t.vdur, KEEPS_ADDRESSES.has(vimType ?? ''));
      computes.push(c);
      if (t.runDay1) forDay1.push(c);
    }
    const day1 = forDay1.length ? (await this.dayN.day1(nsd, vnfds, params, { ...plan, computes: forDay1 })).steps : [];
    await this.dayN.skipUnrunnable(day1, (id) => this.accounts.vimTypeOf(id));
    await persistOperation(
      this.tx,
      ns,
      opId,
      'heal',
      body as unknown as Obj,
      healSteps(computes, day1),
      'HEALING',
      ns.nsState,
      automatic,
    );
    this.runner.enqueue(opId);
    return opId;
  }

  /** Each `healVnfData` entry's VDU instances; an unknown VNF instance or VDU → 404 naming the field. */
  private async targets(ns: NsInstanceEntity, body: HealBody): Promise<HealTarget[]> {
    const rows = await this.vnfs.findBy({ nsInstanceId: ns.id });
    const out = new Map<string, HealTarget>();
    body.healVnfData.forEach((item, i) => {
      const at = `healVnfData[${i}]`;
      const vnf = rows.find((r) => r.id === item.vnfInstanceId);
      if (!vnf) throw notFound(`${at}.vnfInstanceId`, `VNF instance '${item.vnfInstanceId}' is not part of NS '${ns.name}'`);
      const vdur = list(vnf.record.vdur);
      const vnfDay1 = item.additionalParams?.['run-day1'] ?? false;
      const add = (v: Obj, runDay1: boolean) => {
        const name = String(v.name);
        // named twice: day-1 runs if either asks for it
        out.set(name, {
          member: vnf.memberVnfIndex,
          vnfrId: vnf.id,
          vdur: v,
          runDay1: runDay1 || out.get(name)?.runDay1 === true,
        });
      };
      const named = item.additionalParams?.vdu;
      if (!named?.length) {
        if (!vdur.length) throw notFound(`${at}.vnfInstanceId`, `VNF instance '${vnf.id}' has no VDU instance to heal`);
        for (const v of vdur) add(v, vnfDay1);
        return;
      }
      named.forEach((n, j) => {
        const found = vdur.filter(
          (v) =>
            String(v['vdu-id-ref']) === n['vdu-id'] &&
            (n['count-index'] === undefined || Number(v['count-index']) === n['count-index']),
        );
        if (!found.length) {
          const path = `${at}.additionalParams.vdu[${j}]`;
          const which =
            n['count-index'] === undefined ? `VDU '${n['vdu-id']}'` : `instance ${n['count-index']} of VDU '${n['vdu-id']}'`;
          throw notFound(
            `${path}.${n['count-index'] === undefined ? 'vdu-id' : 'count-index'}`,
            `VNF ${vnf.memberVnfIndex} has no ${which}`,
          );
        }
        for (const v of found) add(v, n['run-day1'] ?? vnfDay1);
      });
    });
    return [...out.values()];
  }
}
