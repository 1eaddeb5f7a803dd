// Run by redaction.test.mjs under Node (+ ws), Bun or Deno: connects clients of the built package
// to servers that refuse them, with credentials whose secret and token are marked, and prints
// (as one JSON line) everything the package handed out: rejections, error / disconnect events
// with their messages, stacks and fields, and whatever it wrote to the console.
// Usage: <runtime> redaction_probe.mjs <package dir> <refusing ws url> <closing ws url> <secret> <token>
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [packageDir, refusingUrl, closingUrl, secret, token] = process.argv.slice(2);
const logged = [];
for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[level];
  console[level] = (...args) => { logged.push(args.map(String).join(' ')); original.apply(console, args); };
}
const WebSocket = globalThis.process?.versions?.bun || globalThis.Deno ? globalThis.WebSocket : (await import('ws')).default;
const pkg = await import(pathToFileURL(path.join(packageDir, 'index.js')).href);
await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite.wasm')) });

const seen = [];
const record = (where, e) => seen.push({
  where, name: e && e.name, code: e && e.code, isIotError: e instanceof pkg.IotError, message: e && e.message,
  stack: e && e.stack, fields: JSON.stringify(e), status: e && e.status, reason: e && e.reason,
});

async function attempt(label, options) {
  const client = await pkg.IotClient.create({
    region: 'us-east-1', clientId: `probe-${label}`, WebSocket, reconnect: false, ...options,
  });
  client.on('error', (e) => record(`${label}: error event`, e));
  client.on('disconnect', ({ error }) => record(`${label}: disconnect event`, error));
  let timer;
  try {
    await Promise.race([client.connect(), new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('no answer in 10 s')), 10000); })]);
    record(`${label}: connected`, null);
  } catch (e) {
    record(`${label}: connect() rejection`, e);
  }
  clearTimeout(timer);
  await client.close();
}

const credentials = { accessKeyId: 'AKIDPROBEEXAMPLE', secretAccessKey: secret, sessionToken: token };
await attempt('sigv4-refused', { endpoint: refusingUrl, credentials });
await attempt('sigv4-closed', { endpoint: closingUrl, credentials });
await attempt('authorizer-refused', { endpoint: refusingUrl, customAuthorizer: { name: 'probe', token, signature: secret } });
process.stdout.write(`PROBE-REPORT ${JSON.stringify({ seen, logged })}\n`);
