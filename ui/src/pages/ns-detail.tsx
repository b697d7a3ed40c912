import { lazy, Suspense } from 'preact/compat';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, watchEvents } from '../api';
import { confirmed, ErrorBox, Page, State, Table, useApi, useInterval, when } from '../components';
import { RUNNING, type NsOp, type Vnfr } from '../ns-model';
import { href, navigate } from '../router';
import { NsActions } from './ns-actions';
import type { Nsr, Vim } from './ns-list';

const Topology = lazy(() => import('../topology'));

export function NsDetail({ id }: { id: string }) {
  const ns = useApi<Nsr>(`/osm/nslcm/v1/ns_instances_content/${encodeURIComponent(id)}`);
  const vnfrs = useApi<Vnfr[]>(`/osm/nslcm/v1/vnfrs?nsr-id-ref=${encodeURIComponent(id)}`);
  const ops = useApi<NsOp[]>(`/osm/nslcm/v1/ns_lcm_op_occs?nsInstanceId=${encodeURIComponent(id)}`);
  const vims = useApi<Vim[]>('/osm/admin/v1/vim_accounts');
  const [actionError, setActionError] = useState<Error>();
  const reloadAll = () => {
    ns.reload();
    vnfrs.reload();
    ops.reload();
  };
  // live progress: the event stream says when something of this NS changed; polling covers a lost stream
  useEffect(
    () =>
      watchEvents('nslcm', (_type, data) => {
        const d = data as { nsInstanceId?: string } | undefined;
        if (d?.nsInstanceId === id) reloadAll();
      }),
    [id],
  );
  const running = ops.data?.some((o) => RUNNING.has(o.operationState)) ?? false;
  useInterval(reloadAll, 2000, running || ns.data?.nsState === 'BUILDING');
  const vimNames = useMemo(() => Object.fromEntries((vims.data ?? []).map((v) => [v._id, v.name])), [vims.data]);
  const sortedOps = useMemo(() => [...(ops.data ?? [])].sort((a, b) => b.startTime - a.startTime), [ops.data]);
  const gone = ns.error && 'status' in ns.error && ns.error.status === 404;

  const run = async (fn: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await fn();
      reloadAll();
    } catch (e) {
      setActionError(e as Error);
    }
  };
  const terminate = () =>
    confirmed(`Terminate ${ns.data?.name}? Its VNFs are removed from the VIMs.`) &&
    void run(() => api(`/osm/nslcm/v1/ns_instances/${id}/terminate`, { body: {} }));
  const remove = () =>
    confirmed(`Delete ${ns.data?.name}?`) &&
    void run(async () => {
      await api(`/osm/nslcm/v1/ns_instances/${id}`, { method: 'DELETE' });
      navigate('/ns');
    });
  const instantiated = ns.data?.nsState && ns.data.nsState !== 'NOT_INSTANTIATED';

  return (
    <Page
      title={ns.data ? `NS ${ns.data.name}` : 'NS instance'}
      actions={
        ns.data && (
          <>
            <button type="button" onClick={terminate} disabled={running || !instantiated}>
              Terminate
            </button>
            <button type="button" class="danger" onClick={remove} disabled={running}>
              Delete
            </button>
          </>
        )
      }
    >
      <p>
        <a {...href('/ns')}>← NS instances</a>
      </p>
      {gone ? <p>This NS instance no longer exists.</p> : <ErrorBox error={ns.error} />}
      <ErrorBox error={actionError} />
      {ns.data && (
        <dl class="facts">
          <dt>State</dt>
          <dd>
            <State value={ns.data.nsState} /> {running && <span class="busy-note">operation running…</span>}
          </dd>
          <dt>NS package</dt>
          <dd>{ns.data['nsd-name-ref']}</dd>
          <dt>Configuration</dt>
          <dd>{ns.data['config-status'] ?? '—'}</dd>
          <dt>Status</dt>
          <dd class="status-text">{ns.data['detailed-status'] || '—'}</dd>
          <dt>VIM</dt>
          <dd>{vimNames[ns.data.datacenter ?? ''] ?? ns.data.datacenter}</dd>
          <dt>Created</dt>
          <dd>{when(ns.data['create-time'])}</dd>
        </dl>
      )}

      <h2>Topology</h2>
      {ns.data && vnfrs.data && vnfrs.data.some((v) => v.vdur.length > 0) ? (
        <Suspense fallback={<p class="muted">Loading the topology…</p>}>
          <Topology ns={ns.data} vnfrs={vnfrs.data} vimNames={vimNames} />
        </Suspense>
      ) : (
        <p class="muted">Nothing deployed yet.</p>
      )}

      <h2>VNFs and VDUs</h2>
      <Table
        label="VDUs"
        rows={vnfrs.data?.flatMap((v) => v.vdur.map((d) => ({ v, d })))}
        empty="No VDUs."
        columns={[
          { title: 'VNF', cell: ({ v }) => `${v['member-vnf-index-ref']} (${v['vnfd-ref']})` },
          { title: 'VDU', cell: ({ d }) => `${d['vdu-id-ref']}-${d['count-index']}` },
          { title: 'Status', cell: ({ d }) => <State value={d.status} /> },
          { title: 'VIM', cell: ({ d, v }) => vimNames[d['vim-account-id'] ?? v['vim-account-id'] ?? ''] ?? '' },
          { title: 'PoP', cell: ({ d }) => d.zone ?? '—' },
          { title: 'IP', cell: ({ d }) => d['ip-address'] ?? '' },
          { title: 'Placement', cell: ({ v }) => ns.data?.placement?.[v['member-vnf-index-ref']]?.reason ?? '' },
        ]}
      />

      {ns.data && instantiated && vnfrs.data && (
        <NsActions nsId={id} vnfrs={vnfrs.data} disabled={running} onStarted={reloadAll} onError={setActionError} />
      )}

      <h2>Operations</h2>
      <ErrorBox error={ops.error} />
      <ol class="ops" aria-label="Operations">
        {sortedOps.map((o, i) => (
          <OpItem key={o._id} op={o} latest={i === 0} onChange={reloadAll} onError={setActionError} />
        ))}
      </ol>
    </Page>
  );
}

function OpItem({
  op,
  latest,
  onChange,
  onError,
}: {
  op: NsOp;
  latest: boolean;
  onChange: () => void;
  onError: (e: Error) => void;
}) {
  const call = async (what: string, body?: unknown) => {
    try {
      await api(`/osm/nslcm/v1/ns_lcm_op_occs/${op._id}/${what}`, { method: 'POST', body });
      onChange();
    } catch (e) {
      onError(e as Error);
    }
  };
  const p = op.progress;
  return (
    <li class="op" data-op-type={op.lcmOperationType}>
      <details open={latest || RUNNING.has(op.operationState) || op.operationState === 'FAILED_TEMP'}>
        <summary>
          <span class="op-type">{op.lcmOperationType}</span> <State value={op.operationState} /> {when(op.startTime)}
          {p && p.steps > 0 && (
            <progress max={p.steps} value={p.done} aria-label={`${op.lcmOperationType} progress`}>
              {p.done}/{p.steps}
            </progress>
          )}
        </summary>
        {op.detailedStatus && (
          <pre class="output" aria-label="Output">
            {op.detailedStatus}
          </pre>
        )}
        {op.operationState === 'FAILED_TEMP' && (
          <div class="buttons">
            <button type="button" onClick={() => void call('retry')}>
              Retry
            </button>
            <button type="button" onClick={() => void call('rollback')}>
              Roll back
            </button>
            <button type="button" onClick={() => void call('fail')}>
              Give up (fail)
            </button>
          </div>
        )}
        {op.operationState === 'PROCESSING' && (
          <div class="buttons">
            <button type="button" onClick={() => void call('cancel', { cancelMode: 'GRACEFUL' })}>
              Cancel
            </button>
          </div>
        )}
        <Table
          label={`Steps of ${op.lcmOperationType}`}
          rows={op.steps ?? []}
          empty="No steps recorded."
          columns={[
            { title: 'Step', cell: (s) => s.key },
            { title: 'State', cell: (s) => <State value={s.state} /> },
            { title: 'Attempts', cell: (s) => s.attempts },
            {
              title: 'Result',
              cell: (s) =>
                s.lastError ??
                s.skipped ??
                (s.result ? `exit ${s.result.exitCode ?? '?'}${s.result.stdout ? `: ${s.result.stdout.trim()}` : ''}` : ''),
            },
          ]}
        />
      </details>
    </li>
  );
}
