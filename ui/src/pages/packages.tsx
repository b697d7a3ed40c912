import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, packageType } from '../api';
import { confirmed, DropZone, ErrorBox, Page, State, Table, useApi, when } from '../components';
import { href, navigate } from '../router';

export interface PackageKind {
  title: string;
  route: string;
  list: string;
  upload: string;
  /** The descriptor text below a record. */
  descriptor: string;
  idField: (r: Pkg) => string;
}

export interface Pkg {
  _id: string;
  id?: string;
  name?: string;
  'product-name'?: string;
  version?: string;
  description?: string;
  _admin?: { created?: number; onboardingState?: string; operationalState?: string; usageState?: string };
  onboardingState?: string;
}

export const PACKAGE_KINDS: Record<'vnf' | 'ns' | 'nst', PackageKind> = {
  vnf: {
    title: 'VNF packages',
    route: '/vnf-packages',
    list: '/osm/vnfpkgm/v1/vnf_packages',
    upload: '/osm/vnfpkgm/v1/vnf_packages_content',
    descriptor: 'vnfd',
    idField: (r) => r.id ?? r['product-name'] ?? r._id,
  },
  ns: {
    title: 'NS packages',
    route: '/ns-packages',
    list: '/osm/nsd/v1/ns_descriptors',
    upload: '/osm/nsd/v1/ns_descriptors_content',
    descriptor: 'nsd',
    idField: (r) => r.id ?? r._id,
  },
  nst: {
    title: 'Slice templates',
    route: '/slice-templates',
    list: '/osm/nst/v1/netslice_templates',
    upload: '/osm/nst/v1/netslice_templates_content',
    descriptor: 'nst',
    idField: (r) => r.id ?? r._id,
  },
};

export function PackagesPage({ kind, id }: { kind: PackageKind; id?: string }) {
  return id ? <PackageDetail kind={kind} id={id} /> : <PackageList kind={kind} />;
}

interface UploadResult {
  file: string;
  ok?: string;
  error?: ApiError | Error;
}

function PackageList({ kind }: { kind: PackageKind }) {
  const { data, error, reload } = useApi<Pkg[]>(kind.list);
  const [uploads, setUploads] = useState<UploadResult[]>([]);
  const upload = async (file: File) => {
    const entry: UploadResult = { file: file.name };
    try {
      const r = await api<{ id: string }>(kind.upload, { raw: { data: file, type: packageType(file) } });
      entry.ok = `onboarded as ${r.id}`;
      reload();
    } catch (e) {
      entry.error = e as Error;
    }
    setUploads((u) => [entry, ...u].slice(0, 5));
  };
  return (
    <Page title={kind.title}>
      <DropZone
        label={`Drop a package here (.tar.gz, CSAR .zip or a descriptor .yaml), or choose a file`}
        accept=".gz,.tgz,.zip,.csar,.yaml,.yml,.json"
        onFile={(f) => void upload(f)}
      />
      <ul class="uploads" aria-live="polite" aria-label="Uploads">
        {uploads.map((u, i) => (
          <li key={i} class={u.error ? 'upload-failed' : 'upload-ok'}>
            <strong>{u.file}</strong>: {u.ok}
            <ErrorBox error={u.error} />
          </li>
        ))}
      </ul>
      <ErrorBox error={error} />
      <Table
        label={kind.title}
        rows={data}
        columns={[
          { title: 'Id', cell: (r) => <a {...href(`${kind.route}/${r._id}`)}>{kind.idField(r)}</a> },
          { title: 'Name', cell: (r) => r.name ?? r['product-name'] ?? '' },
          { title: 'Version', cell: (r) => r.version ?? '' },
          { title: 'State', cell: (r) => <State value={r._admin?.onboardingState ?? r.onboardingState} /> },
          { title: 'Created', cell: (r) => when(r._admin?.created) },
        ]}
      />
    </Page>
  );
}

function PackageDetail({ kind, id }: { kind: PackageKind; id: string }) {
  const base = `${kind.list}/${encodeURIComponent(id)}`;
  const { data, error } = useApi<Pkg>(base);
  const [descriptor, setDescriptor] = useState<string>();
  const [deleteError, setDeleteError] = useState<Error>();
  useEffect(() => {
    api<string>(`${base}/${kind.descriptor}`, { text: true })
      .then(setDescriptor)
      .catch((e: Error) => setDescriptor(`(descriptor not readable: ${e.message})`));
  }, [base]);
  const remove = async () => {
    if (!confirmed(`Delete ${data ? kind.idField(data) : id}?`)) return;
    try {
      await api(base, { method: 'DELETE' });
      navigate(kind.route);
    } catch (e) {
      setDeleteError(e as Error);
    }
  };
  return (
    <Page
      title={data ? kind.idField(data) : id}
      actions={
        <button type="button" class="danger" onClick={() => void remove()}>
          Delete
        </button>
      }
    >
      <p>
        <a {...href(kind.route)}>← {kind.title}</a>
      </p>
      <ErrorBox error={error} />
      <ErrorBox error={deleteError} />
      {data && (
        <dl class="facts">
          <dt>Record id</dt>
          <dd>
            <code>{data._id}</code>
          </dd>
          <dt>Description</dt>
          <dd>{data.description ?? '—'}</dd>
          <dt>Usage</dt>
          <dd>{data._admin?.usageState ?? '—'}</dd>
        </dl>
      )}
      <h2>Descriptor</h2>
      <pre class="code" aria-label="Descriptor" tabIndex={0}>
        {descriptor ?? 'Loading…'}
      </pre>
    </Page>
  );
}
