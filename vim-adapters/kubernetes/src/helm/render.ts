import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkVimUrl, DesiredKdu, HelmKduSource, VimError } from '../../../contract/src';
import { dnsLabel } from '../manifests';
import { checkHelmVersion, DEFAULT_HELM_LIMITS, findHelm, HelmLimits, INSTALL_HELM, runHelm } from './cli';
import { fetchRepoChart } from './repo';

type Obj = Record<string, unknown>;

/** helm's limit on release names. */
const RELEASE_MAX = 53;
export const releaseName = (resourceName: string): string => dnsLabel(resourceName).slice(0, RELEASE_MAX).replace(/-+$/, '');

/** A package's chart files (paths below the chart) written under `dir`; never outside it. */
async function writeChartFiles(dir: string, files: Record<string, Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const rel = normalize(path);
    if (isAbsolute(rel) || rel === '..' || rel.startsWith(`..${sep}`))
      throw new VimError('VIM.INVALID_REQUEST', `chart file ${path}: outside the chart`, false);
    await mkdir(dirname(join(dir, rel)), { recursive: true, mode: 0o700 });
    await writeFile(join(dir, rel), content, { mode: 0o600 });
  }
}

/** Where helm finds the chart, made ready in the private directory `work`; returns helm's chart argument. */
async function chartArgument(source: HelmKduSource, work: string): Promise<string[]> {
  let chart = source.chart;
  // a repository registered as an OCI registry: its charts are OCI references
  if (chart.from === 'repo' && chart.repo.oci)
    chart = {
      from: 'oci',
      ref: `oci://${chart.repo.url.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '')}/${chart.name}`,
      version: chart.version,
    };
  if (chart.from === 'oci') {
    // helm connects to the registry itself: at least its host goes through the VIM URL policy
    checkVimUrl(chart.ref.replace(/^oci:/, 'https:'), 'helm-chart');
    return [chart.ref, ...(chart.version ? ['--version', chart.version] : [])];
  }
  if (chart.from === 'repo') {
    const { tgz } = await fetchRepoChart(chart.repo, chart.name, chart.version);
    const file = join(work, 'chart.tgz');
    await writeFile(file, tgz, { mode: 0o600 });
    return [file];
  }
  const names = Object.keys(chart.files);
  if (names.length === 1 && /\.(tgz|tar\.gz)$/.test(names[0])) {
    const file = join(work, 'chart.tgz');
    await writeFile(file, chart.files[names[0]], { mode: 0o600 });
    return [file];
  }
  const dir = join(work, 'chart');
  await writeChartFiles(dir, chart.files);
  return [dir];
}

/** helm's output: documents with apiVersion, kind and metadata.name (empty documents and notes dropped). */
export function renderedObjects(text: string, what: string): Obj[] {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  const out: Obj[] = [];
  for (const [i, doc] of (Array.isArray(docs) ? docs : [docs]).entries()) {
    if (doc.errors.length)
      throw new VimError(
        'VIM.INVALID_REQUEST',
        `${what}: document ${i + 1} of helm's output is not YAML: ${doc.errors[0].message}`,
        false,
      );
    const o = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (o === null || o === undefined) continue;
    const meta = (o as Obj).metadata as Obj | undefined;
    if (
      typeof o !== 'object' ||
      Array.isArray(o) ||
      typeof (o as Obj).apiVersion !== 'string' ||
      typeof (o as Obj).kind !== 'string' ||
      typeof meta?.name !== 'string'
    )
      throw new VimError(
        'VIM.INVALID_REQUEST',
        `${what}: document ${i + 1} of helm's output needs apiVersion, kind and metadata.name`,
        false,
      );
    out.push(o as Obj);
  }
  return out;
}

/**
 * A Helm KDU as the objects `helm template <release> <chart> --namespace <ns> --values <file>` renders, with the
 * KDU's parameters as values; the chart (package files, a repository's .tgz) and the values go to a private
 * temporary directory that is removed afterwards. No helm on PATH, or not helm 3 → VIM.INVALID_REQUEST saying how
 * to install it. The objects are then applied as a manifest KDU's (policy, labels, index ConfigMap).
 */
export async function renderHelmKdu(
  desired: DesiredKdu,
  namespace: string,
  limits: HelmLimits = DEFAULT_HELM_LIMITS,
): Promise<DesiredKdu> {
  const source = desired.helm;
  if (!source) return desired;
  const what = `KDU ${desired.ref.labels['mano.kdu'] ?? desired.ref.name} (helm-chart ${source.chartRef})`;
  const bin = findHelm();
  if (!bin)
    throw new VimError(
      'VIM.INVALID_REQUEST',
      `${what} needs the Helm 3 CLI, and there is no helm on PATH here: ${INSTALL_HELM}`,
      false,
    );
  const work = await mkdtemp(join(tmpdir(), 'mano-helm-'));
  try {
    await checkHelmVersion(bin, work, limits);
    const chart = await chartArgument(source, work);
    const values = join(work, 'values.yaml');
    // JSON is YAML: the values exactly as given, no YAML re-interpretation
    await writeFile(values, JSON.stringify(source.values ?? {}), { mode: 0o600 });
    const [chartPath, ...chartFlags] = chart;
    const out = await runHelm(
      bin,
      ['template', source.release, chartPath, '--namespace', namespace, '--values', values, ...chartFlags],
      work,
      limits,
    ).catch((e: unknown) => {
      throw VimError.isVimError(e) ? new VimError('VIM.INVALID_REQUEST', `${what}: ${e.message}`, false) : e;
    });
    const objects = renderedObjects(out, what);
    if (!objects.length) throw new VimError('VIM.INVALID_REQUEST', `${what}: the chart rendered no objects`, false);
    return { ref: desired.ref, objects };
  } catch (e) {
    if (VimError.isVimError(e) && !e.message.startsWith('KDU '))
      throw new VimError(e.code, `${what}: ${e.message}`, e.retryable, e.path);
    throw e;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
