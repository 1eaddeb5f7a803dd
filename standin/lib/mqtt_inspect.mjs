// Reads the client-to-broker MQTT byte stream of one connection and enforces the limits AWS IoT
// applies per connection before anything reaches Mosquitto. Complete packets that pass are
// returned for forwarding (the CONNECT with its keep-alive clamped to AWS's range); the first
// violation ends the connection (AWS disconnects too). A SUBSCRIBE past the subscriptions-per-
// connection quota is trimmed instead (SUBACK 0x80 for the rest). It also remembers what the
// broker-to-client direction needs (lib/mqtt_downstream.mjs): the protocol level and the
// subscriptions.
// MQTT 3.1, 3.1.1 and 5 framing.

export const LIMITS = Object.freeze({
  clientIdBytes: 128,
  topicBytes: 256,
  topicSlashes: 7,
  payloadBytes: 128 * 1024,
  filtersPerSubscribe: 8,
});

/** AWS IoT's default quota of subscriptions per connection (configurable: `awsRules`). */
export const SUBSCRIPTIONS_PER_CONNECTION = 50;

/** A packet with its fixed header: `header` byte, remaining length, `body`. */
export function encodePacket(header, body) {
  const len = [];
  let n = body.length;
  do { let b = n % 128; n = Math.floor(n / 128); if (n) b |= 0x80; len.push(b); } while (n);
  return Buffer.concat([Buffer.from([header, ...len]), body]);
}

/**
 * AWS IoT's keep-alive range ("AWS IoT Core message broker and protocol limits and quotas"): a
 * request below 30 s is treated as 30 s; 1200 s is the most and the default, used for 0 and for
 * anything above. The broker disconnects after 1.5 x the resulting interval without a packet.
 * Configurable (`awsRules` in the stand-in config) so a test can wait seconds, not minutes.
 */
export const KEEP_ALIVE = Object.freeze({ minSeconds: 30, maxSeconds: 1200 });

/** The keep-alive AWS IoT uses for a CONNECT that asks for `requested` seconds. */
export function clampKeepAlive(requested, { minSeconds = KEEP_ALIVE.minSeconds, maxSeconds = KEEP_ALIVE.maxSeconds } = {}) {
  if (requested === 0 || requested > maxSeconds) return maxSeconds;
  return Math.max(requested, minSeconds);
}

/** A filter with a wildcard level; shared subscriptions count as wildcard (never exact). */
export function isWildcardFilter(filter) {
  return filter.startsWith('$share/') || /(^|\/)[+#](\/|$)/.test(filter);
}

const TYPE = { CONNECT: 1, PUBLISH: 3, SUBSCRIBE: 8, UNSUBSCRIBE: 10 };
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
  /**
   * @param {{keepAliveMinSeconds?: number, keepAliveMaxSeconds?: number, subscriptionsPerConnection?: number}} [rules]
   *        AWS defaults when absent
   */
  constructor(rules = {}) {
    this.maxSubscriptions = rules.subscriptionsPerConnection ?? SUBSCRIPTIONS_PER_CONNECTION;
    this.keepAlive = {
      minSeconds: rules.keepAliveMinSeconds ?? KEEP_ALIVE.minSeconds,
      maxSeconds: rules.keepAliveMaxSeconds ?? KEEP_ALIVE.maxSeconds,
    };
    this.pending = Buffer.alloc(0);
    this.connected = false;
    this.protocolLevel = 4;
    /** The CONNECT's client id (utf-8), once seen: DeleteConnection finds a connection by it. */
    this.clientId = null;
    /** Called with the topic of each retained PUBLISH that passes (GetRetainedMessage's time). */
    this.onRetained = null;
    /** Called with a line naming the rule when a request is refused without closing (SUBACK 0x80). */
    this.onRefusal = null;
    /** The keep-alive the client asked for and the one forwarded to the broker (seconds). */
    this.keepAliveRequested = null;
    this.keepAliveUsed = null;
    /** Subscribed filters without wildcards: AWS delivers retained messages only to these. */
    this.exactFilters = new Set();
    /** An MQTT 5 subscription with Retain As Published: live messages then keep RETAIN too. */
    this.retainAsPublished = false;
    /** Every filter subscribed on this connection (the 50-subscription quota counts these). */
    this.subscriptions = new Set();
    /**
     * SUBSCRIBE packet id -> indexes of the filters refused over the quota: the broker's SUBACK
     * for the rest gets 0x80 inserted at those places (lib/mqtt_downstream.mjs).
     */
    this.refusedByPacketId = new Map();
    /** Set by a check that changes what is forwarded: { packet: Buffer | null, reply?: Buffer }. */
    this.rewrite = null;
  }

  /**
   * Feeds bytes received from the client.
   * @returns {{ packets: Buffer[], violation: string | null }}
   */
  push(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const packets = [];
    /** Packets the stand-in answers to the client itself (a SUBACK for a SUBSCRIBE it refused whole). */
    const replies = [];
    while (this.pending.length >= 2) {
      const len = readVarint(this.pending, 1);
      if (len.malformed) return { packets, replies, violation: 'malformed remaining length' };
      if (len.incomplete) break;
      if (len.value > MAX_REMAINING) {
        return { packets, replies, violation: `packet of ${len.value} bytes is larger than AWS IoT's 128 KB message limit` };
      }
      const total = len.next + len.value;
      if (this.pending.length < total) break;
      // A copy: the check may rewrite fields in place (the CONNECT's keep-alive).
      const packet = Buffer.from(this.pending.subarray(0, total));
      const violation = this.check(packet[0], packet.subarray(len.next));
      if (violation) return { packets, replies, violation };
      const out = this.rewrite ?? { packet };
      this.rewrite = null;
      if (out.packet) packets.push(out.packet);
      if (out.reply) replies.push(out.reply);
      this.pending = this.pending.subarray(total);
    }
    return { packets, replies, violation: null };
  }

  check(header, body) {
    const type = header >> 4;
    if (!this.connected && type !== TYPE.CONNECT) return 'the first packet must be CONNECT';
    try {
      if (type === TYPE.CONNECT) return this.checkConnect(body);
      if (type === TYPE.PUBLISH) return this.checkPublish(header, body);
      if (type === TYPE.SUBSCRIBE) return this.checkSubscribe(body);
      if (type === TYPE.UNSUBSCRIBE) return this.noteUnsubscribe(body);
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
    const flags = r.u8();
    const keepAliveAt = r.pos;
    const requested = r.u16();
    if (this.protocolLevel === 5) r.skipProperties();
    const clientId = r.str();
    if (clientId.length > LIMITS.clientIdBytes) {
      return `client id is ${clientId.length} bytes; AWS IoT allows ${LIMITS.clientIdBytes}`;
    }
    if (flags & 0x04) {
      const willQos = (flags >> 3) & 3;
      if (willQos === 2) return 'Will with QoS 2; AWS IoT supports QoS 0 and 1 only';
      if (this.protocolLevel === 5) r.skipProperties();
      const willTopic = r.str().toString('utf8');
      const bad = checkTopic(willTopic, 'Will topic');
      if (bad) return bad;
    }
    // AWS's keep-alive range, written into the CONNECT Mosquitto sees: Mosquitto then closes the
    // connection after 1.5 x the clamped interval without a packet, as AWS does.
    this.keepAliveRequested = requested;
    this.keepAliveUsed = clampKeepAlive(requested, this.keepAlive);
    body.writeUInt16BE(this.keepAliveUsed, keepAliveAt);
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
    if ((header & 1) && topic.startsWith('$')) {
      return `PUBLISH with RETAIN to the reserved topic '${topic}'; AWS IoT does not retain on reserved ($) topics`;
    }
    if (qos > 0) r.u16();
    if (this.protocolLevel === 5) r.skipProperties();
    const payload = body.length - r.pos;
    if (payload > LIMITS.payloadBytes) return `payload is ${payload} bytes; AWS IoT allows ${LIMITS.payloadBytes}`;
    if ((header & 1) && this.onRetained) this.onRetained(topic);
    return null;
  }

  checkSubscribe(body) {
    const r = new Reader(body);
    const packetId = r.u16();
    if (this.protocolLevel === 5) r.skipProperties();
    const head = body.subarray(0, r.pos); // packet id and properties, kept as they are
    const filters = [];
    const entries = []; // each filter's raw bytes (length, filter, options)
    let retainAsPublished = false;
    while (r.pos < body.length) {
      const at = r.pos;
      const filter = r.str().toString('utf8');
      const options = r.u8();
      filters.push(filter);
      entries.push(body.subarray(at, r.pos));
      const bad = checkTopic(filter, 'topic filter');
      if (bad) return bad;
      if ((options & 3) === 2) return 'SUBSCRIBE with QoS 2; AWS IoT supports QoS 0 and 1 only';
      if (this.protocolLevel === 5 && (options & 0x08)) retainAsPublished = true;
    }
    if (filters.length > LIMITS.filtersPerSubscribe) {
      return `SUBSCRIBE has ${filters.length} filters; AWS IoT allows ${LIMITS.filtersPerSubscribe}`;
    }
    // The quota: a filter already subscribed replaces its subscription; a new one past the quota
    // is refused with SUBACK 0x80, the rest of the SUBSCRIBE goes on.
    const refused = [];
    filters.forEach((f, i) => {
      if (this.subscriptions.has(f)) return;
      if (this.subscriptions.size >= this.maxSubscriptions) { refused.push(i); return; }
      this.subscriptions.add(f);
    });
    filters.forEach((f, i) => { if (!refused.includes(i) && !isWildcardFilter(f)) this.exactFilters.add(f); });
    if (retainAsPublished) this.retainAsPublished = true;
    if (refused.length) {
      const names = refused.map((i) => `'${filters[i]}'`).join(', ');
      this.onRefusal?.(`SUBACK 0x80 for ${names}: the connection has ${this.subscriptions.size} subscriptions; AWS IoT allows ${this.maxSubscriptions} per connection`);
      if (refused.length === filters.length) {
        // Nothing left for the broker: the stand-in answers the SUBACK itself.
        const head5 = this.protocolLevel === 5 ? [0x00] : []; // MQTT 5: empty SUBACK properties
        this.rewrite = { packet: null, reply: encodePacket(0x90, Buffer.from([packetId >> 8, packetId & 0xff, ...head5, ...filters.map(() => 0x80)])) };
      } else {
        this.refusedByPacketId.set(packetId, { count: filters.length, refused });
        const kept = entries.filter((_, i) => !refused.includes(i));
        this.rewrite = { packet: encodePacket(0x82, Buffer.concat([head, ...kept])) };
      }
    }
    return null;
  }

  noteUnsubscribe(body) {
    const r = new Reader(body);
    r.u16(); // packet id
    if (this.protocolLevel === 5) r.skipProperties();
    while (r.pos < body.length) {
      const f = r.str().toString('utf8');
      this.exactFilters.delete(f);
      this.subscriptions.delete(f);
    }
    return null;
  }
}
