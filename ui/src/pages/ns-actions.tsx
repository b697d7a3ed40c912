import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { primitivesOf, scalingAspectsOf, type Primitive, type Vnfr } from '../ns-model';

interface Props {
  nsId: string;
  vnfrs: Vnfr[];
  disabled: boolean;
  onStarted: () => void;
  onError: (e: Error) => void;
}

/** Day-2 primitives (a form per primitive, from its declared parameters) and scaling of one VNF. */
export function NsActions({ nsId, vnfrs, disabled, onStarted, onError }: Props) {
  const [member, setMember] = useState(vnfrs[0]?.['member-vnf-index-ref'] ?? '');
  const vnfr = vnfrs.find((v) => v['member-vnf-index-ref'] === member) ?? vnfrs[0];
  const [vnfd, setVnfd] = useState<Record<string, unknown>>();
  useEffect(() => {
    if (!vnfr) return;
    api<Record<string, unknown>>(`/osm/vnfpkgm/v1/vnf_packages/${encodeURIComponent(vnfr['vnfd-id'])}`)
      .then(setVnfd)
      .catch(onError);
  }, [vnfr?.['vnfd-id']]);
  const primitives = primitivesOf(vnfd);
  const aspects = scalingAspectsOf(vnfd);
  const post = async (path: string, body: unknown) => {
    try {
      await api(`/osm/nslcm/v1/ns_instances/${nsId}/${path}`, { body });
      onStarted();
    } catch (e) {
      onError(e as Error);
    }
  };
  if (!vnfr) return null;
  return (
    <section class="card" aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <label>
        VNF
        <select value={member} onChange={(e) => setMember(e.currentTarget.value)}>
          {vnfrs.map((v) => (
            <option key={v._id} value={v['member-vnf-index-ref']}>
              {v['member-vnf-index-ref']} ({v['vnfd-ref']})
            </option>
          ))}
        </select>
      </label>
      <div class="action-grid">
        {primitives.map((p) => (
          <PrimitiveForm
            key={p.name}
            primitive={p}
            disabled={disabled}
            onRun={(params) => post('action', { member_vnf_index: member, primitive: p.name, primitive_params: params })}
          />
        ))}
        {aspects.map((a) => (
          <fieldset key={a} class="action">
            <legend>Scale {a}</legend>
            {(['SCALE_OUT', 'SCALE_IN'] as const).map((t) => (
              <button
                key={t}
                type="button"
                disabled={disabled}
                onClick={() =>
                  void post('scale', {
                    scaleType: 'SCALE_VNF',
                    scaleVnfData: {
                      scaleVnfType: t,
                      scaleByStepData: { 'scaling-group-descriptor': a, 'member-vnf-index': member },
                    },
                  })
                }
              >
                {t === 'SCALE_OUT' ? 'Scale out' : 'Scale in'}
              </button>
            ))}
          </fieldset>
        ))}
        {primitives.length === 0 && aspects.length === 0 && (
          <p class="muted">This VNF declares no day-2 primitive and no scaling aspect.</p>
        )}
      </div>
    </section>
  );
}

function PrimitiveForm({
  primitive,
  disabled,
  onRun,
}: {
  primitive: Primitive;
  disabled: boolean;
  onRun: (p: Record<string, unknown>) => Promise<void>;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const submit = (e: Event) => {
    e.preventDefault();
    const params: Record<string, unknown> = {};
    for (const p of primitive.parameter ?? []) {
      const raw = values[p.name];
      if (raw === undefined || raw === '') continue;
      params[p.name] = p['data-type'] === 'INTEGER' ? Number(raw) : p['data-type'] === 'BOOLEAN' ? raw === 'true' : raw;
    }
    void onRun(params);
  };
  return (
    <form class="action" onSubmit={submit} aria-label={`Run ${primitive.name}`}>
      <fieldset>
        <legend>{primitive.name}</legend>
        {(primitive.parameter ?? []).map((p) => (
          <label key={p.name}>
            {p.name}
            {p.mandatory ? ' *' : ''}
            {p['allowed-values'] ? (
              <select
                name={p.name}
                required={p.mandatory}
                value={values[p.name] ?? ''}
                onChange={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })}
              >
                <option value="">—</option>
                {p['allowed-values'].map((v) => (
                  <option key={String(v)}>{String(v)}</option>
                ))}
              </select>
            ) : p['data-type'] === 'BOOLEAN' ? (
              <select
                name={p.name}
                value={values[p.name] ?? ''}
                onChange={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })}
              >
                <option value="">—</option>
                <option>true</option>
                <option>false</option>
              </select>
            ) : (
              <input
                name={p.name}
                inputMode={p['data-type'] === 'INTEGER' ? 'numeric' : 'text'}
                required={p.mandatory}
                placeholder={p['default-value'] !== undefined ? String(p['default-value']) : ''}
                value={values[p.name] ?? ''}
                onInput={(e) => setValues({ ...values, [p.name]: e.currentTarget.value })}
              />
            )}
          </label>
        ))}
        <button type="submit" disabled={disabled}>
          Run {primitive.name}
        </button>
      </fieldset>
    </form>
  );
}
