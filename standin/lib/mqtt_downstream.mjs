// Reads the broker-to-client MQTT byte stream of one connection and applies the AWS IoT broker
// semantics Mosquitto does not have:
// - A retained message is delivered on subscription only to an exact-topic subscription, never
//   through a wildcard filter (developer guide, "MQTT", "AWS IoT differences from MQTT
//   specifications" and "Using MQTT retained messages"). Mosquitto sends the retained messages a
//   new subscription matches with RETAIN set (live messages go out with RETAIN clear), so a
//   PUBLISH with RETAIN whose topic is not one of the client's exact filters is dropped here; a
//   dropped QoS 1 message is acknowledged to the broker on the client's behalf, so it does not
//   stay in flight.
// - `#` does not match the parent level: `sensor/#` receives `sensor/` and `sensor/temperature`
//   but not `sensor` (guide, "MQTT", "AWS IoT differences from MQTT specifications"; MQTT 3.1.1
//   §4.7.1.2 matches the parent). A message Mosquitto delivers only through such a parent match
//   is dropped (and acknowledged to the broker, as above).
// - The SUBACK for a SUBSCRIBE the inspector trimmed (filters over the subscriptions-per-
//   connection quota) gets 0x80 back in the refused filters' places.
// - MQTT 5: the CONNACK advertises what AWS IoT Core's does (lib/mqtt5_rules.mjs: Receive
//   Maximum, Maximum QoS 1, Maximum Packet Size, Topic Alias Maximum 8, no subscription
//   identifiers...) instead of Mosquitto's own values, and carries Server Keep Alive when the keep-alive used is not the one the
//   client asked for (AWS's range, lib/mqtt_inspect.mjs), so the client pings in time, and Session
//   Expiry Interval when the client asked for more than the persistent session quota.
// - The broker's PUBACKs free the client's inbound unacknowledged QoS 1 places (quotas).
// - Publishes per second per connection count the messages sent to the client too (quotas,
//   "inbound and outbound"): over the rate a message is dropped (QoS 1 acknowledged, as above).
// Framing only: anything else passes as is.
import { encodePacket, encodeProperties, readProperties, readVarint, PROPERTY, u16Property, u32Property } from './mqtt_properties.mjs';
import { ADVERTISED_IDS, advertisedConnackProperties } from './mqtt5_rules.mjs';

const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBACK = 9;

/** MQTT topic matching with AWS's `#`: it needs at least one level (`a/#` does not match `a`). */
export function awsFilterMatches(filter, topic) {
  const f = filter.split('/');
  const t = topic.split('/');
  // MQTT 3.1.1 §4.7.2: filters starting with a wildcard do not match `$` topics.
  if ((f[0] === '#' || f[0] === '+') && topic.startsWith('$')) return false;
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return t.length > i;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** The filter without a `$share/<group>/` prefix. */
function ownFilter(filter) {
  const m = /^\$share\/[^/]+\//.exec(filter);
  return m ? filter.slice(m[0].length) : filter;
}

export class BrokerStream {
  /**
   * @param {import('./mqtt_inspect.mjs').MqttInspector} inspector  the same connection's client side
   * @param {(line: string) => void} [log]
   */
  constructor(inspector, log = () => {}) {
    this.inspector = inspector;
    this.log = log;
    this.pending = Buffer.alloc(0);
    /** How many retained messages were held back from wildcard subscriptions (tests read it). */
    this.droppedRetained = 0;
    /** How many messages were held back because only a `#` parent-level match delivered them. */
    this.droppedParentLevel = 0;
    /** How many messages were held back because the IoT policies deny iot:Receive. */
    this.droppedUnauthorized = 0;
    /** How many messages to the client were dropped over the publishes-per-second quota. */
    this.droppedOverRate = 0;
  }

  /**
   * Feeds bytes received from the broker.
   * @returns {{ toClient: Buffer[], toBroker: Buffer[] }}
   */
  push(chunk) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : Buffer.from(chunk);
    const toClient = [];
    const toBroker = [];
    while (this.pending.length >= 2) {
      const len = readVarint(this.pending, 1);  // the remaining length
      if (len.malformed) {
        // Mosquitto never sends this; pass the rest through untouched rather than guess.
        toClient.push(this.pending);
        this.pending = Buffer.alloc(0);
        break;
      }
      if (len.incomplete) break;
      const total = len.next + len.value;
      if (this.pending.length < total) break;
      const packet = Buffer.from(this.pending.subarray(0, total));
      this.pending = this.pending.subarray(total);
      if (packet[0] >> 4 === SUBACK) {
        toClient.push(this.withRefusedFilters(packet, len.next));
        continue;
      }
      if (packet[0] >> 4 === CONNACK) {
        toClient.push(this.withServerValues(packet, len.next));
        continue;
      }
      if (packet[0] >> 4 === PUBACK && packet.length >= len.next + 2) {
        this.inspector.inboundUnacked.delete(packet.readUInt16BE(len.next));
      }
      const ack = this.heldBack(packet, len.next);
      if (ack === null) {
        toClient.push(packet);
        this.noteOutbound(packet, len.next);
      }
      else if (ack !== undefined) toBroker.push(ack);
    }
    return { toClient, toBroker };
  }

  /**
   * An MQTT 5 CONNACK telling the client the values AWS's rules made the server use:
   * - what AWS IoT Core advertises (lib/mqtt5_rules.mjs), replacing Mosquitto's values for the
   *   same properties (a refusing CONNACK, reason code 0x80 or above, passes unchanged);
   * - Server Keep Alive, when AWS's range changed the client's keep-alive (MQTT 5.0 §3.2.2.3.14:
   *   the client must then use it);
   * - Session Expiry Interval, when the client asked for more than the persistent session quota
   *   (MQTT 5.0 §3.2.2.3.2: the server's value is the one in use).
   * MQTT 3.1.1 has no such fields: the client is not told.
   */
  withServerValues(packet, bodyAt) {
    const ins = this.inspector;
    if (ins.protocolLevel !== 5 || packet.length < bodyAt + 2 || packet[bodyAt + 1] >= 0x80) return packet;
    const set = advertisedConnackProperties(ins.mqtt5);
    if (ins.keepAliveUsed !== null && ins.keepAliveUsed !== ins.keepAliveRequested) {
      set.push(u16Property(PROPERTY.serverKeepAlive, ins.keepAliveUsed));
      this.log(`CONNACK carries Server Keep Alive ${ins.keepAliveUsed} s (the client asked for ${ins.keepAliveRequested} s; AWS IoT range ${ins.keepAlive.minSeconds}-${ins.keepAlive.maxSeconds} s)`);
    }
    if (ins.sessionExpirySeconds > ins.maxSessionSeconds) {
      set.push(u32Property(PROPERTY.sessionExpiryInterval, ins.maxSessionSeconds));
      this.log(`CONNACK carries Session Expiry Interval ${ins.maxSessionSeconds} s (the client asked for ${ins.sessionExpirySeconds} s; quotas, "Persistent session expiry period")`);
    }
    let props;
    try {
      props = packet.length > bodyAt + 2 ? readProperties(packet, bodyAt + 2).props : [];
    } catch {
      return packet; // not a CONNACK we can read: unchanged
    }
    const raws = props.filter((p) => !ADVERTISED_IDS.has(p.id) && !set.some((q) => q[0] === p.id)).map((p) => p.raw);
    return encodePacket(packet[0], Buffer.concat([packet.subarray(bodyAt, bodyAt + 2), encodeProperties([...raws, ...set])]));
  }

  /**
   * Counts a QoS 1 message sent to the client until it acknowledges it (lib/mqtt_inspect.mjs
   * sees the PUBACK). At the quota, Mosquitto's max_inflight_messages holds the next ones back:
   * "no new publish requests are sent to the client until the client acknowledges" (quotas).
   */
  noteOutbound(packet, bodyAt) {
    if (packet[0] >> 4 !== PUBLISH || ((packet[0] >> 1) & 3) !== 1 || packet.length < bodyAt + 2) return;
    const idAt = bodyAt + 2 + packet.readUInt16BE(bodyAt);
    if (packet.length < idAt + 2) return;
    const ins = this.inspector;
    ins.outboundUnacked.add(packet.readUInt16BE(idAt));
    if (ins.outboundUnacked.size === ins.maxOutboundUnacked) {
      this.log(`QoS 1 messages to the client held back: ${ins.outboundUnacked.size} sent and not yet acknowledged; AWS IoT allows ${ins.maxOutboundUnacked} (quotas, "Maximum outbound unacknowledged QoS 1 publish requests")`);
    }
  }

  /** A SUBACK with the refusal codes (0x80; MQTT 5 0x87 for a denial) where the inspector refused filters. */
  withRefusedFilters(packet, bodyAt) {
    if (packet.length < bodyAt + 2) return packet;
    const packetId = packet.readUInt16BE(bodyAt);
    const trimmed = this.inspector.refusedByPacketId.get(packetId);
    if (!trimmed) return packet;
    this.inspector.refusedByPacketId.delete(packetId);
    let codesAt = bodyAt + 2;
    if (this.inspector.protocolLevel === 5) {
      // Properties: a variable byte integer length, then the properties. A length that is cut
      // short or malformed leaves no return codes (every filter reads as refused below).
      const len = readVarint(packet, codesAt);
      codesAt = len.value === undefined ? packet.length : len.next + len.value;
    }
    const granted = [...packet.subarray(codesAt)];
    const codes = [];
    for (let i = 0; i < trimmed.count; i++) {
      codes.push(trimmed.refused.includes(i) ? (trimmed.codes?.get(i) ?? 0x80) : (granted.shift() ?? 0x80));
    }
    return encodePacket(packet[0], Buffer.concat([packet.subarray(bodyAt, codesAt), Buffer.from(codes)]));
  }

  /**
   * Whether Mosquitto delivers `topic` to this client only because one of its `.../#` filters
   * matches the parent level. Only filters this connection subscribed are known (not those a
   * persistent session brought back), so a match through any other filter keeps the message.
   */
  onlyThroughParentLevel(topic) {
    let viaParent = false;
    for (const subscribed of this.inspector.subscriptions) {
      const f = ownFilter(subscribed);
      if (awsFilterMatches(f, topic)) return false;
      if (f.endsWith('/#') && awsFilterMatches(f.slice(0, -2), topic)) viaParent = true;
    }
    return viaParent;
  }

  /**
   * null: deliver the packet. Otherwise it is dropped, and the return value is the PUBACK to
   * send to the broker (a Buffer) or undefined (QoS 0, nothing to acknowledge).
   */
  heldBack(packet, bodyAt) {
    const header = packet[0];
    if (header >> 4 !== PUBLISH) return null;
    if (packet.length < bodyAt + 2) return null;
    const topicLen = packet.readUInt16BE(bodyAt);
    if (packet.length < bodyAt + 2 + topicLen) return null;
    const topic = packet.toString('utf8', bodyAt + 2, bodyAt + 2 + topicLen);
    // An empty topic is a broker topic alias (MQTT 5): only the rate applies to it.
    const semantics = topicLen === 0 ? null : this.semanticsHoldBack(header, topic);
    if (semantics === null) {
      if (this.inspector.outboundPublishBucket.take()) return null;
      // "Publish requests per second per connection" counts outbound publishes too; the excess
      // is discarded as inbound (quotas), a QoS 1 one acknowledged to the broker below.
      this.droppedOverRate += 1;
      if (this.droppedOverRate === 1 || this.droppedOverRate % 100 === 0) {
        this.log(`message on '${topic || '(topic alias)'}' to the client dropped (${this.droppedOverRate} so far): over ${this.inspector.outboundPublishBucket.rate} publishes/s to this connection (quotas, "Publish requests per second per connection", inbound and outbound)`);
      }
    }
    const qos = (header >> 1) & 3;
    if (qos === 0) return undefined;
    const idAt = bodyAt + 2 + topicLen;
    if (packet.length < idAt + 2) return null;
    return Buffer.from([0x40, 0x02, packet[idAt], packet[idAt + 1]]);
  }

  /** null when AWS's delivery rules let the message through; otherwise true (dropped, counted, logged). */
  semanticsHoldBack(header, topic) {
    // iot:Receive is checked on every delivery (guide, "AWS IoT Core policy actions"): a denied
    // message is held back (the policy check logs why).
    const receive = this.inspector.authorize?.('iot:Receive', `topic/${topic}`);
    if (receive && !receive.allowed) {
      this.droppedUnauthorized += 1;
    } else if (this.onlyThroughParentLevel(topic)) {
      this.droppedParentLevel += 1;
      this.log(`message on '${topic}' not delivered: AWS IoT's '#' does not match the parent level (guide, "MQTT")`);
    } else {
      // With Retain As Published (MQTT 5) live messages keep RETAIN too: they can't be told apart.
      if ((header & 1) === 0 || this.inspector.retainAsPublished) return null;
      if (this.inspector.exactFilters.has(topic)) return null;
      this.droppedRetained += 1;
      this.log(`retained message on '${topic}' not delivered: AWS IoT delivers retained messages only to exact-topic subscriptions (guide, "MQTT")`);
    }
    return true;
  }
}
