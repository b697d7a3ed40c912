import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperationRunner } from '../../src/lcm/operation-runner';
import { folderEntries, makeTarGz } from './packages';
import { asJson, TestApp } from './test-app';

export const MULTIVDU = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'osm-multivdu-gatici');

/** Onboards the corpus hackfest_multivdu VNF package and NSD; returns the NSD _id. */
export async function onboardMultivdu(t: TestApp, token: string): Promise<string> {
  const entries = folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf').filter(
    (e) => !e.name.endsWith('checksums.txt'),
  );
  await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), token)
    .set('Content-Type', 'application/gzip')
    .send(await makeTarGz(entries))
    .expect(201);
  const nsd = await asJson(t.http.post('/osm/nsd/v1/ns_descriptors_content'), token)
    .set('Content-Type', 'text/plain')
    .send(readFileSync(join(MULTIVDU, 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml')))
    .expect(201);
  return nsd.body.id;
}

export async function emulatorId(t: TestApp, token: string): Promise<string> {
  return (await asJson(t.http.get('/osm/admin/v1/vim_accounts?name=emulator'), token).expect(200)).body[0]._id;
}

/** Waits until the engine has nothing left to do, then returns the operation as the API shows it. */
export async function settledOp(t: TestApp, token: string, opId: string): Promise<Record<string, unknown>> {
  await t.app.get(OperationRunner).idle();
  return (await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs/${opId}`), token).expect(200)).body;
}
