// Through the stand-in's SigV4 WebSocket gateway (ws:// on loopback) and Mosquitto:
//   QoS 0 throughput: one client subscribes to a topic and publishes N messages of 64 bytes to it;
//                     messages received per second (windowed so no broker queue overflows).
//   QoS 1 round trip: publish one QoS 1 message and wait until it comes back on the client's own
//                     subscription; M sequential samples; p50 / p99.
// Ours (the wasm package in Node, `ws` injected) vs MQTT.js 5 in Node (URL presigned with aws4),
// in the same run, the stand-in in a separate process. Usage: node throughput.mjs <package dir> [N] [M]
// IOTLITE_BENCH_PROTOCOL=5: both sides in MQTT 5 (ours from the "iotlite/mqtt5" entry on
// iotlite-mqtt5.wasm with protocolVersion 5, MQTT.js with protocolVersion 5); default 4 (3.1.1).
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import aws4 from 'aws4';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { PROTOCOL, loadPackage, publishWindowed } from './both_clients.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const packageDir = path.resolve(process.argv[2]);
const N = Number(process.argv[3] || 20000);
const M = Number(process.argv[4] || 500);
const pkg = await loadPackage(packageDir);
// The stand-in runs in its own process, so the clients measured here do not share their event
// loop with the gateway's relay. It prints its endpoints as one JSON line and stops when its stdin
// closes.
// Throughput is the point here, so AWS's per-connection publish quotas (100 publishes/s, 100
// unacknowledged QoS 1), which the stand-in enforces by default, are lifted for both clients.
const quotaConfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'iotlite-bench-')), 'standin.json');
writeFileSync(quotaConfig, JSON.stringify({ awsRules: { publishesPerSecond: 1e9, inboundUnackedQos1: 1e9, inboundBytesPerSecond: 1e12 } }));
const standinProc = spawn(process.execPath, [path.join(repoRoot, 'standin/standin.mjs'), '--quiet', '--config', quotaConfig],
  { stdio: ['pipe', 'pipe', 'inherit'] });
const ep = await new Promise((resolve, reject) => {
  let buf = '';
  const timer = setTimeout(() => reject(new Error('the stand-in did not start within 30 s')), 30000);
  standinProc.stdout.on('data', (d) => {
    buf += d;
    const nl = buf.indexOf('\n');
    if (nl >= 0) { clearTimeout(timer); resolve(JSON.parse(buf.slice(0, nl))); }
  });
  standinProc.once('exit', (code) => reject(new Error(`the stand-in exited (${code})`)));
});
const stopStandin = () => new Promise((resolve) => {
  standinProc.once('exit', resolve);
  standinProc.stdin.end();
  setTimeout(() => standinProc.kill('SIGTERM'), 5000).unref();
});
const payload = new Uint8Array(64).fill(0x61);
const deadline = (ms) => Date.now() + ms;

// A uniform adapter: connect(), subscribe(topic, qos, onMessage), publish(topic, payload, qos), close().
async function ours(id) {
  const c = await pkg.IotClient.create({ endpoint: ep.wsUrl, region: ep.region, clientId: id, credentials: ep.testCredentials, WebSocket, protocolVersion: PROTOCOL,
    offlineQueue: { maxMessages: 100000, maxBytes: 64 * 1024 * 1024 } });
  await c.connect();
  return {
    subscribe: (t, qos, fn) => c.subscribe(t, { qos }, fn),
    publish: (t, p, qos) => c.publish(t, p, { qos }),
    close: () => c.close(),
  };
}

async function mqttjs(id) {
  const o = aws4.sign({ host: `${ep.host}:${ep.wsPort}`, path: '/mqtt', service: 'iotdevicegateway', region: ep.region, signQuery: true },
    { accessKeyId: ep.testCredentials.accessKeyId, secretAccessKey: ep.testCredentials.secretAccessKey });
  const c = mqtt.connect(`ws://${ep.host}:${ep.wsPort}${o.path}`, { clientId: id, protocolVersion: PROTOCOL, reconnectPeriod: 0, keepalive: 60 });
  await new Promise((resolve, reject) => { c.once('connect', resolve); c.once('error', reject); });
  c.stream.setMaxListeners(0);  // MQTT.js adds a 'drain' listener per queued QoS 0 write
  const handlers = new Map();
  c.on('message', (topic, p) => { const h = handlers.get(topic); if (h) h(p); });
  return {
    subscribe: async (t, qos, fn) => { handlers.set(t, fn); await c.subscribeAsync(t, { qos }); },
    publish: (t, p, qos) => c.publishAsync(t, Buffer.from(p.buffer, p.byteOffset, p.byteLength), { qos }),
    close: () => c.endAsync(),
  };
}

async function qos0Throughput(make, label) {
  const c = await make(`bench-${label}-${process.pid}`);
  const topic = `bench/${label}/qos0/${process.pid}`;
  let received = 0;
  await c.subscribe(topic, 0, () => { received += 1; });
  const t0 = performance.now();
  const sent = await publishWindowed(N, () => c.publish(topic, payload, 0), () => received,
    () => new Promise((r) => setTimeout(r, 1)), deadline(60000));
  const seconds = (performance.now() - t0) / 1000;
  await c.close();
  return { msgsPerSec: Math.round(received / seconds), received, sent };
}

async function qos1RoundTrip(make, label) {
  const c = await make(`bench-${label}-rt-${process.pid}`);
  const topic = `bench/${label}/qos1/${process.pid}`;
  let wake = null;
  await c.subscribe(topic, 1, () => { if (wake) wake(); });
  const samples = [];
  for (let i = 0; i < M + 50; i++) {
    const t0 = performance.now();
    const back = new Promise((r) => { wake = r; });
    await Promise.all([c.publish(topic, payload, 1), back]);
    if (i >= 50) samples.push(performance.now() - t0);  // the first 50 warm up
  }
  await c.close();
  samples.sort((a, b) => a - b);
  const q = (p) => +samples[Math.min(samples.length - 1, Math.floor(p * samples.length))].toFixed(3);
  return { p50Ms: q(0.5), p99Ms: q(0.99) };
}

try {
  const result = { protocolVersion: PROTOCOL, N, M };
  // Alternate the order so neither side always runs on a warmer broker.
  result.mqttjsQos0 = await qos0Throughput(mqttjs, 'mqttjs');
  result.oursQos0 = await qos0Throughput(ours, 'ours');
  result.oursQos1 = await qos1RoundTrip(ours, 'ours');
  result.mqttjsQos1 = await qos1RoundTrip(mqttjs, 'mqttjs');
  console.log(JSON.stringify(result));
  console.log(`QoS 0 msgs/s: iotlite ${result.oursQos0.msgsPerSec}, MQTT.js ${result.mqttjsQos0.msgsPerSec}, ratio ${(result.oursQos0.msgsPerSec / result.mqttjsQos0.msgsPerSec).toFixed(2)}x`);
  console.log(`QoS 1 round trip p50/p99 ms: iotlite ${result.oursQos1.p50Ms}/${result.oursQos1.p99Ms}, MQTT.js ${result.mqttjsQos1.p50Ms}/${result.mqttjsQos1.p99Ms}`);
} finally {
  await stopStandin();
}
