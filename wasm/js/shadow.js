// shadow.js — the "iotlite/shadow" entry: the whole package API, plus client.shadow(thing, name?)
// for AWS IoT Device Shadows, on iotlite-shadow.wasm (the engine built together with the C++
// shadow client, wasm/src/shadow_bindings.cpp) instead of iotlite.wasm.
//
// All shadow behaviour is the C++ iotlite::shadow::ShadowClient's: name and clientToken rules,
// state checks (shape, depth, 8 KB merged), the response-topic subscriptions made before each
// first request, clientToken correlation, timeouts, 409 -> conflict, the in-flight limit, and the
// mirror. This file routes the engine's events through it (the wrapped poll below), adds its
// deadline to the client's timer and turns its events into promises and listeners.
import names from './wasm-names-shadow.js';
import { instantiate } from './engine.js';
import { IotClient as BaseClient, clientInternals, jsonText } from './client.js';
import { ERROR_CODES, IotError, asIotError } from './errors.js';

export * from './index.js';

// ShadowEvent::Type (core/include/iotlite/services/shadow/shadow_client.hpp).
const ACCEPTED = 0, REJECTED = 1, FAILED = 2, DELTA = 3, DOCUMENTS = 4, STREAM_READY = 5, STREAM_FAILED = 6;
const STREAMS = ['delta', 'documents'];
const monotonic = () => Math.floor(globalThis.performance ? performance.now() : Date.now());
const closedError = () => new IotError('closed', 'the client was closed');
const call = (fn, arg) => { try { fn(arg); } catch (e) { setTimeout(() => { throw e; }); } };
const invalid = (message) => new IotError('invalid_argument', message);

let modulePromise = null;

// Loads iotlite-shadow.wasm once per page (options as for the plain entry's init: wasmBinary, or
// wasmUrl; by default the file next to this one, through the form bundlers emit as an asset).
export function init(options) {
  options ||= {};
  if (!modulePromise) {
    modulePromise = instantiate(options.wasmBinary || options.wasmUrl || new URL('./iotlite-shadow.wasm', import.meta.url), names)
      .then(withShadows, (e) => { modulePromise = null; throw asIotError(e, 'io_error', 'could not load the iotlite shadow engine: '); });
  }
  return modulePromise;
}

// Wraps the engine's poll / deadline / onTick / destroy so that every client of this module feeds
// its shadow client (if it made one): the driver in client.js is unchanged.
function withShadows(n) {
  const { f, text, pack, ok, poll, deadline, onTick, destroy } = n;
  const create = f('sh_create'), drop = f('sh_destroy'), feed = f('sh_feed'), tick = f('sh_tick');
  const shDeadline = f('sh_deadline'), request = f('sh_request'), watch = f('sh_watch'), shPoll = f('sh_poll');
  const num = f('sh_ev_num'), bytes = f('sh_ev_bytes'), mirror = f('sh_mirror');
  const hubs = new Map();  // engine handle -> Hub

  n.poll = (h) => {
    const hub = hubs.get(h);
    for (;;) {
      const ev = poll(h);
      if (!ev || !hub) return ev;
      const mine = feed(hub.sh, h, monotonic());
      hub.drain();
      if (!mine) return ev;
      // The shadow client may have written (a PUBLISH after its SUBACK): the driver flushes
      // before each poll, so make sure one more pump runs if this poll ends the loop.
      hub.pump();
    }
  };
  n.deadline = (h) => {
    const a = deadline(h);
    const hub = hubs.get(h);
    const b = hub ? shDeadline(hub.sh) : -1;
    return a < 0 ? b : b < 0 ? a : Math.min(a, b);
  };
  n.onTick = (h, now) => {
    onTick(h, now);
    const hub = hubs.get(h);
    if (hub) { tick(hub.sh, now); hub.drain(); }
  };
  n.destroy = (h) => {
    const hub = hubs.get(h);
    if (hub) {
      hubs.delete(h);
      hub.close();
      drop(hub.sh);
    }
    destroy(h);
  };

  // The shadow side of one client: its C++ ShadowClient, pending requests, Shadow objects.
  class Hub {
    constructor(h, pump) {
      this.sh = ok(create(h, 10000));
      this.pump = pump;
      this.pending = new Map();  // request id -> {resolve, reject}
      this.shadows = new Map();  // "thing\nname" -> Shadow
      this.closed = false;
    }

    // state: JSON text, or a function returning it (it may throw IotError). Always a promise.
    request(thing, name, op, state, o) {
      if (this.closed) return Promise.reject(new IotError('invalid_state', 'the client is closed'));
      let id;
      try {
        o ??= {};
        if (typeof o !== 'object') throw invalid(`options must be an object, not ${typeof o}`);
        if (o.version != null && !(Number.isSafeInteger(o.version) && o.version >= 0)) {
          throw invalid(`version must be a non-negative integer, not ${typeof o.version === 'number' ? o.version : typeof o.version}`);
        }
        if (o.clientToken != null && typeof o.clientToken !== 'string') throw invalid(`clientToken must be a string, not ${typeof o.clientToken}`);
        if (o.timeoutMs != null && !(Number.isInteger(o.timeoutMs) && o.timeoutMs > 0 && o.timeoutMs < 2 ** 31)) {
          throw invalid(`timeoutMs must be an integer in 1..${2 ** 31 - 1}, not ${typeof o.timeoutMs === 'number' ? o.timeoutMs : typeof o.timeoutMs}`);
        }
        if (typeof state === 'function') state = state();
        pack(thing, name, state, o.clientToken || '');
        id = ok(request(this.sh, op, o.version ?? -1, o.timeoutMs || 0, monotonic()));
      } catch (e) {
        return Promise.reject(asIotError(e, 'invalid_argument'));
      }
      return new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.pump();
      });
    }

    watch(thing, name, stream) {
      if (this.closed) throw new IotError('invalid_state', 'the client is closed');
      pack(thing, name);
      ok(watch(this.sh, STREAMS.indexOf(stream), monotonic()));
      this.pump();
    }

    mirror(thing, name) {
      if (this.closed) return null;
      pack(thing, name);
      const p = mirror(this.sh);
      return p ? JSON.parse(text(p)) : null;
    }

    // Hands every pending event of the C++ shadow client to its promise or Shadow.
    drain() {
      for (let type; (type = shPoll(this.sh)) >= 0;) {
        const shadow = this.shadows.get(`${text(bytes(this.sh, 0))}\n${text(bytes(this.sh, 1))}`);
        const payload = text(bytes(this.sh, 2));
        const error = () => new IotError(ERROR_CODES[num(this.sh, 1)] || 'server_error', text(bytes(this.sh, 3)),
          type === REJECTED ? { status: num(this.sh, 2) } : undefined);
        if (type <= FAILED) {
          const op = this.pending.get(num(this.sh, 0));
          this.pending.delete(num(this.sh, 0));
          if (op) {
            if (type === ACCEPTED) op.resolve(JSON.parse(payload));
            else op.reject(error());
          }
        } else if (shadow) {
          if (type === DELTA) shadow._emit('delta', JSON.parse(payload));
          else if (type === DOCUMENTS) shadow._emit('documents', JSON.parse(payload));
          else if (type === STREAM_READY || type === STREAM_FAILED) shadow._ready(STREAMS[num(this.sh, 3)], type === STREAM_FAILED && error());
          else shadow._emit('error', error());
        }
      }
    }

    close() {
      this.closed = true;
      this.drain();
      for (const op of this.pending.values()) op.reject(closedError());
      this.pending.clear();
      for (const s of this.shadows.values()) s._closed();
    }
  }

  n.hub = (client) => {
    const { h, pump } = clientInternals(client);
    const handle = h();
    if (!handle) throw new IotError('invalid_state', 'the client is closed');
    let hub = hubs.get(handle);
    if (!hub) hubs.set(handle, hub = new Hub(handle, pump));
    return hub;
  };
  return n;
}

// One device shadow (classic when name is empty). Obtained from client.shadow(); the same object
// is returned for the same thing and name.
export class Shadow {
  #hub; #listeners = {}; #waiters = { delta: [], documents: [] }; #ready = {};

  constructor(hub, thing, name) {
    this.#hub = hub;
    this.thing = thing;
    this.name = name;
  }

  // Resolve with the accepted document {state, metadata, version, timestamp, clientToken}.
  // Reject with IotError: conflict (409) / server_error (other codes; .status = the code) with
  // the service's message, timeout, closed, or invalid_argument / limit_exceeded naming the rule.
  get(options) { return this.#hub.request(this.thing, this.name, 0, '', options); }
  // state: {desired?, reported?} (null values delete keys), as an object or JSON text.
  update(state, options) {
    return this.#hub.request(this.thing, this.name, 1, typeof state === 'string' ? state : () => jsonText(state, 'the shadow state'), options);
  }
  report(patch, options) { return this.update({ reported: patch }, options); }
  desire(patch, options) { return this.update({ desired: patch }, options); }
  delete(options) { return this.#hub.request(this.thing, this.name, 2, '', options); }

  // Subscribes to update/delta or update/documents; resolves once the broker granted it.
  // Listening to "delta" or "documents" does this by itself.
  watch(stream = 'delta') {
    if (!STREAMS.includes(stream)) return Promise.reject(new IotError('invalid_argument', `stream must be "delta" or "documents", not "${String(stream)}"`));
    if (this.#ready[stream]) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters[stream].push({ resolve, reject });
      try { this.#hub.watch(this.thing, this.name, stream); } catch (e) { this._ready(stream, e); }
    });
  }

  // Events: delta {state, metadata, version, timestamp}, documents {previous, current, timestamp,
  // clientToken}, error (IotError: a refused stream subscription, an unparsable message).
  on(event, fn) {
    if (typeof fn !== 'function') throw invalid(`the listener must be a function, not ${typeof fn}`);
    (this.#listeners[event] ||= []).push(fn);
    if (STREAMS.includes(event)) this.watch(event).catch(() => {});  // reported as an "error" event
    return this;
  }
  off(event, fn) { const l = this.#listeners[event]; if (l) this.#listeners[event] = l.filter((g) => g !== fn); return this; }

  // The local mirror, kept by the C++ client from every accepted document, delta and documents
  // message seen (version-ordered): {desired, reported, delta}, or null before anything arrived.
  get state() {
    const m = this.#hub.mirror(this.thing, this.name);
    return m && m.version !== null ? { desired: m.desired, reported: m.reported, delta: m.delta } : null;
  }
  get version() {
    const m = this.#hub.mirror(this.thing, this.name);
    return m && m.version !== null ? m.version : undefined;
  }

  _emit(event, arg) { for (const fn of this.#listeners[event] || []) call(fn, arg); }
  _ready(stream, error) {
    const w = this.#waiters[stream];
    this.#waiters[stream] = [];
    if (!error) this.#ready[stream] = true;
    for (const x of w) error ? x.reject(error) : x.resolve();
    if (error) this._emit('error', error);
  }
  _closed() {
    for (const s of STREAMS) {
      for (const x of this.#waiters[s]) x.reject(closedError());
      this.#waiters[s] = [];
    }
  }
}

// IotClient with shadow(): created on iotlite-shadow.wasm.
export class IotClient extends BaseClient {
  static async create(options) {
    return new IotClient(await init(options), options);
  }

  // The Shadow object of a thing's classic shadow, or of its named shadow `name`.
  shadow(thing, name = '') {
    if (typeof thing !== 'string' || typeof name !== 'string') throw new IotError('invalid_argument', 'shadow(thing, name?) takes strings');
    const hub = clientInternals(this).n.hub(this);
    const key = `${thing}\n${name}`;
    let s = hub.shadows.get(key);
    if (!s) hub.shadows.set(key, s = new Shadow(hub, thing, name));
    return s;
  }
}
