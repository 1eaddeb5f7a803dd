// The clients alone, without a broker's ceiling: QoS 0 messages per second that each client can
// publish and receive when the "broker" is a few lines of JS in the same process.
//
// Why: through the stand-in (throughput.mjs) Mosquitto 2.0.11 is the slowest stage (97 % of a
// core while our client uses 19 %; `strace -c` shows three read() calls and one epoll_wait per
// message), so its rate caps what a fast client can show there. Here both clients talk to the
// same in-process echo broker, so what differs between the two figures is the client.
//
// The echo broker answers CONNECT with CONNACK and SUBSCRIBE with SUBACK (granting the QoS asked
// for), and sends every PUBLISH straight back, as Mosquitto does for a client subscribed to its
// own topic. What the writes of one task carried comes back as one chunk on a later task
// (setImmediate), as a socket's reader would get it. Ours gets it as a WebSocket-like object
// (options.WebSocket), MQTT.js as the stream of its streamBuilder. The broker's own work is in
// both figures alike.
//
// Usage: node client_cpu.mjs <package dir> [N] [rounds]
//   IOTLITE_BENCH_PROTOCOL=5: both clients in MQTT 5 (ours from "iotlite/mqtt5"); default 4.
// Each round measures MQTT.js, then ours, on fresh clients; the first round is each side cold
// (as throughput.mjs measures), the later ones warm. Prints one JSON line per round and the
// medians. The figure: messages received / seconds from the first publish to the last receipt,
// and the process's CPU time (user + system) per message over the same span.
import path from 'node:path';
import { Duplex } from 'node:stream';
import mqtt from 'mqtt';
import { encodePacket, readProperties, readVarint } from '../../../standin/lib/mqtt_properties.mjs';
import { PROTOCOL, loadPackage, publishWindowed } from './both_clients.mjs';

const packageDir = path.resolve(process.argv[2] || 'build/wasm/wasm/package');
const N = Number(process.argv[3] || 20000);
const ROUNDS = Number(process.argv[4] || 5);
const pkg = await loadPackage(packageDir);

// The echo broker of one connection: feed(bytes) returns the bytes to send back (or null).
// Packets may span feeds; a feed may hold many.
function echoBroker(onDisconnect) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
    const replies = [];
    let at = 0;
    while (at < pending.length) {
      const remaining = readVarint(pending, at + 1);
      if (remaining.malformed) throw new Error('echo broker: malformed remaining length');
      if (remaining.incomplete || remaining.next + remaining.value > pending.length) break;  // the rest is still to come
      const bodyAt = remaining.next;
      const end = bodyAt + remaining.value;
      const type = pending[at] >> 4;
      if (type === 1) {  // CONNECT -> CONNACK (MQTT 5: an empty property list)
        replies.push(encodePacket(0x20, Buffer.from(PROTOCOL === 5 ? [0, 0, 0] : [0, 0])));
      } else if (type === 3) {  // PUBLISH: delivered back as it came
        replies.push(pending.subarray(at, end));
      } else if (type === 8) {  // SUBSCRIBE -> SUBACK granting each filter's QoS
        let j = bodyAt + 2;
        if (PROTOCOL === 5) j = readProperties(pending, j).next;  // the SUBSCRIBE's properties
        const granted = [];
        while (j < end) {
          j += 2 + pending.readUInt16BE(j);
          granted.push(pending[j] & 3);
          j += 1;
        }
        const packetId = pending.subarray(bodyAt, bodyAt + 2);
        const properties = Buffer.from(PROTOCOL === 5 ? [0] : []);
        replies.push(encodePacket(0x90, Buffer.concat([packetId, properties, Buffer.from(granted)])));
      } else if (type === 12) {  // PINGREQ -> PINGRESP
        replies.push(encodePacket(0xd0, Buffer.alloc(0)));
      } else if (type === 14) {
        onDisconnect();
      }
      at = end;
    }
    pending = pending.subarray(at);
    return replies.length ? Buffer.concat(replies) : null;
  };
}

// What the echo broker answers during one task reaches the client as one chunk on a later task,
// as a socket's reader would see the writes of one burst: deliver(bytes) after every write of the
// same task was answered.
function coalescing(deliver) {
  let queued = [];
  return (reply) => {
    if (!reply) return;
    if (queued.push(reply) > 1) return;
    setImmediate(() => {
      const chunk = queued.length === 1 ? queued[0] : Buffer.concat(queued);
      queued = [];
      deliver(chunk);
    });
  };
}

// A WebSocket-like object for our client: the echo broker on the other side.
class EchoWebSocket extends EventTarget {
  constructor() {
    super();
    this.readyState = 0;
    this.binaryType = 'arraybuffer';
    this.feed = echoBroker(() => this.close());
    this.reply = coalescing((chunk) => {
      if (this.readyState !== 1) return;
      const event = new Event('message');
      event.data = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength);
      this.dispatchEvent(event);
    });
    setImmediate(() => { this.readyState = 1; this.dispatchEvent(new Event('open')); });
  }
  send(data) { this.reply(this.feed(data)); }
  close() {
    if (this.readyState >= 2) return;
    this.readyState = 3;
    setImmediate(() => {
      const event = new Event('close');
      Object.assign(event, { code: 1000, reason: '', wasClean: true });
      this.dispatchEvent(event);
    });
  }
}

// A duplex stream for MQTT.js's streamBuilder: the same echo broker on the other side.
function echoStream() {
  let stream;
  const feed = echoBroker(() => setImmediate(() => stream.push(null)));
  const reply = coalescing((chunk) => stream.push(chunk));
  stream = new Duplex({
    write(chunk, _encoding, done) {
      reply(feed(chunk));
      done();
    },
    read() {},
  });
  return stream;
}

const payload = new Uint8Array(64).fill(0x61);

async function ours(id) {
  const c = await pkg.IotClient.create({
    endpoint: 'ws://127.0.0.1:1/mqtt', region: 'us-east-1', clientId: id, protocolVersion: PROTOCOL,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    WebSocket: EchoWebSocket, offlineQueue: { maxMessages: 100000, maxBytes: 64 * 1024 * 1024 },
  });
  await c.connect();
  return {
    subscribe: (t, fn) => c.subscribe(t, { qos: 0 }, fn),
    publish: (t, p) => c.publish(t, p, { qos: 0 }),
    close: () => c.close(),
  };
}

async function mqttjs(id) {
  const c = new mqtt.MqttClient(echoStream, { clientId: id, protocolVersion: PROTOCOL, reconnectPeriod: 0, keepalive: 60 });
  await new Promise((resolve, reject) => { c.once('connect', resolve); c.once('error', reject); });
  c.stream.setMaxListeners(0);  // MQTT.js adds a 'drain' listener per queued QoS 0 write (as in throughput.mjs)
  const handlers = new Map();
  c.on('message', (topic, p) => { const h = handlers.get(topic); if (h) h(p); });
  return {
    subscribe: async (t, fn) => { handlers.set(t, fn); await c.subscribeAsync(t, { qos: 0 }); },
    publish: (t, p) => c.publishAsync(t, Buffer.from(p.buffer, p.byteOffset, p.byteLength), { qos: 0 }),
    close: () => c.endAsync(),
  };
}

// The loop of throughput.mjs (both_clients.mjs). A round that has not finished after 60 s stops
// there, and says so.
async function qos0(make, label) {
  const c = await make(`cpu-${label}-${process.pid}`);
  const topic = `bench/${label}/${process.pid}`;
  let received = 0;
  await c.subscribe(topic, () => { received += 1; });
  const until = Date.now() + 60000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // The broker answers on a later task of this process: waiting yields to it, with no sleep.
  await publishWindowed(N, () => c.publish(topic, payload), () => received, () => new Promise((r) => setImmediate(r)), until);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await c.close();
  if (received < N) throw new Error(`${label}: ${received} of ${N} messages came back within 60 s`);
  return { msgsPerSec: Math.round(received / seconds), cpuUsPerMsg: +((cpu.user + cpu.system) / received).toFixed(2) };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rounds = [];
for (let r = 0; r < ROUNDS; r++) {
  const mqttjsRound = await qos0(mqttjs, `mqttjs${r}`);
  const oursRound = await qos0(ours, `ours${r}`);
  const row = { round: r, protocolVersion: PROTOCOL, N, ours: oursRound, mqttjs: mqttjsRound,
    ratio: +(oursRound.msgsPerSec / mqttjsRound.msgsPerSec).toFixed(2) };
  rounds.push(row);
  console.log(JSON.stringify(row));
}
const warm = rounds.slice(1);
const line = (label, rs) => `${label}: iotlite ${median(rs.map((x) => x.ours.msgsPerSec))} msg/s `
  + `(${median(rs.map((x) => x.ours.cpuUsPerMsg))} us CPU/msg), MQTT.js ${median(rs.map((x) => x.mqttjs.msgsPerSec))} msg/s `
  + `(${median(rs.map((x) => x.mqttjs.cpuUsPerMsg))} us CPU/msg), ratio ${median(rs.map((x) => x.ratio))}x`;
console.log(line('cold (round 0)', rounds.slice(0, 1)));
if (warm.length) console.log(line(`warm (median of rounds 1-${warm.length})`, warm));
