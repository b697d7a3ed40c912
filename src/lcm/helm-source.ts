import type { HelmKduSource, HelmRepo } from '../../vim-adapters/contract/src';
import { Obj, str } from '../common/values';

/** helm's limit on release names. */
const RELEASE_MAX = 53;

/**
 * Where a Helm KDU's chart comes from (OSM's rules for `kdu[].helm-chart`): `oci://…` an OCI reference (helm pulls
 * it); `<repo>/<chart>` a chart of the `k8srepos` entry `<repo>` (`osm repo-add`); a bare name the package's
 * `charts/<name>/` folder or `charts/<name>[.tgz]` archive. A string says why it cannot be (the caller adds the KDU).
 */
export async function helmSource(
  chartRef: string,
  kdu: Obj,
  resourceName: string,
  values: Obj,
  filesOf: () => Promise<Map<string, Buffer>>,
  repoOf: (name: string) => Promise<HelmRepo | string | undefined>,
): Promise<HelmKduSource | string> {
  const helmVersion = str(kdu['helm-version']);
  if (helmVersion && helmVersion !== 'v3')
    return `helm-version ${helmVersion} is not supported: only Helm 3 charts (helm-version v3) are deployed here`;
  const release = resourceName.slice(0, RELEASE_MAX).replace(/-+$/, '');
  const base = { chartRef, release, values };
  // no version in the descriptor: a repository's highest stable version, the OCI reference's tag, as helm picks
  if (chartRef.startsWith('oci://')) return { ...base, chart: { from: 'oci', ref: chartRef } };
  const slash = chartRef.indexOf('/');
  if (slash > 0) {
    const repoName = chartRef.slice(0, slash);
    const name = chartRef.slice(slash + 1);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return `helm-chart ${chartRef}: '${name}' is not a chart name`;
    const repo = await repoOf(repoName);
    if (typeof repo === 'string') return `helm-chart ${chartRef}: ${repo}`;
    if (!repo)
      return `helm-chart ${chartRef}: there is no Helm repository '${repoName}' (register it: osm repo-add ${repoName} <url> --type helm-chart)`;
    return { ...base, chart: { from: 'repo', repo, name } };
  }
  const files = await filesOf();
  const name = chartRef.replace(/\/+$/, '');
  const folder = `charts/${name}/`;
  const inFolder = [...files.entries()].filter(([path]) => path.startsWith(folder));
  if (inFolder.length) {
    if (!files.has(`${folder}Chart.yaml`)) return `helm-chart ${chartRef}: ${folder} has no Chart.yaml`;
    return {
      ...base,
      chart: { from: 'package', files: Object.fromEntries(inFolder.map(([p, c]) => [p.slice(folder.length), c])) },
    };
  }
  for (const path of [`charts/${name}`, `charts/${name}.tgz`, `charts/${name}.tar.gz`]) {
    const archive = files.get(path);
    if (archive) return { ...base, chart: { from: 'package', files: { 'chart.tgz': archive } } };
  }
  return `helm-chart ${chartRef}: the package has no charts/${name}/ folder nor charts/${name}.tgz`;
}
