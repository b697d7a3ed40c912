import { NsiEntity, NsiLcmOpOccEntity } from '../records/nsi.entities';

type Obj = Record<string, unknown>;

/** OSM's wire shape of an NSI (`nsis`). */
export function nsiRecord(e: NsiEntity): Obj {
  const { _admin, ...rest } = e.record as Obj & { _admin?: Obj };
  return {
    ...rest,
    _id: e.id,
    id: e.id,
    name: e.name,
    _admin: {
      ...(_admin ?? {}),
      nsiState: e.nsiState,
      created: e.created,
      modified: e.modified,
      projects_read: e.projectsRead,
      projects_write: e.projectsWrite,
    },
  };
}

/** OSM's wire shape of a slice operation (`nsilcmops`), with our steps. */
export function nsiOpRecord(e: NsiLcmOpOccEntity): Obj {
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
    netsliceInstanceId: e.netsliceInstanceId,
    lcmOperationType: e.lcmOperationType,
    startTime: e.startTime,
    isAutomaticInvocation: false,
    isCancelPending: e.cancelMode !== null,
    cancelMode: e.cancelMode,
    operationParams: e.operationParams,
    // the NS operations of its subnets, as OSM lists them
    nslcmops_ids: e.steps.filter((s) => s.kind === 'subnet').map((s) => s.data.usedOpId ?? s.data.nsOpId),
    progress: { steps: e.steps.length, done: e.steps.filter((s) => s.state === 'DONE').length },
    steps: e.steps.map(({ key, kind, state, attempts, lastError, data }) => ({
      key,
      kind,
      state,
      attempts,
      lastError,
      ...(kind === 'subnet' ? { nsInstanceId: data.nsId, nslcmop: data.usedOpId ?? data.nsOpId, kept: data.kept } : {}),
      ...(kind === 'network' ? { vimAccountId: data.vimAccountId, network: data.name, 'vim-id': data.providerId } : {}),
    })),
    links: {
      self: `/osm/nsilcm/v1/nsi_lcm_op_occs/${e.id}`,
      netsliceInstanceId: `/osm/nsilcm/v1/netslice_instances/${e.netsliceInstanceId}`,
    },
    _admin: {
      created: e.created,
      modified: e.modified,
      projects_read: e.projectsRead,
      projects_write: e.projectsWrite,
      worker: e.lockedBy,
      workers: e.runBy,
    },
  };
}
