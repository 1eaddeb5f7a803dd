// Differential test: iotlite's SigV4 (C++, via sigv4_diff_driver) against AWS's own JS signer,
// @smithy/signature-v4 with @aws-crypto/sha256-js, on >= 1000 random inputs from a fixed seed
// (printed; override with SIGV4_DIFF_SEED=<n> to explore other inputs).
//   - 700 presigned AWS IoT WebSocket URLs: random key pairs, session tokens containing / + =,
//     regions, endpoints with and without ports, ws/wss, times, with and without X-Amz-Expires;
//     the token is appended after signing (never signed).
//   - 500 header-signed random requests: methods, paths with dot segments / repeated slashes /
//     UTF-8 / reserved characters, repeated and encoded query keys, headers with whitespace runs,
//     bodies, tokens, x-amz-content-sha256.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '@aws-crypto/sha256-js';

const DRIVER = process.env.IOTLITE_SIGV4_DRIVER;
const SEED = Number(process.env.SIGV4_DIFF_SEED ?? 0x5164a11);
const IOT_CASES = 700;
const HEADER_CASES = 500;
const EMPTY_HASH = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const int = (n) => Math.floor(rand() * n);
const pick = (arr) => arr[int(arr.length)];
const chars = (alphabet, n) => Array.from({ length: n }, () => pick(alphabet)).join('');
const UPPER_NUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'];
const B64 = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'];
const LOWER_NUM = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-northeast-1', 'ap-southeast-2',
  'sa-east-1', 'ca-central-1', 'cn-north-1', 'us-gov-west-1', 'me-south-1', 'af-south-1'];

// AWS's URI encoding (what @smithy's escapeUri does): encodeURIComponent plus ! ' ( ) *.
const escapeUri = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function randomCredentials() {
  const token = rand() < 0.6
    ? chars(B64, 20 + int(500)) + '/+=' + chars(B64, int(40)) + (rand() < 0.5 ? '==' : '=')
    : '';
  return { accessKeyId: pick(['AKIA', 'ASIA']) + chars(UPPER_NUM, 16), secretAccessKey: chars(B64, 40), sessionToken: token };
}

function randomIotInput(id) {
  const region = pick(REGIONS);
  const scheme = rand() < 0.85 ? 'wss' : 'ws';
  let host, explicitRegion = '';
  const form = int(4);
  if (form === 0) host = `${chars(LOWER_NUM, 14)}-ats.iot.${region}.amazonaws.com`;
  else if (form === 1) host = `${chars(LOWER_NUM, 14)}.iot.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
  else if (form === 2) host = `${chars(LOWER_NUM, 14)}-ATS.IoT.${region.toUpperCase()}.AmazonAWS.com`;
  else { host = pick(['localhost', '127.0.0.1', 'iot-standin.local']); explicitRegion = region; }
  if (form !== 3 && rand() < 0.2) explicitRegion = region;
  const port = rand() < 0.5 ? 0 : pick([443, 80, 8443, 9001, 1024 + int(64000)]);
  const creds = randomCredentials();
  return {
    id, kind: 'iot', endpoint: host + (port ? `:${port}` : ''), region: explicitRegion,
    akid: creds.accessKeyId, secret: creds.secretAccessKey, token: creds.sessionToken,
    time: 1420070400 + int(21 * 365 * 86400), expires: rand() < 0.4 ? 0 : 1 + int(86400), scheme,
    // for the oracle
    _region: region, _authority: host.toLowerCase() + (port && port !== (scheme === 'wss' ? 443 : 80) ? `:${port}` : ''),
  };
}

const PATH_CHARS = [...'abcXYZ019-._~ !$&\'()*+,;=:@%é中😀'];
const QUERY_CHARS = [...'abcXYZ019-._~ !$\'()*+,;:@/?%é中😀=&'];
const VALUE_CHARS = [...'abc XYZ 019-._~!"#$%&\'()*+,/:;<=>?@[\\]^`{|}\t'];
const SKIP_HEADERS = new Set(['authorization', 'cache-control', 'connection', 'expect', 'from', 'keep-alive',
  'max-forwards', 'pragma', 'referer', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent',
  'x-amzn-trace-id', 'x-amz-date', 'date', 'x-amz-security-token', 'x-amz-content-sha256', 'host']);

function randomHeaderInput(id) {
  const segments = Array.from({ length: int(6) }, () => pick(['.', '..', '', chars(PATH_CHARS, 1 + int(8))]));
  const path = '/' + segments.join('/') + (rand() < 0.3 ? '/' : '');
  const query = {};
  const rawQuery = [];
  for (let i = int(5); i > 0; i--) {
    const key = chars(QUERY_CHARS, 1 + int(6));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    const values = Array.from({ length: rand() < 0.2 ? 2 : 1 }, () => chars(QUERY_CHARS, int(8)));
    const existing = query[key];
    const all = existing === undefined ? values : [].concat(existing, values);
    query[key] = all.length === 1 ? all[0] : all;
    for (const v of values) rawQuery.push(`${escapeUri(key)}=${escapeUri(v)}`);
  }
  const hostName = `${chars(LOWER_NUM, 8)}.execute-api.${pick(REGIONS)}.amazonaws.com`;
  const headers = [['Host', hostName]];
  const seen = new Set(['host']);
  for (let i = int(5); i > 0; i--) {
    const name = chars([...'abcdefghXYZ0-'], 1 + int(10)).replace(/^-/, 'x');
    const lname = name.toLowerCase();
    if (seen.has(lname) || SKIP_HEADERS.has(lname) || lname.startsWith('proxy-') || lname.startsWith('sec-')) continue;
    seen.add(lname);
    headers.push([name, pick(['', ' ', '  ']) + chars(VALUE_CHARS, int(20)) + pick(['', ' ', '\t '])]);
  }
  const creds = randomCredentials();
  return {
    id, kind: 'header', method: pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']), path, query: rawQuery.join('&'),
    headers, body: rand() < 0.5 ? '' : chars([...VALUE_CHARS, 'é', '中', '\n'], int(200)),
    region: pick(REGIONS), service: pick(['service', 'iotdata', 'execute-api', 'sts', 'iotdevicegateway']),
    time: 1420070400 + int(21 * 365 * 86400), akid: creds.accessKeyId, secret: creds.secretAccessKey,
    token: creds.sessionToken, content_sha256: rand() < 0.3,
    _query: query,
  };
}

// The oracle for one IoT URL, built with @smithy/signature-v4 (AWS's JS signer).
async function smithyIotUrl(input) {
  const signer = new SignatureV4({
    credentials: { accessKeyId: input.akid, secretAccessKey: input.secret }, // token: appended after signing
    region: input._region, service: 'iotdevicegateway', sha256: Sha256, applyChecksum: false,
  });
  const date = new Date(input.time * 1000);
  const { longDate, shortDate } = signer.formatDate(date);
  const scope = `${shortDate}/${input._region}/iotdevicegateway/aws4_request`;
  const query = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${input.akid}/${scope}`,
    'X-Amz-Date': longDate,
    ...(input.expires ? { 'X-Amz-Expires': String(input.expires) } : {}),
    'X-Amz-SignedHeaders': 'host',
  };
  const headers = { host: input._authority };
  // smithy's presign() always emits X-Amz-Expires; without one (what AWS IoT's SDKs send) the
  // signature comes from the same smithy methods presign() uses.
  const canonical = signer.createCanonicalRequest(new HttpRequest({ method: 'GET', path: '/mqtt', headers, query }), headers, EMPTY_HASH);
  let signature = await signer.getSignature(longDate, scope,
    signer.getSigningKey({ accessKeyId: input.akid, secretAccessKey: input.secret }, input._region, shortDate), canonical);
  if (input.expires) {
    const presigned = await signer.presign(
      new HttpRequest({ method: 'GET', protocol: `${input.scheme}:`, hostname: input._authority, path: '/mqtt', headers }),
      { signingDate: date, expiresIn: input.expires });
    assert.equal(signature, presigned.query['X-Amz-Signature'], 'oracle assembly must agree with smithy presign()');
    signature = presigned.query['X-Amz-Signature'];
  }
  const params = Object.entries(query).map(([k, v]) => `${k}=${escapeUri(v)}`);
  params.push(`X-Amz-Signature=${signature}`);
  if (input.token) params.push(`X-Amz-Security-Token=${escapeUri(input.token)}`);
  return `${input.scheme}://${input._authority}/mqtt?${params.join('&')}`;
}

async function smithyHeaderSign(input) {
  const signer = new SignatureV4({
    credentials: { accessKeyId: input.akid, secretAccessKey: input.secret, ...(input.token ? { sessionToken: input.token } : {}) },
    region: input.region, service: input.service, sha256: Sha256, applyChecksum: input.content_sha256,
  });
  const headers = Object.fromEntries(input.headers);
  const request = new HttpRequest({
    method: input.method, protocol: 'https:', hostname: headers.Host, path: input.path,
    query: input._query, headers, body: input.body === '' ? undefined : input.body,
  });
  return signer.sign(request, { signingDate: new Date(input.time * 1000) });
}

let inputs, outputs;
before(() => {
  assert.ok(DRIVER, 'IOTLITE_SIGV4_DRIVER must point at sigv4_diff_driver');
  console.log(`differential seed: ${SEED} (set SIGV4_DIFF_SEED to change)`);
  inputs = [];
  for (let i = 0; i < IOT_CASES; i++) inputs.push(randomIotInput(i));
  for (let i = 0; i < HEADER_CASES; i++) inputs.push(randomHeaderInput(IOT_CASES + i));
  const wire = inputs.map(({ _region, _authority, _query, ...rest }) => JSON.stringify(rest)).join('\n') + '\n';
  const run = spawnSync(DRIVER, [], { input: wire, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(run.status, 0, `driver failed: ${run.stderr}`);
  outputs = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.equal(outputs.length, inputs.length);
});

test(`presigned IoT URLs equal @smithy/signature-v4's (${IOT_CASES} random inputs)`, async () => {
  let checked = 0;
  for (const input of inputs.filter((x) => x.kind === 'iot')) {
    const out = outputs[input.id];
    assert.equal(out.id, input.id);
    assert.ok(out.ok, `case ${input.id} (seed ${SEED}): ${out.error}`);
    const expected = await smithyIotUrl(input);
    assert.equal(out.url, expected, `case ${input.id} (seed ${SEED}) endpoint ${input.endpoint}`);
    // The token is never part of the signature: the URL without it must be the token-free URL.
    if (input.token) assert.ok(out.url.endsWith(`&X-Amz-Security-Token=${escapeUri(input.token)}`));
    checked++;
  }
  assert.equal(checked, IOT_CASES);
});

test(`header signing equals @smithy/signature-v4's (${HEADER_CASES} random requests)`, async () => {
  let checked = 0;
  for (const input of inputs.filter((x) => x.kind === 'header')) {
    const out = outputs[input.id];
    assert.ok(out.ok, `case ${input.id} (seed ${SEED}): ${out.error}`);
    const signed = await smithyHeaderSign(input);
    const why = `case ${input.id} (seed ${SEED}) ${input.method} ${input.path}?${input.query}\nour canonical request:\n${out.canonical_request}`;
    assert.equal(out.authorization, signed.headers.authorization, why);
    const ours = Object.fromEntries(out.headers.map(([k, v]) => [k.toLowerCase(), v]));
    assert.equal(ours['x-amz-date'], signed.headers['x-amz-date']);
    assert.equal(ours['x-amz-security-token'], signed.headers['x-amz-security-token']);
    assert.equal(ours['x-amz-content-sha256'], signed.headers['x-amz-content-sha256']);
    checked++;
  }
  assert.equal(checked, HEADER_CASES);
});
