import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import type { Session } from '../auth/session';
import { CatalogItemEntity } from '../records/catalog-item.entity';
import { DomainError, FieldProblem } from '../common/errors/domain-error';
import { applyListFilters, equalityFilters, Query } from '../common/http/list-filters';
import { PrerenderedList } from '../common/http/prerendered';
import { newId, nowSeconds } from '../common/ids';
import { ProjectScope } from '../common/records/project-scope';
import { Transactions } from '../database/transactions';
import { notifyNsIdentifier } from '../records/outbox';
import { OperationRunner } from '../lcm/operation-runner';
import { vnfProfiles } from '../lcm/flavour';
import { InstantiateParams, planInstantiation } from '../lcm/planner';
import { planScale } from '../lcm/scaling';
import { scaleLevel } from '../lcm/step-results';
import { instantiateSteps, terminateSteps } from '../lcm/workflows';
import { AccountsService } from '../vims/accounts.service';
import { attachPlacement, dryRunView, placeNs } from '../placement/ns-placement';
import { PlacementService } from '../placement/placement.service';
import { NsInstanceEntity, NsLcmOpOccEntity, OpStep, VnfInstanceEntity } from '../records/ns.entities';
import { DayNService } from '../lcm/day-n.service';
import { actionSchema, ScaleParams, scaleSchema } from './params';
import { NsListCache } from './ns-list-cache';
import { OperationArgs, persistOperation } from './ns-operation-start';
import { NsRequestResolver } from './ns-request';
import { JointItem, placeJointly, spanningVlds, withWims } from './joint-placement';
import { nsRecord, opRecord, vnfRecord } from './records';
import { Obj, list } from '../common/values';

/** NS and VNF records and their operations (OSM `nslcm/v1`); the work itself is the runner's. */
@Injectable()
export class NsInstancesService {
  constructor(
    @InjectRepository(NsInstanceEntity) private readonly nss: Repository<NsInstanceEntity>,
    @InjectRepository(VnfInstanceEntity) private readonly vnfs: Repository<VnfInstanceEntity>,
    @InjectRepository(NsLcmOpOccEntity) private readonly ops: Repository<NsLcmOpOccEntity>,
    @InjectRepository(CatalogItemEntity) private readonly catalog: Repository<CatalogItemEntity>,
    private readonly accounts: AccountsService,
    private readonly dayN: DayNService,
    private readonly tx: Transactions,
    private readonly runner: OperationRunner,
    private readonly placement: PlacementService,
  ) {
    this.listCache = new NsListCache(nss);
    this.request = new NsRequestResolver(catalog, accounts);
  }

  private readonly listCache: NsListCache;
  private readonly request: NsRequestResolver;

  // ---- reading ----

  async list(session: Session, query: Query): Promise<Obj[] | PrerenderedList> {
    return this.listCache.list(session, query);
  }

  async show(session: Session, id: string): Promise<Obj> {
    return nsRecord(await this.findNs(session, id, 'read'), { withNsd: true });
  }

  async listVnfs(session: Session, query: Query): Promise<Obj[]> {
    const nsFilter = query['nsr-id-ref'];
    const rows =
      typeof nsFilter === 'string' && !nsFilter.includes(',')
        ? await this.vnfs.findBy({ nsInstanceId: nsFilter })
        : await this.vnfs.find({ order: { created: 'ASC' } });
    const scope = ProjectScope.of(session);
    return applyListFilters(rows.filter((r) => scope.canList(r)).map(vnfRecord), query);
  }

  async showVnf(session: Session, id: string): Promise<Obj> {
    const vnf = await this.vnfs.findOneBy({ id });
    if (!vnf || !ProjectScope.of(session).canRead(vnf))
      throw DomainError.notFound('VNF_INSTANCE.NOT_FOUND', `VNF instance '${id}' not found`);
    return vnfRecord(vnf);
  }

  async listOps(session: Session, query: Query): Promise<Obj[]> {
    // a client polling `operationState=PROCESSING` must not hydrate every operation ever run
    const where = equalityFilters(query, ['nsInstanceId', 'operationState', 'lcmOperationType']);
    const rows = await this.ops.find({ where, order: { startTime: 'ASC' } });
    const scope = ProjectScope.of(session);
    return applyListFilters(rows.filter((r) => scope.canList(r)).map(opRecord), query);
  }

  async showOp(session: Session, id: string): Promise<Obj> {
    const op = await this.ops.findOneBy({ id });
    if (!op || !ProjectScope.of(session).canRead(op))
      throw DomainError.notFound('NS_LCM_OP_OCC.NOT_FOUND', `operation '${id}' not found`);
    return opRecord(op);
  }

  // ---- changing ----

  /** POST ns_instances: an NS record (NOT_INSTANTIATED) with one VNF record per vnf-profile. */
  async create(session: Session, body: unknown, opts: { id?: string } = {}): Promise<{ id: string; name: string }> {
    const { params, nsd, vnfds } = await this.resolve(session, body);
    const now = nowSeconds();
    const id = opts.id ?? newId();
    const owner = ProjectScope.of(session).forNew();
    const profiles = vnfProfiles(nsd.descriptor, params.nsFlavourId);
    const vnfRows = profiles.map((vp) => {
      const vnfd = vnfds.get(String(vp['vnfd-id']))!;
      const member = String(vp.id);
      const vim = params.vnf?.find((v) => String(v['member-vnf-index']) === member)?.vimAccountId ?? params.vimAccountId;
      const vnfrId = newId();
      return this.vnfs.create({
        id: vnfrId,
        nsInstanceId: id,
        memberVnfIndex: member,
        ...owner,
        created: now,
        modified: now,
        record: {
          'vnfd-ref': vnfd.descriptorId,
          'vnfd-id': vnfd.id,
          'vim-account-id': vim,
          'vca-id': null,
          'created-time': now,
          additionalParamsForVnf:
            params.additionalParamsForVnf?.find((a) => String(a['member-vnf-index']) === member)?.additionalParams ?? null,
          'ip-address': null,
          vdur: [],
          'connection-point': list(vnfd.descriptor['ext-cpd']).map((c) => ({
            name: c.id,
            id: c.id,
            'connection-point-id': c.id,
          })),
          vld: list(vnfd.descriptor['int-virtual-link-desc']).map((v) => ({ id: v.id })),
          _admin: { nsState: 'NOT_INSTANTIATED' },
        },
      });
    });
    const ns = this.nss.create({
      id,
      name: params.nsName,
      ...owner,
      nsdId: nsd.id,
      nsState: 'NOT_INSTANTIATED',
      resources: [],
      created: now,
      modified: now,
      record: {
        'name-ref': params.nsName,
        'short-name': params.nsName,
        'ns-instance-config-ref': id,
        description: params.nsDescription ?? null,
        'admin-status': 'ENABLED',
        currentOperation: 'IDLE',
        currentOperationID: null,
        errorDescription: null,
        errorDetail: null,
        deploymentStatus: null,
        configurationStatus: [],
        vcaStatus: null,
        nsd: nsd.descriptor,
        'nsd-id': nsd.id,
        'nsd-ref': nsd.descriptorId,
        'nsd-name-ref': nsd.descriptor.name ?? nsd.descriptorId,
        'vnfd-id': [...new Set([...vnfds.values()].map((v) => v.id))],
        datacenter: params.vimAccountId,
        'resource-orchestrator': 'osmopenmano',
        'constituent-vnfr-ref': vnfRows.map((v) => v.id),
        'operational-status': 'init',
        'config-status': 'init',
        'detailed-status': 'scheduled',
        'orchestration-progress': {},
        'create-time': now,
        'operational-events': [],
        instantiate_params: params,
        additionalParamsForNs: params.additionalParamsForNs ?? null,
        'ssh-authorized-key': params.ssh_keys ?? null,
        vld: list(nsd.descriptor['virtual-link-desc']).map((v) => ({
          id: v.id,
          name: v.id,
          'vim-network-name': v['vim-network-name'] ?? null,
          'mgmt-network': v['mgmt-network'] ?? false,
          status: null,
        })),
        _admin: { nsState: 'NOT_INSTANTIATED', nslcmop: null, deployed: { RO: { vnfd: [] }, VCA: [], K8s: [] } },
      },
    });
    await this.tx.run(async (em) => {
      await em.insert(NsInstanceEntity, ns as object);
      for (const v of vnfRows) await em.insert(VnfInstanceEntity, v as object);
      await notifyNsIdentifier(em, 'Creation', ns);
    });
    return { id, name: params.nsName };
  }

  /** POST ns_instances_content: create and instantiate in one call. */
  async createAndInstantiate(session: Session, body: unknown): Promise<{ id: string; opId: string; name: string }> {
    const { id, name } = await this.create(session, body);
    try {
      const opId = await this.instantiate(session, id, body);
      return { id, opId, name };
    } catch (e) {
      await this.tx.run(async (em) => {
        const ns = await em.findOneBy(NsInstanceEntity, { id });
        if (ns) await notifyNsIdentifier(em, 'Deletion', ns);
        await em.delete(VnfInstanceEntity, { nsInstanceId: id });
        await em.delete(NsInstanceEntity, { id });
      });
      throw e;
    }
  }

  /** `POST …/instantiate?dryRun=true`: the placement and the resources per VIM; nothing is stored or created. */
  async dryRun(session: Session, nsId: string, body: unknown): Promise<Obj> {
    let preview: Obj = {};
    await this.instantiate(session, nsId, body, { preview: (p) => (preview = p) });
    return preview;
  }

  /**
   * `opts.opId`: the operation's id chosen by the caller (a slice operation, so that a resumed step finds it).
   * `opts.preview`: dry run — receives the plan instead of an operation being started (answers '').
   */
  async instantiate(
    session: Session,
    nsId: string,
    body: unknown,
    opts: { opId?: string; preview?: (view: Obj) => void } = {},
  ): Promise<string> {
    const ns = await this.findNs(session, nsId, 'write');
    const resolved = await this.resolve(session, body);
    const { nsd, vnfds } = resolved;
    if (ns.nsState !== 'NOT_INSTANTIATED' && !session.force) {
      throw DomainError.conflict('NS_INSTANCE.ALREADY_INSTANTIATED', `NS '${ns.name}' is ${ns.nsState}; terminate it first`);
    }
    const vnfRows = await this.vnfs.findBy({ nsInstanceId: ns.id });
    const opId = opts.opId ?? newId();
    const userData = await this.dayN.cloudInit(nsd.descriptor, vnfds, resolved.params);
    const vnfrIds = new Map(vnfRows.map((v) => [v.memberVnfIndex, v.id]));
    const descriptors = new Map([...vnfds.entries()].map(([k, v]) => [k, v.descriptor]));
    const planFor = (p: InstantiateParams) =>
      planInstantiation({ nsId: ns.id, nsd: nsd.descriptor, vnfds: descriptors, params: p, vnfrIds, opId, userData });
    // the optimiser (placement-engine PLA / placement-constraints) picks each VNF's VIM before the plan is made
    const { params, outcome: pla } = await placeNs(
      this.placement,
      session,
      { nsId: ns.id, nsd: nsd.descriptor, vnfds: descriptors, params: resolved.params },
      (p) => planFor(p).vnfs,
    );
    const plan = planFor(params);
    const vnfVim = new Map((params.vnf ?? []).map((v) => [String(v['member-vnf-index']), v.vimAccountId]));
    const kdus = await this.dayN.kdus(
      { nsId: ns.id, opId },
      nsd.descriptor,
      vnfds,
      params,
      vnfrIds,
      async (member) => {
        const vim = vnfVim.get(member) ?? params.vimAccountId;
        const target = await this.accounts.kubernetesTargetFor(session, vim);
        if (!target)
          throw DomainError.unprocessable(
            'NS_INSTANCE.NO_KUBERNETES',
            `VNF ${member} has KDUs, and VIM ${vim} is not a Kubernetes VIM nor has a Kubernetes cluster (osm k8scluster-add --vim ${vim})`,
            [{ path: 'vimAccountId', message: 'no Kubernetes cluster for its KDUs' }],
          );
        return target;
      },
      (name) => this.accounts.helmRepo(session, name),
    );
    // Helm charts rendered by their cluster's adapter (helm template) into the objects checked and applied below
    for (const k of kdus)
      k.desired = await this.accounts.renderKdu(k.vimAccountId, k.desired, `vnf[${k.memberVnfIndex}].kdu[${k.kduName}]`);
    // each KDU against its cluster's policy (kinds, pod security): refused here, before anything is created
    const refused: FieldProblem[] = [];
    for (const k of kdus)
      for (const p of await this.accounts.refusals(k.vimAccountId, k.desired))
        refused.push({ path: `vnf[${k.memberVnfIndex}].kdu[${k.kduName}].${p.path}`, message: p.message });
    if (refused.length) throw DomainError.invalidFields('NS_INSTANCE.KDU_REFUSED', refused);
    const day1 = await this.dayN.day1(nsd.descriptor, vnfds, params, plan);
    const skipped = await this.dayN.skipUnrunnable(day1.steps, (id) => this.accounts.vimTypeOf(id));
    const steps = instantiateSteps(plan, kdus);
    steps.splice(steps.length - 1, 0, ...day1.steps);
    attachPlacement(steps, pla);
    if (opts.preview) {
      opts.preview(dryRunView(plan, kdus, pla));
      return '';
    }
    // a VLD spanning VIMs: one network per VIM, and the WIM account that would connect them (or why none)
    const spans = spanningVlds(plan);
    ns.record.vld = withWims(list(ns.record.vld), spans, await this.placement.wimsFor(session, spans, params.wimAccountId));
    // what is not run here (Juju/Helm environments, scripts for another VIM type) is said on the NS, as OSM shows its configuration status
    ns.record.configurationStatus = [...day1.notes, ...skipped];
    return this.startOperation(ns, opId, 'instantiate', params as Obj, steps, 'INSTANTIATING', 'BUILDING');
  }

  async terminate(
    session: Session,
    nsId: string,
    body: unknown,
    autoremove?: boolean,
    opts: { opId?: string } = {},
  ): Promise<{ opId: string; name: string }> {
    const ns = await this.findNs(session, nsId, 'write');
    const params = (typeof body === 'object' && body !== null && !Buffer.isBuffer(body) ? body : {}) as Obj;
    const allowed = [
      'autoremove',
      'timeout_ns_terminate',
      'skip_terminate_primitives',
      'netsliceInstanceId',
      'lcmOperationType',
      'nsInstanceId',
    ];
    const unknown = Object.keys(params).filter((k) => !allowed.includes(k));
    if (unknown.length)
      throw DomainError.unprocessable(
        'REQUEST.INVALID_BODY',
        `Format error at '${unknown[0]}': not an allowed field`,
        unknown.map((path) => ({ path, message: 'is not an allowed field' })),
      );
    if (ns.nsState === 'NOT_INSTANTIATED' && ns.resources.length === 0) {
      throw DomainError.conflict('NS_INSTANCE.NOT_INSTANTIATED', `NS '${ns.name}' is not instantiated`);
    }
    const opParams = { ...params, ...(autoremove !== undefined ? { autoremove } : {}) };
    // terminate primitives run first, on a NS that is up (skippable, as in OSM)
    const before: OpStep[] = [];
    if (ns.nsState === 'READY' && params.skip_terminate_primitives !== true) {
      const vnfRows = await this.vnfs.findBy({ nsInstanceId: ns.id });
      const items = await this.catalog.findBy({ kind: 'vnfd', id: In(vnfRows.map((v) => String(v.record['vnfd-id']))) });
      before.push(...(await this.dayN.terminatePrimitives(vnfRows, new Map(items.map((i) => [i.id, i])))));
      await this.dayN.skipUnrunnable(before, (id) => this.accounts.vimTypeOf(id));
    }
    const opId = await this.startOperation(
      ns,
      opts.opId ?? newId(),
      'terminate',
      opParams,
      [...before, ...terminateSteps(ns.resources)],
      'TERMINATING',
      'TERMINATING',
    );
    return { opId, name: ns.name };
  }

  /** POST ns_instances/{id}/scale: one step of a VNF scaling aspect out or in (OSM `osm vnf-scale`). */
  async scale(session: Session, nsId: string, body: unknown): Promise<{ opId: string; name: string }> {
    return this.scaleNs(await this.findNs(session, nsId, 'write'), scaleSchema.validate(body));
  }

  /** The scale path shared by the API and the closed loops (whose operations say `isAutomaticInvocation: true`). */
  async scaleNs(
    ns: NsInstanceEntity,
    params: ScaleParams & { isAutomaticInvocation?: boolean },
  ): Promise<{ opId: string; name: string }> {
    const step = params.scaleVnfData.scaleByStepData;
    const member = String(step['member-vnf-index']);
    if (ns.nsState !== 'READY')
      throw DomainError.conflict('NS_INSTANCE.NOT_READY', `NS '${ns.name}' is ${ns.nsState}; only a READY NS can be scaled`);
    const { vnf, vnfd } = await this.memberVnf(
      ns,
      member,
      'NS_INSTANCE.INVALID_SCALE',
      'scaleVnfData.scaleByStepData.member-vnf-index',
    );
    const opId = newId();
    const group = step['scaling-group-descriptor'];
    const steps = planScale({
      nsId: ns.id,
      opId,
      direction: params.scaleVnfData.scaleVnfType,
      group,
      member,
      vnfrId: vnf.id,
      vnfd: vnfd.descriptor,
      nsd: ns.record.nsd as Obj,
      params: ns.record.instantiate_params as InstantiateParams,
      vdur: list(vnf.record.vdur),
      level: scaleLevel(ns, group, member),
      zone: ((ns.record.placement as Obj | undefined)?.[member] as Obj | undefined)?.zone as string | undefined,
      resources: ns.resources,
    });
    await this.startOperation(ns, opId, 'scale', params as unknown as Obj, steps, 'SCALING', ns.nsState);
    return { opId, name: ns.name };
  }

  /** POST ns_instances/{id}/action: a day-2 primitive of a VNF (or VDU), run by its script execution environment. */
  async action(session: Session, nsId: string, body: unknown): Promise<{ opId: string; name: string }> {
    const ns = await this.findNs(session, nsId, 'write');
    const params = actionSchema.validate(body);
    if (params.kdu_name !== undefined)
      throw DomainError.unprocessable('NS_ACTION.NO_KDU', `kdu_name: this NS has no KDU '${params.kdu_name}'`, [
        { path: 'kdu_name', message: 'no such KDU' },
      ]);
    if (params.member_vnf_index === undefined)
      throw DomainError.unprocessable(
        'NS_ACTION.UNKNOWN_PRIMITIVE',
        `primitive: '${params.primitive}' is not an NS-level primitive (the NSD declares no ns-configuration primitives); give member_vnf_index for a VNF primitive`,
        [{ path: 'member_vnf_index', message: 'required for VNF primitives' }],
      );
    if (ns.nsState !== 'READY')
      throw DomainError.conflict('NS_INSTANCE.NOT_READY', `NS '${ns.name}' is ${ns.nsState}; actions run on a READY NS`);
    const member = String(params.member_vnf_index);
    const { vnf, vnfd } = await this.memberVnf(ns, member, 'NS_ACTION.UNKNOWN_VNF', 'member_vnf_index');
    const steps = await this.dayN.day2(vnfd, vnf, params, (id) => this.accounts.vimTypeOf(id));
    // OSM stores the primitive's parameters as a JSON string
    const opParams = { ...params, primitive_params: JSON.stringify(params.primitive_params ?? {}) };
    const opId = await this.startOperation(ns, newId(), 'action', opParams, steps, 'ACTION', ns.nsState);
    return { opId, name: ns.name };
  }

  /** DELETE ns_instances_content: terminate with autoremove when instantiated, else remove at once. */
  async deleteContent(session: Session, nsId: string): Promise<{ opId: string; name: string } | null> {
    const ns = await this.findNs(session, nsId, 'delete');
    if (ns.nsState === 'NOT_INSTANTIATED' && ns.resources.length === 0) {
      await this.removeRecords(ns.id, session);
      return null;
    }
    return this.terminate(session, nsId, {}, true);
  }

  /** DELETE ns_instances: only when not instantiated (409 otherwise, unless FORCE which terminates and removes). */
  async delete(session: Session, nsId: string): Promise<{ opId: string; name: string } | null> {
    const ns = await this.findNs(session, nsId, 'delete');
    if (ns.nsState !== 'NOT_INSTANTIATED' || ns.resources.length > 0) {
      if (!session.force)
        throw DomainError.conflict(
          'NS_INSTANCE.INSTANTIATED',
          `NS '${ns.name}' is ${ns.nsState}: launch 'terminate' operation first; or force deletion`,
        );
      return this.terminate(session, nsId, {}, true);
    }
    await this.removeRecords(ns.id, session);
    return null;
  }

  // ---- internals ----

  private async removeRecords(nsId: string, session: Session): Promise<void> {
    const busy = await this.ops.findOneBy({ nsInstanceId: nsId, operationState: In(['PROCESSING', 'ROLLING_BACK']) });
    if (busy && !session.force)
      throw DomainError.conflict(
        'LCM.OPERATION_IN_PROGRESS',
        `operation ${busy.id} (${busy.lcmOperationType}) is still running on this NS`,
      );
    await this.tx.run(async (em) => {
      const ns = await em.findOneBy(NsInstanceEntity, { id: nsId });
      if (ns) await notifyNsIdentifier(em, 'Deletion', ns);
      await em.delete(NsLcmOpOccEntity, { nsInstanceId: nsId });
      await em.delete(VnfInstanceEntity, { nsInstanceId: nsId });
      await em.delete(NsInstanceEntity, { id: nsId });
    });
  }

  /** A member VNF of the NS and its VNFD: 422 naming `path` for an unknown member, 409 when the VNFD is gone. */
  private async memberVnf(ns: NsInstanceEntity, member: string, reason: string, path: string) {
    const vnf = await this.vnfs.findOneBy({ nsInstanceId: ns.id, memberVnfIndex: member });
    if (!vnf)
      throw DomainError.unprocessable(reason, `${path}: '${member}' is not a member VNF of this NS`, [
        { path, message: 'not a member VNF of this NS' },
      ]);
    const vnfd = await this.catalog.findOneBy({ kind: 'vnfd', id: String(vnf.record['vnfd-id']) });
    if (!vnfd) throw DomainError.conflict('NS_INSTANCE.VNFD_GONE', `the VNFD of VNF ${member} is no longer in the catalog`);
    return { vnf, vnfd };
  }

  /** Persists the operation (see {@link persistOperation}), then hands it to the runner. */
  private async startOperation(ns: NsInstanceEntity, ...op: OperationArgs): Promise<string> {
    await persistOperation(this.tx, ns, ...op);
    this.runner.enqueue(op[0]);
    return op[0];
  }

  /** Several NSs (a slice's subnets) placed in one model; their bodies come back pinned to the decision. */
  async placeJointly(session: Session, items: JointItem[]) {
    const fresh = await this.nss.findBy({ id: In(items.map((i) => i.nsId)), nsState: 'NOT_INSTANTIATED' });
    return placeJointly(this.placement, this.request, session, items, new Set(fresh.map((n) => n.id)));
  }

  /** The request checked against OSM's schema and the NSD: unknown member-vnf-index, vld or VIM → 422 naming it. */
  resolve(session: Session, body: unknown) {
    return this.request.resolve(session, body);
  }

  /** An NS by id without a session (the engine's own callers, e.g. the closed loops). */
  async nsById(id: string): Promise<NsInstanceEntity> {
    const ns = await this.nss.findOneBy({ id });
    if (!ns) throw DomainError.notFound('NS_INSTANCE.NOT_FOUND', `NS instance '${id}' not found`);
    return ns;
  }

  /** Instantiate, terminate, scale, action need write rights ('write'); a delete also needs them (401 as OSM). */
  private async findNs(session: Session, id: string, action: 'read' | 'write' | 'delete'): Promise<NsInstanceEntity> {
    const ns = await this.nss.findOneBy({ id });
    const scope = ProjectScope.of(session);
    if (!ns || !scope.can(action, ns)) throw DomainError.notFound('NS_INSTANCE.NOT_FOUND', `NS instance '${id}' not found`);
    if (action === 'delete' && !scope.canWrite(ns))
      throw DomainError.unauthorized('You have not write permission to delete it', 'AUTH.PERMISSION_DENIED');
    return ns;
  }
}
