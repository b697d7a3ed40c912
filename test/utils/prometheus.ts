import { createRequire } from 'node:module';

/** One sample of a family as parse-prometheus-text-format gives it (histograms carry buckets, count and sum). */
export interface PromSample {
  value?: string;
  labels?: Record<string, string>;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}
export interface PromFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: PromSample[];
}

// the package ships no types: loaded through a typed require
const parseText = createRequire(__filename)('parse-prometheus-text-format') as (text: string) => PromFamily[];

/**
 * Parsed `/metrics`, by family name. The parser folds a labelled histogram into one unlabelled sample (prom2json's
 * shape for a plain histogram), so each histogram's series are also read as untyped families of their own:
 * `<name>_count`, `<name>_sum`, `<name>_bucket`, with their labels.
 */
export function parseMetrics(text: string): Map<string, PromFamily> {
  const families = new Map(parseText(text).map((f) => [f.name, f]));
  const series = parseText(text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped'));
  for (const f of series) {
    if (!/_(count|sum|bucket)$/.test(f.name) || families.get(f.name.replace(/_(count|sum|bucket)$/, ''))?.type !== 'HISTOGRAM')
      continue;
    const seen = families.get(f.name);
    if (seen) seen.metrics.push(...f.metrics);
    else families.set(f.name, { ...f, metrics: [...f.metrics] });
  }
  return families;
}

/** The value of the sample of `family` whose labels include all of `labels` (a histogram: its count); 0 if absent. */
export function sampleValue(families: Map<string, PromFamily>, family: string, labels: Record<string, string>): number {
  const name = families.get(family)?.type === 'HISTOGRAM' ? `${family}_count` : family;
  const s = families.get(name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return s ? Number(s.value ?? 0) : 0;
}

/** Every label value of every family (for the "no secret in a label" checks). */
export function allLabelValues(families: Map<string, PromFamily>): string[] {
  return [...families.values()].flatMap((f) => f.metrics.flatMap((m) => Object.values(m.labels ?? {})));
}
