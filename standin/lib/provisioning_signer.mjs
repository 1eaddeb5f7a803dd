// Device certificates for fleet provisioning, signed by the stand-in's CA (lib/ca.mjs) with the
// openssl CLI: from a device's CSR (the key never leaves the device), or with a key pair made
// here (CreateKeysAndCertificate). The certificate id is the SHA-256 of the DER certificate, 64
// hex digits as AWS's certificate ids are. Private keys are never logged.
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAYS = '3';
const EXT = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyAgreement', 'extendedKeyUsage=clientAuth'];

/** A bad CSR: RegisterThing's neighbour CreateCertificateFromCsr answers it with 400. */
export class CsrError extends Error {}

async function openssl(args) {
  try {
    return (await run('openssl', args, { timeout: 30_000 })).stdout;
  } catch (e) {
    throw new Error(`openssl ${args[0]} failed: ${String(e.stderr || e.message).trim()}`);
  }
}

/** @param {{ dir: string, caCertPath: string, caKeyPath: string }} opts */
export function createSigner({ dir, caCertPath, caKeyPath }) {
  let n = 0;
  async function sign(csrFile) {
    const base = path.join(dir, `provisioned-${++n}-${randomBytes(4).toString('hex')}`);
    await fs.writeFile(`${base}.ext`, EXT.join('\n') + '\n');
    try {
      await openssl(['x509', '-req', '-in', csrFile, '-CA', caCertPath, '-CAkey', caKeyPath,
        '-set_serial', '0x' + randomBytes(12).toString('hex'), '-days', DAYS, '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.crt`]);
      const certificatePem = await fs.readFile(`${base}.crt`, 'utf8');
      const certificateId = new X509Certificate(certificatePem).fingerprint256.replace(/:/g, '').toLowerCase();
      return { certificateId, certificatePem };
    } finally {
      await fs.rm(`${base}.ext`, { force: true });
      await fs.rm(`${base}.crt`, { force: true });
    }
  }

  return {
    /** CreateCertificateFromCsr: checks the CSR's signature and that it names a CN, then signs it. */
    async signCsr(csrPem) {
      if (typeof csrPem !== 'string' || !csrPem.includes('-----BEGIN CERTIFICATE REQUEST-----')) {
        throw new CsrError('certificateSigningRequest must be a PEM certificate signing request');
      }
      await fs.mkdir(dir, { recursive: true });
      const csrFile = path.join(dir, `csr-${++n}-${randomBytes(4).toString('hex')}.pem`);
      await fs.writeFile(csrFile, csrPem);
      try {
        let subject;
        try {
          subject = await openssl(['req', '-in', csrFile, '-noout', '-verify', '-subject', '-nameopt', 'RFC2253']);
        } catch {
          throw new CsrError('the certificate signing request is not valid (unreadable, or its signature does not verify)');
        }
        // The stand-in's certificate doors need a CN (they take it as the identity, as Mosquitto's
        // use_identity_as_username did): a CSR without one is refused here rather than later.
        if (!/CN=[^,\n]+/.test(subject)) throw new CsrError('the certificate signing request has no subject CN');
        return await sign(csrFile);
      } finally {
        await fs.rm(csrFile, { force: true });
      }
    },

    /** CreateKeysAndCertificate: an EC P-256 key made here, its certificate with CN `commonName`. */
    async createKeys(commonName) {
      await fs.mkdir(dir, { recursive: true });
      const base = path.join(dir, `keys-${++n}-${randomBytes(4).toString('hex')}`);
      try {
        await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${base}.key`]);
        await fs.chmod(`${base}.key`, 0o600);
        await openssl(['req', '-new', '-key', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${commonName}`]);
        const cert = await sign(`${base}.csr`);
        return { ...cert, privateKey: await fs.readFile(`${base}.key`, 'utf8') };
      } finally {
        for (const ext of ['key', 'csr']) await fs.rm(`${base}.${ext}`, { force: true });
      }
    },
  };
}
