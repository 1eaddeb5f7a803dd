// service_hub.js — what every C++ service of the services build (the device shadow, AWS IoT
// Jobs) shares on the JS side: its C++ object on the client's engine, attached through the
// client's one service hook (IotClient.attach: engine events routed to it, its deadline honoured,
// its events delivered), its requests as promises settled exactly once, and its end with the
// client. A service module extends it with deliver() (its events to promises and listeners) and
// _closed() (its own listeners' end).
import { IotError, asIotError } from './errors.js';
import { Emitter, EMIT } from './emitter.js';

export const monotonic = () => Math.floor(globalThis.performance ? performance.now() : Date.now());
export const closedError = () => new IotError('closed', 'the client was closed');
export const invalid = (message) => new IotError('invalid_argument', message);

// Frees a service's C++ object when the application dropped the client without close(). The
// function it holds is made outside the hub so that it keeps neither the hub nor the client alive.
const finalizer = globalThis.FinalizationRegistry ? new FinalizationRegistry((free) => free()) : null;
const freeOnce = (drop, handle) => { let done = false; return () => { if (!done) { done = true; drop(handle); } }; };

// Options common to every request: {clientToken?, timeoutMs?}, checked before the call.
export function requestOptions(o) {
  o ??= {};
  if (typeof o !== 'object') throw invalid(`options must be an object, not ${typeof o}`);
  if (o.clientToken != null && typeof o.clientToken !== 'string') throw invalid(`clientToken must be a string, not ${typeof o.clientToken}`);
  if (o.timeoutMs != null && !(Number.isInteger(o.timeoutMs) && o.timeoutMs > 0 && o.timeoutMs < 2 ** 31)) {
    throw invalid(`timeoutMs must be an integer in 1..${2 ** 31 - 1}, not ${typeof o.timeoutMs === 'number' ? o.timeoutMs : typeof o.timeoutMs}`);
  }
  return o;
}

// A service's handle (a shadow, a thing's Jobs): its listeners, and the streams it can watch, each
// watch() settled by the hub (_ready: the SUBACK, or the error) and failed at the client's close.
// streams: the names watch() takes; events: event name -> the stream a listener of it needs. The
// subclass starts a stream's subscription in _start(stream).
export class ServiceHandle extends Emitter {
  #streams; #events; #waiters = {}; #ready = {};

  constructor(streams, events) {
    super();
    this.#streams = streams;
    this.#events = events;
    for (const s of streams) this.#waiters[s] = [];
  }

  // Subscribes to `stream`; resolves once the broker granted it.
  watch(stream) {
    if (!this.#streams.includes(stream)) return Promise.reject(invalid(`stream must be ${this.#streams.map((s) => `"${s}"`).join(' or ')}, not "${String(stream)}"`));
    if (this.#ready[stream]) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters[stream].push({ resolve, reject });
      try { this._start(stream); } catch (e) { this._ready(stream, e); }
    });
  }

  // on / once / off: emitter.js; listening to a stream's event watches it (a refusal comes as an
  // "error" event).
  on(event, fn) {
    super.on(event, fn);
    const stream = this.#events[event];
    if (stream) this.watch(stream).catch(() => {});
    return this;
  }

  _emit(event, arg) { this[EMIT](event, arg); }
  _ready(stream, error) {
    const w = this.#waiters[stream];
    this.#waiters[stream] = [];
    if (!error) this.#ready[stream] = true;
    for (const x of w) error ? x.reject(error) : x.resolve();
    if (error) this._emit('error', error);
  }
  _closed() {
    for (const s of this.#streams) {
      for (const x of this.#waiters[s]) x.reject(closedError());
      this.#waiters[s] = [];
    }
  }
}

export class ServiceHub {
  // prefix: the exports' prefix ("sh", "jb"); create(f, h): makes the C++ object (0: refused).
  constructor(n, h, pump, prefix, create) {
    if (!h) throw new IotError('invalid_state', 'the client is closed');
    const { f, text, pack, ok } = n;
    this.h = h;
    this.pump = pump;
    this.fn = { f, text, pack, ok, feed: f(`${prefix}_feed`), tick: f(`${prefix}_tick`), deadline: f(`${prefix}_deadline`),
      poll: f(`${prefix}_poll`), num: f(`${prefix}_ev_num`), bytes: f(`${prefix}_ev_bytes`) };
    const handle = this.handle = ok(create(f, h));
    this.free = freeOnce(f(`${prefix}_destroy`), handle);
    this.pending = new Map();  // request id -> {resolve, reject}
    this.closed = false;
  }

  // Registers `hub` to be freed with a client that is dropped without close().
  static track(client, hub) { if (finalizer) finalizer.register(client, hub.free); return hub; }

  // The service contract (client.js attach). The engine event just polled is read by the C++
  // side from the engine itself (<prefix>_feed).
  onEvent() { return !this.closed && this.fn.feed(this.handle, this.h, monotonic()) === 1; }
  deadline(at) {
    const d = this.closed ? -1 : this.fn.deadline(this.handle);
    return d >= 0 && (at < 0 || d < at) ? d : at;
  }
  // Request timeouts due by now, then every queued event to its promise or listener. Listeners
  // may call the client (a pump is asked for after them). closing: the client's close(), last call.
  poll(closing) {
    if (this.closed) return;
    this.fn.tick(this.handle, monotonic());
    if (this.deliver()) this.pump();
    if (closing) this.close();
  }

  // start() packs the arguments and calls into C++, returning the request id (0: refused, the
  // rule in the last error). Always a promise, settled by settle().
  request(start) {
    if (this.closed) return Promise.reject(new IotError('invalid_state', 'the client is closed'));
    let id;
    try {
      id = this.fn.ok(start());
    } catch (e) {
      return Promise.reject(asIotError(e, 'invalid_argument'));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.pump();
    });
  }
  // Settles request `id` (once: a request the hub no longer knows is ignored).
  settle(id, value, error) {
    const op = this.pending.get(id);
    this.pending.delete(id);
    if (op) error ? op.reject(error) : op.resolve(value);
  }

  // The client is closing (its engine is still alive): settle everything, free the C++ object.
  close() {
    this.closed = true;
    for (const op of this.pending.values()) op.reject(closedError());
    this.pending.clear();
    this._closed();
    this.free();
  }
}
