// Zero-config Node (issue 16, item 5): a consumer project that installed the package imports it
// by name and connects with nothing injected. The "node" export condition (wasm/js/node.js) reads
// the .wasm from disk, takes the runtime's WebSocket when it has one and the `ws` package (an
// optional peer dependency) otherwise, and says what to pass when neither is there. Runs
// zero_config_probe.mjs in a fresh project (a copy of the package, `ws` installed or not) under
// Node 20 with and without its global WebSocket (--experimental-websocket), Bun and Deno (the
// npm devDependencies `bun` and `deno`: missing is a failure, not a skip), against the stand-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { packageDir, repoRoot, startStandin, loadPackage, uniqueId } from './helpers.mjs';

let standin;
const projects = [];

before(async () => {
  await loadPackage();  // fails, naming the build step, when the package is not built
  standin = await startStandin({ shadowService: true, jobsService: true });
});

after(async () => {
  if (standin) await standin.stop();
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

// A consumer project in a fresh directory (nothing above it resolves "ws"): the package copied
// into node_modules as npm installs it, `ws` next to it when asked for, and the probe.
function project({ ws }) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-zero-'));
  projects.push(dir);
  mkdirSync(path.join(dir, 'node_modules'));
  cpSync(packageDir, path.join(dir, 'node_modules/iotlite'), { recursive: true, dereference: true });
  if (ws) symlinkSync(path.join(repoRoot, 'node_modules/ws'), path.join(dir, 'node_modules/ws'), 'dir');
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { iotlite: '*' } }));
  cpSync(path.join(repoRoot, 'tests/wasm/zero_config_probe.mjs'), path.join(dir, 'probe.mjs'));
  return dir;
}

function runtime(name) {
  if (name === 'node') return [process.execPath, []];
  if (name === 'node-global-websocket') return [process.execPath, ['--experimental-websocket']];
  const bin = path.join(repoRoot, 'node_modules/.bin', name);
  assert.ok(existsSync(bin), `${bin} is missing: npm install (the ${name} npm package ships its binary)`);
  return [bin, name === 'deno' ? ['run', '--allow-all', '--quiet'] : []];
}

function probe(name, dir) {
  const [bin, args] = runtime(name);
  const ep = standin.endpoints;
  const config = JSON.stringify({ wsUrl: ep.wsUrl, region: ep.region, credentials: ep.testCredentials, thing: uniqueId('zero') });
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, 'probe.mjs', config], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${name} probe timed out; stderr: ${err}`)); }, 60000);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('PROBE-REPORT '));
      if (code !== 0 || !line) reject(new Error(`${name} probe exited with ${code}:\n${out}\n${err}`));
      else resolve(JSON.parse(line.slice('PROBE-REPORT '.length)));
    });
  });
}

const WORKED = ['connected', 'received round trip', 'shadow version 1', 'jobs pending 0'];

test('ZeroConfig_Node20WithWs_ConnectsWithNothingInjectedThroughWs', { timeout: 90000 }, async () => {
  const report = await probe('node', project({ ws: true }));
  assert.equal(report.error, undefined, JSON.stringify(report));
  assert.deepEqual(report.steps, WORKED);
  // ws exposes the refused upgrade's status: the client went through ws.
  assert.equal(report.refused.status, 403, JSON.stringify(report.refused));
});

test('ZeroConfig_NodeWithGlobalWebSocket_UsesItRatherThanWs', { timeout: 90000 }, async () => {
  const report = await probe('node-global-websocket', project({ ws: true }));
  assert.equal(report.error, undefined, JSON.stringify(report));
  assert.deepEqual(report.steps, WORKED);
  // The runtime's WebSocket hides the status (as browsers do): not ws.
  assert.equal(report.refused.code, 'io_error', JSON.stringify(report.refused));
  assert.equal(report.refused.status, undefined);
});

test('ZeroConfig_Node20WithoutWs_CreateRejectsSayingWhatToPass', { timeout: 90000 }, async () => {
  const report = await probe('node', project({ ws: false }));
  assert.equal(report.create.isIotError, true, JSON.stringify(report));
  assert.equal(report.create.code, 'unsupported');
  assert.match(report.create.message, /pass options\.WebSocket/);
  assert.match(report.create.message, /npm install ws/);
  assert.deepEqual(report.steps, []);
});

for (const name of ['bun', 'deno']) {
  test(`ZeroConfig_${name[0].toUpperCase()}${name.slice(1)}_ConnectsWithNothingInjected`, { timeout: 90000 }, async () => {
    const report = await probe(name, project({ ws: false }));
    assert.equal(report.error, undefined, JSON.stringify(report));
    assert.deepEqual(report.steps, WORKED);
    assert.equal(report.refused.code, 'io_error', JSON.stringify(report.refused));
  });
}
