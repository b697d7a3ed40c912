import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Not, Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import { applyListFilters, Query } from '../common/http/list-filters';
import { isUuid, newId, nowSeconds } from '../common/ids';
import { ProjectScope } from '../common/records/project-scope';
import { Obj, list } from '../common/values';
import { Transactions } from '../database/transactions';
import { notifyNsiLcmOp } from '../records/outbox';
import { NsInstanceEntity } from '../records/ns.entities';
import { NsInstancesService } from '../instances/ns-instances.service';
import { isFinal, transition } from '../lcm/op-state-machine';
import { SliceRunner } from '../lcm/slice-executor';
import { NsiEntity, NsiLcmOpOccEntity, NsiSubnetEntity, SharedSubnetEntity, SliceStep } from '../records/nsi.entities';
import { instantiateSteps, isShared, shareKeyOf, SubnetNsd, subnetParams, subnetsOf, terminateSteps, vldsOf } from './nsi-plan';
import { NsiInstantiateParams, nsiInstantiateSchema, nsiTerminateSchema } from './params';
import { nsiOpRecord, nsiRecord } from './records';
import { queuedOperation } from '../records/operations';
import { sliceScope } from './scope';

/** Network slice instances (OSM `nsilcm/v1`): records, and the slice operations the engine carries out. */
@Injectable()
export class NsiService {
  constructor(
    @InjectRepository(NsiEntity) private readonly nsis: Repository<NsiEntity>,
    @InjectRepository(NsiSubnetEntity) private readonly links: Repository<NsiSubnetEntity>,
    @InjectRepository(SharedSubnetEntity) private readonly shares: Repository<SharedSubnetEntity>,
    @InjectRepository(NsiLcmOpOccEntity) private readonly ops: Repository<NsiLcmOpOccEntity>,
    @InjectRepository(CatalogItemEntity) private readonly catalog: Repository<CatalogItemEntity>,
    @InjectRepository(NsInstanceEntity) private readonly nss: Repository<NsInstanceEntity>,
    private readonly ns: NsInstancesService,
    private readonly tx: Transactions,
    private readonly runner: SliceRunner,
  ) {}

  async list(session: Session, query: Query): Promise<Obj[]> {
    const rows = await this.nsis.find({ order: { created: 'ASC' } });
    return applyListFilters(rows.filter((r) => sliceScope(session, r, 'list')).map(nsiRecord), query);
  }

  async show(session: Session, id: string): Promise<Obj> {
    return nsiRecord(await this.find(session, id, 'show'));
  }

  async listOps(session: Session, query: Query): Promise<Obj[]> {
    const nsi = query.netsliceInstanceId;
    const rows =
      typeof nsi === 'string' && !nsi.includes(',')
        ? await this.ops.find({ where: { netsliceInstanceId: nsi }, order: { startTime: 'ASC' } })
        : await this.ops.find({ order: { startTime: 'ASC' } });
    return applyListFilters(rows.filter((r) => sliceScope(session, r, 'list')).map(nsiOpRecord), query);
  }

  async showOp(session: Session, id: string): Promise<Obj> {
    const op = await this.ops.findOneBy({ id });
    if (!op || !sliceScope(session, op, 'show'))
      throw DomainError.notFound('NSI_LCM_OP_OCC.NOT_FOUND', `slice operation '${id}' not found`);
    return nsiOpRecord(op);
  }

  /** POST netslice_instances: the NSI record and one NS record per subnet (a shared subnet's NS is reused). */
  async create(session: Session, body: unknown): Promise<{ id: string }> {
    const req = nsiInstantiateSchema.validate(body);
    const { nst, nsds } = await this.resolve(session, req);
    const id = newId();
    const owner = ProjectScope.of(session).forNew();
    const nstd = nst.descriptor;
    const shareKeys = new Map(
      subnetsOf(nstd)
        .filter(isShared)
        .map((s) => [String(s.id), shareKeyOf(owner.projectsWrite[0], String(s['nsd-ref']), String(s.id))]),
    );
    const created: string[] = [];
    const detailed: Obj[] = [];
    const subnetRecords: Obj[] = [];
    const links: NsiSubnetEntity[] = [];
    try {
      for (const s of subnetsOf(nstd)) {
        const nssId = String(s.id);
        const params = subnetParams(id, req, nstd, s, nsds.get(nssId)!, shareKeys);
        const key = shareKeys.get(nssId) ?? null;
        let nsId: string;
        if (key) nsId = await this.sharedNs(session, key, params);
        else {
          nsId = (await this.ns.create(session, params, { id: newId() })).id;
          created.push(nsId);
        }
        detailed.push({ nsrId: nsId, shared: !!key, 'nsd-id': s['nsd-ref'], 'nss-id': nssId, nslcmop_instantiate: null });
        subnetRecords.push({ ...params, 'nss-id': nssId });
        links.push(this.links.create({ nsiId: id, nssId, nsInstanceId: nsId, shareKey: key, active: false }));
      }
      const now = nowSeconds();
      const record: Obj = {
        description: req.nsiDescription ?? '',
        datacenter: req.vimAccountId,
        'nst-ref': nst.descriptorId,
        instantiation_parameters: req,
        'network-slice-template': nstd,
        'nsr-ref-list': detailed.map((d) => ({ 'nsr-ref': d.nsrId })),
        'vlr-list': [],
        additionalParamsForNsi: req.additionalParamsForNsi ?? null,
        'SNSSAI-identifier': nstd['SNSSAI-identifier'] ?? null,
        'quality-of-service': nstd['quality-of-service'] ?? null,
        'operational-status': 'init',
        'config-status': 'init',
        'detailed-status': 'created',
        _admin: {
          'nst-id': nst.id,
          deployed: { RO: [] },
          'netslice-subnet': subnetRecords,
          'nsrs-detailed-list': detailed,
          'netslice-vld': vldsOf(nstd).map((v) => ({
            ...v,
            vimAccountId: req.vimAccountId,
            'shared-nsrs-list': sharedNsrs(v, detailed),
          })),
        },
      };
      await this.tx.run(async (em) => {
        await em.insert(NsiEntity, {
          id,
          name: req.nsiName,
          projectsRead: owner.projectsRead,
          projectsWrite: owner.projectsWrite,
          nstId: nst.id,
          nsiState: 'NOT_INSTANTIATED',
          record,
          resources: [],
          created: now,
          modified: now,
        } as object);
        for (const l of links) await em.insert(NsiSubnetEntity, l as object);
      });
      return { id };
    } catch (e) {
      for (const nsId of created) await this.ns.delete({ ...session, force: true }, nsId).catch(() => undefined);
      throw e;
    }
  }

  async createAndInstantiate(session: Session, body: unknown): Promise<{ id: string; opId: string }> {
    const { id } = await this.create(session, body);
    try {
      return { id, opId: await this.instantiate(session, id, body) };
    } catch (e) {
      await this.removeRecords(session, await this.find(session, id, 'delete')).catch(() => undefined);
      throw e;
    }
  }

  async instantiate(session: Session, id: string, body: unknown): Promise<string> {
    const nsi = await this.find(session, id, 'write');
    const req = nsiInstantiateSchema.validate(body);
    if (nsi.nsiState !== 'NOT_INSTANTIATED' && !session.force)
      throw DomainError.conflict('NSI.ALREADY_INSTANTIATED', `netslice_instance '${nsi.name}' is already instantiated`);
    const { nsds } = await this.resolve(session, req, nsi);
    const nstd = nsi.record['network-slice-template'] as Obj;
    const linkRows = await this.links.findBy({ nsiId: nsi.id });
    const shareKeys = new Map(linkRows.filter((l) => l.shareKey).map((l) => [l.nssId, l.shareKey!]));
    // the request's subnet parameters win over those given at creation (NS names stay as created)
    const admin = nsi.record._admin as Obj;
    const before = new Map(list(admin['netslice-subnet']).map((p) => [String(p['nss-id']), p]));
    const merged = { ...(nsi.record.instantiation_parameters as NsiInstantiateParams), ...req };
    const subnetRecords: Obj[] = [];
    for (const s of subnetsOf(nstd)) {
      const nssId = String(s.id);
      const params = { ...subnetParams(nsi.id, merged, nstd, s, nsds.get(nssId)!, shareKeys), nsName: before.get(nssId)?.nsName };
      await this.ns.resolve(session, params);
      subnetRecords.push({ ...params, 'nss-id': nssId });
    }
    // with placement-engine PLA / placement-constraints, all the subnets' NSs are placed in one model (shared
    // capacity); each subnet's parameters are then pinned to the joint decision
    const nsIdOf = new Map(list(admin['nsrs-detailed-list']).map((n) => [String(n['nss-id']), String(n.nsrId)]));
    const joint = await this.ns.placeJointly(
      session,
      subnetRecords.map(({ 'nss-id': nssId, ...body }) => ({ nsId: nsIdOf.get(String(nssId))!, body })),
    );
    joint.bodies.forEach((body, i) => (subnetRecords[i] = { ...body, 'nss-id': subnetRecords[i]['nss-id'] }));
    nsi.record = {
      ...nsi.record,
      _admin: { ...admin, 'netslice-subnet': subnetRecords, ...(joint.outcome ? { placement: joint.outcome } : {}) },
    };
    return this.startOperation(nsi, 'instantiate', req as Obj, instantiateSteps(nsi, merged, shareKeys));
  }

  async terminate(session: Session, id: string, body: unknown, autoremove?: boolean): Promise<string | null> {
    const nsi = await this.find(session, id, 'write');
    const params = nsiTerminateSchema.validate(typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? body : {});
    const remove = autoremove ?? params.autoremove;
    if (nsi.nsiState === 'NOT_INSTANTIATED') {
      if (remove) {
        await this.removeRecords(session, nsi);
        return null;
      }
      throw DomainError.conflict(
        'NSI.NOT_INSTANTIATED',
        `netslice_instance '${nsi.name}' cannot be terminated because it is not instantiated`,
      );
    }
    const linkRows = await this.links.findBy({ nsiId: nsi.id });
    const shareKeys = new Map(linkRows.filter((l) => l.shareKey).map((l) => [l.nssId, l.shareKey!]));
    const last = await this.ops.findOne({
      where: { netsliceInstanceId: nsi.id, lcmOperationType: 'instantiate' },
      order: { startTime: 'DESC' },
    });
    return this.startOperation(
      nsi,
      'terminate',
      { ...params, ...(remove !== undefined ? { autoremove: remove } : {}) },
      terminateSteps(nsi, shareKeys, last),
    );
  }

  /** DELETE netslice_instances_content: terminate with autoremove when instantiated (202), else remove at once. */
  async deleteContent(session: Session, id: string): Promise<string | null> {
    const nsi = await this.find(session, id, 'delete');
    if (nsi.nsiState === 'NOT_INSTANTIATED') {
      await this.removeRecords(session, nsi);
      return null;
    }
    return this.terminate(session, id, {}, true);
  }

  /** DELETE netslice_instances: 204 when not instantiated; 409 otherwise (FORCE: terminate with autoremove, 202). */
  async delete(session: Session, id: string): Promise<string | null> {
    const nsi = await this.find(session, id, 'delete');
    if (nsi.nsiState !== 'NOT_INSTANTIATED') {
      if (!session.force)
        throw DomainError.conflict(
          'NSI.INSTANTIATED',
          `nsi '${id}' cannot be deleted because it is in 'INSTANTIATED' state. Launch 'terminate' operation first; or force deletion`,
        );
      return this.terminate(session, id, {}, true);
    }
    await this.removeRecords(session, nsi);
    return null;
  }

  // ---- internals ----

  /** The NSI, its NS records (a shared one only when no other slice refers to it), its operations. */
  private async removeRecords(session: Session, nsi: NsiEntity): Promise<void> {
    const busy = await this.ops.findOneBy({ netsliceInstanceId: nsi.id, operationState: In(['PROCESSING', 'ROLLING_BACK']) });
    if (busy && !session.force)
      throw DomainError.conflict(
        'LCM.OPERATION_IN_PROGRESS',
        `slice operation ${busy.id} (${busy.lcmOperationType}) is still running`,
      );
    for (const l of await this.links.findBy({ nsiId: nsi.id })) {
      if (await this.links.existsBy({ nsInstanceId: l.nsInstanceId, nsiId: Not(nsi.id) })) continue;
      if (await this.nss.existsBy({ id: l.nsInstanceId })) await this.ns.delete({ ...session, force: true }, l.nsInstanceId);
      if (l.shareKey) await this.shares.delete({ shareKey: l.shareKey });
    }
    await this.tx.run(async (em) => {
      await em.delete(NsiSubnetEntity, { nsiId: nsi.id });
      await em.delete(NsiLcmOpOccEntity, { netsliceInstanceId: nsi.id });
      await em.delete(NsiEntity, { id: nsi.id });
    });
  }

  /**
   * The NS of a shared subnet: the existing one, or a new one under a claim whose primary key makes sure two
   * slices created at once end up with one NS.
   */
  private async sharedNs(session: Session, key: string, params: Obj): Promise<string> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = await this.shares.findOneBy({ shareKey: key });
      const nsId = row?.nsInstanceId ?? newId();
      if (!row) {
        const now = nowSeconds();
        const won = await this.shares
          .insert({
            shareKey: key,
            nsInstanceId: nsId,
            instantiateOpId: null,
            claimedBy: null,
            resources: [],
            created: now,
            modified: now,
          } as object)
          .then(() => true)
          .catch(() => false);
        if (!won) continue;
      } else if (await this.nss.existsBy({ id: nsId })) return nsId;
      try {
        await this.ns.create(session, params, { id: nsId });
      } catch (e) {
        // created meanwhile by the slice that claimed it: fine; anything else undoes a claim of ours
        if (await this.nss.existsBy({ id: nsId })) return nsId;
        if (!row) await this.shares.delete({ shareKey: key, nsInstanceId: nsId });
        throw e;
      }
      return nsId;
    }
    throw DomainError.conflict('NSI.SHARED_SUBNET_BUSY', 'the shared subnet is being created by another slice; try again');
  }

  /**
   * Persists the slice operation with its steps and moves the NSI, in one transaction, before anything is done;
   * one unfinished operation per NSI (a terminate settles a failed one, as OSM lets you terminate after a failure).
   */
  private async startOperation(nsi: NsiEntity, type: string, params: Obj, steps: SliceStep[]): Promise<string> {
    const now = nowSeconds();
    const opId = newId();
    await this.tx.run(async (em) => {
      for (const other of await em.findBy(NsiLcmOpOccEntity, { netsliceInstanceId: nsi.id })) {
        if (isFinal(other.operationState)) continue;
        if (type === 'terminate' && other.operationState === 'FAILED_TEMP') {
          await em.update(
            NsiLcmOpOccEntity,
            { id: other.id },
            { operationState: transition('FAILED_TEMP', 'superseded'), statusEnteredTime: now },
          );
          continue;
        }
        throw DomainError.conflict(
          'LCM.OPERATION_IN_PROGRESS',
          `There is a pending operation ${other.id} (${other.lcmOperationType}, ${other.operationState}) on this slice`,
        );
      }
      await em.insert(NsiLcmOpOccEntity, {
        id: opId,
        netsliceInstanceId: nsi.id,
        projectsRead: nsi.projectsRead,
        projectsWrite: nsi.projectsWrite,
        lcmOperationType: type,
        ...queuedOperation(now),
        operationParams: { ...params, lcmOperationType: type, netsliceInstanceId: nsi.id },
        steps,
      } as object);
      await notifyNsiLcmOp(em, {
        id: opId,
        netsliceInstanceId: nsi.id,
        lcmOperationType: type,
        operationState: 'PROCESSING',
        projectsRead: nsi.projectsRead,
      });
      nsi.nsiState = 'INSTANTIATED';
      nsi.record = {
        ...nsi.record,
        'operational-status': type === 'instantiate' ? 'init' : 'terminating',
        'detailed-status': 'scheduled',
        _admin: { ...(nsi.record._admin as Obj), nsilcmop: opId },
      };
      nsi.modified = now;
      await em.save(nsi);
    });
    this.runner.enqueue(opId);
    return opId;
  }

  /** The request against the NST: unknown NST, subnet ids, VLD names, VIMs, or a subnet NSD not onboarded → 422 naming it. */
  private async resolve(session: Session, req: NsiInstantiateParams, nsi?: NsiEntity) {
    const nst = nsi
      ? await this.catalog.findOneBy({ kind: 'nst', id: nsi.nstId })
      : await this.catalogItem(session, 'nst', req.nstId);
    if (!nst)
      throw DomainError.unprocessable('NSI.UNKNOWN_NST', `nstId: netslice template '${req.nstId}' not found`, [
        { path: 'nstId', message: 'not found' },
      ]);
    const nstd = nsi ? (nsi.record['network-slice-template'] as Obj) : nst.descriptor;
    const problems: FieldProblem[] = [];
    const subnetIds = subnetsOf(nstd).map((s) => String(s.id));
    const vldIds = vldsOf(nstd).map((v) => String(v.id ?? v.name));
    const nsds = new Map<string, SubnetNsd>();
    for (const [i, s] of subnetsOf(nstd).entries()) {
      const nsd = await this.catalogItem(session, 'nsd', String(s['nsd-ref']));
      if (!nsd)
        problems.push({
          path: `nstId`,
          message: `netslice-subnet[${i}] '${String(s.id)}': NSD '${String(s['nsd-ref'])}' is not onboarded`,
        });
      else nsds.set(String(s.id), { id: nsd.id, descriptorId: nsd.descriptorId!, descriptor: nsd.descriptor });
    }
    (req['netslice-subnet'] ?? []).forEach((s, i) => {
      if (!subnetIds.includes(s.id))
        problems.push({
          path: `netslice-subnet[${i}].id`,
          message: `'${s.id}' is not a netslice-subnet of the NST (${subnetIds.join(', ')})`,
        });
    });
    (req.additionalParamsForSubnet ?? []).forEach((s, i) => {
      if (!subnetIds.includes(s.id))
        problems.push({ path: `additionalParamsForSubnet[${i}].id`, message: `'${s.id}' is not a netslice-subnet of the NST` });
    });
    (req['netslice-vld'] ?? []).forEach((v, i) => {
      if (!vldIds.includes(v.name))
        problems.push({
          path: `netslice-vld[${i}].name`,
          message: `'${v.name}' is not a netslice-vld of the NST (${vldIds.join(', ')})`,
        });
    });
    if (problems.length) throw DomainError.invalidFields('NSI.INVALID_PARAMS', problems);
    return { nst, nsds };
  }

  private async catalogItem(session: Session, kind: 'nst' | 'nsd', ref: string): Promise<CatalogItemEntity | undefined> {
    const rows = isUuid(ref)
      ? await this.catalog.findBy({ kind, id: ref })
      : await this.catalog.findBy({ kind, descriptorId: ref });
    const visible = rows.filter((r) => r.descriptorId && sliceScope({ ...session, public: true }, r, 'list'));
    return visible.find((r) => r.projectsRead.some((p) => session.projectIds.includes(p))) ?? visible[0];
  }

  async find(session: Session, id: string, method: 'show' | 'write' | 'delete'): Promise<NsiEntity> {
    const nsi = await this.nsis.findOneBy({ id });
    if (!nsi || !sliceScope(session, nsi, method))
      throw DomainError.notFound('NSI.NOT_FOUND', `netslice instance '${id}' not found`);
    return nsi;
  }
}

/** OSM's `shared-nsrs-list` of a slice VLD: the shared subnets' NSs attached to it. */
function sharedNsrs(v: Obj, detailed: Obj[]): string[] {
  const subnets = new Set(list(v['nss-connection-point-ref']).map((r) => String(r['nss-ref'])));
  return detailed.filter((d) => d.shared && subnets.has(String(d['nss-id']))).map((d) => String(d.nsrId));
}
