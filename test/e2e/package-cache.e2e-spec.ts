import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PackageFilesCache } from '../../src/catalog/package-files';
import { MULTIVDU } from '../utils/lcm';
import { folderEntries, makeTarGz } from '../utils/packages';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

/** Artifact reads share one unpack of the package (issue: 20 parallel GETs of a large package used gigabytes). */
describe('package unpack cache through the API', () => {
  let t: TestApp;
  let admin: string;
  useTestApp((app, token) => {
    t = app;
    admin = token;
  });

  it('serves 20 parallel artifact GETs from one unpack, and a new revision from a new one', async () => {
    const blob = randomBytes(3 * 1024 * 1024);
    const entries = [
      ...folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf').filter(
        (e) => !e.name.endsWith('checksums.txt'),
      ),
      { name: 'hackfest_multivdu_vnf/images/blob.bin', content: blob },
    ];
    const created = await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
      .set('Content-Type', 'application/gzip')
      .send(await makeTarGz(entries))
      .expect(201);
    const cache = t.app.get(PackageFilesCache);
    const before = cache.unpacks;
    const base = `/osm/vnfpkgm/v1/vnf_packages/${created.body.id}/artifacts`;
    const binary = (path: string) =>
      t.http
        .get(path)
        .set('Authorization', `Bearer ${admin}`)
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200);
    const answers = await Promise.all([
      ...Array.from({ length: 19 }, () => binary(`${base}/images/blob.bin`)),
      asJson(t.http.get(`${base}/images`), admin).expect(200),
    ]);
    expect(cache.unpacks - before).toBe(1);
    for (const a of answers.slice(0, 19)) expect((a.body as Buffer).equals(blob)).toBe(true);
    expect(answers[19].body).toEqual(['blob.bin']);
    expect(cache.heldBytes).toBeLessThanOrEqual(cache.budgetBytes);

    // new content (revision 2): read anew, the old files are not served
    const replaced = [...entries.slice(0, -1), { name: 'hackfest_multivdu_vnf/images/blob.bin', content: 'v2' }];
    await asJson(t.http.put(`/osm/vnfpkgm/v1/vnf_packages/${created.body.id}/package_content`), admin)
      .set('Content-Type', 'application/gzip')
      .send(await makeTarGz(replaced))
      .expect(204);
    expect((await binary(`${base}/images/blob.bin`)).body.toString()).toBe('v2');
    expect(cache.unpacks - before).toBe(2);
  });
});
