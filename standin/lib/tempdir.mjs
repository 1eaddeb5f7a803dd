// The stand-in's temporary directory (`<tmpdir>/iotlite-standin-XXXXXX`): created with an owner
// record, removed on every exit path this process can see, and swept by the next stand-in when
// its owner died without removing it (SIGKILL, power loss).
//
// - owner.json records {pid, startTicks}; startTicks is the owner's start time in clock ticks
//   since boot (/proc/<pid>/stat field 22), so a pid reused by another process does not keep a
//   dead stand-in's dir alive, and a live stand-in's dir is never taken for a dead one's.
// - 'exit' hook: process.exit(), an uncaught exception, the event loop running dry.
// - SIGINT/SIGTERM/SIGHUP: when nobody else listens for the signal (a test file that runs the
//   stand-in in its own process), the dirs are removed and the signal is raised again with its
//   default action, so the process still ends the way it would have. When someone else listens
//   (the command line, a test runner, the host application) they decide, and the 'exit' hook
//   cleans up if the process ends.
import { promises as fs, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMP_PREFIX = 'iotlite-standin-';
export const OWNER_FILE = 'owner.json';
const NAME = /^iotlite-standin-[A-Za-z0-9]{6}$/;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

// Dirs of this process still to remove: dir -> { brokerPid(): number }.
const live = new Map();
let hooked = false;

/** {state, startTicks} of a process from /proc (Linux), or null when unknown or gone. */
export function procInfo(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
    return { state: f[0], startTicks: f[19] }; // field 22: starttime
  } catch {
    return null;
  }
}

/**
 * True unless the record's process is certainly gone: no such pid, a zombie, or a pid now
 * used by a process that started at another time.
 */
export function ownerAlive(owner) {
  const { pid, startTicks } = owner;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if (e.code === 'ESRCH') return false;
  }
  const info = procInfo(pid);
  if (info) {
    if (info.state === 'Z' || info.state === 'X') return false;
    if (startTicks && info.startTicks !== startTicks) return false;
  }
  return true;
}

/**
 * Removes `iotlite-standin-*` dirs in `root` whose owner record names a dead process. Dirs of
 * other users, without a readable record (one being created right now, or made by an older
 * stand-in) or whose owner lives are kept. Returns the removed paths.
 */
export async function sweepStaleTempDirs({ root = os.tmpdir(), log = () => {} } = {}) {
  const removed = [];
  let names;
  try { names = await fs.readdir(root); } catch { return removed; }
  const uid = process.getuid?.();
  for (const name of names) {
    if (!NAME.test(name)) continue;
    const dir = path.join(root, name);
    if (live.has(dir)) continue;
    try {
      const st = await fs.lstat(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const owner = JSON.parse(await fs.readFile(path.join(dir, OWNER_FILE), 'utf8'));
      if (!Number.isInteger(owner?.pid) || owner.pid <= 0 || ownerAlive(owner)) continue;
      await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
      removed.push(dir);
      log(`removed the temp dir of a dead stand-in (pid ${owner.pid}): ${dir}`);
    } catch { /* no record yet, unreadable, or removed by someone else meanwhile: keep going */ }
  }
  return removed;
}

function removeSync(dir, entry) {
  // The process is going away: Mosquitto goes first (its guard would stop it a moment later
  // and it would try to write its database into the dir being removed).
  const pid = entry.brokerPid();
  if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } }
  try { rmSync(dir, { recursive: true, force: true, maxRetries: 3 }); } catch { /* nothing more to do */ }
}

function onExit() {
  for (const [dir, entry] of live) removeSync(dir, entry);
  live.clear();
}

function onSignal(sig) {
  if (process.listenerCount(sig) > 1) return; // someone else handles it; the 'exit' hook stays
  onExit();
  unhook();
  process.kill(process.pid, sig); // no listener left: the default action ends the process
}

function hook() {
  if (hooked) return;
  hooked = true;
  process.on('exit', onExit);
  for (const sig of SIGNALS) process.on(sig, onSignal);
}

function unhook() {
  if (!hooked) return;
  hooked = false;
  process.off('exit', onExit);
  for (const sig of SIGNALS) process.off(sig, onSignal);
}

/**
 * Creates `<root>/iotlite-standin-XXXXXX` with its owner record and registers it for removal
 * on exit. Returns { dir, setBrokerPid(fn), remove() }; remove() deletes it (idempotent).
 */
export async function createTempDir({ root = os.tmpdir() } = {}) {
  const dir = await fs.mkdtemp(path.join(root, TEMP_PREFIX));
  const entry = { brokerPid: () => 0 };
  live.set(dir, entry);
  hook();
  async function remove() {
    await fs.rm(dir, { recursive: true, force: true, maxRetries: 3 });
    live.delete(dir);
    if (live.size === 0) unhook();
  }
  try {
    const me = procInfo(process.pid);
    const record = { pid: process.pid, startTicks: me?.startTicks ?? null, created: new Date().toISOString() };
    const tmp = path.join(dir, `${OWNER_FILE}.tmp`);
    await fs.writeFile(tmp, JSON.stringify(record) + '\n');
    await fs.rename(tmp, path.join(dir, OWNER_FILE)); // atomic: a sweeper sees all of it or nothing
  } catch (e) {
    await remove();
    throw e;
  }
  return { dir, setBrokerPid(fn) { entry.brokerPid = fn; }, remove };
}
