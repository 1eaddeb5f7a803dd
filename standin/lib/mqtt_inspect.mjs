// Reads the client-to-broker MQTT byte stream of one connection and enforces the limits AWS IoT
// applies per connection before anything reaches Mosquitto. Complete packets that pass are
// returned for forwarding; the first violation ends the connection (AWS disconnects too).
// MQTT 3.1, 3.1.1 and 5 framing.

export const LIMITS = Object.freeze({
  clientIdBytes: 128,
  topicBytes: 256,
  topicSlashes: 7,
  payloadBytes: 128 * 1024,
  filtersPerSubscribe: 8,
});

const TYPE = { CONNECT: 1, PUBLISH: 3, SUBSCRIBE: 8 };
// The largest packet that can be valid: a 128 KB payload, a 256-byte topic and headers
// (MQTT 5 properties included, generously).
const MAX_REMAINING = LIMITS.payloadBytes + 64 * 1024;

/** Counts the '/' levels AWS counts: the `$aws/rules/<rule>/` prefix of Basic Ingest is free. */
export function topicLevelSlashes(topic) {
  const m = /^\$aws\/rules\/[^/]+\//.exec(topic);
  const rest = m ? topic.slice(m[0].length) : topic;
  return (rest.match(/\//g) ?? []).length;
}

/** Returns a message naming the broken rule, or null. */
export function checkTopic(topic, what = 'topic') {
  const bytes = Buffer.byteLength(topic, 'utf8');
  if (bytes > LIMITS.topicBytes) return `${what} is ${bytes} bytes; AWS IoT allows ${LIMITS.topicBytes}`;
  const slashes = topicLevelSlashes(topic);
  if (slashes > LIMITS.topicSlashes) return `${what} has ${slashes} '/' levels; AWS IoT allows ${LIMITS.topicSlashes}`;
  return null;
}

function readVarint(buf, pos, maxBytes = 4) {
  let value = 0;
  let mult = 1;
  for (let i = 0; i < maxBytes; i++) {
    if (pos + i >= buf.length) return { incomplete: true };
    const b = buf[pos + i];
    value += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
    mult *= 128;
  }
  return { malformed: true };
}

class Reader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  need(n) { if (this.pos + n > this.buf.length) throw new Error('packet shorter than its fields'); }
  u8() { this.need(1); return this.buf[this.pos++]; }
  u16() { this.need(2); const v = this.buf.readUInt16BE(this.pos); this.pos += 2; return v; }
  bytes(n) { this.need(n); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  str() { return this.bytes(this.u16()); }
  skipProperties() {
    const v = readVarint(this.buf, this.pos);
    if (v.value === undefined) throw new Error('malformed properties length');
    this.pos = v.next;
    this.need(v.value);
    this.pos += v.value;
  }
}

export class MqttInspector {
  constructor() {
    this.pending = Buffer.alloc(0);
    this.connected = false;
    this.protocolLevel = 4;
    /** The CONNECT's client id (utf-8), once seen: DeleteConnection finds a connection by it. */
    this.clientId = null;
    /** Called with the topic of each retained PUBLISH that passes (GetRetainedMessage's time). */
    this.onRetained = null;
  }

  /**
   * Feeds bytes received from the client.
   * @returns {{ packets: Buffer[], violation: string | null }}
   */
  push(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const packets = [];
    while (this.pending.length >= 2) {
      const len = readVarint(this.pending, 1);
      if (len.malformed) return { packets, violation: 'malformed remaining length' };
      if (len.incomplete) break;
      if (len.value > MAX_REMAINING) {
        return { packets, violation: `packet of ${len.value} bytes is larger than AWS IoT's 128 KB message limit` };
      }
      const total = len.next + len.value;
      if (this.pending.length < total) break;
      const packet = this.pending.subarray(0, total);
      const violation = this.check(packet[0], packet.subarray(len.next));
      if (violation) return { packets, violation };
      packets.push(Buffer.from(packet));
      this.pending = this.pending.subarray(total);
    }
    return { packets, violation: null };
  }

  check(header, body) {
    const type = header >> 4;
    if (!this.connected && type !== TYPE.CONNECT) return 'the first packet must be CONNECT';
    try {
      if (type === TYPE.CONNECT) return this.checkConnect(body);
      if (type === TYPE.PUBLISH) return this.checkPublish(header, body);
      if (type === TYPE.SUBSCRIBE) return this.checkSubscribe(body);
    } catch (e) {
      return `malformed packet: ${e.message}`;
    }
    return null;
  }

  checkConnect(body) {
    if (this.connected) return 'a second CONNECT on the same connection';
    const r = new Reader(body);
    r.str(); // protocol name
    this.protocolLevel = r.u8();
    r.u8(); // flags
    r.u16(); // keep-alive
    if (this.protocolLevel === 5) r.skipProperties();
    const clientId = r.str();
    if (clientId.length > LIMITS.clientIdBytes) {
      return `client id is ${clientId.length} bytes; AWS IoT allows ${LIMITS.clientIdBytes}`;
    }
    this.clientId = clientId.toString('utf8');
    this.connected = true;
    return null;
  }

  checkPublish(header, body) {
    const qos = (header >> 1) & 3;
    if (qos === 3) return 'PUBLISH with QoS 3 is malformed';
    if (qos === 2) return 'PUBLISH with QoS 2; AWS IoT supports QoS 0 and 1 only';
    const r = new Reader(body);
    const topic = r.str().toString('utf8');
    const bad = checkTopic(topic);
    if (bad) return bad;
    if (qos > 0) r.u16();
    if (this.protocolLevel === 5) r.skipProperties();
    const payload = body.length - r.pos;
    if (payload > LIMITS.payloadBytes) return `payload is ${payload} bytes; AWS IoT allows ${LIMITS.payloadBytes}`;
    if ((header & 1) && this.onRetained) this.onRetained(topic);
    return null;
  }

  checkSubscribe(body) {
    const r = new Reader(body);
    r.u16(); // packet id
    if (this.protocolLevel === 5) r.skipProperties();
    let count = 0;
    while (r.pos < body.length) {
      const filter = r.str().toString('utf8');
      const options = r.u8();
      count += 1;
      const bad = checkTopic(filter, 'topic filter');
      if (bad) return bad;
      if ((options & 3) === 2) return 'SUBSCRIBE with QoS 2; AWS IoT supports QoS 0 and 1 only';
    }
    if (count > LIMITS.filtersPerSubscribe) return `SUBSCRIBE has ${count} filters; AWS IoT allows ${LIMITS.filtersPerSubscribe}`;
    return null;
  }
}
