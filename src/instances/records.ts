import { NsInstanceEntity, NsLcmOpOccEntity, VnfInstanceEntity } from '../records/ns.entities';

/** OSM's wire shapes of NS records, VNF records and operations. */
/** Bulky parts of an NS record that listings leave out (GET of one NS has them; osmclient's lists do not read them). */
const DETAIL_ONLY = ['nsd', 'instantiate_params', 'placement', 'vld', 'operational-events'];

export function nsRecord(e: NsInstanceEntity, opts: { withNsd: boolean }): Record<string, unknown> {
  const { _admin, ...rest } = e.record as Record<string, unknown> & { _admin?: Record<string, unknown> };
  if (!opts.withNsd) for (const key of DETAIL_ONLY) delete rest[key];
  return {
    ...rest,
    _id: e.id,
    id: e.id,
    name: e.name,
    nsState: e.nsState,
    _admin: {
      ...(_admin ?? {}),
      // OSM keeps the coarse state here; the detailed one is nsState above
      nsState: e.nsState === 'NOT_INSTANTIATED' ? 'NOT_INSTANTIATED' : 'INSTANTIATED',
      created: e.created,
      modified: e.modified,
      projects_read: e.projectsRead,
      projects_write: e.projectsWrite,
      // the automatic scaling policies: state, cooldown, the last decision and its reason
      ...(e.closedLoops ? { 'closed-loops': e.closedLoops } : {}),
    },
  };
}

type Monitoring = { at?: number; vdur?: Record<string, unknown[]>; vnf?: unknown[] };

export function vnfRecord(e: VnfInstanceEntity): Record<string, unknown> {
  const { _admin, ...rest } = e.record as Record<string, unknown> & { _admin?: Record<string, unknown> };
  const monitoring = e.monitoring as Monitoring | null;
  if (monitoring && Array.isArray(rest.vdur))
    // the latest values of the VDU's monitoring parameters, where OSM's client shows vdur fields
    rest.vdur = rest.vdur.map((v: Record<string, unknown>) => {
      const values = monitoring.vdur?.[String(v.name)];
      return values ? { ...v, 'monitoring-parameter': values } : v;
    });
  if (monitoring?.vnf?.length) rest['monitoring-parameter'] = monitoring.vnf;
  return {
    ...rest,
    _id: e.id,
    id: e.id,
    'nsr-id-ref': e.nsInstanceId,
    'member-vnf-index-ref': e.memberVnfIndex,
    _admin: {
      ...(_admin ?? {}),
      created: e.created,
      modified: e.modified,
      projects_read: e.projectsRead,
      projects_write: e.projectsWrite,
    },
  };
}

type OperationColumns = Pick<
  NsLcmOpOccEntity,
  | 'id'
  | 'operationState'
  | 'lockedBy'
  | 'stage'
  | 'errorMessage'
  | 'detailedStatus'
  | 'statusEnteredTime'
  | 'lcmOperationType'
  | 'startTime'
  | 'cancelMode'
  | 'operationParams'
>;

/** The fields OSM's NS and slice operations (`nslcmops`, `nsilcmops`) share, with the instance they act on. */
export function operationWire(e: OperationColumns, instance: Record<string, string>): Record<string, unknown> {
  return {
    _id: e.id,
    id: e.id,
    operationState: e.operationState,
    queuePosition: e.operationState === 'PROCESSING' && e.lockedBy === null ? 1 : 0,
    stage: e.stage,
    errorMessage: e.errorMessage,
    detailedStatus: e.detailedStatus,
    'detailed-status': e.detailedStatus,
    statusEnteredTime: e.statusEnteredTime,
    ...instance,
    lcmOperationType: e.lcmOperationType,
    startTime: e.startTime,
    // the orchestrator's own operations (auto-healing) carry the mark in their parameters, as the notifications read it
    isAutomaticInvocation: e.operationParams?.isAutomaticInvocation === true,
    isCancelPending: e.cancelMode !== null,
    cancelMode: e.cancelMode,
    operationParams: e.operationParams,
  };
}

/** An operation's `_admin`: its times, projects and the workers that ran it. */
export function operationAdmin(
  e: Pick<NsLcmOpOccEntity, 'created' | 'modified' | 'projectsRead' | 'projectsWrite' | 'lockedBy' | 'runBy'>,
): Record<string, unknown> {
  return {
    created: e.created,
    modified: e.modified,
    projects_read: e.projectsRead,
    projects_write: e.projectsWrite,
    worker: e.lockedBy,
    workers: e.runBy,
  };
}

export function opRecord(e: NsLcmOpOccEntity): Record<string, unknown> {
  const done = e.steps.filter((s) => s.state === 'DONE').length;
  const placeData = e.steps.find((s) => s.kind === 'place')?.data;
  return {
    ...operationWire(e, { nsInstanceId: e.nsInstanceId }),
    progress: { steps: e.steps.length, done },
    steps: e.steps.map(({ key, kind, state, attempts, providerId, lastError, data }) => ({
      key,
      kind,
      state,
      attempts,
      providerId,
      lastError,
      // a primitive's exit code and (truncated) output
      ...(data?.result ? { result: data.result } : {}),
      // a primitive not run on this VIM type, and why
      ...(data?.skipped ? { skipped: data.skipped } : {}),
    })),
    links: { self: `/osm/nslcm/v1/ns_lcm_op_occs/${e.id}`, nsInstance: `/osm/nslcm/v1/ns_instances/${e.nsInstanceId}` },
    _admin: {
      ...operationAdmin(e),
      // the placement engine's answer, where OSM keeps PLA's
      ...(placeData?.pla ? { pla: placeData.pla } : {}),
    },
  };
}
