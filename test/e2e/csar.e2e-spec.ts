import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { makeZip, ZipEntry, zipFolderEntries } from '../utils/packages';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
const VNFD = readFileSync(join(CORPUS, 'osm-multivdu-gatici', 'hackfest_multivdu_vnf', 'hackfest_multivdu_vnfd.yaml'), 'utf8');
const sha = (alg: string, s: string) => createHash(alg).update(s).digest('hex');
const META =
  'TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-by: test\nEntry-Definitions: Definitions/vnfd.yaml\nETSI-Entry-Manifest: vnfd.mf\n';
const SCRIPT = '#!/bin/sh\necho configured\n';
const manifest = (sources: string) =>
  `metadata:\n  vnf_provider_id: OSM\n  vnf_product_name: multivdu\n  vnf_release_date_time: 2026-11-26T10:00:00+00:00\n  vnf_package_version: '1.0'\n\n${sources}`;
const goodSources = `Source: Definitions/vnfd.yaml\nAlgorithm: SHA-256\nHash: ${sha('sha256', VNFD)}\n\nSource: Scripts/configure.sh\nAlgorithm: SHA-512\nHash: ${sha('sha512', SCRIPT)}\n`;
const csar = (over: { meta?: string; mf?: string; extra?: ZipEntry[]; vnfd?: string } = {}): ZipEntry[] => [
  { name: 'TOSCA-Metadata/TOSCA.meta', content: over.meta ?? META },
  { name: 'Definitions/vnfd.yaml', content: over.vnfd ?? VNFD },
  { name: 'Scripts/configure.sh', content: SCRIPT },
  { name: 'vnfd.mf', content: over.mf ?? manifest(goodSources) },
  ...(over.extra ?? []),
];

/** SOL004 CSARs: integrity checks first (each defect named), then the SOL006 descriptor inside. */
describe('SOL004 CSAR packages', () => {
  let t: TestApp;
  let admin: string;

  useTestApp((app, token) => {
    t = app;
    admin = token;
  });

  const count = async (): Promise<number> =>
    Number((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM catalog_items'))[0].n);
  const upload = async (entries: ZipEntry[] | Buffer) => {
    let zip = Buffer.isBuffer(entries) ? entries : await makeZip(entries);
    // zip writers refuse to write '../' names; a same-length placeholder is patched in afterwards
    zip = Buffer.from(zip.toString('latin1').split('ZZ/ZZ/evil.sh').join('../../evil.sh'), 'latin1');
    return asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin).set('Content-Type', 'application/zip').send(zip);
  };

  it('onboards a CSAR carrying a SOL006 VNFD with correct hashes, and serves its artifacts', async () => {
    const res = await upload(csar());
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    const record = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200)).body;
    expect(record).toMatchObject({
      id: 'hackfest_multivdu-vnf',
      _admin: { storage: { descriptor: 'Definitions/vnfd.yaml', zipfile: 'package.zip' } },
    });
    const script = await t.http
      .get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}/artifacts/Scripts/configure.sh`)
      .set('Authorization', `Bearer ${admin}`)
      .expect(200);
    expect(Buffer.from(script.body).toString()).toBe(SCRIPT);
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(204);
  });

  it('onboards the single-root-YAML variant (no TOSCA-Metadata)', async () => {
    const mf = manifest(`Source: vnfd.yaml\nAlgorithm: SHA-384\nHash: ${sha('sha384', VNFD)}\n`);
    const res = await upload([
      { name: 'vnfd.yaml', content: VNFD },
      { name: 'vnfd.mf', content: mf },
    ]);
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(204);
  });

  const defects: [string, ZipEntry[], RegExp][] = [
    [
      'a wrong hash',
      csar({ mf: manifest(goodSources.replace(sha('sha256', VNFD), sha('sha256', 'other'))) }),
      /Source 'Definitions\/vnfd.yaml': SHA-256 hash mismatch/,
    ],
    [
      'an unknown algorithm',
      csar({ mf: manifest(goodSources.replace('Algorithm: SHA-512', 'Algorithm: MD5')) }),
      /Source 'Scripts\/configure.sh': unknown algorithm 'MD5'/,
    ],
    [
      'a missing source file',
      csar({ mf: manifest(`${goodSources}\nSource: Files/image.qcow2\nAlgorithm: SHA-256\nHash: ${'a'.repeat(64)}\n`) }),
      /Source 'Files\/image.qcow2' is not in the package/,
    ],
    [
      'a missing Hash key',
      csar({ mf: manifest(goodSources.replace(/Hash: [0-9a-f]+\n$/, '')) }),
      /Source 'Scripts\/configure.sh': the Hash key is missing/,
    ],
    [
      'a missing value',
      csar({ mf: manifest(goodSources.replace(/Hash: [0-9a-f]+\n$/, 'Hash:\n')) }),
      /Source 'Scripts\/configure.sh': Hash has no value/,
    ],
    [
      'a missing metadata key',
      csar({ mf: manifest(goodSources).replace("  vnf_package_version: '1.0'\n", '') }),
      /metadata key 'vnf_package_version' is missing/,
    ],
    ['no Entry-Definitions', csar({ meta: META.replace(/Entry-Definitions:.*\n/, '') }), /Entry-Definitions is missing/],
    [
      'a manifest named wrongly in TOSCA.meta',
      csar({ meta: META.replace('vnfd.mf', 'manifest.mf1') }),
      /ETSI-Entry-Manifest 'manifest.mf1' is not in the package/,
    ],
    [
      'a SOL001 (TOSCA) descriptor without any VDU',
      csar({
        vnfd: 'tosca_definitions_version: tosca_simple_yaml_1_2\n',
        mf: manifest(
          `Source: Definitions/vnfd.yaml\nAlgorithm: SHA-256\nHash: ${sha('sha256', 'tosca_definitions_version: tosca_simple_yaml_1_2\n')}\n`,
        ),
      }),
      /invalid SOL001 VNFD: .*no flavour defines a Vdu.Compute/,
    ],
    ['path traversal', csar({ extra: [{ name: 'ZZ/ZZ/evil.sh', content: 'x' }] }), /leaves the package|invalid relative path/],
    ['a symbolic link', csar({ extra: [{ name: 'Scripts/link', content: '/etc/passwd', mode: 0o120777 }] }), /symbolic link/],
  ];

  it.each(defects)('refuses %s, naming it, and stores nothing', async (_what, entries, detail) => {
    const before = await count();
    const res = await upload(entries);
    expect(res.status).toBe(422);
    expect(res.body.detail).toMatch(detail);
    expect(await count()).toBe(before);
  });

  it("refuses every one of Tacker's deliberately broken layouts with a 4xx naming a defect", async () => {
    const base = join(CORPUS, 'tacker-samples', 'samples', 'tests', 'etc', 'samples', 'etsi', 'nfv');
    // user_data_sample_virtual_storage_missing is a valid VNFD (Tacker onboards it too): its defect is in the
    // user-data script that the corpus copy left out, so it onboards (see sol001.e2e-spec.ts)
    const broken = readdirSync(base).filter(
      (d) =>
        /csar|false|missing|no_meta/.test(d) &&
        d !== 'user_data_sample_virtual_storage_missing' &&
        statSync(join(base, d)).isDirectory(),
    );
    expect(broken.length).toBeGreaterThanOrEqual(8);
    for (const dir of broken) {
      const res = await upload(zipFolderEntries(join(base, dir)));
      expect([dir, res.status]).toEqual([dir, 422]);
      expect(res.body.detail).toMatch(/SOL004|SOL001|not in the package|missing|no value|hash|algorithm|YAML/);
    }
  });
});
