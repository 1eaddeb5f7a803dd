// MQTT 5 properties (MQTT 5.0 §2.2.2): reading a property block into a list and writing one
// back. The rule engine needs a few of them: the CONNECT's Session Expiry Interval (the persistent
// session quota) and the CONNACK's Server Keep Alive and Session Expiry Interval (AWS's keep-alive
// range and session expiry told to the client).

/** Each property identifier's value type (MQTT 5.0 §2.2.2.2). */
const TYPES = new Map([
  ...[0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2a].map((id) => [id, 'u8']),
  ...[0x13, 0x21, 0x22, 0x23].map((id) => [id, 'u16']),
  ...[0x02, 0x11, 0x18, 0x27].map((id) => [id, 'u32']),
  [0x0b, 'varint'],
  ...[0x03, 0x08, 0x12, 0x15, 0x1a, 0x1c, 0x1f].map((id) => [id, 'str']),
  ...[0x09, 0x16].map((id) => [id, 'bin']),
  [0x26, 'pair'],
]);

export const PROPERTY = Object.freeze({
  messageExpiryInterval: 0x02, subscriptionIdentifier: 0x0b, sessionExpiryInterval: 0x11, serverKeepAlive: 0x13,
  authenticationMethod: 0x15, reasonString: 0x1f, topicAlias: 0x23, maximumPacketSize: 0x27,
});

/**
 * A variable byte integer at `pos` (MQTT §1.5.5; the fixed header's remaining length and every
 * property length): `{value, next}`, `{incomplete: true}` when the buffer ends inside it, or
 * `{malformed: true}` when it runs past 4 bytes.
 */
export function readVarint(buf, pos) {
  let value = 0;
  let mult = 1;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= buf.length) return { incomplete: true };
    const b = buf[pos + i];
    value += (b & 0x7f) * mult;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
    mult *= 128;
  }
  return { malformed: true };
}

export function encodeVarint(n) {
  const out = [];
  do { let b = n % 128; n = Math.floor(n / 128); if (n) b |= 0x80; out.push(b); } while (n);
  return Buffer.from(out);
}

/**
 * The property block at `pos`: {props: [{id, value, raw}], next}. `raw` is the property's bytes
 * (identifier included), so a block can be written back unchanged. Throws on malformed input.
 */
export function readProperties(buf, pos) {
  const len = readVarint(buf, pos);
  if (len.value === undefined || len.next + len.value > buf.length) throw new Error('malformed properties length');
  const end = len.next + len.value;
  const props = [];
  let p = len.next;
  while (p < end) {
    const start = p;
    const id = buf[p++];
    const type = TYPES.get(id);
    if (!type) throw new Error(`unknown MQTT 5 property 0x${id.toString(16)}`);
    let value;
    const str = () => { const n = buf.readUInt16BE(p); const v = buf.subarray(p + 2, p + 2 + n); p += 2 + n; return v; };
    if (type === 'u8') value = buf[p++];
    else if (type === 'u16') { value = buf.readUInt16BE(p); p += 2; }
    else if (type === 'u32') { value = buf.readUInt32BE(p); p += 4; }
    else if (type === 'varint') { const v = readVarint(buf, p); if (v.value === undefined) throw new Error('malformed property'); value = v.value; p = v.next; }
    else if (type === 'pair') value = [str(), str()];
    else value = str();
    if (p > end) throw new Error('property longer than its block');
    props.push({ id, value, raw: buf.subarray(start, p) });
  }
  return { props, next: end };
}

/** A property block (length first) from raw properties. */
export function encodeProperties(raws) {
  const body = Buffer.concat(raws);
  return Buffer.concat([encodeVarint(body.length), body]);
}

/** A packet with its fixed header: `header` byte, remaining length, `body`. */
export function encodePacket(header, body) {
  return Buffer.concat([Buffer.from([header]), encodeVarint(body.length), body]);
}

/** A byte property's raw bytes. */
export function u8Property(id, value) {
  return Buffer.from([id, value]);
}

/** A four-byte-integer property's raw bytes. */
export function u32Property(id, value) {
  const b = Buffer.alloc(5);
  b[0] = id;
  b.writeUInt32BE(value, 1);
  return b;
}

/** A two-byte-integer property's raw bytes. */
export function u16Property(id, value) {
  return Buffer.from([id, value >> 8, value & 0xff]);
}
