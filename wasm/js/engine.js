// engine.js — loads the .wasm and wraps the C ABI of wasm/src/bindings.cpp. Internal to the
// package: the application uses IotClient (client.js). No Emscripten JS runtime is shipped. The
// numbers of the boundary (event types, field ids) come from wasm-boundary.js, generated at build
// time from wasm/src/boundary.hpp and core's enums.
import {
  IMPORT_MODULE, IMPORT_ABORT, IMPORT_RESIZE, EXPORT_MEMORY, EXPORT_CTORS, FN_SCRATCH, FN_LEN,
  FN_CREATE, FN_DESTROY, FN_CONNECT, FN_DISCONNECT, FN_PUBLISH, FN_SUBSCRIBE, FN_UNSUBSCRIBE, FN_CONFIGURE, FN_TARGET,
  FN_PROVIDE_TARGET_ERROR, FN_ON_OPEN, FN_ON_BYTES, FN_ON_CLOSED, FN_ON_TICK, FN_RECONNECT_NOW, FN_WITHDRAW, FN_DEADLINE, FN_OUTPUT, FN_CONSUME,
  FN_STATE, FN_POLL, FN_EV_NUM, FN_EV_BYTES, FN_OUT, FN_MAX_INBOUND, FN_OBSERVE_DATE, FN_CLOCK_OFFSET,
  FN_SET_CLOCK_OFFSET, FN_REFRESH_AT, FN_COGNITO_ERRC, FN_RETRY_VERDICT, FN_CHECK_FILTER, FN_TOPIC_MATCHES,
  FN_CHECK_PAYLOAD, FN_CHECK_TOPIC, FN_QUEUE_ADMISSION,
} from './wasm-names.js';
import {
  EV_NEED_TARGET, EV_OPEN_TRANSPORT, EV_CONNECTED, EV_DISCONNECTED, EV_RECONNECTING, EV_MESSAGE, EV_SUBSCRIBED,
  EV_PUBLISH_FAILED, EV_ERROR, EVN_OP_ID, EVN_DELAY_MS, EVN_ATTEMPT, EVN_SESSION_PRESENT, EVN_ERROR_CODE, EVN_QOS,
  EVN_RETAIN, EVN_DUP, EVN_HTTP_STATUS, EVN_MQTT_REASON, EVN_RULE_LIMIT, EVN_RULE_ACTUAL, EVB_ERROR_MESSAGE,
  EVB_ERROR_RULE, EVB_TOPIC, EVB_PAYLOAD, EVB_TARGET_URL, EVB_SUBSCRIPTION_IDS, EVB_GRANTED, FINAL_BECAUSE,
  QUEUE_POLICY, QUEUE_ADMISSIONS, QUEUE_BOUNDS,
} from './wasm-boundary.js';
import { ERROR_CODES, IotError, asIotError } from './errors.js';

// One UTF-8 encoder and decoder for the package (client.js uses them too).
export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

let modulePromise = null;
let defaultWasmBinary = null;

// Filled by the "node" entries (node.js): how to read a file: URL (Node's fetch cannot) and the
// WebSocket to use where the runtime has none (the "ws" package in Node 20 and 21).
export const platform = {};

// Used by the "iotlite/inline" entry: the .wasm bytes embedded in JS.
export function setDefaultWasmBinary(fn) {
  defaultWasmBinary = fn;
}

// Loads the module once per page. Options: wasmBinary (bytes, e.g. read from disk in Node) or
// wasmUrl (where to fetch the .wasm); by default the .wasm next to this file is fetched, through
// the `new URL(..., import.meta.url)` form that bundlers recognise as an asset.
export function loadEngine(options) {
  options ||= {};
  if (!modulePromise) {
    modulePromise = instantiate(options.wasmBinary || (defaultWasmBinary && defaultWasmBinary())
      || options.wasmUrl || new URL('./iotlite.wasm', import.meta.url))
      .catch((e) => { modulePromise = null; throw asIotError(e, 'io_error'); });
  }
  return modulePromise;
}
// A string with a lone surrogate has no UTF-8 form: TextEncoder would turn each into U+FFFD, i.e.
// silently another topic or client id. Where the runtime can tell (String.prototype.isWellFormed:
// every current browser, Node 20, Bun, Deno) it goes to core as WTF-8 instead, each lone surrogate
// as the 3-byte form UTF-8 forbids, and core refuses it by its UTF-8 rule, naming the field.
const wellFormed = (s) => !s.isWellFormed || s.isWellFormed();
function wtf8(s, h, at) {
  let n = at;
  for (const ch of s) {  // code points; a lone surrogate is one of its own
    const c = ch.codePointAt(0);
    const tail = c < 0x80 ? 0 : c < 0x800 ? 1 : c < 0x10000 ? 2 : 3;
    h[n++] = tail ? ((0xff00 >> (tail + 1)) & 0xff) | (c >> (6 * tail)) : c;  // lead: 0xc0, 0xe0, 0xf0
    for (let k = tail; k--;) h[n++] = 0x80 | ((c >> (6 * k)) & 63);
  }
  return n - at;
}

let loaded = null;  // the first engine instantiated (any entry's build: they share these exports)

// Core's topic rules for the application's own checks (the demo page's filter fields and message
// log): synchronous, so an engine must be loaded (init() or a create() resolved, any entry). A
// filter that is not a string, or a call before an engine is loaded, throws IotError.
function engineNow() {
  if (!loaded) throw new IotError('invalid_state', 'the engine is not loaded yet: await init() (or IotClient.create()) first');
  return loaded;
}
const asFilter = (f) => {
  if (typeof f != 'string') throw new IotError('invalid_topic', `a topic filter must be a string, not ${typeof f}`);
  return f;
};
// null when `filter` passes MQTT's and AWS IoT's rules, else the IotError (invalid_topic or
// limit_exceeded, naming the rule) that subscribe() would reject it with.
export function topicFilterError(filter) {
  const e = engineNow();
  return packed(e, asFilter(filter)) || (e.exports[FN_CHECK_FILTER]() ? null : e.errorOf(0, 'invalid_topic'));
}
// Packs the strings; the IotError of a refusal (over what one call may take), else null.
function packed(e, ...items) {
  try {
    e.pack(...items);
    return null;
  } catch (err) {
    return err;
  }
}
// For an entry that stores a message before the client sends it (iotlite/durable): null, or the
// IotError publish() would reject its topic or its payload size with (core's rules).
export function publishRuleError(topic, size) {
  const e = engineNow();
  if (typeof topic != 'string') return new IotError('invalid_topic', `the topic must be a string, not ${typeof topic}`);
  const tooLarge = packed(e, topic);
  if (tooLarge) return tooLarge;
  if (!e.exports[FN_CHECK_TOPIC]()) return e.errorOf(0, 'invalid_topic');
  return e.exports[FN_CHECK_PAYLOAD](size) ? null : e.errorOf(0, 'limit_exceeded');
}
// The offline queue's rule (core's queue_admission) for a queue the package keeps itself
// (iotlite/durable): what a queue bounded by {maxMessages, maxBytes, policy} and holding `queued`
// messages of `queuedBytes` does with one more of `bytes`. {admission: 'accepted' | 'evict_oldest'
// | 'dropped' | 'rejected', bound: 'none' | 'max_messages' | 'max_bytes' | 'message_bytes'}.
// The caller passes integers below 2^31 and a policy of QUEUE_POLICY.
export function queueAdmission({ maxMessages, maxBytes, policy }, queued, queuedBytes, bytes) {
  const v = engineNow().exports[FN_QUEUE_ADMISSION](QUEUE_POLICY[policy], maxMessages, maxBytes, queued, queuedBytes, bytes);
  return { admission: QUEUE_ADMISSIONS[v & 3], bound: QUEUE_BOUNDS[v >> 2] };
}
// Whether `topic` matches `filter` as the engine routes messages ('+' one level, '#' the rest and
// the parent, no wildcard match for a leading '$'); false when the filter breaks a rule.
export function topicMatches(filter, topic) {
  if (topicFilterError(filter) || typeof topic != 'string') return false;
  return !packed(loaded, filter, topic) && loaded.exports[FN_TOPIC_MATCHES]() === 1;  // no topic is over 1 MiB
}

// Instantiates a build of the engine from its bytes or URL. Also used by the "iotlite/shadow"
// entry for its own build, whose names for everything above are the plain build's (checked by
// wasm/tools/wasm_names.mjs) and whose own functions are `ownNames` (C name without "iot_" ->
// export), reached through f(). The module needs two imports: abort (a C++ invariant failed) and
// heap growth.
export async function instantiate(source, ownNames) {
  let memory;
  const env = {
    [IMPORT_ABORT]: () => { throw new WebAssembly.RuntimeError('iotlite: the wasm engine aborted'); },
    [IMPORT_RESIZE]: (requested) => {
      const have = memory.buffer.byteLength;
      const want = Math.max(requested >>> 0, Math.ceil(have * 1.25));
      try {
        memory.grow(Math.ceil((want - have) / 65536));
        return 1;
      } catch {
        return 0;
      }
    },
  };
  const imports = { [IMPORT_MODULE]: env };
  let result;
  if (typeof source !== 'string' && !(source instanceof URL)) {
    result = await WebAssembly.instantiate(source, imports);
  } else if (platform.read && /^file:/.test(source)) {
    result = await WebAssembly.instantiate(await platform.read(source), imports);
  } else {
    const url = source;
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new IotError('io_error', `could not load the iotlite engine from ${url}: HTTP ${response.status}`);
    result = WebAssembly.instantiateStreaming && /wasm/.test(response.headers.get('content-type'))
      ? await WebAssembly.instantiateStreaming(response, imports)
      : await WebAssembly.instantiate(await response.arrayBuffer(), imports);
  }
  memory = result.instance.exports[EXPORT_MEMORY];
  const bound = bind(result.instance.exports, ownNames);
  loaded ||= bound;
  return bound;
}

// Thin access to the exports: every method mirrors one iot_* function of bindings.cpp. The
// exports are held in local constants (short after minification) rather than properties.
function bind(exports, ownNames) {
  const f = (name) => exports[ownNames[name]];
  const memory = exports[EXPORT_MEMORY];
  const scratch = exports[FN_SCRATCH], len = exports[FN_LEN];
  const create = exports[FN_CREATE], destroy = exports[FN_DESTROY], connect = exports[FN_CONNECT];
  const disconnect = exports[FN_DISCONNECT], publish = exports[FN_PUBLISH], subscribe = exports[FN_SUBSCRIBE];
  const unsubscribe = exports[FN_UNSUBSCRIBE], configure = exports[FN_CONFIGURE], target = exports[FN_TARGET];
  const provideTargetError = exports[FN_PROVIDE_TARGET_ERROR], onOpen = exports[FN_ON_OPEN], onBytes = exports[FN_ON_BYTES];
  const onClosed = exports[FN_ON_CLOSED], onTick = exports[FN_ON_TICK], deadline = exports[FN_DEADLINE];
  const reconnectNow = exports[FN_RECONNECT_NOW], withdraw = exports[FN_WITHDRAW];
  const output = exports[FN_OUTPUT], consume = exports[FN_CONSUME], state = exports[FN_STATE], poll = exports[FN_POLL];
  const num = exports[FN_EV_NUM], bytes = exports[FN_EV_BYTES], out = exports[FN_OUT];
  const maxInbound = exports[FN_MAX_INBOUND], observeDate = exports[FN_OBSERVE_DATE];
  exports[EXPORT_CTORS]();

  let heap = new Uint8Array(memory.buffer);
  let heap32 = new Uint32Array(memory.buffer);
  // Fresh views after the heap grew: growing detaches the old buffer, whose views then have
  // length 0 (cheaper to test on every access than reading memory.buffer).
  const HEAP = () => (heap.length ? heap : (heap = new Uint8Array(memory.buffer)));
  const HEAP32 = () => (heap32.length ? heap32 : (heap32 = new Uint32Array(memory.buffer)));
  const view = (ptr) => HEAP().subarray(ptr, ptr + len());
  const text = (ptr) => decoder.decode(view(ptr));
  // The polled event's error (h = 0: the last error of a call), its cause as data: the HTTP status,
  // the MQTT reason code, the rule with its limit and the value found (core's Error fields).
  const errorOf = (h, fallback) => {
    const e = new IotError(ERROR_CODES[num(h, EVN_ERROR_CODE)] || fallback, text(bytes(h, EVB_ERROR_MESSAGE)));
    const rule = text(bytes(h, EVB_ERROR_RULE));
    const status = num(h, EVN_HTTP_STATUS);
    const mqttReason = num(h, EVN_MQTT_REASON);
    if (status) e.status = status;
    if (mqttReason) e.mqttReason = mqttReason;
    if (rule) Object.assign(e, { rule, limit: num(h, EVN_RULE_LIMIT), actual: num(h, EVN_RULE_ACTUAL) });
    return e;
  };
  const ok = (id) => { if (!id) throw errorOf(0, 'invalid_argument'); return id; };
  const code = (name) => ERROR_CODES.indexOf(name);

  // Packs strings / byte arrays into the scratch buffer as [u32 length][bytes] records. Strings
  // are encoded straight into wasm memory (no intermediate copies).
  const pack = (...items) => {
    let bound = 0;
    for (const v of items) bound += 4 + (typeof v === 'string' ? v.length * 3 : v.length);
    let at = scratch(bound);
    if (!at) throw errorOf(0, 'limit_exceeded');  // more than one call may take: nothing is copied
    const h = HEAP();
    for (const v of items) {
      let n;
      if (typeof v === 'string') {
        n = wellFormed(v) ? encoder.encodeInto(v, h.subarray(at + 4, at + 4 + v.length * 3)).written : wtf8(v, h, at + 4);
      } else {
        n = v.length;
        h.set(v, at + 4);
      }
      h[at] = n & 0xff;
      h[at + 1] = (n >>> 8) & 0xff;
      h[at + 2] = (n >>> 16) & 0xff;
      h[at + 3] = n >>> 24;
      at += 4 + n;
    }
  };

  // Throws IotError for a payload over AWS IoT's limit, before it is copied into the module.
  const checkPayload = (size) => ok(exports[FN_CHECK_PAYLOAD](size));

  return {
    pack, f, text, ok, out, errorOf, view, exports, checkPayload,
    // Throws IotError when the engine rejects the config.
    // c.will: {topic, payload (bytes), qos, retain} or undefined.
    create(clientId, c) {
      const w = c.will;
      if (w) pack(clientId, w.topic, w.payload); else pack(clientId);
      return ok(create(c.keepAliveSeconds, c.cleanSession ? 1 : 0, c.minDelayMs, c.maxDelayMs,
        c.reconnect ? 1 : 0, c.queueMessages, c.queueBytes, c.queuePolicy, c.seed, c.connectTimeoutMs,
        w ? w.qos : -1, w && w.retain ? 1 : 0));
    },
    destroy,
    connect: (h, now) => ok(connect(h, now)),
    disconnect,
    // Each returns an op id or throws IotError (the rule the call broke).
    publish(h, topic, payload, qos, retain, now) {
      checkPayload(payload.length);
      pack(topic, payload);
      return ok(publish(h, qos, retain ? 1 : 0, now));
    },
    // filters: one filter or an array of them (one SUBSCRIBE / UNSUBSCRIBE).
    subscribe(h, filters, qos, now) {
      const list = [].concat(filters);
      pack(...list);
      return ok(subscribe(h, qos, now, list.length));
    },
    unsubscribe(h, filters, now) {
      const list = [].concat(filters);
      pack(...list);
      return ok(unsubscribe(h, now, list.length));
    },
    // Where the client connects, by core's connection layer (endpoint forms, region, custom
    // authorizer ca, the clock offset): {secure, host}. Throws IotError naming the rule.
    configure(h, endpoint, region, ca, offsetMs) {
      pack(endpoint, region || '', ...(ca ? [ca.name, ca.tokenKeyName, ca.token, ca.signature, ca.username, ca.password] : [])
        .map((v) => v ?? ''));
      const secure = ok(configure(h, ca ? 1 : 0, offsetMs)) === 2;
      return { secure, host: text(out()) };
    },
    // Builds this attempt's target with creds (SigV4; null for a custom authorizer) at wall clock
    // wallMs and hands it, or why not, to the engine. provide false: returns the presigned URL
    // instead (throws IotError).
    target(h, attempt, creds, wallMs, now, provide = true) {
      pack(...(creds ? [creds.accessKeyId, creds.secretAccessKey, creds.sessionToken || ''] : []));
      const r = target(h, attempt, wallMs, (creds && creds.expiration) || 0, provide ? 1 : 0, now);
      if (!provide) return ok(r) && text(out());
    },
    // A server's Date header (read by Date.parse), for core's clock-skew policy.
    observeDate(h, date, wallMs) {
      const server = Date.parse(date);
      if (server > 0) observeDate(h, server, wallMs);
    },
    clockOffset: exports[FN_CLOCK_OFFSET],
    setClockOffset: (h, ms) => ok(exports[FN_SET_CLOCK_OFFSET](h, ms)),
    // When to refresh credentials (server-time ms; margin -1: the default).
    refreshAt: exports[FN_REFRESH_AT],
    // The error code of a Cognito error answer (exception name, HTTP status), by core's table.
    cognitoErrc(type, status) {
      pack(type);
      return ERROR_CODES[exports[FN_COGNITO_ERRC](status)];
    },
    // Marks a failed connection attempt's error with core's verdict (connection::retry_verdict):
    // `retryable`, and `finalBecause` when no retry with the same settings can pass.
    judgeRetry(e, refreshed) {
      const because = FINAL_BECAUSE[exports[FN_RETRY_VERDICT](code(e.code), e.status || 0, e.mqttReason || 0,
        (refreshed ? 1 : 0) | (e.service === 'cognito' ? 2 : 0))];
      e.retryable = because === 'none';
      if (!e.retryable) e.finalBecause = because;
    },
    // status: the HTTP status behind the error (0: none); it comes back in the error event.
    provideTargetError(h, name, message, status, now) {
      pack(message);
      provideTargetError(h, code(name), status || 0, now);
    },
    onOpen,
    onBytes(h, data, now) {
      pack(data);
      onBytes(h, now);
    },
    // status (a refused upgrade's, 0: none) decides the code by core's table. Returns true when
    // core's target builder says the credentials were refused (fetch fresh ones next time).
    onClosed(h, name, message, status, now) {
      pack(message);
      return onClosed(h, code(name), status || 0, now) === 1;
    },
    // The largest inbound MQTT packet the engine accepts (bytes).
    maxInbound,
    onTick,
    // Skips the rest of a backoff, never sooner than 1 s after the failure (core's rule).
    reconnectNow,
    // true: the publish op was still queued and is withdrawn (no event will come for it).
    withdraw: (h, op) => withdraw(h, op) === 1,
    deadline,
    state,
    // A copy of the pending output (or null), consumed from the engine.
    takeOutput(h) {
      const ptr = output(h);
      const n = len();
      if (!n) return null;
      const copy = HEAP().slice(ptr, ptr + n);
      consume(h, n);
      return copy;
    },
    // The next event as a plain object, or null.
    poll(h) {
      const type = poll(h);
      if (type < 0) return null;
      const ev = { type };
      switch (type) {
        case EV_NEED_TARGET:
        case EV_RECONNECTING:
          ev.attempt = num(h, EVN_ATTEMPT);
          ev.delayMs = num(h, EVN_DELAY_MS);
          break;
        case EV_OPEN_TRANSPORT:
          ev.url = text(bytes(h, EVB_TARGET_URL));
          break;
        case EV_CONNECTED:
          ev.sessionPresent = num(h, EVN_SESSION_PRESENT) === 1;
          break;
        case EV_MESSAGE: {
          ev.topic = text(bytes(h, EVB_TOPIC));
          const payload = bytes(h, EVB_PAYLOAD);
          ev.payload = HEAP().slice(payload, payload + len());
          ev.qos = num(h, EVN_QOS);
          ev.retain = num(h, EVN_RETAIN) === 1;
          ev.dup = num(h, EVN_DUP) === 1;
          // The ids (u32 each) copied out one by one: no typed-array view made per message.
          const ids = bytes(h, EVB_SUBSCRIPTION_IDS) >>> 2, count = len(), words = HEAP32();
          ev.ids = [];
          for (let i = 0; i < count; i++) ev.ids.push(words[ids + i]);
          break;
        }
        case EV_SUBSCRIBED:
          ev.opId = num(h, EVN_OP_ID);
          ev.granted = Array.from(view(bytes(h, EVB_GRANTED)));
          break;
        default:
          ev.opId = num(h, EVN_OP_ID);
      }
      if (type === EV_DISCONNECTED || type === EV_PUBLISH_FAILED || type === EV_ERROR) ev.error = errorOf(h, 'closed');
      return ev;
    },
  };
}
