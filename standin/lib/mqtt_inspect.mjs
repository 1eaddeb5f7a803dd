// Reads the client-to-broker MQTT byte stream of one connection and enforces the limits AWS IoT
// applies per connection before anything reaches Mosquitto. Complete packets that pass are
// returned for forwarding (the CONNECT with its keep-alive clamped to AWS's range); the first
// violation ends the connection (AWS disconnects too). A SUBSCRIBE past the subscriptions-per-
// connection quota is trimmed instead (SUBACK 0x80 for the rest). MQTT 5 topic aliases are
// resolved, so every rule sees the real topic. It also remembers what the
// broker-to-client direction needs (lib/mqtt_downstream.mjs): the protocol level and the
// subscriptions.
// MQTT 3.1, 3.1.1 and 5 framing.
// The topic rules (limits, reserved topics) are lib/topic_rules.mjs, shared with HTTPS publish; the
// per-connection quotas (publishes/s, unacknowledged QoS 1, CONNECTs per client id) lib/quotas.mjs.
import { encodePacket, readProperties, readVarint, PROPERTY } from './mqtt_properties.mjs';
import { mqtt5Rules, REASON } from './mqtt5_rules.mjs';
import { AWS_QUOTAS, TokenBucket } from './quotas.mjs';
import { reservedPublishError, reservedSubscribeError, topicLevelSlashes, topicNameError, topicSizeError } from './topic_rules.mjs';

export { topicLevelSlashes };

export const LIMITS = Object.freeze({
  clientIdBytes: 128,
  topicBytes: 256,
  topicSlashes: 7,
  payloadBytes: 128 * 1024,
  filtersPerSubscribe: 8,
});

/** AWS IoT's default quota of subscriptions per connection (configurable: `awsRules`). */
export const SUBSCRIPTIONS_PER_CONNECTION = 50;

export { encodePacket };

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

const TYPE = { CONNECT: 1, PUBLISH: 3, PUBACK: 4, SUBSCRIBE: 8, UNSUBSCRIBE: 10, AUTH: 15 };
// The largest packet that can be valid: a 128 KB payload, a 256-byte topic and headers
// (MQTT 5 properties included, generously).
const MAX_REMAINING = LIMITS.payloadBytes + 64 * 1024;

/** Returns a message naming the broken size rule of a topic or filter, or null (lib/topic_rules.mjs). */
export const checkTopic = topicSizeError;

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
    /** MQTT 5 topic aliases the client set on this connection: alias -> topic (§3.3.2.3.4). */
    this.topicAliases = new Map();
    /** The aliases as the broker knows them (only forwarded PUBLISHes set them there). */
    this.brokerAliases = new Map();
    /** Set by a check that changes what is forwarded: { packet: Buffer | null, reply?: Buffer }. */
    this.rewrite = null;
    /**
     * IoT policy check (lib/policy_set.mjs), or null (allow all): `(action, resource)` with the
     * resource as `client/<id>`, `topic/<name>` or `topicfilter/<filter>` -> {allowed, why}.
     */
    this.authorize = null;
    // Quotas per connection (lib/quotas.mjs; `awsRules`, AWS's defaults when absent).
    this.publishBucket = new TokenBucket(rules.publishesPerSecond ?? AWS_QUOTAS.publishesPerSecond);
    /** The same quota for PUBLISHes the broker sends to this client (lib/mqtt_downstream.mjs). */
    this.outboundPublishBucket = new TokenBucket(rules.outboundPublishesPerSecond ?? rules.publishesPerSecond ?? AWS_QUOTAS.outboundPublishesPerSecond);
    this.maxInboundUnacked = rules.inboundUnackedQos1 ?? AWS_QUOTAS.inboundUnackedQos1;
    /** Packet ids of the client's QoS 1 PUBLISHes forwarded and not yet acknowledged by the broker. */
    this.inboundUnacked = new Set();
    /**
     * Packet ids of QoS 1 messages sent to the client and not yet acknowledged by it: at the
     * quota Mosquitto (max_inflight_messages) holds the next ones back; the stand-in logs it.
     */
    this.outboundUnacked = new Set();
    this.maxOutboundUnacked = rules.outboundUnackedQos1 ?? AWS_QUOTAS.outboundUnackedQos1;
    /** PUBLISHes dropped over the publishes-per-second quota (the first is logged, then every 100th). */
    this.droppedOverRate = 0;
    /**
     * Admission of the CONNECT (1 CONNECT/s per client id, shared by every door), or null:
     * `(clientId) => refusal text | null` (lib/relay.mjs).
     */
    this.admitConnect = null;
    /** Whether the session outlives the connection: clean session 0 (3.1.1), Session Expiry > 0 (5). */
    this.persistentSession = false;
    /** MQTT 5 Session Expiry Interval of the CONNECT (seconds; 0xFFFFFFFF = never). */
    this.sessionExpirySeconds = 0;
    /** The persistent session expiry quota: an MQTT 5 client asking for more is told this. */
    this.maxSessionSeconds = rules.persistentSessionSeconds ?? AWS_QUOTAS.persistentSessionSeconds;
    /** AWS's MQTT 5 limits (lib/mqtt5_rules.mjs): topic alias maximum, packet size, message expiry. */
    this.mqtt5 = mqtt5Rules(rules);
    /** The CONNECT's Maximum Packet Size (MQTT 5): the stand-in's own packets to the client respect it. */
    this.clientMaximumPacketSize = null;
    /** The MQTT 5 reason code of the last violation (MQTT 5.0 §2.4): the DISCONNECT/CONNACK that ends the connection. */
    this.reasonCode = null;
  }

  /** Records the MQTT 5 reason code of a violation and returns its text. */
  refuse(code, text) {
    this.reasonCode = code;
    return text;
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
      if (len.malformed) return { packets, replies, violation: this.refuse(REASON.malformedPacket, 'malformed remaining length') };
      if (len.incomplete) break;
      const total = len.next + len.value;
      if (len.value > MAX_REMAINING) {
        return { packets, replies, violation: this.refuse(REASON.packetTooLarge, `packet of ${len.value} bytes is larger than AWS IoT's 128 KB message limit`) };
      }
      if (this.protocolLevel === 5 && this.connected && total > this.mqtt5.maximumPacketSize) {
        // MQTT 5.0 §3.2.2.3.6: the server's Maximum Packet Size, advertised in its CONNACK.
        return { packets, replies, violation: this.refuse(REASON.packetTooLarge, `packet of ${total} bytes is over the Maximum Packet Size of ${this.mqtt5.maximumPacketSize} bytes AWS IoT advertised in CONNACK`) };
      }
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
    if (!this.connected && type !== TYPE.CONNECT) return this.refuse(REASON.protocolError, 'the first packet must be CONNECT');
    try {
      if (type === TYPE.CONNECT) return this.checkConnect(body);
      if (type === TYPE.AUTH) {
        // MQTT 5.0 §4.12: AUTH without an Authentication Method in CONNECT is a protocol error;
        // the stand-in refuses any (AWS IoT has no enhanced authentication).
        return this.refuse(REASON.protocolError, 'AUTH packet: AWS IoT does not support MQTT 5 enhanced authentication');
      }
      if (type === TYPE.PUBLISH) return this.checkPublish(header, body);
      if (type === TYPE.SUBSCRIBE) return this.checkSubscribe(body);
      if (type === TYPE.UNSUBSCRIBE) return this.noteUnsubscribe(body);
      if (type === TYPE.PUBACK && body.length >= 2) this.outboundUnacked.delete(body.readUInt16BE(0));
    } catch (e) {
      return this.refuse(REASON.malformedPacket, `malformed packet: ${e.message}`);
    }
    return null;
  }

  checkConnect(body) {
    if (this.connected) return this.refuse(REASON.protocolError, 'a second CONNECT on the same connection');
    const r = new Reader(body);
    r.str(); // protocol name
    this.protocolLevel = r.u8();
    const flagsAt = r.pos;
    const flags = r.u8();
    const keepAliveAt = r.pos;
    const requested = r.u16();
    if (this.protocolLevel === 5) {
      const { props, next } = readProperties(body, r.pos);
      r.pos = next;
      this.sessionExpirySeconds = props.find((p) => p.id === PROPERTY.sessionExpiryInterval)?.value ?? 0;
      this.clientMaximumPacketSize = props.find((p) => p.id === PROPERTY.maximumPacketSize)?.value ?? null;
      const method = props.find((p) => p.id === PROPERTY.authenticationMethod);
      if (method) {
        // MQTT 5.0 §3.1.2.11.9: a server that does not support the method answers CONNACK 0x8C.
        return this.refuse(REASON.badAuthenticationMethod, `CONNECT with Authentication Method '${method.value.toString('utf8').slice(0, 64)}': AWS IoT does not support MQTT 5 enhanced authentication`);
      }
    }
    this.persistentSession = this.protocolLevel === 5 ? this.sessionExpirySeconds > 0 : (flags & 0x02) === 0;
    const clientId = r.str();
    if (clientId.length > LIMITS.clientIdBytes) {
      return this.refuse(REASON.clientIdentifierNotValid, `client id is ${clientId.length} bytes; AWS IoT allows ${LIMITS.clientIdBytes}`);
    }
    // The data plane's connection APIs (GetConnection, DeleteConnection, ListSubscriptions) take
    // only client ids matching `^[^$].*`: a '$' id is reserved, refused at CONNECT.
    if (clientId[0] === 0x24) {
      return this.refuse(REASON.clientIdentifierNotValid, `client id '${clientId.toString('utf8')}' starts with '$'; AWS IoT client ids can't (API reference, DeleteConnection: pattern ^[^$].*)`);
    }
    let strip = null; // a Will on a reserved topic: taken out of the CONNECT Mosquitto sees
    let will = null; // any other Will: { topic, retain }, checked against the policies below
    if (flags & 0x04) {
      const willAt = r.pos;
      const willQos = (flags >> 3) & 3;
      if (willQos === 2) return this.refuse(REASON.qosNotSupported, 'Will with QoS 2; AWS IoT supports QoS 0 and 1 only');
      if (this.protocolLevel === 5) r.skipProperties();
      const willTopic = r.str().toString('utf8');
      const bad = topicNameError(willTopic, { what: 'Will topic' });
      if (bad) return this.refuse(REASON.topicNameInvalid, bad);
      r.str(); // Will payload
      if (willTopic.startsWith('$')) strip = { from: willAt, to: r.pos, topic: willTopic };
      else will = { topic: willTopic, retain: (flags & 0x20) !== 0 };
    }
    // AWS's keep-alive range, written into the CONNECT Mosquitto sees: Mosquitto then closes the
    // connection after 1.5 x the clamped interval without a packet, as AWS does.
    this.keepAliveRequested = requested;
    this.keepAliveUsed = clampKeepAlive(requested, this.keepAlive);
    body.writeUInt16BE(this.keepAliveUsed, keepAliveAt);
    this.clientId = clientId.toString('utf8');
    // iot:Connect on client/<id>: AWS closes the connection when the policy denies it.
    const connect = this.authorize?.('iot:Connect', `client/${this.clientId}`);
    if (connect && !connect.allowed) return this.refuse(REASON.notAuthorized, `not authorized: iot:Connect on client/${this.clientId} (${connect.why})`);
    // The Will is a publish the client asks for at CONNECT: iot:Publish (and iot:RetainPublish for
    // a retained Will) on its topic, as AWS's "Policy to connect and publish retained Will
    // messages" grants them. Denied: the CONNECT is refused like a denied iot:Connect (the
    // stand-in's reading: AWS documents the permissions, not the outcome of their absence).
    const willDenied = will && this.publishDenied(will.topic, will.retain);
    if (willDenied) return this.refuse(REASON.notAuthorized, `Will refused at CONNECT: ${willDenied}`);
    const tooSoon = this.admitConnect?.(this.clientId);
    if (tooSoon) return this.refuse(REASON.connectionRateExceeded, tooSoon);
    if (strip) {
      // AWS never publishes a Will on a reserved topic: the broker must not get it. The connection
      // stays; flags Will, Will QoS and Will Retain are cleared, Will properties/topic/payload cut.
      const out = Buffer.concat([body.subarray(0, strip.from), body.subarray(strip.to)]);
      out[flagsAt] = flags & ~0x3c;
      this.rewrite = { packet: encodePacket(0x10, out) };
      this.onRefusal?.(`Will on the reserved topic '${strip.topic}' ignored: AWS IoT does not publish Wills to reserved ($) topics (guide, "Reserved topics")`);
    }
    this.connected = true;
    return null;
  }

  checkPublish(header, body) {
    const qos = (header >> 1) & 3;
    if (qos === 3) return this.refuse(REASON.malformedPacket, 'PUBLISH with QoS 3 is malformed');
    if (qos === 2) return this.refuse(REASON.qosNotSupported, 'PUBLISH with QoS 2; AWS IoT supports QoS 0 and 1 only');
    const r = new Reader(body);
    const named = r.str().toString('utf8');
    const packetId = qos > 0 ? r.u16() : 0;
    let topic = named;
    let alias;
    if (this.protocolLevel === 5) {
      const { props, next } = readProperties(body, r.pos);
      r.pos = next;
      alias = props.find((p) => p.id === PROPERTY.topicAlias)?.value;
      const refused = this.checkPublishProperties(props, alias);
      if (refused) return refused;
      // MQTT 5.0 §3.3.2.3.4: a topic with an alias sets the alias; an empty topic uses it. Every
      // rule below is checked against the topic the message really goes to.
      if (alias !== undefined && named) this.topicAliases.set(alias, named);
      if (alias !== undefined && !named) {
        topic = this.topicAliases.get(alias);
        if (topic === undefined) return this.refuse(REASON.protocolError, `PUBLISH with topic alias ${alias}, which this connection never set (MQTT 5.0 §3.3.2.3.4: protocol error)`);
      }
    }
    const bad = topicNameError(topic);
    if (bad) return this.refuse(REASON.topicNameInvalid, bad);
    if ((header & 1) && topic.startsWith('$')) {
      return this.refuse(REASON.topicNameInvalid, `PUBLISH with RETAIN to the reserved topic '${topic}'; AWS IoT does not retain on reserved ($) topics`);
    }
    const payload = body.length - r.pos;
    if (payload > LIMITS.payloadBytes) return this.refuse(REASON.packetTooLarge, `payload is ${payload} bytes; AWS IoT allows ${LIMITS.payloadBytes}`);
    const reserved = reservedPublishError(topic);
    if (reserved) {
      // As a policy denial below: MQTT 3.1.1 closes the connection ("Unsupported publish or
      // subscribe operations to reserved topics can result in a terminated connection"); MQTT 5
      // answers PUBACK 0x87 (QoS 1) or drops (QoS 0).
      if (this.protocolLevel !== 5) return this.refuse(REASON.notAuthorized, `PUBLISH refused: ${reserved}`);
      this.onRefusal?.(`PUBLISH refused${qos ? ' with PUBACK 0x87' : ''}: ${reserved}`);
      this.rewrite = { packet: null, reply: qos ? encodePacket(0x40, Buffer.from([packetId >> 8, packetId & 0xff, 0x87, 0x00])) : undefined };
      return null;
    }
    const denied = this.publishDenied(topic, (header & 1) === 1);
    if (denied) {
      // MQTT 3.1.1 has no way to refuse a PUBLISH: AWS closes the connection. MQTT 5 answers a
      // QoS 1 PUBLISH with PUBACK 0x87 (Not authorized) and drops a QoS 0 one.
      // (The policy check has logged the denial with the deciding statement.)
      if (this.protocolLevel !== 5) return this.refuse(REASON.notAuthorized, denied);
      this.rewrite = { packet: null, reply: qos ? encodePacket(0x40, Buffer.from([packetId >> 8, packetId & 0xff, 0x87])) : undefined };
      return null;
    }
    if (!this.publishBucket.take()) {
      // "Publish requests that exceed this limit are discarded": no PUBACK for a QoS 1 one.
      this.droppedOverRate += 1;
      if (this.droppedOverRate === 1 || this.droppedOverRate % 100 === 0) {
        this.onRefusal?.(`PUBLISH to '${topic}' dropped (${this.droppedOverRate} so far): over ${this.publishBucket.rate} publishes/s on this connection (quotas, "Publish requests per second per connection")`);
      }
      this.rewrite = { packet: null };
      return null;
    }
    if (qos === 1) {
      if (this.inboundUnacked.size >= this.maxInboundUnacked && !this.inboundUnacked.has(packetId)) {
        // "no new publish requests are accepted from this client until a PUBACK message is
        // returned by the server": dropped, no PUBACK.
        this.onRefusal?.(`QoS 1 PUBLISH to '${topic}' dropped: ${this.inboundUnacked.size} QoS 1 PUBLISHes of this connection are not yet acknowledged; AWS IoT allows ${this.maxInboundUnacked} (quotas, "Maximum inbound unacknowledged QoS 1 publish requests")`);
        this.rewrite = { packet: null };
        return null;
      }
      this.inboundUnacked.add(packetId);
    }
    if ((header & 1) && this.onRetained) this.onRetained(topic);
    if (alias !== undefined) this.forwardAlias(header, body, alias, named, topic);
    return null;
  }

  /**
   * AWS's MQTT 5 rules on a client PUBLISH's properties (MQTT 5.0 §3.3.2.3): a topic alias within
   * 1..Topic Alias Maximum (the CONNACK's, §3.3.2.3.4: else DISCONNECT 0x94), no Subscription
   * Identifier from a client (§3.3.4: protocol error), and a Message Expiry Interval above AWS's
   * 7 days used as 7 days (written into the packet Mosquitto gets; the stand-in's reading of
   * AWS's "1 to 604800 seconds"). A violation's text, or null.
   */
  checkPublishProperties(props, alias) {
    if (alias !== undefined && (alias === 0 || alias > this.mqtt5.topicAliasMaximum)) {
      return this.refuse(REASON.topicAliasInvalid, `PUBLISH with topic alias ${alias}; AWS IoT's Topic Alias Maximum is ${this.mqtt5.topicAliasMaximum} (aliases 1..${this.mqtt5.topicAliasMaximum})`);
    }
    if (props.some((p) => p.id === PROPERTY.subscriptionIdentifier)) {
      return this.refuse(REASON.protocolError, 'PUBLISH from a client with a Subscription Identifier (MQTT 5.0 §3.3.4: protocol error)');
    }
    const expiry = props.find((p) => p.id === PROPERTY.messageExpiryInterval);
    if (expiry && expiry.value > this.mqtt5.messageExpiryMaxSeconds) {
      expiry.raw.writeUInt32BE(this.mqtt5.messageExpiryMaxSeconds, 1);  // the packet is the inspector's copy
      this.onRefusal?.(`PUBLISH Message Expiry Interval ${expiry.value} s used as ${this.mqtt5.messageExpiryMaxSeconds} s: AWS IoT's maximum is 7 days`);
    }
    return null;
  }

  /**
   * Keeps the broker's alias map in step with the client's: a PUBLISH that set an alias may have
   * been dropped here (denied, over a quota), so an alias-only PUBLISH whose mapping the broker
   * has not seen is forwarded with its topic name too (which sets the alias there as well).
   */
  forwardAlias(header, body, alias, named, topic) {
    if (!named && this.brokerAliases.get(alias) !== topic) {
      const name = Buffer.from(topic, 'utf8');
      const len = Buffer.from([name.length >> 8, name.length & 0xff]);
      this.rewrite = { packet: encodePacket(header, Buffer.concat([len, name, body.subarray(2)])) };
    }
    this.brokerAliases.set(alias, topic);
  }

  checkSubscribe(body) {
    const r = new Reader(body);
    const packetId = r.u16();
    if (this.protocolLevel === 5) {
      const { props, next } = readProperties(body, r.pos);
      r.pos = next;
      // CONNACK said Subscription Identifier Available 0 (AWS IoT does not support them):
      // MQTT 5.0 §3.2.2.3.12, the server then answers DISCONNECT 0xA1.
      if (props.some((p) => p.id === PROPERTY.subscriptionIdentifier)) {
        return this.refuse(REASON.subscriptionIdentifiersNotSupported, 'SUBSCRIBE with a Subscription Identifier; AWS IoT does not support subscription identifiers');
      }
    }
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
      if (bad) return this.refuse(REASON.topicFilterInvalid, bad);
      if ((options & 3) === 2) return this.refuse(REASON.qosNotSupported, 'SUBSCRIBE with QoS 2; AWS IoT supports QoS 0 and 1 only');
      if (this.protocolLevel === 5 && (options & 0x08)) retainAsPublished = true;
    }
    if (filters.length > LIMITS.filtersPerSubscribe) {
      return this.refuse(REASON.quotaExceeded, `SUBSCRIBE has ${filters.length} filters; AWS IoT allows ${LIMITS.filtersPerSubscribe}`);
    }
    // The quota: a filter already subscribed replaces its subscription; a new one past the quota
    // is refused with SUBACK 0x80, the rest of the SUBSCRIBE goes on.
    const refused = [];
    // A filter the client may not subscribe to: SUBACK 0x80 (MQTT 3.1.1's only failure code);
    // MQTT 5 has 0x87 Not authorized (MQTT 5.0 §3.9.3), the code AWS IoT answers there.
    const deniedCode = this.protocolLevel === 5 ? 0x87 : 0x80;
    const deniedHex = `0x${deniedCode.toString(16)}`;
    // Reserved topics: refused for a filter AWS does not let clients subscribe to.
    const denied = filters.flatMap((f, i) => {
      const why = reservedSubscribeError(f);
      if (why) this.onRefusal?.(`SUBACK ${deniedHex} for '${f}': ${why}`);
      return why ? [i] : [];
    });
    for (const i of this.subscribeDenied(filters)) if (!denied.includes(i)) denied.push(i);
    filters.forEach((f, i) => {
      if (denied.includes(i)) { refused.push(i); return; }
      if (this.subscriptions.has(f)) return;
      if (this.subscriptions.size >= this.maxSubscriptions) { refused.push(i); return; }
      this.subscriptions.add(f);
    });
    filters.forEach((f, i) => { if (!refused.includes(i) && !isWildcardFilter(f)) this.exactFilters.add(f); });
    if (retainAsPublished) this.retainAsPublished = true;
    if (refused.length) {
      const names = refused.filter((i) => !denied.includes(i)).map((i) => `'${filters[i]}'`).join(', ');
      if (names) this.onRefusal?.(`SUBACK 0x80 for ${names}: the connection has ${this.subscriptions.size} subscriptions; AWS IoT allows ${this.maxSubscriptions} per connection`);
      if (refused.length === filters.length) {
        // Nothing left for the broker: the stand-in answers the SUBACK itself.
        const head5 = this.protocolLevel === 5 ? [0x00] : []; // MQTT 5: empty SUBACK properties
        const codes = filters.map((_, i) => (denied.includes(i) ? deniedCode : 0x80));
        this.rewrite = { packet: null, reply: encodePacket(0x90, Buffer.from([packetId >> 8, packetId & 0xff, ...head5, ...codes])) };
      } else {
        const codes = new Map(denied.map((i) => [i, deniedCode]));
        this.refusedByPacketId.set(packetId, { count: filters.length, refused, codes });
        const kept = entries.filter((_, i) => !refused.includes(i));
        this.rewrite = { packet: encodePacket(0x82, Buffer.concat([head, ...kept])) };
      }
    }
    return null;
  }

  /** iot:Publish (and iot:RetainPublish for RETAIN) on topic/<topic>: a refusal text, or null. */
  publishDenied(topic, retain) {
    if (!this.authorize) return null;
    for (const action of retain ? ['iot:Publish', 'iot:RetainPublish'] : ['iot:Publish']) {
      const v = this.authorize(action, `topic/${topic}`);
      if (!v.allowed) return `not authorized: ${action} on topic/${topic} (${v.why})`;
    }
    return null;
  }

  /**
   * Indexes of the filters iot:Subscribe denies: SUBACK 0x80 (MQTT 5: 0x87) for each, the rest goes on (the
   * policy check logs each denial with the deciding statement).
   */
  subscribeDenied(filters) {
    if (!this.authorize) return [];
    return filters.flatMap((f, i) => (this.authorize('iot:Subscribe', `topicfilter/${f}`).allowed ? [] : [i]));
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
