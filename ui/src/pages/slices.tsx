import { useState } from 'preact/hooks';
import { api } from '../api';
import { confirmed, ErrorBox, Page, State, Table, useApi, useInterval, when } from '../components';
import { RUNNING, type NsOp } from '../ns-model';
import { href, navigate } from '../router';
import type { Vim } from './ns-list';

interface Nsi {
  _id: string;
  name: string;
  nsiState?: string;
  'operational-status'?: string;
  'detailed-status'?: string;
  _admin?: { created?: number; 'nsrs-detailed-list'?: { nsrId: string; 'nss-id'?: string; nsrName?: string }[] };
}

interface NsiOp extends NsOp {
  netsliceInstanceId?: string;
}

export function SliceList() {
  const { data, error, reload } = useApi<Nsi[]>('/osm/nsilcm/v1/netslice_instances_content');
  const nsts = useApi<{ _id: string; id: string }[]>('/osm/nst/v1/netslice_templates');
  const vims = useApi<Vim[]>('/osm/admin/v1/vim_accounts');
  const [f, setF] = useState({ name: '', nst: '', vim: '' });
  const [formError, setFormError] = useState<Error>();
  useInterval(reload, 3000, !!data?.some((s) => s.nsiState === 'INSTANTIATING' || s.nsiState === 'BUILDING'));
  const create = async (e: Event) => {
    e.preventDefault();
    setFormError(undefined);
    try {
      const r = await api<{ id: string }>('/osm/nsilcm/v1/netslice_instances_content', {
        body: { nsiName: f.name, nstId: f.nst || nsts.data?.[0]?._id, vimAccountId: f.vim || vims.data?.[0]?._id },
      });
      navigate(`/slices/${r.id}`);
    } catch (err) {
      setFormError(err as Error);
    }
  };
  return (
    <Page title="Slice instances">
      <form class="card form" onSubmit={(e) => void create(e)} aria-label="New slice instance">
        <h2>New slice instance</h2>
        <label>
          Name
          <input required value={f.name} onInput={(e) => setF({ ...f, name: e.currentTarget.value })} />
        </label>
        <label>
          Slice template
          <select value={f.nst} onChange={(e) => setF({ ...f, nst: e.currentTarget.value })}>
            {nsts.data?.map((t) => (
              <option key={t._id} value={t._id}>
                {t.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          VIM account
          <select value={f.vim} onChange={(e) => setF({ ...f, vim: e.currentTarget.value })}>
            {vims.data?.map((v) => (
              <option key={v._id} value={v._id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <ErrorBox error={formError} />
        <button type="submit" disabled={!nsts.data?.length}>
          Instantiate
        </button>
      </form>
      <ErrorBox error={error} />
      <Table
        label="Slice instances"
        rows={data}
        columns={[
          { title: 'Name', cell: (s) => <a {...href(`/slices/${s._id}`)}>{s.name}</a> },
          { title: 'State', cell: (s) => <State value={s.nsiState} /> },
          { title: 'Status', cell: (s) => s['detailed-status'] ?? '' },
          { title: 'Created', cell: (s) => when(s._admin?.created) },
        ]}
      />
    </Page>
  );
}

export function SliceDetail({ id }: { id: string }) {
  const nsi = useApi<Nsi>(`/osm/nsilcm/v1/netslice_instances_content/${encodeURIComponent(id)}`);
  const ops = useApi<NsiOp[]>(`/osm/nsilcm/v1/nsi_lcm_op_occs?netsliceInstanceId=${encodeURIComponent(id)}`);
  const [err, setErr] = useState<Error>();
  const running = ops.data?.some((o) => RUNNING.has(o.operationState)) ?? false;
  useInterval(() => (nsi.reload(), ops.reload()), 2000, running);
  const act = async (fn: () => Promise<unknown>) => {
    setErr(undefined);
    try {
      await fn();
      nsi.reload();
      ops.reload();
    } catch (e) {
      setErr(e as Error);
    }
  };
  const nsrs = nsi.data?._admin?.['nsrs-detailed-list'];
  return (
    <Page
      title={nsi.data ? `Slice ${nsi.data.name}` : 'Slice instance'}
      actions={
        <>
          <button
            type="button"
            disabled={running}
            onClick={() =>
              confirmed('Terminate this slice?') &&
              void act(() => api(`/osm/nsilcm/v1/netslice_instances/${id}/terminate`, { body: {} }))
            }
          >
            Terminate
          </button>
          <button
            type="button"
            class="danger"
            disabled={running}
            onClick={() =>
              confirmed('Delete this slice (terminating it first)?') &&
              void act(async () => {
                await api(`/osm/nsilcm/v1/netslice_instances_content/${id}`, { method: 'DELETE' });
                navigate('/slices');
              })
            }
          >
            Delete
          </button>
        </>
      }
    >
      <p>
        <a {...href('/slices')}>← Slice instances</a>
      </p>
      <ErrorBox error={nsi.error ?? err} />
      {nsi.data && (
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <State value={nsi.data.nsiState} />
          </dd>
          <dt>Status</dt>
          <dd>{nsi.data['detailed-status'] ?? '—'}</dd>
        </dl>
      )}
      <h2>Network services of the slice</h2>
      <ul>
        {(nsrs ?? []).map((n) => (
          <li key={n.nsrId}>
            <a {...href(`/ns/${n.nsrId}`)}>{n.nsrName ?? n.nsrId}</a> {n['nss-id'] ? `(subnet ${n['nss-id']})` : ''}
          </li>
        ))}
      </ul>
      <h2>Operations</h2>
      <Table
        label="Slice operations"
        rows={ops.data}
        columns={[
          { title: 'Type', cell: (o) => o.lcmOperationType },
          { title: 'State', cell: (o) => <State value={o.operationState} /> },
          { title: 'Started', cell: (o) => when(o.startTime) },
          { title: 'Detail', cell: (o) => o.errorMessage ?? o.detailedStatus ?? '' },
          {
            title: '',
            cell: (o) =>
              o.operationState === 'FAILED_TEMP' ? (
                <span class="buttons">
                  {['retry', 'rollback', 'fail'].map((a) => (
                    <button
                      key={a}
                      type="button"
                      class="small"
                      onClick={() => void act(() => api(`/osm/nsilcm/v1/nsi_lcm_op_occs/${o._id}/${a}`, { method: 'POST' }))}
                    >
                      {a}
                    </button>
                  ))}
                </span>
              ) : null,
          },
        ]}
      />
    </Page>
  );
}
