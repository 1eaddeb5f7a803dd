// engine.js — loads the .wasm and wraps the C ABI of wasm/src/bindings.cpp. Internal to the
// package: the application uses IotClient (client.js). No Emscripten JS runtime is shipped.
import names from './wasm-names.js';
import { ERROR_CODES, IotError, asIotError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let modulePromise = null;
let defaultWasmBinary = null;

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
      || options.wasmUrl || new URL('./iotlite.wasm', import.meta.url), names)
      .catch((e) => { modulePromise = null; throw asIotError(e, 'io_error'); });
  }
  return modulePromise;
}

// Instantiates a build of the engine from its bytes or URL and its names (wasm-names*.js; also
// used by the "iotlite/shadow" entry for its own build). The module needs two imports: abort (a
// C++ invariant failed) and heap growth.
export async function instantiate(source, names) {
  let memory;
  const env = {
    [names.abort]: () => { throw new WebAssembly.RuntimeError('iotlite: the wasm engine aborted'); },
    [names.resize]: (requested) => {
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
  const imports = { [names.module]: env };
  let result;
  if (typeof source !== 'string' && !(source instanceof URL)) {
    result = await WebAssembly.instantiate(source, imports);
  } else {
    const url = source;
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new IotError('io_error', `could not load the iotlite engine from ${url}: HTTP ${response.status}`);
    result = WebAssembly.instantiateStreaming && /wasm/.test(response.headers.get('content-type'))
      ? await WebAssembly.instantiateStreaming(response, imports)
      : await WebAssembly.instantiate(await response.arrayBuffer(), imports);
  }
  memory = result.instance.exports[names.memory];
  return bind(result.instance.exports, names);
}

// Event types, in the order of iotlite::mqtt::Event::Type (constants, so bundlers inline them).
export const EV_NEED_TARGET = 0;
export const EV_OPEN_TRANSPORT = 1;
export const EV_CLOSE_TRANSPORT = 2;
export const EV_CONNECTED = 3;
export const EV_DISCONNECTED = 4;
export const EV_RECONNECTING = 5;
export const EV_MESSAGE = 6;
export const EV_SUBSCRIBED = 7;
export const EV_UNSUBSCRIBED = 8;
export const EV_PUBLISHED = 9;
export const EV_PUBLISH_FAILED = 10;
export const EV_ERROR = 11;

// Thin access to the exports: every method mirrors one iot_* function of bindings.cpp. The
// exports are held in local constants (short after minification) rather than properties.
function bind(exports, names) {
  const f = (name) => exports[names.fn[name]];
  const memory = exports[names.memory];
  const scratch = f('scratch'), len = f('len'), errCode = f('err_code'), errMsg = f('err_msg');
  const create = f('create'), destroy = f('destroy'), connect = f('connect'), disconnect = f('disconnect');
  const publish = f('publish'), subscribe = f('subscribe'), unsubscribe = f('unsubscribe');
  const provideTarget = f('provide_target'), provideTargetError = f('provide_target_error');
  const onOpen = f('on_open'), onBytes = f('on_bytes'), onClosed = f('on_closed'), onTick = f('on_tick');
  const deadline = f('deadline'), output = f('output'), consume = f('consume'), state = f('state');
  const poll = f('poll'), num = f('ev_num'), bytes = f('ev_bytes'), presign = f('presign'), out = f('out');
  const maxInbound = f('max_inbound');
  exports[names.ctors]();

  let heap = new Uint8Array(memory.buffer);
  // A fresh view after the heap grew (growing detaches the old buffer).
  const HEAP = () => (heap.buffer === memory.buffer ? heap : (heap = new Uint8Array(memory.buffer)));
  const view = (ptr) => HEAP().subarray(ptr, ptr + len());
  const text = (ptr) => decoder.decode(view(ptr));
  const lastError = () => new IotError(ERROR_CODES[errCode()] || 'invalid_argument', text(errMsg()));
  const ok = (id) => { if (!id) throw lastError(); return id; };
  const code = (name) => ERROR_CODES.indexOf(name);

  // Packs strings / byte arrays into the scratch buffer as [u32 length][bytes] records. Strings
  // are encoded straight into wasm memory (no intermediate copies).
  const pack = (...items) => {
    let bound = 0;
    for (const v of items) bound += 4 + (typeof v === 'string' ? v.length * 3 : v.length);
    let at = scratch(bound);
    const h = HEAP();
    for (const v of items) {
      let n;
      if (typeof v === 'string') {
        n = encoder.encodeInto(v, h.subarray(at + 4, at + 4 + v.length * 3)).written;
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

  return {
    pack, f, text, ok,
    // Throws IotError when the engine rejects the config.
    create(clientId, c) {
      pack(clientId);
      return ok(create(c.keepAliveSeconds, c.cleanSession ? 1 : 0, c.minDelayMs, c.maxDelayMs,
        c.reconnect ? 1 : 0, c.queueMessages, c.queueBytes, c.queuePolicy, c.seed, c.connectTimeoutMs));
    },
    destroy,
    connect: (h, now) => ok(connect(h, now)),
    disconnect,
    // Each returns an op id or throws IotError (the rule the call broke).
    publish(h, topic, payload, qos, retain, now) {
      pack(topic, payload);
      return ok(publish(h, qos, retain ? 1 : 0, now));
    },
    subscribe(h, filter, qos, now) {
      pack(filter);
      return ok(subscribe(h, qos, now));
    },
    unsubscribe(h, filter, now) {
      pack(filter);
      return ok(unsubscribe(h, now));
    },
    provideTarget(h, url, username, password, now) {
      pack(url, username || '', password || '');
      provideTarget(h, now);
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
    onClosed(h, name, message, status, now) {
      pack(message);
      onClosed(h, code(name), status || 0, now);
    },
    // The largest inbound MQTT packet the engine accepts (bytes).
    maxInbound,
    onTick,
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
          ev.attempt = num(h, 2);
          ev.delayMs = num(h, 1);
          break;
        case EV_OPEN_TRANSPORT:
          ev.url = text(bytes(h, 3));
          break;
        case EV_CONNECTED:
          ev.sessionPresent = num(h, 3) === 1;
          break;
        case EV_MESSAGE: {
          ev.topic = text(bytes(h, 1));
          ev.payload = view(bytes(h, 2)).slice();
          ev.qos = num(h, 5);
          ev.retain = num(h, 6) === 1;
          ev.dup = num(h, 7) === 1;
          const ids = bytes(h, 4);
          ev.ids = Array.from(new Uint32Array(HEAP().buffer, ids, len()));
          break;
        }
        case EV_SUBSCRIBED:
          ev.opId = num(h, 0);
          ev.granted = Array.from(view(bytes(h, 5)));
          break;
        default:
          ev.opId = num(h, 0);
      }
      if (type === EV_DISCONNECTED || type === EV_PUBLISH_FAILED || type === EV_ERROR) {
        // The HTTP status travels through the engine as data (Error::http_status), not as text.
        ev.error = new IotError(ERROR_CODES[num(h, 4)] || 'closed', text(bytes(h, 0)), { status: num(h, 9) || undefined });
      }
      return ev;
    },
    // Presigns the AWS IoT WebSocket URL. Throws IotError naming the rule on bad input.
    presign(endpoint, region, creds, epochSeconds, secure) {
      pack(endpoint, region || '', creds.accessKeyId, creds.secretAccessKey, creds.sessionToken || '');
      ok(presign(epochSeconds, secure ? 1 : 0));
      return text(out());
    },
  };
}
