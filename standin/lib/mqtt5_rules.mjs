// AWS IoT Core's MQTT 5, as the stand-in's rule engine speaks it (lib/mqtt_inspect.mjs for the
// client's packets, lib/mqtt_downstream.mjs for the CONNACK, lib/relay.mjs for the last packet of a
// refused connection). Sources: the developer guide's "MQTT 5 supported features", "MQTT 5
// properties" and "MQTT reason codes" (docs.aws.amazon.com/iot/latest/developerguide/mqtt.html), as
// issue 14 reads them, and the OASIS MQTT 5.0 specification for the packet shapes (§ numbers below).
import { encodePacket, encodeProperties, PROPERTY, u8Property as u8, u16Property as u16, u32Property as u32 } from './mqtt_properties.mjs';

/** AWS IoT Core's MQTT 5 values. Each limit is also a key of `awsRules` (see ruleOf). */
export const AWS_MQTT5 = Object.freeze({
  // "Topic Alias Maximum": AWS accepts aliases 1..8 from a client (default quota).
  topicAliasMaximum: 8,
  // "Maximum Packet Size": 128 KB, the largest packet AWS accepts and advertises.
  maximumPacketSize: 128 * 1024,
  // "Message Expiry Interval": 1 s to 604,800 s (7 days).
  messageExpiryMaxSeconds: 604800,
  // "Receive Maximum": as many unacknowledged QoS 1 PUBLISHes as the inbound quota allows
  // (lib/quotas.mjs inboundUnackedQos1, 100).
});

/** MQTT 5 reason codes the rule engine answers with (MQTT 5.0 §2.4). */
export const REASON = Object.freeze({
  malformedPacket: 0x81,
  protocolError: 0x82,
  implementationSpecificError: 0x83,
  clientIdentifierNotValid: 0x85,
  notAuthorized: 0x87,
  sessionTakenOver: 0x8e,
  badAuthenticationMethod: 0x8c,
  topicFilterInvalid: 0x8f,
  topicNameInvalid: 0x90,
  topicAliasInvalid: 0x94,
  packetTooLarge: 0x95,
  quotaExceeded: 0x97,
  qosNotSupported: 0x9b,
  connectionRateExceeded: 0x9f,
  maximumConnectTime: 0xa0,
  subscriptionIdentifiersNotSupported: 0xa1,
});

const CONNACK_PROPERTY = Object.freeze({
  receiveMaximum: 0x21,
  topicAliasMaximum: 0x22,
  maximumQos: 0x24,
  retainAvailable: 0x25,
  maximumPacketSize: 0x27,
  wildcardSubscriptionAvailable: 0x28,
  subscriptionIdentifierAvailable: 0x29,
  sharedSubscriptionAvailable: 0x2a,
});

/**
 * The properties AWS IoT Core's CONNACK advertises (MQTT 5.0 §3.2.2.3): Receive Maximum (the
 * inbound unacknowledged QoS 1 quota), Maximum QoS 1, Retain Available, Maximum Packet Size,
 * Topic Alias Maximum, wildcard and shared subscriptions available, subscription identifiers not
 * available. Raw property bytes, in identifier order.
 */
export function advertisedConnackProperties(rules) {
  return [
    u16(CONNACK_PROPERTY.receiveMaximum, rules.receiveMaximum),
    u16(CONNACK_PROPERTY.topicAliasMaximum, rules.topicAliasMaximum),
    u8(CONNACK_PROPERTY.maximumQos, 1),
    u8(CONNACK_PROPERTY.retainAvailable, 1),
    u32(CONNACK_PROPERTY.maximumPacketSize, rules.maximumPacketSize),
    u8(CONNACK_PROPERTY.wildcardSubscriptionAvailable, 1),
    u8(CONNACK_PROPERTY.subscriptionIdentifierAvailable, 0),
    u8(CONNACK_PROPERTY.sharedSubscriptionAvailable, 1),
  ];
}

/** Identifiers of the advertised properties: the broker's own values for them are replaced. */
export const ADVERTISED_IDS = new Set(advertisedConnackProperties({ receiveMaximum: 1, topicAliasMaximum: 1, maximumPacketSize: 1 }).map((raw) => raw[0]));

/** The MQTT 5 values in force for a relay: AWS's, or the `awsRules` overrides. */
export function mqtt5Rules(rules = {}) {
  return {
    topicAliasMaximum: rules.topicAliasMaximum ?? AWS_MQTT5.topicAliasMaximum,
    maximumPacketSize: rules.maximumPacketSize ?? AWS_MQTT5.maximumPacketSize,
    messageExpiryMaxSeconds: rules.messageExpiryMaxSeconds ?? AWS_MQTT5.messageExpiryMaxSeconds,
    // AWS's inbound unacknowledged QoS 1 quota; never above what Mosquitto itself accepts in
    // flight (max_inflight_messages = outboundUnackedQos1, lib/mosquitto.mjs), which it would
    // otherwise enforce with a DISCONNECT of its own.
    receiveMaximum: Math.min(rules.inboundUnackedQos1 ?? 100, rules.outboundUnackedQos1 ?? 100, 65535),
  };
}

// A Reason String is "a human readable string designed for diagnostics" (§3.14.2.2.3); the
// stand-in sends the rule it applied, cut to a bound that keeps any DISCONNECT small.
const REASON_STRING_MAX_BYTES = 256;

/**
 * The last packet of a connection the rule engine ends (MQTT 5 only): a CONNACK with the reason
 * code while the CONNECT is being refused (§3.2.2.2), otherwise a DISCONNECT (§3.14.2.1); both
 * with the rule as Reason String unless that would break the client's Maximum Packet Size
 * (§3.14.2.2.3: then it is left out).
 */
export function refusalPacket({ connecting, code, reason, clientMaximumPacketSize }) {
  let text = Buffer.from(reason ?? '', 'utf8');
  if (text.length > REASON_STRING_MAX_BYTES) text = cutUtf8(text, REASON_STRING_MAX_BYTES);
  const make = (withReason) => {
    const props = withReason && text.length
      ? [Buffer.concat([Buffer.from([PROPERTY.reasonString, text.length >> 8, text.length & 0xff]), text])]
      : [];
    const head = connecting ? Buffer.from([0x00, code]) : Buffer.from([code]);
    return encodePacket(connecting ? 0x20 : 0xe0, Buffer.concat([head, encodeProperties(props)]));
  };
  const full = make(true);
  if (clientMaximumPacketSize && full.length > clientMaximumPacketSize) return make(false);
  return full;
}

/** `buf` cut to at most `max` bytes without splitting a UTF-8 character. */
function cutUtf8(buf, max) {
  let end = max;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end -= 1;
  return buf.subarray(0, end);
}

