import { useMemo, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { ErrorBox, Page, State, Table, useApi, useInterval, when } from '../components';
import { href, navigate } from '../router';

export interface Nsr {
  _id: string;
  name: string;
  nsState: string;
  'nsd-name-ref'?: string;
  'nsd-ref'?: string;
  'operational-status'?: string;
  'config-status'?: string;
  'detailed-status'?: string;
  'create-time'?: number;
  datacenter?: string;
  currentOperation?: string;
  errorDetail?: string | null;
  placement?: Record<string, { vimAccountId: string; zone?: string | null; reason?: string; strategy?: string }>;
  nsd?: Record<string, unknown>;
  'constituent-vnfr-ref'?: string[];
  vld?: { id: string; name?: string; 'vim-network-name'?: string; 'mgmt-network'?: boolean }[];
  _admin?: { nsState?: string };
}

interface Nsd {
  _id: string;
  id: string;
  name?: string;
}

export interface Vim {
  _id: string;
  name: string;
  vim_type: string;
  _admin?: { operationalState?: string; 'detailed-status'?: string };
  config?: { pops?: { name: string; vcpu?: number; memory?: number; labels?: Record<string, string> | string[] }[] };
}

const BUSY = new Set(['BUILDING', 'INSTANTIATING', 'TERMINATING']);

export function NsList() {
  const { data, error, reload } = useApi<Nsr[]>('/osm/nslcm/v1/ns_instances_content');
  const [filter, setFilter] = useState('');
  const [creating, setCreating] = useState(false);
  useInterval(reload, 3000, !!data?.some((n) => BUSY.has(n.nsState) || n.currentOperation === 'INSTANTIATING'));
  const rows = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return data?.filter((n) => !f || [n.name, n.nsState, n['nsd-name-ref']].some((v) => v?.toLowerCase().includes(f)));
  }, [data, filter]);
  return (
    <Page
      title="NS instances"
      actions={
        <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          {creating ? 'Close form' : 'New NS'}
        </button>
      }
    >
      {creating && <CreateNs />}
      <label class="filter">
        Filter
        <input type="search" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} placeholder="name, state or NSD" />
      </label>
      <ErrorBox error={error} />
      <Table
        label="NS instances"
        rows={rows}
        columns={[
          { title: 'Name', cell: (n) => <a {...href(`/ns/${n._id}`)}>{n.name}</a> },
          { title: 'NSD', cell: (n) => n['nsd-name-ref'] ?? '' },
          { title: 'State', cell: (n) => <State value={n.nsState} /> },
          { title: 'Config', cell: (n) => n['config-status'] ?? '' },
          { title: 'Created', cell: (n) => when(n['create-time']) },
        ]}
        empty="No NS instances: create one with New NS."
      />
    </Page>
  );
}

/** Instantiate parameters: the form's fields plus the YAML (or JSON) box, as `osm ns-create --config` takes them. */
export function instantiateBody(name: string, nsdId: string, vimId: string, config: string): { data: string; type: string } {
  const c = config.trim();
  if (c.startsWith('{')) {
    const extra = JSON.parse(c) as Record<string, unknown>;
    return { data: JSON.stringify({ ...extra, nsName: name, nsdId, vimAccountId: vimId }), type: 'application/json' };
  }
  // JSON strings are valid YAML scalars; the service reads YAML bodies
  const head = `nsName: ${JSON.stringify(name)}\nnsdId: ${JSON.stringify(nsdId)}\nvimAccountId: ${JSON.stringify(vimId)}\n`;
  return { data: c ? `${c}\n${head}` : head, type: 'application/yaml' };
}

function CreateNs() {
  const nsds = useApi<Nsd[]>('/osm/nsd/v1/ns_descriptors');
  const vims = useApi<Vim[]>('/osm/admin/v1/vim_accounts');
  const [name, setName] = useState('');
  const [nsd, setNsd] = useState('');
  const [vim, setVim] = useState('');
  const [config, setConfig] = useState('');
  const [error, setError] = useState<Error>();
  const [draftId, setDraftId] = useState<string>();
  const [preview, setPreview] = useState<DryRun>();
  const [busy, setBusy] = useState(false);
  const nsdId = nsd || nsds.data?.[0]?._id || '';
  const vimId = vim || vims.data?.[0]?._id || '';

  const body = () => {
    try {
      return instantiateBody(name, nsdId, vimId, config);
    } catch (e) {
      throw new ApiError(422, `config: not valid JSON (${(e as Error).message})`, [
        { path: 'config', message: 'not valid JSON' },
      ]);
    }
  };
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  };
  // a dry run needs an NS record: it is created NOT_INSTANTIATED, and instantiated by the next press
  const previewPlacement = () =>
    run(async () => {
      let id = draftId;
      if (!id) {
        id = (await api<{ id: string }>('/osm/nslcm/v1/ns_instances', { body: { nsName: name, nsdId, vimAccountId: vimId } })).id;
        setDraftId(id);
      }
      setPreview(await api<DryRun>(`/osm/nslcm/v1/ns_instances/${id}/instantiate?dryRun=true`, { raw: body() }));
    });
  const instantiate = () =>
    run(async () => {
      if (draftId) {
        await api(`/osm/nslcm/v1/ns_instances/${draftId}/instantiate`, { raw: body() });
        navigate(`/ns/${draftId}`);
      } else {
        const r = await api<{ id: string }>('/osm/nslcm/v1/ns_instances_content', { raw: body() });
        navigate(`/ns/${r.id}`);
      }
    });
  return (
    <form
      class="card form"
      aria-label="New NS instance"
      onSubmit={(e) => {
        e.preventDefault();
        void instantiate();
      }}
    >
      <h2>New NS instance</h2>
      <label>
        Name
        <input name="nsName" required value={name} onInput={(e) => setName(e.currentTarget.value)} disabled={!!draftId} />
      </label>
      <label>
        NS package
        <select name="nsdId" value={nsdId} onChange={(e) => setNsd(e.currentTarget.value)} disabled={!!draftId}>
          {nsds.data?.map((d) => (
            <option key={d._id} value={d._id}>
              {d.id}
              {d.name && d.name !== d.id ? ` (${d.name})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label>
        VIM account
        <select name="vimAccountId" value={vimId} onChange={(e) => setVim(e.currentTarget.value)} disabled={!!draftId}>
          {vims.data?.map((v) => (
            <option key={v._id} value={v._id}>
              {v.name} ({v.vim_type}, {v._admin?.operationalState ?? '?'})
            </option>
          ))}
        </select>
      </label>
      <label>
        Configuration (YAML or JSON: additionalParamsForNs, vnf, vld, placement…)
        <textarea name="config" rows={5} spellcheck={false} value={config} onInput={(e) => setConfig(e.currentTarget.value)} />
      </label>
      <ErrorBox error={error} />
      <div class="buttons">
        <button type="button" disabled={busy || !name || !nsdId} onClick={() => void previewPlacement()}>
          Preview placement
        </button>
        <button type="submit" disabled={busy || !name || !nsdId}>
          Instantiate
        </button>
      </div>
      {draftId && <p class="muted">NS record {draftId} created (NOT_INSTANTIATED) for the preview.</p>}
      {preview && (
        <PlacementPreview preview={preview} vimNames={Object.fromEntries((vims.data ?? []).map((v) => [v._id, v.name]))} />
      )}
    </form>
  );
}

interface DryRun {
  placement: { vnfs?: Record<string, { site?: string; zone?: string | null; binding?: string[]; cost?: number }>; note?: string };
  resources: Record<string, { computes: { name: string; vdu: string; 'member-vnf-index': string; zone: string | null }[] }>;
}

function PlacementPreview({ preview, vimNames }: { preview: DryRun; vimNames: Record<string, string> }) {
  const rows = Object.entries(preview.resources).flatMap(([vim, r]) => r.computes.map((c) => ({ vim, ...c })));
  return (
    <div class="preview" aria-live="polite">
      <h3>Placement preview</h3>
      {preview.placement.note && <p class="muted">{preview.placement.note}</p>}
      <Table
        label="Placement preview"
        rows={rows}
        columns={[
          { title: 'Compute', cell: (c) => c.name },
          { title: 'VNF', cell: (c) => c['member-vnf-index'] },
          { title: 'VDU', cell: (c) => c.vdu },
          { title: 'VIM', cell: (c) => vimNames[c.vim] ?? c.vim },
          { title: 'PoP / zone', cell: (c) => c.zone ?? 'chosen at instantiation' },
          {
            title: 'Why',
            cell: (c) => {
              const v = preview.placement.vnfs?.[c['member-vnf-index']];
              return v ? [v.site, ...(v.binding ?? [])].filter(Boolean).join('; ') : '';
            },
          },
        ]}
      />
    </div>
  );
}
