import { NsiEntity, NsiLcmOpOccEntity } from '../records/nsi.entities';
import { operationAdmin, operationWire } from '../instances/records';

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
    ...operationWire(e, { netsliceInstanceId: e.netsliceInstanceId }),
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
    _admin: operationAdmin(e),
  };
}
