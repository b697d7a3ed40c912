import { useMemo } from 'preact/hooks';
import { ErrorBox, Page, useApi } from '../components';
import type { Vnfr } from '../ns-model';
import { href } from '../router';
import type { Nsr, Vim } from './ns-list';

function Count({ label, n, to }: { label: string; n?: number; to: string }) {
  return (
    <a class="count" {...href(to)}>
      <span class="n">{n ?? '…'}</span>
      <span>{label}</span>
    </a>
  );
}

export function Dashboard() {
  const vnfPkgs = useApi<unknown[]>('/osm/vnfpkgm/v1/vnf_packages');
  const nsPkgs = useApi<unknown[]>('/osm/nsd/v1/ns_descriptors');
  const nsts = useApi<unknown[]>('/osm/nst/v1/netslice_templates');
  const ns = useApi<Nsr[]>('/osm/nslcm/v1/ns_instances_content');
  const vnfrs = useApi<Vnfr[]>('/osm/nslcm/v1/vnfrs');
  const vims = useApi<Vim[]>('/osm/admin/v1/vim_accounts');
  const slices = useApi<unknown[]>('/osm/nsilcm/v1/netslice_instances_content');
  const states = useMemo(() => {
    const m = new Map<string, number>();
    for (const n of ns.data ?? []) m.set(n.nsState, (m.get(n.nsState) ?? 0) + 1);
    return [...m.entries()].sort();
  }, [ns.data]);
  // VDUs per PoP (the public API gives each VDU's VIM and zone, and each PoP's declared capacity)
  const perPop = useMemo(() => {
    const m = new Map<string, number>();
    for (const v of vnfrs.data ?? [])
      for (const d of v.vdur) {
        const k = `${d['vim-account-id'] ?? v['vim-account-id']}/${d.zone ?? 'default'}`;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
    return m;
  }, [vnfrs.data]);
  const maxPop = Math.max(1, ...perPop.values());
  return (
    <Page title="Dashboard">
      <ErrorBox error={ns.error ?? vims.error} />
      <div class="counts">
        <Count label="VNF packages" n={vnfPkgs.data?.length} to="/vnf-packages" />
        <Count label="NS packages" n={nsPkgs.data?.length} to="/ns-packages" />
        <Count label="Slice templates" n={nsts.data?.length} to="/slice-templates" />
        <Count label="NS instances" n={ns.data?.length} to="/ns" />
        <Count label="VNF instances" n={vnfrs.data?.length} to="/ns" />
        <Count label="Slice instances" n={slices.data?.length} to="/slices" />
        <Count label="VIM accounts" n={vims.data?.length} to="/vims" />
      </div>
      <div class="cards">
        <section class="card" aria-labelledby="ns-states">
          <h2 id="ns-states">NS states</h2>
          {states.length === 0 && <p class="muted">No NS instances.</p>}
          <ul class="bars">
            {states.map(([s, n]) => (
              <li key={s}>
                <span class="bar-label">{s}</span>
                <meter min={0} max={ns.data?.length ?? 1} value={n} aria-label={`${s}: ${n}`} />
                <span>{n}</span>
              </li>
            ))}
          </ul>
        </section>
        <section class="card" aria-labelledby="pops">
          <h2 id="pops">VDUs per PoP</h2>
          {(vims.data ?? []).map((v) => (
            <div key={v._id}>
              <h3>
                {v.name}{' '}
                <span class="muted">
                  ({v.vim_type}, {v._admin?.operationalState})
                </span>
              </h3>
              <ul class="bars">
                {(v.config?.pops ?? [{ name: 'default' }]).map((p) => {
                  const n = perPop.get(`${v._id}/${p.name}`) ?? 0;
                  return (
                    <li key={p.name}>
                      <span class="bar-label">{p.name}</span>
                      <meter min={0} max={maxPop} value={n} aria-label={`${p.name}: ${n} VDUs`} />
                      <span>
                        {n} VDU{n === 1 ? '' : 's'}
                        {'vcpu' in p && p.vcpu ? ` · ${p.vcpu} vCPU, ${p.memory ?? '?'} GB` : ''}
                      </span>
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
        </section>
      </div>
    </Page>
  );
}
