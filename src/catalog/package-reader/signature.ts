import { webcrypto } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pkijs from 'pkijs';
import { DomainError } from '../../common/errors/domain-error';

/**
 * SOL004 package signatures: a detached CMS (PKCS#7 SignedData) over the manifest (option 1: at the end of the
 * .mf or in a .cms file of the same name) or over the whole CSAR (option 2: a zip with <name>.csar, .cms, .cert).
 * Verified with pkijs on Node's WebCrypto: the signature, the signer certificate's validity period, the
 * certificate the package names (the signer must be it), and, when MANO_CSAR_TRUST_DIR is set, the chain to one
 * of its trust anchors. A bad signature is always refused (422 naming the file).
 */
let engineReady = false;
function engine(): void {
  if (engineReady) return;
  pkijs.setEngine(
    'node',
    new pkijs.CryptoEngine({
      name: 'node',
      crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'],
    }),
  );
  engineReady = true;
}

const bad = (file: string, message: string): DomainError =>
  DomainError.unprocessable('PACKAGE.SIGNATURE_INVALID', `invalid package signature: ${file}: ${message}`, [
    { path: file, message },
  ]);

const PEM = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** DER blocks of a PEM text (of the given labels), or the bytes themselves when they are not PEM. */
export function pemBlocks(data: Buffer, labels: string[]): Buffer[] {
  const text = data.toString('latin1');
  const out: Buffer[] = [];
  for (const m of text.matchAll(PEM)) if (labels.includes(m[1])) out.push(Buffer.from(m[2].replace(/\s+/g, ''), 'base64'));
  if (!out.length && !text.includes('-----BEGIN')) out.push(data);
  return out;
}

const ab = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function parseCertificates(data: Buffer, file: string): pkijs.Certificate[] {
  try {
    return pemBlocks(data, ['CERTIFICATE']).map((der) => pkijs.Certificate.fromBER(ab(der)));
  } catch (e) {
    throw bad(file, `not an X.509 certificate (${(e as Error).message})`);
  }
}

const subject = (c: pkijs.Certificate): string =>
  c.subject.typesAndValues.map((tv) => `${OIDS[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value)}`).join(',');
const OIDS: Record<string, string> = { '2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.6': 'C' };
const der = (c: pkijs.Certificate): string => Buffer.from(c.toSchema().toBER()).toString('hex');

/** Trust anchors: every certificate in the PEM files of the folder. */
function anchors(dir: string): { certs: pkijs.Certificate[]; files: Map<string, string> } {
  const certs: pkijs.Certificate[] = [];
  const files = new Map<string, string>();
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => /\.(pem|crt|cer)$/i.test(f));
  } catch (e) {
    throw new DomainError(500, 'PACKAGE.TRUST_DIR', `MANO_CSAR_TRUST_DIR '${dir}' cannot be read: ${(e as Error).message}`);
  }
  for (const name of names) {
    for (const c of parseCertificates(readFileSync(join(dir, name)), `MANO_CSAR_TRUST_DIR/${name}`)) {
      certs.push(c);
      files.set(der(c), name);
    }
  }
  return { certs, files };
}

export interface SignatureInput {
  /** File the signature is in (named in errors and in `_admin.signature`). */
  file: string;
  /** The CMS, PEM ("-----BEGIN CMS-----" / PKCS7) or DER. */
  cms: Buffer;
  /** The signed content (detached signature). */
  content: Buffer;
  /** The package's certificate file, when there is one: the signer must be it. */
  certificate?: { file: string; data: Buffer };
  trustDir?: string;
  option: 1 | 2;
}

/** Verifies one detached CMS signature; returns what `_admin.signature` records, or throws 422 naming the file. */
export async function verifyDetachedCms(input: SignatureInput): Promise<Record<string, unknown>> {
  engine();
  const { file } = input;
  let signed: pkijs.SignedData;
  try {
    const [block] = pemBlocks(input.cms, ['CMS', 'PKCS7', 'SIGNED DATA']);
    if (!block) throw new Error('no CMS block');
    const info = pkijs.ContentInfo.fromBER(ab(block));
    if (info.contentType !== pkijs.ContentInfo.SIGNED_DATA) throw new Error(`content type ${info.contentType} is not SignedData`);
    signed = new pkijs.SignedData({ schema: info.content });
  } catch (e) {
    throw bad(file, `the CMS signature cannot be read (${(e as Error).message})`);
  }
  if (signed.signerInfos.length !== 1) throw bad(file, `expected one signer, found ${signed.signerInfos.length}`);
  const packageCerts = input.certificate ? parseCertificates(input.certificate.data, input.certificate.file) : [];
  // the package's certificate identifies the signer even when the CMS carries none
  signed.certificates = [...(signed.certificates ?? []), ...packageCerts];
  let result: pkijs.SignedDataVerifyResult;
  try {
    result = await signed.verify({ signer: 0, data: ab(input.content), extendedMode: true, checkChain: false });
  } catch (e) {
    const r = e as pkijs.SignedDataVerifyResult;
    if (!r.signerCertificate && /certificate|signer/i.test(String(r.message)))
      throw bad(file, `the signer's certificate is not in the signature nor in the package (${String(r.message)})`);
    throw bad(file, `the signature does not match the signed content (${String(r.message ?? e)})`);
  }
  const signer = result.signerCertificate;
  if (!result.signatureVerified || !signer)
    throw bad(file, `the signature does not match the signed content (${result.message})`);
  if (packageCerts.length && der(packageCerts[0]) !== der(signer))
    throw bad(
      file,
      `signed by '${subject(signer)}', not by the package's certificate ${input.certificate!.file} ('${subject(packageCerts[0])}')`,
    );
  const now = new Date();
  const notBefore = signer.notBefore.value;
  const notAfter = signer.notAfter.value;
  if (now > notAfter) throw bad(file, `the signer's certificate '${subject(signer)}' expired on ${notAfter.toISOString()}`);
  if (now < notBefore)
    throw bad(file, `the signer's certificate '${subject(signer)}' is not valid before ${notBefore.toISOString()}`);
  let trust: string;
  if (input.trustDir) {
    const trusted = anchors(input.trustDir);
    const chain = new pkijs.CertificateChainValidationEngine({
      trustedCerts: trusted.certs,
      certs: [signer, ...(signed.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)],
      checkDate: now,
    });
    const verdict = await chain.verify();
    if (!verdict.result)
      throw bad(
        file,
        `the signer's certificate '${subject(signer)}' does not chain to a trust anchor of MANO_CSAR_TRUST_DIR (${verdict.resultMessage})`,
      );
    const root = verdict.certificatePath?.[verdict.certificatePath.length - 1];
    trust = `trust anchor ${root ? (trusted.files.get(der(root)) ?? subject(root)) : 'MANO_CSAR_TRUST_DIR'}`;
  } else {
    trust = input.certificate
      ? `the package's certificate ${input.certificate.file} only (no MANO_CSAR_TRUST_DIR: not chained to a trust anchor)`
      : 'the certificate inside the signature only (no MANO_CSAR_TRUST_DIR: not chained to a trust anchor)';
  }
  return {
    status: 'verified',
    option: input.option,
    file,
    signer: subject(signer),
    issuer: signer.issuer.typesAndValues
      .map((tv) => `${OIDS[tv.type] ?? tv.type}=${String(tv.value.valueBlock.value)}`)
      .join(','),
    'not-after': notAfter.toISOString(),
    'verified-by': trust,
  };
}
