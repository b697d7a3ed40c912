/** What an NS record says once an operation ends: the states OSM's client shows (`osm ns-list`, `ns-show`). */
export interface NsOutcome {
  nsState?: string;
  operationalStatus?: string;
  configStatus?: string;
  adminNsState?: string;
  /** OSM's operation verb in `errorDescription` ("Operation: INSTANTIATING.<op id>, Stage …"). */
  verb: string;
}

/** Fields left out stay as they are (a failed day-2 action does not stop a running NS). */
export function nsOutcome(type: string, rolledBack: boolean, ok: boolean): NsOutcome {
  switch (type) {
    case 'instantiate':
      if (rolledBack && ok)
        return {
          nsState: 'NOT_INSTANTIATED',
          operationalStatus: 'terminated',
          configStatus: 'terminated',
          adminNsState: 'NOT_INSTANTIATED',
          verb: 'INSTANTIATING',
        };
      return ok
        ? {
            nsState: 'READY',
            operationalStatus: 'running',
            configStatus: 'configured',
            adminNsState: 'INSTANTIATED',
            verb: 'INSTANTIATING',
          }
        : {
            nsState: 'BROKEN',
            operationalStatus: 'failed',
            configStatus: 'failed',
            adminNsState: 'INSTANTIATED',
            verb: 'INSTANTIATING',
          };
    case 'terminate':
      return ok
        ? {
            nsState: 'NOT_INSTANTIATED',
            operationalStatus: 'terminated',
            configStatus: 'terminated',
            adminNsState: 'NOT_INSTANTIATED',
            verb: 'TERMINATING',
          }
        : { nsState: 'BROKEN', operationalStatus: 'failed', adminNsState: 'INSTANTIATED', verb: 'TERMINATING' };
    case 'scale':
      // a failed scaling leaves the NS running with fewer or more instances than asked: DEGRADED until rolled back or retried
      return ok
        ? { nsState: 'READY', operationalStatus: 'running', verb: 'SCALING' }
        : { nsState: 'DEGRADED', operationalStatus: 'failed', verb: 'SCALING' };
    case 'heal':
      // the healed VDUs are back (READY), or some are not (DEGRADED until a retry or another heal)
      return ok
        ? { nsState: 'READY', operationalStatus: 'running', verb: 'HEALING' }
        : { nsState: 'DEGRADED', operationalStatus: 'failed', verb: 'HEALING' };
    default:
      return { verb: type.toUpperCase() };
  }
}
