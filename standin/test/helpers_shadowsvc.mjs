// Test helpers for the shadow service and HTTPS API suites: a throwaway Mosquitto on a free
// loopback port, and an MQTT subscriber that collects messages with bounded waits.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { freePort, waitForPort } from '../lib/net_util.mjs';

/** Starts mosquitto (plain TCP listener on 127.0.0.1) from a generated config in a temp dir. */
export async function startTestMosquitto(port) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iotlite-shadowsvc-mq-'));
  port ??= await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    `user ${os.userInfo().username}`,
    'persistence false',
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    '',
  ].join('\n'));
  // A sh guard holds a pipe from us on fd 3: when this test process ends in any way (even
  // killed), the pipe closes and the guard stops mosquitto, so no broker outlives the test.
  const guard = [
    'exec 3<&0',
    'mosquitto -c "$1" </dev/null &',
    'm=$!',
    '{ cat <&3 >/dev/null; kill -TERM "$m" 2>/dev/null; } &',
    'w=$!',
    'wait "$m"; rc=$?',
    'kill "$w" 2>/dev/null',
    'exit "$rc"',
  ].join('\n');
  const proc = spawn('sh', ['-c', guard, 'sh', conf], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  try {
    await Promise.race([
      waitForPort(port, 10_000),
      exited.then((code) => { throw new Error(`mosquitto exited (${code}): ${stderr}`); }),
    ]);
  } catch (e) {
    proc.stdin.end();
    throw e;
  }
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.stdin.end(); // the guard's cat sees EOF and stops mosquitto
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An MQTT client that records every message; next(topic) waits (bounded) for one. */
export async function collector(url, filters) {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  const seen = [];
  const waiters = [];
  client.on('message', (topic, payload) => {
    seen.push({ topic, payload: String(payload) });
    for (const w of [...waiters]) w();
  });
  if (filters.length) await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    seen,
    /** Resolves with the first not-yet-taken message on `topic`, or rejects after timeoutMs. */
    next(topic, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const i = seen.findIndex((m) => m.topic === topic && !m.taken);
          if (i < 0) return false;
          seen[i].taken = true;
          cleanup();
          resolve(JSON.parse(seen[i].payload));
          return true;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no message on ${topic} within ${timeoutMs} ms; seen: ${seen.map((m) => m.topic).join(', ')}`));
        }, timeoutMs);
        const w = () => { check(); };
        const cleanup = () => {
          clearTimeout(timer);
          const j = waiters.indexOf(w);
          if (j >= 0) waiters.splice(j, 1);
        };
        if (!check()) waiters.push(w);
      });
    },
    async close() { await client.endAsync(true); },
  };
}
