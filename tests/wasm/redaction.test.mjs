// Nothing the package emits may contain a presigned URL's query, a secret or a token, whatever the
// runtime puts in its own error texts (Bun's names the whole URL of a refused WebSocket). Runs
// redaction_probe.mjs under the runtime named by IOTLITE_JS_RUNTIME (node | bun | deno; the Bun
// and Deno binaries come from the npm devDependencies: missing is a failure, not a skip) against a
// server refusing the upgrade with 403 and one closing the connection, and checks its whole output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import net from 'node:net';
import { packageDir, repoRoot } from './helpers.mjs';
import { refusingServer } from './hostile_servers.mjs';

const runtime = process.env.IOTLITE_JS_RUNTIME || 'node';
const SECRET = 'wJalrXUtnFEMI-PROBE-SECRET-MUST-NOT-LEAK';
const TOKEN = 'IQoJb3JpZ2luX2VjEPROBE-TOKEN-MUST-NOT-LEAK';

let refusing;
let closing;
before(async () => {
  refusing = await refusingServer(403, 'Forbidden by the probe server');
  closing = net.createServer((s) => { s.on('error', () => {}); s.once('data', () => s.destroy()); });
  await new Promise((r) => closing.listen(0, '127.0.0.1', r));
});
after(async () => {
  await refusing.close();
  closing.close();
});

function command() {
  if (runtime === 'node') return [process.execPath, []];
  const bin = path.join(repoRoot, 'node_modules/.bin', runtime);
  assert.ok(existsSync(bin), `${bin} is missing: npm install (the ${runtime} npm package ships its binary)`);
  return [bin, runtime === 'deno' ? ['run', '--allow-all', '--quiet'] : []];
}

function runProbe() {
  const [bin, args] = command();
  const probe = path.join(repoRoot, 'tests/wasm/redaction_probe.mjs');
  const closingUrl = `ws://127.0.0.1:${closing.address().port}/mqtt`;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [...args, probe, packageDir, refusing.url, closingUrl, SECRET, TOKEN],
      { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${runtime} probe timed out; stderr: ${err}`)); }, 60000);
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err }); });
  });
}

test(`Redaction_${runtime}_RefusedAndClosedUpgrades_NoSecretTokenOrUrlQueryInAnythingEmitted`, { timeout: 90000 }, async () => {
  const { code, out, err } = await runProbe();
  assert.equal(code, 0, `${runtime} probe exited with ${code}: ${err}`);
  const line = out.split('\n').find((l) => l.startsWith('PROBE-REPORT '));
  assert.ok(line, `no report from the ${runtime} probe: ${out}\n${err}`);
  const report = JSON.parse(line.slice('PROBE-REPORT '.length));

  // Every attempt failed with an IotError (a stable code), through connect() and the events.
  const rejections = report.seen.filter((s) => s.where.endsWith('connect() rejection'));
  assert.equal(rejections.length, 3, JSON.stringify(report.seen, null, 1));
  for (const s of report.seen) {
    assert.ok(s.isIotError && s.name === 'IotError', `${s.where}: not an IotError: ${s.message}`);
    assert.ok(['auth_failed', 'io_error', 'connection_refused', 'closed'].includes(s.code), `${s.where}: code ${s.code}`);
  }
  // Nothing the package emitted (nor anything else the probe printed) holds the secrets or a
  // presigned query: not the messages, the stacks, the fields, the console.
  const everything = `${out}\n${err}`;
  for (const [what, needle] of [['the secret key', SECRET], ['the session token', TOKEN],
    ['a URL-encoded token', encodeURIComponent(TOKEN)], ['an X-Amz-Signature value', /X-Amz-Signature=[0-9a-f]/],
    ['an X-Amz-Credential value', /X-Amz-Credential=AKID/], ['a URL with its query', /wss?:\/\/[^\s"'?]*\?(?!\[redacted\])/]]) {
    const found = typeof needle === 'string' ? everything.includes(needle) : needle.test(everything);
    assert.ok(!found, `${runtime}: ${what} appears in the output:\n${everything.slice(0, 4000)}`);
  }
});
