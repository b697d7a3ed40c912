import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api';

/** Loads `path` (and again when `deps` change or `reload()` is called); errors are shown by the caller. */
export function useApi<T>(path: string | null, deps: unknown[] = []) {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    const ctl = new AbortController();
    api<T>(path, { signal: ctl.signal })
      .then((d) => {
        setData(d);
        setError(undefined);
      })
      .catch((e: Error) => {
        if (e.name !== 'AbortError') setError(e);
      });
    return () => ctl.abort();
  }, [path, tick, ...deps]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

/** Calls `fn` every `ms` while `active`. */
export function useInterval(fn: () => void, ms: number, active = true): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => saved.current(), ms);
    return () => clearInterval(id);
  }, [ms, active]);
}

export function ErrorBox({ error }: { error?: Error | ApiError | null }) {
  if (!error) return null;
  const e = error as ApiError;
  return (
    <div class="error" role="alert">
      <strong>{e.status ? `${e.status}: ` : ''}</strong>
      {e.detail ?? e.message}
      {e.errors && e.errors.length > 0 && (
        <ul class="field-errors">
          {e.errors.map((f) => (
            <li key={f.path}>
              <code class="path">{f.path}</code> {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const STATE_CLASS: Record<string, string> = {
  READY: 'ok',
  COMPLETED: 'ok',
  ENABLED: 'ok',
  ACTIVE: 'ok',
  INSTANTIATED: 'ok',
  PROCESSING: 'busy',
  BUILDING: 'busy',
  INSTANTIATING: 'busy',
  TERMINATING: 'busy',
  ROLLING_BACK: 'busy',
  FAILED: 'bad',
  FAILED_TEMP: 'bad',
  BROKEN: 'bad',
  ERROR: 'bad',
};

export function State({ value }: { value?: string | null }) {
  const v = value ?? '—';
  return <span class={`state ${STATE_CLASS[v] ?? ''}`}>{v}</span>;
}

export function Page({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · OpenCloudEdge MANO`;
  }, [title]);
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <h1 id="page-title">{title}</h1>
        <div class="actions">{actions}</div>
      </header>
      {children}
    </section>
  );
}

export function Table<T>({
  rows,
  columns,
  label,
  empty = 'Nothing here yet.',
}: {
  rows: T[] | undefined;
  columns: { title: string; cell: (row: T) => ComponentChildren }[];
  label: string;
  empty?: string;
}) {
  if (!rows) return <p class="muted">Loading…</p>;
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  return (
    <div class="table-wrap">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.title} scope="col">
                {c.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c.title} data-label={c.title}>
                  {c.cell(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A drop zone that is also a labelled file input (keyboard users pick a file instead of dropping it). */
export function DropZone({ label, accept, onFile }: { label: string; accept: string; onFile: (f: File) => void }) {
  const [over, setOver] = useState(false);
  return (
    <label
      class={`dropzone ${over ? 'over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const f = e.dataTransfer?.files[0];
        if (f) onFile(f);
      }}
    >
      <span>{label}</span>
      <input
        type="file"
        accept={accept}
        onChange={(e) => {
          const f = (e.currentTarget as HTMLInputElement).files?.[0];
          if (f) onFile(f);
          (e.currentTarget as HTMLInputElement).value = '';
        }}
      />
    </label>
  );
}

export function when(epochSeconds?: number): string {
  return epochSeconds ? new Date(epochSeconds * 1000).toLocaleString() : '—';
}

/** A modal-free confirmation: the browser's own dialog is accessible and needs no inline code. */
export function confirmed(message: string): boolean {
  return window.confirm(message);
}
