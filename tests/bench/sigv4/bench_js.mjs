// Presigned AWS IoT WebSocket URLs per second in Node with the JS signers: aws4 and
// @smithy/signature-v4 (AWS's own; with @aws-crypto/sha256-js as the AWS SDK uses in browsers,
// and with Node's native crypto Hash for reference). Same inputs as bench_native.cpp.
// Prints one JSON line per signer. Usage: node bench_js.mjs [seconds] [native sample URL]
import crypto from 'node:crypto';
import aws4 from 'aws4';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

const SECONDS = Number(process.argv[2] ?? 2);
const NATIVE_SAMPLE = process.argv[3];
const HOST = 'a1b2c3d4e5f6g7-ats.iot.us-east-1.amazonaws.com';
const REGION = 'us-east-1';
const CREDS = { accessKeyId: 'ASIAEXAMPLEEXAMPLE12', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE/session+token=with/slashes+plus=equals//////////ABCDEFGHIJ' +
  'KLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/==';
const T0 = 1767225600;
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const amzDate = (t) => new Date(t * 1000).toISOString().replace(/[:-]|\.\d{3}/g, '');

function aws4Url(t) {
  // aws4 would sign a token into the query; AWS IoT wants it appended afterwards, so sign without it.
  const o = aws4.sign({ host: HOST, path: `/mqtt?X-Amz-Date=${amzDate(t)}`, service: 'iotdevicegateway', region: REGION, signQuery: true }, CREDS);
  return `wss://${HOST}${o.path}&X-Amz-Security-Token=${enc(TOKEN)}`;
}

function smithyFactory(sha256) {
  const signer = new SignatureV4({ credentials: CREDS, region: REGION, service: 'iotdevicegateway', sha256, applyChecksum: false });
  return async (t) => {
    const p = await signer.presign(new HttpRequest({ method: 'GET', protocol: 'wss:', hostname: HOST, path: '/mqtt', headers: { host: HOST } }),
      { signingDate: new Date(t * 1000) });
    const q = Object.entries(p.query).map(([k, v]) => `${k}=${enc(v)}`).join('&');
    return `wss://${HOST}/mqtt?${q}&X-Amz-Security-Token=${enc(TOKEN)}`;
  };
}

// Node's native hash in the shape smithy expects (the SDK's Node default, @smithy/hash-node, is not installed).
class NodeHash {
  constructor(secret) { this.h = secret ? crypto.createHmac('sha256', secret) : crypto.createHash('sha256'); }
  update(data) { this.h.update(data); }
  async digest() { return new Uint8Array(this.h.digest()); }
}

async function bench(name, sign) {
  let sink = 0;
  for (let i = 0; i < 20000; i++) sink += (await sign(T0 + i)).length;  // warm-up (JIT)
  let count = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < SECONDS && count < 50_000_000) {
    for (let i = 0; i < 1000; i++, count++) sink += (await sign(T0 + (count % 86400))).length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  console.log(JSON.stringify({ signer: name, urls: count, seconds: +elapsed.toFixed(3), urls_per_second: Math.round(count / elapsed), sink }));
}

if (NATIVE_SAMPLE) {
  // Sanity: the anchor signs the same URL as iotlite (aws4 omits X-Amz-Expires like iotlite).
  const sig = (u) => new URL(u).searchParams.get('X-Amz-Signature');
  if (sig(aws4Url(T0)) !== sig(NATIVE_SAMPLE)) {
    console.error(`signature mismatch: aws4 ${sig(aws4Url(T0))} vs iotlite ${sig(NATIVE_SAMPLE)}`);
    process.exit(1);
  }
  console.error('check: aws4 and iotlite produce the same X-Amz-Signature for the sample input');
}
await bench('aws4 (Node crypto)', aws4Url);
await bench('@smithy/signature-v4 + @aws-crypto/sha256-js', smithyFactory(Sha256));
await bench('@smithy/signature-v4 + Node crypto hash', smithyFactory(NodeHash));
