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
// Framing only: anything else passes as is.
import { encodePacket } from './mqtt_inspect.mjs';

const PUBLISH = 3;
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

function remainingLength(buf) {
  let value = 0;
  let mult = 1;
  for (let i = 1; i <= 4; i++) {
    if (i >= buf.length) return { incomplete: true };
    const b = buf[i];
    value += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) return { value, next: i + 1 };
    mult *= 128;
  }
  return { malformed: true };
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
      const len = remainingLength(this.pending);
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
      const ack = this.heldBack(packet, len.next);
      if (ack === null) toClient.push(packet);
      else if (ack !== undefined) toBroker.push(ack);
    }
    return { toClient, toBroker };
  }

  /** A SUBACK with 0x80 inserted where the inspector refused filters of that SUBSCRIBE. */
  withRefusedFilters(packet, bodyAt) {
    if (packet.length < bodyAt + 2) return packet;
    const packetId = packet.readUInt16BE(bodyAt);
    const trimmed = this.inspector.refusedByPacketId.get(packetId);
    if (!trimmed) return packet;
    this.inspector.refusedByPacketId.delete(packetId);
    let codesAt = bodyAt + 2;
    if (this.inspector.protocolLevel === 5) {
      // Properties: a variable byte integer length, then the properties.
      let len = 0;
      let mult = 1;
      for (let i = 0; i < 4 && codesAt < packet.length; i++) {
        const b = packet[codesAt++];
        len += (b & 0x7f) * mult;
        mult *= 128;
        if ((b & 0x80) === 0) break;
      }
      codesAt += len;
    }
    const granted = [...packet.subarray(codesAt)];
    const codes = [];
    for (let i = 0; i < trimmed.count; i++) codes.push(trimmed.refused.includes(i) ? 0x80 : (granted.shift() ?? 0x80));
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
    if (topicLen === 0 || packet.length < bodyAt + 2 + topicLen) return null; // topic alias: keep
    const topic = packet.toString('utf8', bodyAt + 2, bodyAt + 2 + topicLen);
    if (this.onlyThroughParentLevel(topic)) {
      this.droppedParentLevel += 1;
      this.log(`message on '${topic}' not delivered: AWS IoT's '#' does not match the parent level (guide, "MQTT")`);
    } else {
      // With Retain As Published (MQTT 5) live messages keep RETAIN too: they can't be told apart.
      if ((header & 1) === 0 || this.inspector.retainAsPublished) return null;
      if (this.inspector.exactFilters.has(topic)) return null;
      this.droppedRetained += 1;
      this.log(`retained message on '${topic}' not delivered: AWS IoT delivers retained messages only to exact-topic subscriptions (guide, "MQTT")`);
    }
    const qos = (header >> 1) & 3;
    if (qos === 0) return undefined;
    const idAt = bodyAt + 2 + topicLen;
    if (packet.length < idAt + 2) return null;
    return Buffer.from([0x40, 0x02, packet[idAt], packet[idAt + 1]]);
  }
}
