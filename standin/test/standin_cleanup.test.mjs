// The stand-in leaves no `iotlite-standin-*` temp dir behind when its parent dies or when it is
// told to stop, even during its start (issue 11, item 11), and the next start sweeps the dir of
// a stand-in that could not clean up (SIGKILL) while keeping a live one's. Every stand-in here
// runs with TMPDIR set to a private dir, so nothing outside it is looked at or removed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

const STANDIN = fileURLToPath(new URL('../standin.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const EXIT_BOUND_MS = 5000; // "within a few seconds"

let tmp;
const children = new Set();
const standinPids = new Set(); // stand-ins started by a parent here: not our children
before(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'iotlite-cleanup-test-')); });
after(() => {
  // A failed case may leave a stand-in running (an orphan keeps our stdout pipe open, which
  // would keep this file from ending): end every one that was started here.
  for (const pid of standinPids) if (alive(pid)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    c.stdout.destroy();
    c.stderr.destroy();
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** True while pid is a live (non-zombie) process. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch { return false; }
}

async function until(cond, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await sleep(25);
  }
}

/** A private TMPDIR for one test. */
function freshTmp(name) {
  const dir = path.join(tmp, name);
  mkdirSync(dir);
  return dir;
}

const standinDirs = (root) => readdirSync(root).filter((n) => n.startsWith('iotlite-standin-')).map((n) => path.join(root, n));

/** Spawns `args` with TMPDIR=root; collects stdout lines as JSON objects. */
function run(args, root, { stdin = 'pipe' } = {}) {
  const child = spawn(process.execPath, args, { stdio: [stdin, 'pipe', 'pipe'], env: { ...process.env, TMPDIR: root } });
  children.add(child);
  child.stdin?.on('error', () => {});
  const lines = [];
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
    for (let nl; (nl = out.indexOf('\n')) >= 0; out = out.slice(nl + 1)) {
      const l = JSON.parse(out.slice(0, nl));
      if (Number.isInteger(l.child)) standinPids.add(l.child);
      lines.push(l);
    }
  });
  child.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const line = (pred, timeoutMs = 30_000) => until(() => lines.some(pred), timeoutMs, `a line from ${args.join(' ')}; stderr: ${err}`)
    .then(() => lines.find(pred));
  return { child, exited, line, ready: () => lines.some((l) => l.event === 'ready'), stderr: () => err };
}

/** Pids of processes whose command line mentions `root` (a stand-in's mosquitto runs `-c <tempDir>/mosquitto.conf`). */
function processesUnder(root) {
  const pids = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(root) && alive(Number(pid))) pids.push(Number(pid));
    } catch { /* gone */ }
  }
  return pids;
}

/**
 * A parent process that starts the stand-in (its stdin a pipe from the parent, or /dev/null)
 * and prints {"child": pid}; the stand-in's JSON line comes through the same inherited stdout.
 */
function parentOfStandin(root, stdin) {
  const code = `const c = require('node:child_process').spawn(process.execPath, [${JSON.stringify(STANDIN)}, '--quiet'],
    { stdio: [${JSON.stringify(stdin)}, 'inherit', 'inherit'] });
    process.stdout.write(JSON.stringify({ child: c.pid }) + '\\n');
    setInterval(() => {}, 1000);`;
  return run(['-e', code], root);
}

async function expectGoneSoon(pid, dir, what) {
  const t0 = Date.now();
  await until(() => !alive(pid), EXIT_BOUND_MS, `the stand-in (pid ${pid}) exits after ${what}`);
  await until(() => !existsSync(dir), 1000, `its temp dir ${dir} is removed after ${what}`);
  return Date.now() - t0;
}

for (const stdin of ['pipe', 'ignore']) {
  const how = stdin === 'pipe' ? 'StdinPipeClosed' : 'Reparented';
  test(`Cleanup_ParentSigkilledAfterReady_${how}_StandinExitsAndRemovesTempDir`, async (t) => {
    const root = freshTmp(`after-${stdin}`);
    const parent = parentOfStandin(root, stdin);
    const { child: pid } = await parent.line((l) => l.child);
    const ep = await parent.line((l) => l.event === 'ready');
    assert.equal(ep.pid, pid);
    assert.ok(existsSync(ep.tempDir));
    const { brokerPid } = JSON.parse(await (await fetch(`${ep.adminUrl}/state`)).text());
    parent.child.kill('SIGKILL');
    const ms = await expectGoneSoon(pid, ep.tempDir, 'its parent was SIGKILLed');
    await until(() => !alive(brokerPid), 2000, 'mosquitto exits too');
    assert.deepEqual(standinDirs(root), []);
    t.diagnostic(`stand-in and temp dir gone ${ms} ms after the parent's SIGKILL`);
  });
}

test('Cleanup_ParentSigkilledDuringStart_StandinExitsAndRemovesTempDir', async () => {
  // stdin /dev/null (as scripts/demo.sh runs it): only the parent-pid check can notice.
  const root = freshTmp('during-start');
  const parent = parentOfStandin(root, 'ignore');
  const { child: pid } = await parent.line((l) => l.child);
  await until(() => standinDirs(root).length > 0, 20_000, 'the stand-in creates its temp dir');
  parent.child.kill('SIGKILL');
  assert.equal(parent.ready(), false, 'the stand-in was already ready: not a kill during its start');
  const [dir] = standinDirs(root);
  await expectGoneSoon(pid, dir, 'its parent was SIGKILLed during its start');
  assert.deepEqual(standinDirs(root), []);
  await until(() => processesUnder(root).length === 0, 2000, 'no mosquitto left for that temp dir');
});

test('Cleanup_SigtermDuringStart_ExitsCleanly', async () => {
  const root = freshTmp('sigterm-start');
  const s = run([STANDIN, '--quiet'], root);
  await until(() => standinDirs(root).length > 0, 20_000, 'the stand-in creates its temp dir');
  const [dir] = standinDirs(root);
  s.child.kill('SIGTERM');
  assert.deepEqual(await s.exited, { code: 0, signal: null });
  assert.equal(s.ready(), false, 'the stand-in was already ready: not a SIGTERM during its start');
  assert.equal(existsSync(dir), false, 'temp dir left after SIGTERM during the start');
  await until(() => processesUnder(root).length === 0, 2000, 'no mosquitto left for that temp dir');
});

for (const sig of ['SIGHUP', 'SIGINT']) {
  test(`Cleanup_${sig}AfterReady_ExitsAndRemovesTempDir`, async () => {
    const root = freshTmp(`${sig}-ready`);
    const s = run([STANDIN, '--quiet'], root);
    const ep = await s.line((l) => l.event === 'ready');
    s.child.kill(sig);
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.equal(existsSync(ep.tempDir), false);
  });
}

test('Cleanup_InProcessStandinHostSigterm_RemovesTempDirAndDiesBySignal', async () => {
  // A program that runs the stand-in in its own process and installs no signal handler.
  const root = freshTmp('in-process');
  const code = `const { startStandin } = await import(${JSON.stringify(STANDIN)});
    const s = await startStandin();
    process.stdout.write(JSON.stringify({ dir: s.endpoints.tempDir }) + '\\n');
    setInterval(() => {}, 1000);`;
  const host = run(['--input-type=module', '-e', code], root);
  const { dir } = await host.line((l) => l.dir);
  host.child.kill('SIGTERM');
  assert.deepEqual(await host.exited, { code: null, signal: 'SIGTERM' }); // ends as it would have
  assert.equal(existsSync(dir), false, 'temp dir left by an in-process stand-in after SIGTERM');
  await until(() => processesUnder(root).length === 0, 2000, 'no mosquitto left for that temp dir');
});

test('Cleanup_Start_SweepsDeadStandinsDirsKeepsLiveOnes', async () => {
  const root = freshTmp('sweep');
  // 1. A real stand-in SIGKILLed: it cannot clean up, its dir stays.
  const killed = run([STANDIN, '--quiet'], root);
  const old = await killed.line((l) => l.event === 'ready');
  killed.child.kill('SIGKILL');
  await killed.exited;
  assert.ok(existsSync(old.tempDir), 'a SIGKILLed stand-in cannot remove its dir');
  // 2. Records made by hand: a dead pid, a live pid (this test), a live pid reused by another
  //    process (other start time), and a dir without a record (being created, or older).
  const deadPid = spawnSync('true').pid;
  assert.equal(alive(deadPid), false);
  const mine = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  const myTicks = mine.slice(mine.lastIndexOf(')') + 2).split(' ')[19];
  const fake = (name, record) => {
    const dir = path.join(root, `iotlite-standin-${name}`);
    mkdirSync(dir);
    if (record) writeFileSync(path.join(dir, 'owner.json'), JSON.stringify(record));
    return dir;
  };
  const dead = fake('dead01', { pid: deadPid, startTicks: '1' });
  const live = fake('live01', { pid: process.pid, startTicks: myTicks });
  const reused = fake('reuse1', { pid: process.pid, startTicks: String(Number(myTicks) + 1) });
  const noRecord = fake('norec1', null);
  const other = path.join(root, 'iotlite-standin-other-name'); // not a stand-in's dir name
  mkdirSync(other);
  writeFileSync(path.join(other, 'owner.json'), JSON.stringify({ pid: deadPid }));

  const next = run([STANDIN, '--quiet'], root);
  const ep = await next.line((l) => l.event === 'ready');
  try {
    assert.equal(existsSync(old.tempDir), false, 'the SIGKILLed stand-in\'s dir was not swept');
    assert.equal(existsSync(dead), false, 'a dead owner\'s dir was not swept');
    assert.equal(existsSync(reused), false, 'a dir whose pid now belongs to another process was not swept');
    assert.ok(existsSync(live), 'a live owner\'s dir was removed');
    assert.ok(existsSync(noRecord), 'a dir without an owner record was removed');
    assert.ok(existsSync(other));
    assert.ok(existsSync(ep.tempDir));
    const record = JSON.parse(readFileSync(path.join(ep.tempDir, 'owner.json'), 'utf8'));
    assert.equal(record.pid, ep.pid);
  } finally {
    next.child.kill('SIGTERM');
    await next.exited;
  }
  assert.equal(existsSync(ep.tempDir), false);
});
