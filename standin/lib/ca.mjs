// A throw-away certificate authority made with the openssl CLI: the CA that Mosquitto's TLS
// listener, the ALPN port and the HTTPS mTLS port trust, the server certificate they present
// (SAN 127.0.0.1 and localhost) and device certificates issued on demand.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DAYS = '3';

async function openssl(args) {
  try {
    await run('openssl', args, { timeout: 30_000 });
  } catch (e) {
    throw new Error(`openssl ${args[0]} failed: ${e.stderr || e.message}`);
  }
}

function safeName(name) {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(name)) {
    throw new Error('thing name must be 1-128 characters of [A-Za-z0-9_.:-]');
  }
  return name;
}

async function newKey(file) {
  // EC P-256 keys: generated in milliseconds, accepted by Mosquitto, Node and mbedTLS.
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  await fs.chmod(file, 0o600);
}

/** Creates the CA and the server certificate under `dir`. Returns an object with paths, PEMs and issue(). */
export async function createCa(dir) {
  await fs.mkdir(dir, { recursive: true });
  const caKey = path.join(dir, 'ca.key');
  const caCert = path.join(dir, 'ca.crt');
  await newKey(caKey);
  await openssl(['req', '-x509', '-new', '-key', caKey, '-out', caCert, '-days', DAYS,
    '-subj', '/CN=iotlite stand-in CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);

  async function sign(name, commonName, extLines) {
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const crt = path.join(dir, `${name}.crt`);
    const ext = path.join(dir, `${name}.ext`);
    await newKey(key);
    await openssl(['req', '-new', '-key', key, '-out', csr, '-subj', `/CN=${commonName}`]);
    await fs.writeFile(ext, extLines.join('\n') + '\n');
    await openssl(['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey,
      '-set_serial', '0x' + randomBytes(12).toString('hex'), '-days', DAYS, '-sha256',
      '-extfile', ext, '-out', crt]);
    await fs.rm(csr, { force: true });
    await fs.rm(ext, { force: true });
    return { keyPath: key, certPath: crt, keyPem: await fs.readFile(key, 'utf8'), certPem: await fs.readFile(crt, 'utf8') };
  }

  const server = await sign('server', 'localhost', [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyAgreement',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
  ]);

  let issued = 0;
  return {
    dir,
    caKeyPath: caKey,
    caCertPath: caCert,
    caPem: await fs.readFile(caCert, 'utf8'),
    server,
    /** Issues a device (client) certificate whose CN is the thing name. */
    async issueDevice(thing) {
      safeName(thing);
      issued += 1;
      const pair = await sign(`device-${issued}-${thing.replace(/:/g, '_')}`, thing, [
        'basicConstraints=CA:FALSE',
        'keyUsage=critical,digitalSignature,keyAgreement',
        'extendedKeyUsage=clientAuth',
      ]);
      return { thing, ...pair };
    },
  };
}
