// mqtt5.js — the "iotlite/mqtt5" entry: the whole package API, on iotlite-mqtt5.wasm (the engine
// built with MQTT 5, wasm/src/mqtt5_bindings.cpp) instead of iotlite.wasm, with MQTT.js 5's names:
// create({protocolVersion: 5, properties: {sessionExpiryInterval, receiveMaximum, ...}}),
// publish(..., {properties: {userProperties, correlationData, ...}}), subscribe options nl / rap /
// rh (or noLocal / retainAsPublished / retainHandling), messages with `properties`, IotError with
// reasonCode / reason, and client.request() on response topic + correlation data.
//
// The rules are core's: the engine checks every value (AWS's bounds on session and message
// expiry, the topic alias maximum, UTF-8, sizes, MQTT 5 settings on a 3.1.1 client), and
// services::ResponseCorrelator makes the correlation data, bounds the requests in flight, keeps
// their deadlines and matches the responses. Here: MQTT.js's shapes in and out, and the refusal
// of what AWS IoT Core or this client does not support, each with a rule id.
import names from './wasm-names-mqtt5.js';
import { instantiate } from './engine.js';
import { Client as BaseClient, toPayload, check, qosOf } from './client.js';
import { IotError, asIotError, bad, aborted, signalOf } from './errors.js';
import {
  EV_MESSAGE, EV_SUBSCRIBED, EV_UNSUBSCRIBED, PROP_PAYLOAD_FORMAT_INDICATOR, PROP_MESSAGE_EXPIRY_INTERVAL, PROP_CONTENT_TYPE,
  PROP_RESPONSE_TOPIC, PROP_CORRELATION_DATA,
} from './wasm-boundary.js';

export * from './index.js';

const monotonic = () => Math.floor(globalThis.performance ? performance.now() : Date.now());
const U32 = 2 ** 32 - 1;
const refuse = (what, why, rule) => new IotError('unsupported', `${what}: ${why}`, { rule });
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// {name: value | [values]} (MQTT.js's userProperties) as [name, value] pairs, checked.
function pairs(up, what) {
  if (up == null) return [];
  if (!isObject(up)) throw bad(what, 'an object of strings or string arrays', up);
  const out = [];
  for (const [k, v] of Object.entries(up)) {
    for (const x of [].concat(v)) {
      if (typeof x !== 'string') throw bad(`${what}.${k}`, 'a string or an array of strings', x);
      out.push(k, x);
    }
  }
  return out;
}

// An integer option in min..max (absent: undefined).
function int(o, k, min, max, what) {
  const v = o[k];
  if (v != null && !(Number.isInteger(v) && v >= min && v <= max)) throw bad(`${what}.${k}`, `an integer in ${min}..${max}`, v);
  return v;
}

// Checks that `o` has only the keys of `known`; `unsupported` maps a key to [why, rule].
function keys(o, what, known, unsupported = {}) {
  for (const k of Object.keys(o)) {
    if (o[k] == null || known.includes(k)) continue;
    if (unsupported[k]) throw refuse(`${what}.${k}`, ...unsupported[k]);
    throw bad(`${what}.${k}`, `one of ${known.join(', ')} (unknown option)`, o[k]);
  }
}

const NO_TOPIC_ALIAS = ['the engine assigns topic aliases itself (at most the broker\'s Topic Alias Maximum, AWS: 8)', 'publish.property'];
const NO_SUB_ID = ['AWS IoT Core does not support subscription identifiers', 'subscription_identifier'];
const CONNECT_PROPS = ['sessionExpiryInterval', 'receiveMaximum', 'maximumPacketSize', 'topicAliasMaximum', 'userProperties'];
const PUBLISH_PROPS = ['payloadFormatIndicator', 'messageExpiryInterval', 'contentType', 'responseTopic', 'correlationData', 'userProperties'];

const WILL_PROPS = [...PUBLISH_PROPS, 'willDelayInterval'];

// PUBLISH (or Will) properties `p` checked and laid out for iot_v5_publish / iot_v5_create: the
// scratch records (content type, response topic, correlation data, user property pairs), which of
// the three texts are present, and the integers (-1: absent). Values are the engine's to check.
function messageProperties(p, what, known) {
  if (!isObject(p)) throw bad(what, 'an object', p);
  keys(p, what, known, { topicAlias: NO_TOPIC_ALIAS, subscriptionIdentifier: NO_SUB_ID });
  const texts = [p.contentType, p.responseTopic, p.correlationData];
  let present = 0;
  texts.forEach((v, i) => {
    if (v == null) return;
    if (i < 2 && typeof v !== 'string') throw bad(`${what}.${PUBLISH_PROPS[i + 2]}`, 'a string', v);
    if (i == 2 && typeof v !== 'string' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) throw bad(`${what}.correlationData`, 'bytes (Uint8Array, Buffer) or a string', v);
    present |= 1 << i;
  });
  const pfi = p.payloadFormatIndicator;
  if (pfi != null && typeof pfi !== 'boolean') throw bad(`${what}.payloadFormatIndicator`, 'a boolean', pfi);
  const up = pairs(p.userProperties, `${what}.userProperties`);
  return {
    records: [texts[0] ?? '', texts[1] ?? '', toPayload(texts[2] ?? ''), ...up],
    present, expiry: int(p, 'messageExpiryInterval', 0, U32, what) ?? -1, format: pfi == null ? -1 : +pfi, users: up.length / 2,
  };
}

// The plain engine object (engine.js) with MQTT 5's create, publish, subscribe and poll.
function mqtt5(n) {
  const { f, pack, ok, text, view, errorOf } = n;
  const [create5, publish5, subscribe5, prop, propBytes, userCount, user, reasonName] =
    ['v5_create', 'v5_publish', 'v5_subscribe', 'v5_prop', 'v5_prop_bytes', 'v5_user_count', 'v5_user', 'v5_reason_name'].map(f);
  // An error with an MQTT 5 reason code gets MQTT.js's reasonCode and the code's name as reason.
  const withReason = (e) => {
    if (e && e.mqttReason >= 0x80) Object.assign(e, { reasonCode: e.mqttReason, reason: text(reasonName(e.mqttReason)) });
    return e;
  };
  const rr = ['create', 'start', 'match', 'cancel', 'expire', 'deadline', 'destroy'].reduce((m, k) => ({ ...m, [k]: f(`v5_rr_${k}`) }), {});
  return {
    ...n,
    v5: true,
    rr,
    // o: the create() options (protocolVersion, properties, will.properties).
    create(clientId, c, o) {
      const version = o.protocolVersion ?? 4;
      if (version !== 4 && version !== 5) throw new IotError('invalid_argument', `protocolVersion must be 4 (MQTT 3.1.1) or 5 (MQTT 5), not ${version}`, { rule: 'protocol_version' });
      const p = o.properties ?? {};
      if (!isObject(p)) throw bad('properties', 'an object', p);
      keys(p, 'properties', CONNECT_PROPS, {
        authenticationMethod: ['AWS IoT Core does not support AUTH (enhanced authentication)', 'mqtt5.auth'],
        authenticationData: ['AWS IoT Core does not support AUTH (enhanced authentication)', 'mqtt5.auth'],
        requestResponseInformation: ['not supported by this client (AWS IoT Core sends no Response Information)', 'connect.property'],
        requestProblemInformation: ['not supported by this client (reason strings are always requested)', 'connect.property'],
      });
      const up = pairs(p.userProperties, 'properties.userProperties');
      const w = c.will;
      const wp = w && o.will.properties != null ? messageProperties(o.will.properties, 'will.properties', WILL_PROPS) : null;
      pack(clientId, ...(w ? [w.topic, w.payload] : []), ...up, ...(wp ? wp.records : []));
      return ok(create5(c.keepAliveSeconds, c.cleanSession ? 1 : 0, c.minDelayMs, c.maxDelayMs, c.reconnect ? 1 : 0,
        c.queueMessages, c.queueBytes, c.queuePolicy, c.seed, c.connectTimeoutMs, w ? w.qos : -1, w && w.retain ? 1 : 0,
        version, int(p, 'sessionExpiryInterval', 0, U32, 'properties') ?? 0, int(p, 'receiveMaximum', 1, 65535, 'properties') ?? 0,
        int(p, 'topicAliasMaximum', 0, 65535, 'properties') ?? 0, int(p, 'maximumPacketSize', 1, U32, 'properties') ?? 0, up.length / 2,
        wp ? wp.present : -1, wp ? wp.expiry : -1, wp ? wp.format : -1, wp ? int(o.will.properties, 'willDelayInterval', 0, U32, 'will.properties') ?? -1 : -1,
        wp ? wp.users : 0));
    },
    // o: publish()'s options; o.properties with MQTT.js's names.
    publish(h, topic, payload, qos, retain, now, o) {
      const p = o && o.properties;
      if (p == null) return n.publish(h, topic, payload, qos, retain, now);
      const m = messageProperties(p, 'properties', PUBLISH_PROPS);
      n.checkPayload(payload.length);
      pack(topic, payload, ...m.records);
      return ok(publish5(h, qos, retain ? 1 : 0, now, m.present, m.expiry, m.format, m.users));
    },
    // o: subscribe()'s options: nl / rap / rh (MQTT.js) or noLocal / retainAsPublished / retainHandling.
    subscribe(h, filters, qos, now, o) {
      o ||= {};
      const nl = o.nl ?? o.noLocal, rap = o.rap ?? o.retainAsPublished, rh = o.rh ?? o.retainHandling;
      if (o.properties != null) {
        if (!isObject(o.properties)) throw bad('properties', 'an object', o.properties);
        keys(o.properties, 'properties', [], { subscriptionIdentifier: NO_SUB_ID,
          userProperties: ['SUBSCRIBE user properties are not offered by the browser package', 'subscribe.property'] });
      }
      for (const [k, v] of [['nl', nl], ['rap', rap]]) if (v != null && typeof v !== 'boolean') throw bad(k, 'a boolean', v);
      // Retain Handling's range (0..2) is the engine's rule (subscribe.options).
      if (rh != null && !(Number.isInteger(rh) && rh >= 0 && rh <= 255)) throw bad('rh', 'an integer (0 send retained, 1 only for a new subscription, 2 never)', rh);
      const list = [].concat(filters);
      pack(...list);
      return ok(subscribe5(h, qos, now, list.length, nl ? 1 : 0, rap ? 1 : 0, rh ?? 0));
    },
    poll(h) {
      const ev = n.poll(h);
      if (!ev) return ev;
      if (ev.type === EV_MESSAGE) {
        const props = {};
        let v = prop(h, PROP_PAYLOAD_FORMAT_INDICATOR);
        if (v >= 0) props.payloadFormatIndicator = v === 1;
        if ((v = prop(h, PROP_MESSAGE_EXPIRY_INTERVAL)) >= 0) props.messageExpiryInterval = v;
        if (prop(h, PROP_CONTENT_TYPE) >= 0) props.contentType = text(propBytes(h, PROP_CONTENT_TYPE));
        if (prop(h, PROP_RESPONSE_TOPIC) >= 0) props.responseTopic = text(propBytes(h, PROP_RESPONSE_TOPIC));
        if (prop(h, PROP_CORRELATION_DATA) >= 0) props.correlationData = view(propBytes(h, PROP_CORRELATION_DATA)).slice();
        for (let i = 0, count = userCount(h); i < count; i++) {
          const u = props.userProperties ||= {};
          const k = text(user(h, i, 0)), value = text(user(h, i, 1));
          u[k] = k in u ? [].concat(u[k], value) : value;
        }
        if (Object.keys(props).length) ev.properties = props;
      }
      if (ev.type === EV_SUBSCRIBED && ev.granted.some((c) => c >= 0x80)) ev.error = errorOf(h, 'server_error');
      // An UNSUBACK refusal (a reason code >= 0x80): the engine puts it in the event's error.
      if (ev.type === EV_UNSUBSCRIBED) { const e = errorOf(h, 'ok'); if (e.code != 'ok') ev.error = e; }
      withReason(ev.error);
      return ev;
    },
    destroy(h) {
      rr.destroy(h);
      n.destroy(h);
    },
  };
}

let modulePromise = null;

// Loads iotlite-mqtt5.wasm once per page (options as for the plain entry's init: wasmBinary, or
// wasmUrl; by default the file next to this one, through the form bundlers emit as an asset).
export function init(options) {
  options ||= {};
  if (!modulePromise) {
    modulePromise = instantiate(options.wasmBinary || options.wasmUrl || new URL('./iotlite-mqtt5.wasm', import.meta.url), names)
      .then(mqtt5, (e) => { modulePromise = null; throw asIotError(e, 'io_error', 'could not load the iotlite MQTT 5 engine: '); });
  }
  return modulePromise;
}

// Request/response of one client (client.request()): core's ResponseCorrelator on the client's
// engine, attached through the client's service hook (its deadline honoured, its timeouts run in
// poll()), and the response topic's subscription (made once, before the first request is sent).
class Requests {
  constructor(client, n, h, pump, o) {
    if (!h) throw new IotError('invalid_state', 'the client is closed');
    Object.assign(this, { client, n, h, pump, pending: new Map(), closed: false });
    const nonce = crypto.getRandomValues(new Uint32Array(2));
    n.pack(o.responseTopic ?? '');
    n.ok(n.rr.create(h, o.maxInFlight ?? 16, o.timeoutMs ?? 10000, nonce[0], nonce[1]));
    this.topic = n.text(n.out());
  }

  onEvent() { return false; }
  deadline(at) {
    const d = this.closed ? -1 : this.n.rr.deadline(this.h);
    return d >= 0 && (at < 0 || d < at) ? d : at;
  }
  // closing: close() is freeing the engine. A client the engine closed for good (reconnect off, a
  // session taken over) ends its requests the same way.
  poll(closing) {
    if (this.closed) return;
    closing ||= this.client.state === 'closed';
    for (let id; (id = this.n.rr.expire(this.h, monotonic(), closing ? 1 : 0));) {
      const r = this.pending.get(id);
      this.end(id, closing ? new IotError('closed', 'the client was closed')
        : new IotError('timeout', `no response to the request on "${r && r.topic}" within ${r && r.timeoutMs} ms`));
    }
    if (closing) {
      this.closed = true;
      this.n.rr.destroy(this.h);
    }
  }

  // Settles request `id` once (it has already left the correlator, or leaves it now).
  end(id, error, message) {
    const r = this.pending.get(id);
    if (!r) return;
    this.pending.delete(id);
    if (error && !this.closed) this.n.rr.cancel(this.h, id);
    if (r.signal) r.signal.removeEventListener('abort', r.abort);
    error ? r.reject(error) : r.resolve(message);
  }

  // A message on the response topic: the request whose correlation data it carries, if any.
  deliver(m) {
    if (this.closed) return;
    this.n.pack(m.topic, (m.properties && m.properties.correlationData) || new Uint8Array(0));
    const id = this.n.rr.match(this.h);
    if (id) this.end(id, null, m);
  }

  request(topic, payload, o, signal) {
    const { n, h } = this;
    const p = o.properties ?? {};
    if (!isObject(p)) throw bad('properties', 'an object', p);
    for (const k of ['responseTopic', 'correlationData']) if (p[k] != null) throw new IotError('invalid_argument', `properties.${k}: request() sets it (the response topic and a correlation data of its own)`, { rule: 'request.properties' });
    const id = n.ok(n.rr.start(h, o.timeoutMs ?? 0, monotonic()));
    const correlationData = n.text(n.out());
    return new Promise((resolve, reject) => {
      const r = { resolve, reject, topic, timeoutMs: o.timeoutMs ?? this.timeoutMs, signal };
      this.pending.set(id, r);
      if (signal) signal.addEventListener('abort', r.abort = () => this.end(id, aborted(signal)));
      this.pump();  // the deadline is armed
      // Subscribe-first: a response published before the subscription is in place would be lost.
      this.sub ||= this.client.subscribe(this.topic, { qos: 1 }, (m) => this.deliver(m)).catch((e) => { this.sub = null; throw e; });
      this.sub.then(() => this.pending.has(id) && this.client.publish(topic, payload,
        { qos: o.qos ?? 1, retain: o.retain, properties: { ...p, responseTopic: this.topic, correlationData } }))
        .catch((e) => this.end(id, asIotError(e, 'invalid_argument')));
    });
  }
}

// IotClient on iotlite-mqtt5.wasm: protocolVersion 5 (4 stays the default), MQTT 5 properties
// and subscription options, and request().
export class IotClient extends BaseClient {
  #rr;

  static async create(options) {
    return new IotClient(await init(options), options);
  }

  constructor(native, options) {
    const o = options && options.requests;
    if (o != null) {
      if (!isObject(o)) throw bad('requests', 'an object', o);
      keys(o, 'requests', ['responseTopic', 'maxInFlight', 'timeoutMs']);
      if (o.responseTopic != null && typeof o.responseTopic !== 'string') throw bad('requests.responseTopic', 'a string', o.responseTopic);
      // Integers here; their bounds are core's (ResponseCorrelator::create).
      int(o, 'maxInFlight', 0, 2 ** 31 - 1, 'requests');
      int(o, 'timeoutMs', 0, 2 ** 31 - 1, 'requests');
    }
    super(native, options);
    this.#requestOptions = o || {};
    // Given settings are checked at create() (core's topic rules and bounds).
    if (o) {
      try { this.#requests(); } catch (e) { this.close(); throw e; }
    }
  }

  #requestOptions;

  #requests() {
    if (!this.#rr) {
      this.attach((n, h, pump) => (this.#rr = new Requests(this, n, h, pump, this.#requestOptions)));
      this.#rr.timeoutMs = this.#requestOptions.timeoutMs ?? 10000;
    }
    return this.#rr;
  }

  // The response topic of request() (options.requests.responseTopic, or "iotlite/response/<client id>").
  get responseTopic() {
    return this.#requests().topic;
  }

  // Publishes `payload` to `topic` (QoS options.qos, default 1) with a Response Topic and a
  // Correlation Data of its own and resolves with the response (an IotMessage): the first message
  // on the response topic carrying that Correlation Data. Rejects with IotError: timeout
  // (options.timeoutMs, default requests.timeoutMs or 10 s), aborted (options.signal), closed,
  // queue_full (rule request.in_flight: requests.maxInFlight, default 16, await their response),
  // or the refusal of the subscription or of the publish (reasonCode / reason).
  request(topic, payload, options) {
    const o = options ?? {};
    try {
      if (!isObject(o)) throw bad('request options', 'an object', o);
      if (!this.state || this.state == 'closed') throw new IotError('invalid_state', 'the client is closed: close() is final, create a new client');
      check('timeoutMs', o.timeoutMs, 'p');
      qosOf(o);
      return this.#requests().request(topic, payload, o, signalOf(o));
    } catch (e) {
      return Promise.reject(asIotError(e, 'invalid_argument'));
    }
  }
}
