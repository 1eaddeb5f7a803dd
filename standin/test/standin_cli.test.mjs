// The one-command start: `node standin/standin.mjs` prints one JSON line, serves on
// loopback, and leaves no process behind on SIGTERM, on stdin EOF (parent gone) or even when
// it is SIGKILLed (the mosquitto guard notices the closed pipe).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { request } from './helpers.mjs';

const STANDIN = fileURLToPath(new URL('../standin.mjs', import.meta.url));
const children = new Set();
after(() => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); });

function start(args = []) {
  const child = spawn(process.execPath, [STANDIN, '--quiet', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no JSON line within 20 s; stderr: ${err}`)), 20_000);
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) { clearTimeout(t); resolve(JSON.parse(out.slice(0, nl))); }
    });
    child.on('exit', () => { clearTimeout(t); reject(new Error(`exited before ready; stderr: ${err}`)); });
  });
  return { child, ready, exited };
}

/** True while pid is a live (non-zombie) process. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
}

async function gone(pid, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

async function brokerPid(ep) {
  const st = await request(`${ep.adminUrl}/state`, { method: 'GET' });
  assert.ok(st.json.brokerPid > 0);
  return st.json.brokerPid;
}

test('Cli_Start_PrintsOneJsonLineWithLoopbackEndpoints', async () => {
  const { child, ready, exited } = start();
  const ep = await ready;
  for (const k of ['wsUrl', 'wssUrl', 'cognitoUrl', 'adminUrl']) assert.match(ep[k], /^(ws|wss|http):\/\/127\.0\.0\.1:\d+\//, k);
  for (const k of ['wsPort', 'wssPort', 'brokerTcpPort', 'mqttTlsPort', 'alpnPort']) assert.ok(Number.isInteger(ep[k]) && ep[k] > 0, k);
  assert.ok(existsSync(ep.caCertPath));
  assert.equal(typeof ep.testCredentials.accessKeyId, 'string');
  const pid = await brokerPid(ep);
  child.kill('SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
  assert.ok(await gone(pid), 'mosquitto still running after SIGTERM');
  assert.equal(existsSync(ep.tempDir), false, 'temp dir left behind');
});

test('Cli_FixedPorts_UsesThem', async () => {
  const { freePorts } = await import('../lib/net_util.mjs');
  const [ws, adminPort] = await freePorts(2);
  const { child, ready, exited } = start(['--ports', `ws=${ws},admin=${adminPort}`]);
  const ep = await ready;
  assert.equal(ep.wsPort, ws);
  assert.equal(ep.adminUrl, `http://127.0.0.1:${adminPort}/admin`);
  child.kill('SIGINT');
  assert.equal((await exited).code, 0);
});

test('Cli_BadArgument_ExitCode2WithUsage', async () => {
  const { exited, child, ready } = start(['--ports', 'ws=abc']);
  ready.catch(() => {}); // it never becomes ready
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  assert.equal((await exited).code, 2);
  assert.match(err, /name=number/);
});

test('Cli_StdinClosed_ExitsAndStopsMosquitto', async () => {
  const { child, ready, exited } = start();
  const pid = await brokerPid(await ready);
  child.stdin.end();
  assert.equal((await exited).code, 0);
  assert.ok(await gone(pid), 'mosquitto still running after the parent pipe closed');
});

test('Cli_Sigkilled_MosquittoGuardStopsBroker', async () => {
  const { child, ready, exited } = start();
  const ep = await ready;
  const pid = await brokerPid(ep);
  child.kill('SIGKILL');
  await exited;
  try {
    assert.ok(await gone(pid), 'mosquitto outlived a SIGKILLed stand-in');
  } finally {
    rmSync(ep.tempDir, { recursive: true, force: true }); // a SIGKILLed process cannot clean up
  }
});
