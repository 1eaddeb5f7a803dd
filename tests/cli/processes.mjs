// Child processes of the CLI and device tests: the stand-in as its own process (as a user runs it),
// and a program run with a hard time limit.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const STANDIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'standin', 'standin.mjs');

/**
 * Starts `node standin/standin.mjs` and resolves at its ready line: {child, endpoints, log(), stop()}.
 * Its stdin stays a pipe, so the stand-in stops by itself if this process dies and the pipe
 * closes. log() is its stderr so far (never secrets), for failure messages.
 */
export function startStandinProcess() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [STANDIN], { stdio: ['pipe', 'pipe', 'pipe'] });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (d) => { log += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('stand-in did not start in 60 s')); }, 60000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`stand-in exited early (${code})`)); });
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      resolve({ child, endpoints: JSON.parse(line), log: () => log, stop: () => stopProcess(child) });
    });
  });
}

// SIGTERM, then SIGKILL after 10 s.
function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.once('exit', () => { clearTimeout(force); resolve(); });
    child.kill('SIGTERM');
  });
}

/**
 * Runs `file args` (stdin closed); resolves {code, stdout, stderr}. Killed (SIGKILL) after
 * `limitMs`. Both outputs are pushed onto `outputs` (checked for secrets by the caller).
 */
export function runBounded(file, args, { limitMs, outputs }) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const killer = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('close', (code) => { clearTimeout(killer); outputs.push(stdout, stderr); resolve({ code, stdout, stderr }); });
  });
}
