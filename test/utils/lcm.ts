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
  return onboardVnfAndNsd(t, token, entries, readFileSync(join(MULTIVDU, 'hackfest_multivdu_ns', 'hackfest_multivdu_nsd.yaml')));
}

/** A VNF package (its entries, sent as a .tar.gz) and then its NSD (a bare YAML file); returns the NSD _id. */
async function onboardVnfAndNsd(
  t: TestApp,
  token: string,
  entries: Parameters<typeof makeTarGz>[0],
  nsd: string | Buffer,
): Promise<string> {
  await asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), token)
    .set('Content-Type', 'application/gzip')
    .send(await makeTarGz(entries))
    .expect(201);
  const res = await asJson(t.http.post('/osm/nsd/v1/ns_descriptors_content'), token)
    .set('Content-Type', 'text/plain')
    .send(nsd)
    .expect(201);
  return res.body.id as string;
}

export async function emulatorId(t: TestApp, token: string): Promise<string> {
  return (await asJson(t.http.get('/osm/admin/v1/vim_accounts?name=emulator'), token).expect(200)).body[0]._id;
}

/** Waits until the engine has nothing left to do, then returns the operation as the API shows it. */
export async function settledOp(t: TestApp, token: string, opId: string): Promise<Record<string, unknown>> {
  await t.app.get(OperationRunner).idle();
  return (await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs/${opId}`), token).expect(200)).body;
}

export const DESCRIPTORS = join(__dirname, '..', '..', 'descriptors');

/** Onboards one of our own packages under descriptors/ (a folder, sent as OSM's client sends it: a tar.gz). */
export async function onboardFolder(t: TestApp, token: string, folder: string, kind: 'vnf' | 'ns'): Promise<string> {
  const url = kind === 'vnf' ? '/osm/vnfpkgm/v1/vnf_packages_content' : '/osm/nsd/v1/ns_descriptors_content';
  const res = await asJson(t.http.post(url), token)
    .set('Content-Type', 'application/gzip')
    .send(await makeTarGz(folderEntries(join(DESCRIPTORS, folder), folder)))
    .expect(201);
  return res.body.id as string;
}

/** Onboards the example web server VNF and NS; returns the NSD _id. */
export async function onboardWebserver(t: TestApp, token: string): Promise<string> {
  await onboardFolder(t, token, 'webserver_vnf', 'vnf');
  return onboardFolder(t, token, 'webserver_ns', 'ns');
}

/** Polls an operation (without waiting for the whole engine) until `done` says so. */
export async function pollOp(
  t: TestApp,
  token: string,
  opId: string,
  done: (op: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const op = (await asJson(t.http.get(`/osm/nslcm/v1/ns_lcm_op_occs/${opId}`), token).expect(200)).body;
    if (done(op)) return op;
    if (Date.now() > until) throw new Error(`operation ${opId} still ${op.operationState} at ${op.detailedStatus}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A variant of the example web server under other ids (`<name>_vnf`, `<name>_ns`), its package files edited by
 * `edit` (path inside the package → new content, or undefined to keep); extra files can be added. Returns the NSD _id.
 */
export async function onboardWebserverVariant(
  t: TestApp,
  token: string,
  name: string,
  edit: (path: string, content: string) => string | undefined,
  extra: Record<string, string> = {},
): Promise<string> {
  const rename = (text: string) => text.replace(/webserver_vnf/g, `${name}_vnf`).replace(/webserver_ns/g, `${name}_ns`);
  const entries = folderEntries(join(DESCRIPTORS, 'webserver_vnf'), `${name}_vnf`).map((e) => {
    const path = e.name.slice(`${name}_vnf/`.length);
    const content = e.content === undefined ? undefined : rename(String(e.content));
    return { ...e, content: content === undefined ? undefined : (edit(path, content) ?? content) };
  });
  for (const [path, content] of Object.entries(extra)) entries.push({ name: `${name}_vnf/${path}`, content });
  return onboardVnfAndNsd(
    t,
    token,
    entries,
    rename(readFileSync(join(DESCRIPTORS, 'webserver_ns', 'webserver_nsd.yaml'), 'utf8')),
  );
}
