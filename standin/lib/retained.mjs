// Retained messages as the IoT data plane reports them: GetRetainedMessage (one topic, with its
// payload) and ListRetainedMessages (topics, sizes, QoS; no payloads). Mosquitto keeps the
// retained messages themselves (and keeps them across restarts); this class reads them with a
// short-lived MQTT 5 subscriber and adds the one field Mosquitto does not keep: the time each
// retained message was stored (`lastModifiedTime`, epoch milliseconds).
//
// Sources (AWS IoT API reference, iot-data): GetRetainedMessage, ListRetainedMessages,
// RetainedMessageSummary.
import mqtt from 'mqtt';
import { randomUUID } from 'node:crypto';

/** How long a read may take before it answers with what it has (bounded, never hangs). */
const READ_TIMEOUT_MS = 5_000;
/** A list ends when no retained message came for this long after the last SUBACK. */
const LIST_QUIET_MS = 150;
/** Bound on remembered store times (oldest dropped first); a forgotten time reads as "first seen". */
const MAX_TIMES = 100_000;

export class RetainedMessages {
  /**
   * @param {object} o
   * @param {string} o.brokerUrl mqtt://127.0.0.1:port
   * @param {() => number} o.nowMs the stand-in's clock
   */
  constructor({ brokerUrl, nowMs }) {
    this.brokerUrl = brokerUrl;
    this.nowMs = nowMs;
    /** topic -> epoch ms when a retained PUBLISH for it passed a door of the stand-in. */
    this.times = new Map();
  }

  /**
   * Records that a retained message was stored on `topic` now. The relayed doors (ws, wss,
   * ALPN) and HTTPS publish call this. A message retained through the 8883-style door, which
   * goes straight to Mosquitto, gets the time the stand-in first read it.
   */
  noteStored(topic) {
    this.times.delete(topic);
    this.times.set(topic, this.nowMs());
    if (this.times.size > MAX_TIMES) this.times.delete(this.times.keys().next().value);
  }

  #timeOf(topic) {
    if (!this.times.has(topic)) this.noteStored(topic);
    return this.times.get(topic);
  }

  // Subscribes `filter` at QoS 1 (so each message keeps its own QoS, 0 or 1) and collects the
  // retained messages that arrive, until a second SUBACK plus a quiet period: Mosquitto queues
  // a subscription's retained messages before it handles the next SUBSCRIBE, so they are on
  // the wire before the second SUBACK, except QoS 1 ones held back by the in-flight window,
  // which the quiet period waits for.
  async #read(filter, { quietMs }) {
    const client = await mqtt.connectAsync(this.brokerUrl, {
      clientId: `iotlite-retained-${randomUUID().slice(0, 8)}`,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: READ_TIMEOUT_MS,
    });
    const found = new Map();
    let last = Date.now();
    client.on('message', (topic, payload, packet) => {
      if (!packet.retain) return;
      last = Date.now();
      if (payload.length === 0) return;
      found.set(topic, { topic, payload: Buffer.from(payload), qos: packet.qos, userProperties: packet.properties?.userProperties });
    });
    try {
      await client.subscribeAsync(filter, { qos: 1, rh: 0 });
      await client.subscribeAsync(`iotlite/retained-marker/${randomUUID()}`, { qos: 0 });
      const deadline = Date.now() + READ_TIMEOUT_MS;
      while (quietMs > 0 && Date.now() - last < quietMs && Date.now() < deadline) {
        await new Promise((r) => { setTimeout(r, quietMs); });
      }
    } finally {
      await client.endAsync(true);
    }
    return found;
  }

  /** GetRetainedMessage: {topic, payload (Buffer), qos, lastModifiedTime, userProperties?} or null. */
  async get(topic) {
    const found = await this.#read(topic, { quietMs: 0 });
    const m = found.get(topic);
    if (!m) {
      this.times.delete(topic);
      return null;
    }
    return { ...m, lastModifiedTime: this.#timeOf(topic) };
  }

  /** ListRetainedMessages: every retained message's summary, sorted by topic. */
  async list() {
    const found = await this.#read('#', { quietMs: LIST_QUIET_MS });
    return [...found.values()]
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
      .map((m) => ({ topic: m.topic, payloadSize: m.payload.length, qos: m.qos, lastModifiedTime: this.#timeOf(m.topic) }));
  }
}
