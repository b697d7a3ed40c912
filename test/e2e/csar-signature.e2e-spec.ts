import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeZip, ZipEntry } from '../utils/packages';
import { asJson, TestApp, useTestApp } from '../utils/test-app';

const CORPUS = join(__dirname, '..', '..', '..', 'shared', 'corpus');
const VNFD = readFileSync(join(CORPUS, 'osm-multivdu-gatici', 'hackfest_multivdu_vnf', 'hackfest_multivdu_vnfd.yaml'), 'utf8');
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');
const DAY = 24 * 3600 * 1000;
const work = mkdtempSync(join(tmpdir(), 'csar-sig-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Pem {
  cert: string;
  key: string;
}
/** A certificate (self-signed, or issued by `ca`) made with the selfsigned library, valid from/to the given days. */
async function certificate(cn: string, fromDays = -1, toDays = 30, ca?: Pem, isCa = false): Promise<Pem> {
  const { generate } = await import('selfsigned');
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now + fromDays * DAY),
    notAfterDate: new Date(now + toDays * DAY),
    ...(ca ? { ca: { key: ca.key, cert: ca.cert } } : {}),
    ...(isCa
      ? {
          extensions: [
            { name: 'basicConstraints', cA: true },
            { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true },
          ],
        }
      : {}),
  });
  return { cert: pems.cert, key: pems.private };
}
let n = 0;
/** A detached CMS (PEM) over `content`, made by openssl. */
function cmsSign(content: string | Buffer, signer: Pem): string {
  const d = join(work, String(n++));
  execFileSync('mkdir', ['-p', d]);
  writeFileSync(join(d, 'content'), content);
  writeFileSync(join(d, 'cert.pem'), signer.cert);
  writeFileSync(join(d, 'key.pem'), signer.key);
  execFileSync('openssl', [
    'cms',
    '-sign',
    '-binary',
    '-in',
    join(d, 'content'),
    '-signer',
    join(d, 'cert.pem'),
    '-inkey',
    join(d, 'key.pem'),
    '-outform',
    'PEM',
    '-out',
    join(d, 'sig.pem'),
  ]);
  return readFileSync(join(d, 'sig.pem'), 'utf8');
}

const meta = (extra = '') =>
  `TOSCA-Meta-File-Version: 1.0\nCSAR-Version: 1.1\nCreated-by: test\nEntry-Definitions: Definitions/vnfd.yaml\nETSI-Entry-Manifest: vnfd.mf\n${extra}`;
const MANIFEST = `metadata:\n  vnf_provider_id: OSM\n  vnf_product_name: multivdu\n  vnf_release_date_time: 2026-11-26T10:00:00+00:00\n  vnf_package_version: '1.0'\n\nSource: Definitions/vnfd.yaml\nAlgorithm: SHA-256\nHash: ${sha256(VNFD)}\n`;
const csar = (mf: string, extra: ZipEntry[] = [], metaExtra = ''): ZipEntry[] => [
  { name: 'TOSCA-Metadata/TOSCA.meta', content: meta(metaExtra) },
  { name: 'Definitions/vnfd.yaml', content: VNFD },
  { name: 'vnfd.mf', content: mf },
  ...extra,
];

describe('signed SOL004 CSARs', () => {
  let t: TestApp;
  let admin: string;
  let signer: Pem;
  let other: Pem;
  let expired: Pem;
  useTestApp(async (app, token) => {
    t = app;
    admin = token;
    [signer, other, expired] = await Promise.all([
      certificate('vnf-vendor'),
      certificate('someone-else'),
      certificate('old-vendor', -60, -30),
    ]);
  });

  const upload = async (entries: ZipEntry[] | Buffer) =>
    asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
      .set('Content-Type', 'application/zip')
      .send(Buffer.isBuffer(entries) ? entries : await makeZip(entries));
  const onboardAndCheck = async (entries: ZipEntry[] | Buffer) => {
    const res = await upload(entries);
    expect([res.status, res.body.detail]).toEqual([201, undefined]);
    const rec = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(200)).body;
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${res.body.id}`), admin).expect(204);
    return rec._admin.signature as Record<string, unknown>;
  };

  it('option 1: verifies a CMS signature at the end of the manifest, and one in a .cms file with the certificate shipped', async () => {
    const embedded = await onboardAndCheck(csar(MANIFEST + cmsSign(MANIFEST, signer)));
    expect(embedded).toMatchObject({ status: 'verified', option: 1, file: 'vnfd.mf', signer: 'CN=vnf-vendor' });
    expect(embedded['verified-by']).toMatch(/inside the signature only/);
    const separate = await onboardAndCheck(
      csar(
        MANIFEST,
        [
          { name: 'vnfd.cms', content: cmsSign(MANIFEST, signer) },
          { name: 'Certificates/vendor.cert', content: signer.cert },
        ],
        'ETSI-Entry-Certificate: Certificates/vendor.cert\n',
      ),
    );
    expect(separate).toMatchObject({
      status: 'verified',
      file: 'vnfd.cms',
      'verified-by': expect.stringMatching(/Certificates\/vendor.cert/),
    });
    expect(await onboardAndCheck(csar(MANIFEST))).toEqual({ status: 'unsigned' });
  });

  it('option 1: refuses a tampered manifest, a signature by another certificate, and an expired certificate, naming the file', async () => {
    const tampered = await upload(csar(MANIFEST.replace("'1.0'", "'1.1'") + cmsSign(MANIFEST, signer)));
    expect([tampered.status, tampered.body.reason]).toEqual([422, 'PACKAGE.SIGNATURE_INVALID']);
    expect(tampered.body.detail).toMatch(/vnfd.mf: the signature does not match the signed content/);

    const wrong = await upload(
      csar(
        MANIFEST,
        [
          { name: 'vnfd.cms', content: cmsSign(MANIFEST, other) },
          { name: 'Certificates/vendor.cert', content: signer.cert },
        ],
        'ETSI-Entry-Certificate: Certificates/vendor.cert\n',
      ),
    );
    expect(wrong.status).toBe(422);
    expect(wrong.body.detail).toMatch(
      /vnfd.cms: signed by 'CN=someone-else', not by the package's certificate Certificates\/vendor.cert/,
    );

    const old = await upload(csar(MANIFEST + cmsSign(MANIFEST, expired)));
    expect(old.status).toBe(422);
    expect(old.body.detail).toMatch(/vnfd.mf: the signer's certificate 'CN=old-vendor' expired on/);
  });

  it('option 2: verifies a whole signed CSAR and refuses a tampered one or a wrong certificate, naming the .cms', async () => {
    const inner = await makeZip(csar(MANIFEST));
    const wrapper = (content: Buffer, cms: string, cert: string) =>
      makeZip([
        { name: 'vnf.csar', content },
        { name: 'vnf.cms', content: cms },
        { name: 'vnf.cert', content: cert },
      ]);
    const ok = await onboardAndCheck(await wrapper(inner, cmsSign(inner, signer), signer.cert));
    expect(ok).toMatchObject({ status: 'verified', option: 2, file: 'vnf.cms', signer: 'CN=vnf-vendor' });

    const tampered = Buffer.from(inner);
    tampered[tampered.length - 30] ^= 0xff; // the zip's central directory: still the same files, not the same bytes
    const res = await upload(await wrapper(tampered, cmsSign(inner, signer), signer.cert));
    expect([res.status, res.body.detail]).toEqual([
      422,
      expect.stringMatching(/vnf.cms: the signature does not match the signed content/),
    ]);

    const wrong = await upload(await wrapper(inner, cmsSign(inner, other), signer.cert));
    expect([wrong.status, wrong.body.detail]).toEqual([422, expect.stringMatching(/vnf.cms: signed by 'CN=someone-else'/)]);
    const expiredRes = await upload(await wrapper(inner, cmsSign(inner, expired), expired.cert));
    expect([expiredRes.status, expiredRes.body.detail]).toEqual([422, expect.stringMatching(/vnf.cms: .*expired on/)]);
  });
});

describe('signed SOL004 CSARs, signatures and manifests required, trust anchors configured', () => {
  let t: TestApp;
  let admin: string;
  let ca: Pem;
  let issued: Pem;
  let selfSigned: Pem;
  const trustDir = join(work, 'trust');
  useTestApp(
    async (app, token) => {
      t = app;
      admin = token;
    },
    { csarRequireSignature: true, csarRequireManifest: true, csarTrustDir: trustDir },
  );
  beforeAll(async () => {
    ca = await certificate('operator-ca', -1, 365, undefined, true);
    issued = await certificate('vnf-vendor', -1, 30, ca);
    selfSigned = await certificate('vnf-vendor');
    execFileSync('mkdir', ['-p', trustDir]);
    writeFileSync(join(trustDir, 'operator-ca.pem'), ca.cert);
  });
  const upload = async (entries: ZipEntry[]) =>
    asJson(t.http.post('/osm/vnfpkgm/v1/vnf_packages_content'), admin)
      .set('Content-Type', 'application/zip')
      .send(await makeZip(entries));

  it('refuses an unsigned CSAR, and one without a manifest', async () => {
    const unsigned = await upload(csar(MANIFEST));
    expect([unsigned.status, unsigned.body.reason]).toEqual([422, 'PACKAGE.UNSIGNED']);
    expect(unsigned.body.detail).toMatch(/MANO_CSAR_REQUIRE_SIGNATURE=true/);
    const noManifest = await upload([
      { name: 'TOSCA-Metadata/TOSCA.meta', content: meta().replace('ETSI-Entry-Manifest: vnfd.mf\n', '') },
      { name: 'Definitions/vnfd.yaml', content: VNFD },
    ]);
    expect([noManifest.status, noManifest.body.detail]).toEqual([
      422,
      expect.stringMatching(/ETSI-Entry-Manifest is missing \(required: MANO_CSAR_REQUIRE_MANIFEST=true\)/),
    ]);
  });

  it('accepts a signer issued by a trust anchor, refuses one that is not', async () => {
    const ok = await upload(csar(MANIFEST + cmsSign(MANIFEST, issued)));
    expect([ok.status, ok.body.detail]).toEqual([201, undefined]);
    const rec = (await asJson(t.http.get(`/osm/vnfpkgm/v1/vnf_packages/${ok.body.id}`), admin).expect(200)).body;
    expect(rec._admin.signature).toMatchObject({
      status: 'verified',
      signer: 'CN=vnf-vendor',
      issuer: 'CN=operator-ca',
      'verified-by': 'trust anchor operator-ca.pem',
    });
    await asJson(t.http.delete(`/osm/vnfpkgm/v1/vnf_packages/${ok.body.id}`), admin).expect(204);

    const untrusted = await upload(csar(MANIFEST + cmsSign(MANIFEST, selfSigned)));
    expect([untrusted.status, untrusted.body.detail]).toEqual([
      422,
      expect.stringMatching(/vnfd.mf: the signer's certificate 'CN=vnf-vendor' does not chain to a trust anchor/),
    ]);
  });
});
