// "iotlite/shadow" in Node against the local stand-in's shadow service (AWS semantics: versions,
// 404/409 rejections, delta and documents streams, named shadows): the browser package's
// client.shadow() on iotlite-shadow.wasm, its client-side rule checks, timeouts, close(), its
// types, and a browser-package client converging on one shadow with a HOST client — the
// `iotlite shadow` CLI (the C++ engine and shadow client over the stand-in's SigV4 WebSocket);
// and a Vite build of a shadow app running in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, mkdtempSync, mkdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageDir, repoRoot, startStandin, WebSocket, uniqueId, waitFor } from './helpers.mjs';

let pkg;
let standin;
let ep;
const CLI = process.env.IOTLITE_CLI;

before(async () => {
  for (const f of ['shadow.js', 'shadow.d.ts', 'wasm-names-shadow.js', 'iotlite-shadow.wasm']) {
    if (!existsSync(path.join(packageDir, f))) throw new Error(`the wasm package has no ${f}: build the wasm preset (iotlite_wasm_package)`);
  }
  pkg = await import(pathToFileURL(path.join(packageDir, 'shadow.js')).href);
  await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite-shadow.wasm')) });
  standin = await startStandin({ shadowService: true });
  ep = standin.endpoints;
});

after(async () => {
  if (standin) await standin.stop();
});

const options = (extra = {}) => ({
  endpoint: ep.wsUrl,
  region: ep.region,
  clientId: uniqueId('shadow'),
  credentials: ep.testCredentials,
  WebSocket,
  reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
  ...extra,
});

async function connected() {
  const client = await pkg.IotClient.create(options());
  await client.connect();
  return client;
}

const thingName = (p) => uniqueId(p).replace(/[^a-zA-Z0-9:_-]/g, '_');

// Resolves with the first `event` of a Shadow that satisfies `pred`, or rejects after `ms`.
function next(shadow, event, pred = () => true, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { shadow.off(event, on); reject(new Error(`no matching "${event}" within ${ms} ms`)); }, ms);
    const on = (arg) => { if (!pred(arg)) return; clearTimeout(t); shadow.off(event, on); resolve(arg); };
    shadow.on(event, on);
  });
}

test('Shadow_GetOfAMissingShadow_RejectsWithServerError404AndTheServiceMessage', async () => {
  const client = await connected();
  const thing = thingName('missing');
  await assert.rejects(client.shadow(thing).get(), (e) => {
    assert.equal(e.name, 'IotError');
    assert.equal(e.code, 'server_error');
    assert.equal(e.status, 404);
    assert.match(e.message, new RegExp(`get rejected: 404 No shadow exists with name: '${thing}'`));
    return true;
  });
  assert.equal(client.shadow(thing).state, null, 'nothing accepted yet: no mirror state');
  await client.close();
});

test('Shadow_UpdateDesired_AcceptedWithVersionAndTheMirrorFollows', async () => {
  const client = await connected();
  const lamp = client.shadow(thingName('lamp'));
  assert.equal(client.shadow(lamp.thing), lamp, 'one Shadow object per thing and name');
  const doc = await lamp.update({ desired: { color: 'red', level: 3 } });
  assert.equal(doc.version, 1);
  assert.deepEqual(doc.state.desired, { color: 'red', level: 3 });
  assert.equal(typeof doc.timestamp, 'number');
  assert.equal(typeof doc.metadata.desired.color.timestamp, 'number');
  assert.equal(lamp.version, 1);
  assert.deepEqual(lamp.state, { desired: { color: 'red', level: 3 }, reported: {}, delta: { color: 'red', level: 3 } });

  const reported = await lamp.report({ color: 'red', level: 3 });
  assert.equal(reported.version, 2);
  assert.deepEqual(lamp.state.delta, {});
  // null deletes a key (AWS merge semantics), mirrored locally.
  const removed = await lamp.desire({ level: null });
  assert.equal(removed.version, 3);
  assert.deepEqual(lamp.state.desired, { color: 'red' });
  const got = await lamp.get();
  assert.equal(got.version, 3);
  assert.deepEqual(got.state.desired, { color: 'red' });
  assert.deepEqual(got.state.reported, { color: 'red', level: 3 });
  await client.close();
});

test('Shadow_DeltaAndDocuments_EventsArriveForAnotherClientsUpdate', async () => {
  const device = await connected();
  const app = await connected();
  const thing = thingName('delta');
  const mine = device.shadow(thing);
  const deltas = [];
  mine.on('delta', (d) => deltas.push(d));
  await Promise.all([mine.watch('delta'), mine.watch('documents')]);
  const delta = next(mine, 'delta');
  const documents = next(mine, 'documents');
  const accepted = await app.shadow(thing).update({ desired: { fan: 'on' } });
  const d = await delta;
  assert.deepEqual(d.state, { fan: 'on' });
  assert.equal(d.version, accepted.version);
  const docs = await documents;
  assert.equal(docs.current.version, accepted.version);
  assert.deepEqual(docs.current.state.desired, { fan: 'on' });
  // The device's mirror took the change from the streams alone (it made no request).
  assert.equal(mine.version, accepted.version);
  assert.deepEqual(mine.state.delta, { fan: 'on' });
  assert.equal(deltas.length, 1);
  await device.close();
  await app.close();
});

test('Shadow_Once_WatchesTheStreamAndHearsOneDeltaOnly', async () => {
  const device = await connected();
  const app = await connected();
  const thing = thingName('once');
  const mine = device.shadow(thing);
  const heard = [];
  const every = [];
  mine.once('delta', (d) => heard.push(d.state));
  mine.on('delta', (d) => every.push(d.state));
  await mine.watch('delta');  // already asked for by once(): resolves when granted
  await app.shadow(thing).update({ desired: { fan: 'on' } });
  await app.shadow(thing).update({ desired: { fan: 'off' } });
  await waitFor(() => every.length === 2, 5000, 'two deltas');
  assert.deepEqual(heard, [{ fan: 'on' }]);
  await device.close();
  await app.close();
});

test('Shadow_StaleVersion_RejectsWithConflictAndTheServiceMessage', async () => {
  const client = await connected();
  const s = client.shadow(thingName('conflict'));
  const first = await s.update({ reported: { temp: 20 } });
  const ok = await s.update({ reported: { temp: 21 } }, { version: first.version });
  assert.equal(ok.version, first.version + 1);
  await assert.rejects(s.update({ reported: { temp: 22 } }, { version: first.version }), (e) => {
    assert.equal(e.code, 'conflict');
    assert.equal(e.status, 409);
    assert.match(e.message, /update rejected: 409 Version conflict/);
    return true;
  });
  assert.deepEqual((await s.get()).state.reported, { temp: 21 });
  await client.close();
});

test('Shadow_NamedShadow_IsSeparateFromTheClassicOneAndDeletes', async () => {
  const client = await connected();
  const thing = thingName('named');
  const cfg = client.shadow(thing, 'config');
  assert.equal(cfg.name, 'config');
  // What goes over the wire, seen by another client (this one's messages on the shadow's
  // response topics belong to its shadow client).
  const spy = await connected();
  const seen = [];
  await spy.subscribe(`$aws/things/${thing}/shadow/name/config/update/accepted`, { qos: 1 }, (m) => seen.push(m.json()));
  const doc = await cfg.update({ desired: { mode: 'eco' } });
  assert.equal(doc.version, 1);
  await waitFor(() => seen.length === 1, 5000, 'the named shadow topic');
  assert.deepEqual(seen[0].state.desired, { mode: 'eco' });
  await assert.rejects(client.shadow(thing).get(), (e) => e.code === 'server_error' && e.status === 404);
  const deleted = await cfg.delete();
  assert.equal(deleted.version, 1);
  assert.equal(cfg.state, null, 'deleted: the mirror forgot the document');
  await assert.rejects(cfg.get(), (e) => e.status === 404 && new RegExp(`No shadow exists with name: '${thing}~config'`).test(e.message));
  await client.close();
  await spy.close();
});

test('Shadow_ClientSideRules_RejectBeforeSendingAndNameTheRule', async () => {
  const client = await connected();
  const cases = [
    [() => client.shadow('bad thing!').get(), 'invalid_argument', /thing name has a character outside \[a-zA-Z0-9:_-\] at offset 3/],
    [() => client.shadow('x'.repeat(129)).get(), 'limit_exceeded', /thing name has 129 bytes; AWS allows 128/],
    [() => client.shadow('ok', 'bad/name').get(), 'invalid_argument', /shadow name has a character outside/],
    [() => client.shadow('ok').update({ wanted: {} }), 'invalid_argument', /desired.*reported|reported.*desired/],
    [() => client.shadow('ok').update('{"desired": '), 'invalid_argument', /^state: /],
    [() => client.shadow('ok').update({ desired: { big: 'x'.repeat(9000) } }), 'limit_exceeded', /8192/],
    [() => client.shadow('ok').update({ desired: { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } } }), 'limit_exceeded', /nest|levels|depth/],
    [() => client.shadow('ok').get({ clientToken: 'x'.repeat(65) }), 'limit_exceeded', /clientToken has 65 bytes; AWS allows 64/],
    [() => client.shadow('ok').update({ desired: {} }, { version: -1 }), 'invalid_argument', /version must be a non-negative integer/],
  ];
  for (const [call, code, re] of cases) {
    await assert.rejects(call(), (e) => {
      assert.equal(e.code, code, e.message);
      assert.match(e.message, re);
      return true;
    });
  }
  assert.throws(() => client.shadow(42), (e) => e.code === 'invalid_argument');
  await client.close();
});

test('Shadow_NumbersAndControlCharacters_RoundTripExactly', async () => {
  // The app's JSON is parsed and re-serialised in C++ (core's json::Value) before it is published:
  // numbers keep their text, strings their bytes.
  const client = await connected();
  const s = client.shadow(thingName('numbers'));
  const desired = {
    tenth: 0.1, third: 1 / 3, max: 1.7976931348623157e308, tiny: 5e-324, small: -1.25e-7, big: 123456789012345680000,
    int: 9007199254740991, neg: -42, ctl: 'a\u0001b\u001fc\u007f"\\/é😀',
  };
  const doc = await s.update({ desired });
  assert.deepEqual(doc.state.desired, desired);
  assert.deepEqual((await s.get()).state.desired, desired);
  assert.deepEqual(s.state.desired, desired);
  await client.close();
});

test('Shadow_NoConnection_RequestTimesOutAndCloseRejectsPendingOnes', async () => {
  const client = await pkg.IotClient.create(options());  // never connected: the SUBSCRIBE waits
  const s = client.shadow(thingName('offline'));
  const started = Date.now();
  await assert.rejects(s.get({ timeoutMs: 300 }), (e) => {
    assert.equal(e.code, 'timeout');
    assert.match(e.message, /no response to shadow get .* within 300 ms; the SUBACK for its response topics never came/);
    return true;
  });
  assert.ok(Date.now() - started >= 290, 'not before its timeout');
  const pending = s.update({ desired: { x: 1 } });
  const watching = s.watch('delta');
  await client.close();
  await assert.rejects(pending, (e) => e.code === 'closed');
  await assert.rejects(watching, (e) => e.code === 'closed');
  await assert.rejects(s.get(), (e) => e.code === 'invalid_state');
});

test('Shadow_BrowserPackageAndHostCli_ConvergeOnOneShadow', { timeout: 120000 }, async () => {
  assert.ok(CLI && existsSync(CLI), `IOTLITE_CLI must point at the built iotlite CLI (target iotlite_cli), got ${CLI}`);
  const env = { PATH: process.env.PATH, HOME: os.tmpdir(), AWS_ACCESS_KEY_ID: ep.testCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ep.testCredentials.secretAccessKey };
  const conn = ['--endpoint', `127.0.0.1:${ep.wsPort}`, '--scheme', 'ws', '--region', ep.region, '-W', '15'];
  const cli = (args) => new Promise((resolve) => {
    execFile(CLI, ['shadow', ...args, ...conn], { env, timeout: 30000 }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, out: stdout, err: stderr });
    });
  });
  const thing = thingName('converge');
  const app = await connected();
  const lamp = app.shadow(thing);
  await lamp.watch('documents');

  // The app (browser package) asks; the device (host CLI) reads the request.
  const asked = await lamp.update({ desired: { color: 'blue', brightness: 40 } });
  const seen = await cli(['get', '--thing', thing]);
  assert.equal(seen.code, 0, seen.err);
  const seenDoc = JSON.parse(seen.out);
  assert.equal(seenDoc.version, asked.version);
  assert.deepEqual(seenDoc.state.delta, { color: 'blue', brightness: 40 });

  // The device reports; the app sees it on update/documents and its mirror converges.
  const documents = next(lamp, 'documents', (d) => d.current.version > asked.version, 15000);
  const reported = await cli(['update', '--thing', thing, '--reported', JSON.stringify(seenDoc.state.delta)]);
  assert.equal(reported.code, 0, reported.err);
  const reportedDoc = JSON.parse(reported.out);
  const docs = await documents;
  assert.equal(docs.current.version, reportedDoc.version);
  assert.deepEqual(docs.current.state.reported, { color: 'blue', brightness: 40 });
  assert.equal(lamp.version, reportedDoc.version);
  assert.deepEqual(lamp.state, { desired: { color: 'blue', brightness: 40 }, reported: { color: 'blue', brightness: 40 }, delta: {} });

  // Both sides read the same document: same version, same state.
  const hostView = await cli(['get', '--thing', thing]);
  assert.equal(hostView.code, 0, hostView.err);
  const host = JSON.parse(hostView.out);
  const appView = await lamp.get();
  assert.equal(host.version, appView.version);
  assert.deepEqual(host.state, appView.state);
  assert.equal(host.state.delta, undefined, 'converged: no delta left');

  // And the other way round: the app's stale write loses against the device's.
  await assert.rejects(lamp.update({ desired: { color: 'green' } }, { version: asked.version }), (e) => e.code === 'conflict');
  await app.close();
});

test('ShadowDts_ConsumerApp_TypeChecksUnderStrictAndMisuseIsCaught', { timeout: 90000 }, async () => {
  const tsc = path.join(repoRoot, 'node_modules/.bin/tsc');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-shadow-types-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'ts-shadow', private: true, type: 'module' }));
    writeFileSync(path.join(dir, 'good.ts'), `import { IotClient, IotError, Shadow, ShadowDocument, init } from 'iotlite/shadow';
async function main(): Promise<void> {
  await init();
  const client: IotClient = await IotClient.create({ endpoint: 'abc-ats.iot.us-east-1.amazonaws.com', clientId: 'x',
    cognito: { identityPoolId: 'us-east-1:0000' } });
  await client.connect();
  const lamp: Shadow = client.shadow('lamp', 'config');
  lamp.on('delta', (d) => console.log(d.state, d.version));
  lamp.on('documents', (d) => console.log(d.current.version, d.previous?.state));
  lamp.on('error', (e: IotError) => console.log(e.code));
  await lamp.watch('documents');
  const doc: ShadowDocument = await lamp.update({ desired: { color: 'red' }, reported: null }, { version: lamp.version, timeoutMs: 5000 });
  await lamp.report({ color: 'red' });
  await lamp.desire({ color: null }, { clientToken: 't-1' });
  try { await lamp.get(); } catch (e) { if (e instanceof IotError && e.code === 'conflict') console.log(e.status); }
  const v: number | undefined = doc.version;
  console.log(v, lamp.state?.delta, lamp.thing, lamp.name);
  await lamp.delete();
  await client.subscribe('a/b', (m) => m.text());
  await client.close();
}
main();
`);
    writeFileSync(path.join(dir, 'bad.ts'), `import { IotClient } from 'iotlite/shadow';
import { IotClient as Plain } from 'iotlite';
async function f(c: IotClient, p: Plain) {
  await c.shadow('t').update({ desired: {} }, { version: '3' });
  c.shadow('t').on('deltas', () => {});
  p.shadow('t');
}
f;
`);
    const run = (file) => {
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [] },
        files: [file],
      }));
      return new Promise((resolve) => execFile(tsc, ['-p', dir], { timeout: 60000 }, (err, so, se) => resolve({ code: err ? err.code : 0, out: so + se })));
    };
    const good = await run('good.ts');
    assert.equal(good.code, 0, good.out);
    const bad = await run('bad.ts');
    assert.notEqual(bad.code, 0);
    assert.match(bad.out, /bad\.ts\(4,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    assert.match(bad.out, /bad\.ts\(5,\d+\): error TS2345: Argument of type '"deltas"'/);
    assert.match(bad.out, /bad\.ts\(6,\d+\): error TS2339: Property 'shadow' does not exist on type 'IotClient'/);
    assert.equal(bad.out.match(/error TS/g).length, 3, bad.out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Vite_ShadowApp_RunsInChromiumAndFetchesOnlyTheShadowWasm', { timeout: 120000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-shadow-vite-'));
  const profile = mkdtempSync(path.join(os.tmpdir(), 'iotlite-chromium-'));
  let server;
  let browser;
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(packageDir, path.join(dir, 'node_modules/iotlite'), 'dir');
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'shadow-app', private: true, type: 'module' }));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="/app.js"></script>\n');
    writeFileSync(path.join(dir, 'app.js'), `import { IotClient } from 'iotlite/shadow';
const cfg = globalThis.__SHADOW_APP__;
async function main() {
  const client = await IotClient.create({ endpoint: cfg.endpoint, region: cfg.region, clientId: cfg.clientId, credentials: cfg.credentials });
  await client.connect();
  const s = client.shadow(cfg.thing);
  const delta = new Promise((resolve) => s.on('delta', resolve));
  await s.watch('delta');
  const doc = await s.update({ desired: { color: 'red' } });
  const d = await delta;
  const got = await s.get();
  const out = JSON.stringify({ version: doc.version, delta: d.state, desired: got.state.desired, mirror: s.state, mirrorVersion: s.version });
  await client.close();
  return out;
}
cfg.result = main().catch((e) => 'error ' + e.code + ' ' + e.message);
`);
    const vite = path.join(repoRoot, 'node_modules/.bin/vite');
    execFileSync(vite, ['build', '--logLevel', 'warn'], { cwd: dir, env: { ...process.env, NODE_ENV: 'production' } });
    const assets = path.join(dir, 'dist/assets');
    const shadowWasm = readdirSync(assets).find((f) => f.startsWith('iotlite-shadow') && f.endsWith('.wasm'));
    assert.ok(shadowWasm, `iotlite-shadow.wasm emitted: ${readdirSync(assets)}`);
    assert.deepEqual(readFileSync(path.join(assets, shadowWasm)), readFileSync(path.join(packageDir, 'iotlite-shadow.wasm')));

    const http = await import('node:http');
    const root = path.join(dir, 'dist');
    const requested = [];
    const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
    server = http.createServer((req, res) => {
      const file = path.join(root, decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/$/, '/index.html'));
      requested.push(path.basename(file));
      if (!file.startsWith(root) || !existsSync(file)) { res.writeHead(404); res.end(); return; }
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
      res.end(readFileSync(file));
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const { chromium } = await import('playwright-core');
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const cfg = { endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('chromium-shadow'), credentials: ep.testCredentials,
      thing: thingName('browser') };
    await page.addInitScript((c) => { globalThis.__SHADOW_APP__ = c; }, cfg);
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => globalThis.__SHADOW_APP__ && globalThis.__SHADOW_APP__.result, null, { timeout: 20000 });
    const result = await page.evaluate(() => globalThis.__SHADOW_APP__.result);
    assert.deepEqual(errors, []);
    assert.deepEqual(JSON.parse(result), { version: 1, delta: { color: 'red' }, desired: { color: 'red' },
      mirror: { desired: { color: 'red' }, reported: {}, delta: { color: 'red' } }, mirrorVersion: 1 });
    const wasmFetched = requested.filter((f) => f.endsWith('.wasm'));
    assert.deepEqual(wasmFetched, [shadowWasm], 'the page fetches the shadow build only');
  } finally {
    if (browser) await browser.close();
    if (server) server.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
