import type { AdminAccountEntity } from '../records/vim.entities';
import { Obj, list, str } from '../common/values';

/** Which WIM account would carry a VLD whose networks are on several VIMs, as recorded on the NS record's `vld`. */
export interface WimChoice {
  wim: { id: string; name: string } | null;
  /** Why no WIM, when none. */
  reason?: string;
}

/**
 * OSM's rule for an inter-VIM link: `wimAccountId: false` asks for none; a WIM account id names it; otherwise the
 * first ENABLED WIM account the project can use whose `config.wim_port_mapping[].datacenter_id` (VIM account id or
 * name) covers every VIM of the VLD — a WIM without a port mapping serves any VIM. The link itself is not set up
 * here (no WIM connector runs): the choice is recorded so the operator sees which WAN would carry it.
 */
export function chooseWim(wims: AdminAccountEntity[], vims: { id: string; name: string }[], wanted: unknown): WimChoice {
  if (wanted === false) return { wim: null, reason: 'wimAccountId is false: no WIM wanted' };
  if (typeof wanted === 'string') {
    const w = wims.find((x) => x.id === wanted || x.name === wanted);
    return w ? { wim: { id: w.id, name: w.name } } : { wim: null, reason: `WIM account '${wanted}' not found` };
  }
  const enabled = wims.filter((w) => w.operationalState === 'ENABLED');
  if (!enabled.length) return { wim: null, reason: 'no WIM account is registered (osm wim-create)' };
  const covers = (w: AdminAccountEntity) => {
    const mapping = list((w.record.config as Obj | undefined)?.wim_port_mapping);
    if (!mapping.length) return true;
    const dcs = new Set(mapping.map((m) => str(m.datacenter_id)));
    return vims.every((v) => dcs.has(v.id) || dcs.has(v.name));
  };
  const w = enabled.find(covers);
  return w
    ? { wim: { id: w.id, name: w.name } }
    : {
        wim: null,
        reason: `no WIM account maps VIMs ${vims.map((v) => v.name).join(', ')} (config.wim_port_mapping[].datacenter_id)`,
      };
}
