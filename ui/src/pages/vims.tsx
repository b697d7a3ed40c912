import { useState } from 'preact/hooks';
import { api } from '../api';
import { confirmed, ErrorBox, Page, State, Table, useApi, useInterval } from '../components';
import type { Vim } from './ns-list';

export function VimsPage() {
  const { data, error, reload } = useApi<Vim[]>('/osm/admin/v1/vim_accounts');
  const [creating, setCreating] = useState(false);
  const [opError, setOpError] = useState<Error>();
  useInterval(reload, 2000, !!data?.some((v) => v._admin?.operationalState === 'PROCESSING'));
  const remove = async (v: Vim) => {
    if (!confirmed(`Delete VIM account ${v.name}?`)) return;
    try {
      await api(`/osm/admin/v1/vim_accounts/${v._id}`, { method: 'DELETE' });
      reload();
    } catch (e) {
      setOpError(e as Error);
    }
  };
  return (
    <Page
      title="VIM accounts"
      actions={
        <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          {creating ? 'Close form' : 'New VIM account'}
        </button>
      }
    >
      {creating && (
        <VimForm
          onCreated={() => {
            setCreating(false);
            reload();
          }}
        />
      )}
      <ErrorBox error={error ?? opError} />
      <Table
        label="VIM accounts"
        rows={data}
        columns={[
          { title: 'Name', cell: (v) => v.name },
          { title: 'Type', cell: (v) => v.vim_type },
          { title: 'State', cell: (v) => <State value={v._admin?.operationalState} /> },
          { title: 'Status', cell: (v) => v._admin?.['detailed-status'] ?? '' },
          { title: 'PoPs', cell: (v) => (v.config?.pops ?? []).map((p) => p.name).join(', ') },
          {
            title: '',
            cell: (v) => (
              <button type="button" class="danger small" onClick={() => void remove(v)} aria-label={`Delete ${v.name}`}>
                Delete
              </button>
            ),
          },
        ]}
      />
    </Page>
  );
}

interface PopRow {
  name: string;
  vcpu: string;
  memory: string;
  labels: string;
}

function VimForm({ onCreated }: { onCreated: () => void }) {
  const [type, setType] = useState('emulator');
  const [f, setF] = useState({ name: '', url: '', user: '', password: '', tenant: '' });
  const [pops, setPops] = useState<PopRow[]>([{ name: 'pop-1', vcpu: '64', memory: '256', labels: '' }]);
  const [kubeconfig, setKubeconfig] = useState<string>();
  const [error, setError] = useState<Error>();
  const field = (k: keyof typeof f) => ({
    value: f[k],
    onInput: (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }),
  });
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const config: Record<string, unknown> = {};
    if (type === 'emulator')
      config.pops = pops.map((p) => ({
        name: p.name,
        ...(p.vcpu ? { vcpu: Number(p.vcpu) } : {}),
        ...(p.memory ? { memory: Number(p.memory) } : {}),
        ...(p.labels.trim() ? { labels: p.labels.split(',').map((l) => l.trim()) } : {}),
      }));
    if (type === 'kubernetes') config.kubeconfig = kubeconfig;
    try {
      await api('/osm/admin/v1/vim_accounts', {
        body: {
          name: f.name,
          vim_type: type,
          vim_url: f.url || `${type}://${f.name}`,
          vim_user: f.user || '-',
          vim_password: f.password || '-',
          vim_tenant_name: f.tenant || '-',
          config,
        },
      });
      onCreated();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card form" onSubmit={(e) => void submit(e)} aria-label="New VIM account">
      <h2>New VIM account</h2>
      <label>
        Name
        <input name="name" required {...field('name')} />
      </label>
      <label>
        Type
        <select name="vim_type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="emulator">emulator</option>
          <option value="openstack">openstack</option>
          <option value="kubernetes">kubernetes</option>
        </select>
      </label>
      {type === 'openstack' && (
        <>
          <label>
            Keystone URL
            <input name="vim_url" required placeholder="https://keystone:5000/v3" {...field('url')} />
          </label>
          <label>
            User
            <input name="vim_user" required {...field('user')} />
          </label>
          <label>
            Password
            <input name="vim_password" type="password" autoComplete="new-password" required {...field('password')} />
          </label>
          <label>
            Project (tenant)
            <input name="vim_tenant_name" required {...field('tenant')} />
          </label>
        </>
      )}
      {type === 'kubernetes' && (
        <label>
          Kubeconfig file (self-contained: *-data fields or a token)
          <input
            type="file"
            name="kubeconfig"
            required
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file) void file.text().then(setKubeconfig);
            }}
          />
          {kubeconfig && <span class="muted"> read ({kubeconfig.length} bytes; sent once, never shown again)</span>}
        </label>
      )}
      {type === 'emulator' && (
        <fieldset>
          <legend>PoPs</legend>
          {pops.map((p, i) => (
            <div class="pop-row" key={i}>
              {(['name', 'vcpu', 'memory', 'labels'] as const).map((k) => (
                <label key={k}>
                  {k === 'memory' ? 'memory (GB)' : k === 'labels' ? 'labels (comma-separated)' : k} of PoP {i + 1}
                  <input
                    name={`pops.${i}.${k}`}
                    inputMode={k === 'vcpu' || k === 'memory' ? 'numeric' : 'text'}
                    required={k === 'name'}
                    value={p[k]}
                    onInput={(e) => setPops(pops.map((q, j) => (j === i ? { ...q, [k]: e.currentTarget.value } : q)))}
                  />
                </label>
              ))}
              <button
                type="button"
                class="small"
                onClick={() => setPops(pops.filter((_, j) => j !== i))}
                disabled={pops.length === 1}
              >
                Remove PoP {i + 1}
              </button>
            </div>
          ))}
          <button
            type="button"
            class="small"
            onClick={() => setPops([...pops, { name: `pop-${pops.length + 1}`, vcpu: '', memory: '', labels: '' }])}
          >
            Add PoP
          </button>
        </fieldset>
      )}
      <ErrorBox error={error} />
      <button type="submit">Create</button>
    </form>
  );
}
