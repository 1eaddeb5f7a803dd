// client.js — IotClient: the application's API and the driver of the sans-I/O engine.
//
// The driver owns the I/O the engine may not: the WebSocket (subprotocol "mqtt", binary frames),
// one setTimeout for the engine's next deadline, fetch for Cognito, and the wall clock. Inputs go
// into the engine; pump() then drains its output bytes and events. The rules live in the C++ core:
// MQTT (topics, payload size, limits, keep-alive, backoff, offline queue) and the connection
// (endpoint forms, region, signing per attempt, custom authorizer, clock skew, refresh deadline).
import { loadEngine, encoder, decoder, platform } from './engine.js';
import {
  EV_CLOSE_TRANSPORT, EV_CONNECTED, EV_DISCONNECTED, EV_ERROR, EV_MESSAGE, EV_NEED_TARGET, EV_OPEN_TRANSPORT,
  EV_PUBLISHED, EV_PUBLISH_FAILED, EV_RECONNECTING, EV_SUBSCRIBED, EV_UNSUBSCRIBED, QUEUE_POLICY as POLICY, STATES,
  LIMIT_FILTERS_PER_SUBSCRIBE as BATCH, LIMIT_WEBSOCKET_MESSAGE_BYTES as MAX_MESSAGE,
} from './wasm-boundary.js';
import { IotError, asIotError, redact, bad, closed, aborted, signalOf } from './errors.js';
import { messageStream } from './message_stream.js';
import { Emitter, EMIT } from './emitter.js';
import { createCredentialSource } from './credentials.js';
import { watchPage } from './lifecycle.js';

// Frees the engine of a client the application dropped without close() (once nothing, not even
// a socket or timer, refers to it any more).
const finalizer = globalThis.FinalizationRegistry
  ? new FinalizationRegistry(({ native, handle }) => native.destroy(handle)) : null;
const monotonic = () => Math.floor(globalThis.performance ? performance.now() : Date.now());
const T = 2 ** 31 - 1;  // the longest setTimeout delay (ms)

// What create() checks: "names:kind" groups (an absent or null option takes its default). Kinds:
// s string, b boolean, f function, o object; integers k 0..65535, p 1..2^31-1, t 0..2^31-1,
// z -(2^31-1)..2^31-1; "x*" an object whose every member is of kind x (but logins, storage and
// policy, checked where they are used). credentials are checked by credentials.js.
const SPEC = 'region:s clientId:s cleanSession:b WebSocket fetch credentialsProvider:f credentials:o will:o cognito customAuthorizer:s* '
  + 'reconnect offlineQueue:t* keepAliveSeconds:k connectTimeoutMs renewAfterMs:p refreshBeforeExpiryMs:t clockOffsetMs:z';
const TYPES = { s: 'string', b: 'boolean', f: 'function', o: 'object' };
const RANGES = { k: [0, 65535], p: [1, T], t: [0, T], z: [-T, T] };

// Throws IotError invalid_argument if `v` (option `name`) is not of `kind`.
export function check(name, v, kind) {
  const type = TYPES[kind[1] ? 'o' : kind];
  const [min, max] = RANGES[kind] || [];
  if (v == null || (name == 'reconnect' && v === false)) return;
  if (type ? typeof v != type : !(Number.isInteger(v) && v >= min && v <= max)) throw bad(name, type ? `of type ${type}` : `an integer in ${min}..${max}`, v);
  if (kind[1]) for (const k in v) if (!/^(logins|storage|policy)$/.test(k)) check(`${name}.${k}`, v[k], kind[0]);
}

// Throws IotError invalid_argument naming the first option that breaks its rule.
function checkOptions(o) {
  let names = [];
  for (const word of SPEC.split(' ')) {
    const [name, kind] = word.split(':');
    names.push(name);
    if (kind) {
      for (const n of names) check(n, o[n], kind);
      names = [];
    }
  }
  if (o.lifecycle != null && !/^(boolean|object)$/.test(typeof o.lifecycle)) throw bad('lifecycle', 'a boolean or {window, document}', o.lifecycle);
  const sources = ['credentials', 'cognito', 'credentialsProvider', 'customAuthorizer'];
  const given = sources.filter((k) => o[k] != null);
  if (given.length != 1) throw new IotError('invalid_argument', `exactly one of ${sources.join(', ')} is required (${given.join(', ') || 'none'} given)`);
}

// MQTT 5 options given to a 3.1.1 build would be dropped without a word: refused instead.
const V5_KEYS = ['properties', 'nl', 'rap', 'rh', 'noLocal', 'retainAsPublished', 'retainHandling'];
// qosOf(o), after refusing MQTT 5 options when `native` (the engine object) has no MQTT 5.
function qosFor(native, o) {
  if (!native.v5 && o) for (const k of V5_KEYS) if (o[k] != null) throw new IotError('unsupported', `${k}: an MQTT 5 option; import from "iotlite/mqtt5" with protocolVersion 5`, { rule: 'mqtt5.only' });
  return qosOf(o);
}

// The qos of publish/subscribe options (options that are not an object have none). 2 goes on
// to the engine, which names AWS's rule.
export function qosOf(o) {
  const q = (o && o.qos) ?? 0;
  if (q !== 0 && q !== 1 && q !== 2) throw bad('qos', '0 or 1 (AWS IoT)', q);
  return q;
}

// JSON text of `value`, or IotError invalid_argument (circular, BigInt, a function, a Symbol...).
export function jsonText(value, what) {
  let json;
  try { json = JSON.stringify(value); } catch (e) { json = e; }
  if (typeof json !== 'string') throw bad(what, 'JSON-serialisable', value);
  return json;
}

// A received message. payload is a copy the application may keep.
export class IotMessage {
  constructor(ev) {
    this.topic = ev.topic;
    this.payload = ev.payload;
    this.qos = ev.qos;
    this.retain = ev.retain;
    this.dup = ev.dup;
    if (ev.properties) this.properties = ev.properties;  // MQTT 5 ("iotlite/mqtt5")
  }
  text() { return decoder.decode(this.payload); }
  json() { return JSON.parse(this.text()); }
}

export function toPayload(payload) {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') return encoder.encode(payload);
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload == null) return new Uint8Array(0);
  return encoder.encode(jsonText(payload, 'the payload'));
}

// HTTP status and Date of a refused upgrade, where the WebSocket implementation exposes them
// (the `ws` package in Node does; browsers never do).
function watchUpgrade(sock, info) {
  if (typeof sock.on !== 'function') return;
  sock.on('unexpected-response', (req, res) => {
    info.status = res.statusCode;
    info.date = res.headers && res.headers.date;
    let body = '';
    const done = () => {
      info.body = redact(body.slice(0, 300) || res.statusMessage || '');  // becomes IotError.reason
      if (typeof sock.terminate === 'function') sock.terminate(); else req.destroy();
    };
    res.on('data', (d) => { if (body.length < 1024) body += d; });
    res.on('end', done);
    res.on('error', done);
  });
}

const tooBig = (what, max) => `WebSocket ${what} refused (messages are limited to ${max} bytes)`;

// The client without create(): each entry's IotClient adds create() on its own .wasm (below for
// the plain entry), so that an entry's bundle holds no other entry's loader.
export class Client extends Emitter {
  #n; #o; #endpoint; #WebSocket; #fetch; #ops; #subs; #connectWaiters; #timer; #timerAt; #pumpQueued; #pumping; #sock; #attempt; #auth; #h; #blindFailures = 0; #reason; #cause;
  #svc = [];  // attached services (attach)
  #offsetMs = 0;  // the clock offset when the engine was freed (close)
  #was = 'idle';  // the state the last statechange reported
  // Page lifecycle and renewal (the section at the end of the class).
  #holds = new Set(); #held = 0; #hidden = false; #pingWait = -2; #late = -2; #renewTimer; #renewWall = Infinity; #signedUntil; #unwatch;

  constructor(native, options) {
    super();
    if (!options || typeof options !== 'object') throw bad('IotClient.create options', 'an object', options);
    checkOptions(options);
    // MQTT 5 is the "iotlite/mqtt5" entry's (native.v5); protocolVersion 4 is the default.
    if ((options.protocolVersion ?? 4) != 4 && !native.v5) throw new IotError('unsupported', 'protocolVersion 5: import from "iotlite/mqtt5"', { rule: 'protocol_version' });
    this.#n = native;
    this.#o = options;
    this.#WebSocket = options.WebSocket || globalThis.WebSocket || platform.WebSocket;
    this.#fetch = options.fetch || (globalThis.fetch && globalThis.fetch.bind(globalThis));
    if (!this.#WebSocket) throw new IotError('unsupported', 'no WebSocket in this runtime: pass options.WebSocket (Node before 22: npm install ws)');
    this.#ops = new Map();   // op id -> {resolve, reject, filter?}
    this.#subs = new Map();  // subscription id -> {filter or filters (a Set), handler?, tag (#release)}
    this.#connectWaiters = [];
    this.#timer = null;
    this.#timerAt = -1;
    this.#pumpQueued = false;
    this.#sock = null;
    this.#attempt = 0;

    const ctx = {
      fetch: (...a) => {
        if (!this.#fetch) throw new IotError('unsupported', 'no fetch implementation: pass options.fetch');
        return this.#fetch(...a);
      },
      // Server time (the wall clock corrected by the clock-skew policy): what expirations are in.
      wallNow: () => Date.now() + this.clockOffsetMs,
      refreshAt: (expiration, now) => native.refreshAt(expiration, now, options.refreshBeforeExpiryMs ?? -1),
      learnServerDate: (d) => this.#learnServerDate(d),
      cognitoErrc: (type, status) => native.cognitoErrc(type, status),
      onError: (e) => this[EMIT]('error', e),
      onCredentials: (info) => this[EMIT]('credentials', info),
    };
    const r = options.reconnect === false ? { enabled: false } : { enabled: true, ...(options.reconnect || {}) };
    const q = options.offlineQueue || {};
    if (q.policy != null && !(POLICY[q.policy] >= 0)) {
      throw new IotError('invalid_argument', `offlineQueue.policy must be one of ${Object.keys(POLICY).join(', ')}`);
    }
    const w = options.will;
    if (w != null && typeof w.topic != 'string') throw bad('will.topic', 'a string', w.topic);
    qosFor(native, { properties: options.properties });  // CONNECT properties: refused, not dropped, on 3.1.1
    this.#h = native.create(options.clientId ?? '', {
      // The Last Will: its topic, size and QoS are checked by the engine like a publish's.
      will: w == null ? undefined : { topic: w.topic, payload: toPayload(w.payload), qos: qosFor(native, w), retain: !!w.retain },
      keepAliveSeconds: options.keepAliveSeconds ?? 60,
      cleanSession: options.cleanSession ?? true,
      reconnect: r.enabled,
      minDelayMs: r.minDelayMs ?? 1000,
      maxDelayMs: r.maxDelayMs ?? 30000,
      queueMessages: q.maxMessages ?? 100,
      queueBytes: q.maxBytes ?? 256 * 1024,
      queuePolicy: POLICY[q.policy ?? 'drop_oldest'],
      seed: Math.floor(Math.random() * 2 ** 32),
      connectTimeoutMs: options.connectTimeoutMs ?? 10000,
    }, options);
    // Endpoint, region and authorizer are checked once here (core's connection layer, with a
    // dry-run presign), so a bad one fails create(), not every connection attempt.
    try {
      if (typeof options.endpoint != 'string') throw bad('endpoint', 'a host name or a ws:// / wss:// URL', options.endpoint);
      this.#endpoint = { ...native.configure(this.#h, options.endpoint, options.region, options.customAuthorizer, options.clockOffsetMs || 0), path: '/mqtt' };
      this.#auth = options.customAuthorizer ? null : createCredentialSource(options, ctx);
    } catch (e) {
      native.destroy(this.#h);
      throw e;
    }
    if (finalizer) finalizer.register(this, { native, handle: this.#h }, this);
    this.#watch(options.lifecycle);
  }

  // Events (on / once / off: emitter.js): connect {sessionPresent}, disconnect {error},
  // reconnecting {delayMs, attempt}, message (IotMessage), error (IotError), credentials
  // {expiration?, identityId?} (fresh credentials were fetched: from Cognito or the
  // credentialsProvider; no secret in it), statechange {state, previous} (client.state changed,
  // as seen after each pump and at close).

  // The endpoint as core's parse_endpoint read it: where every attempt connects.
  get endpoint() {
    return { ...this.#endpoint };
  }

  // The clock offset every signature uses (ms, whole seconds): configured, or learnt from a
  // server's Date by core's clock-skew policy. Setting it throws IotError beyond +-24 h.
  get clockOffsetMs() {
    return this.#h ? this.#n.clockOffset(this.#h) : this.#offsetMs;
  }
  set clockOffsetMs(ms) {
    check('clockOffsetMs', ms, 'z');
    if (this.#h) this.#n.setClockOffset(this.#h, ms);
  }

  get state() {
    return this.#h ? STATES[this.#n.state(this.#h)] : 'closed';
  }

  // Resolves at the first CONNACK. Rejects with the first failed attempt's error (the client keeps
  // retrying with backoff; listen to "connect") or when close() is called first. options.signal
  // aborting before the CONNACK closes the client (the engine cannot go back to idle).
  connect(options) {
    return this.#abortable(options, () => this.#connect(), () => { if (this.state != 'connected') this.close(); });
  }

  #connect() {
    if (!this.#h) return Promise.reject(closed());
    return new Promise((resolve, reject) => {
      this.#connectWaiters.push({ resolve, reject });
      try {
        this.#n.connect(this.#h, monotonic());
      } catch (e) {
        this.#connectWaiters.pop();
        reject(e);
        return;
      }
      this.#pump();
    });
  }

  // Resolves with the granted QoS. handler(message) gets the messages matching this filter.
  // An array of filters resolves with one granted code per filter (0, 1 or 0x80: refused), sent
  // in SUBSCRIBEs of at most AWS's 8 filters; all or nothing: when the engine refuses one
  // filter, the batches already handed to it are unsubscribed and the call rejects.
  // options.signal aborting before the SUBACK unsubscribes what this call subscribed.
  subscribe(filter, options, handler) {
    if (typeof options === 'function') { handler = options; options = {}; }
    const tag = {};  // marks this call's subscriptions (#release)
    return this.#abortable(options, () => this.#subscribe(filter, options, handler, tag), () => this.#release(tag));
  }

  #subscribe(filter, options, handler, tag) {
    if (Array.isArray(filter)) return this.#subscribeAll(filter, options, handler, tag);
    return this.#op(() => {
      if (handler != null && typeof handler !== 'function') throw bad('the handler', 'a function', handler);
      return this.#n.subscribe(this.#h, filter, qosFor(this.#n, options), monotonic(), options);
    }, { filter, handler, tag }, filter);
  }

  // Forgets the subscriptions made by the call marked `tag` (their handlers are called no more) and
  // unsubscribes the filters among them that no other subscription uses.
  #release(tag) {
    const mine = new Set();
    for (const [id, sub] of this.#subs) {
      if (sub.tag !== tag) continue;
      this.#subs.delete(id);
      // A pending op still completes (SUBACK, or "cancelled" by the unsubscribe): to nobody.
      if (this.#ops.has(id)) this.#ops.set(id, { resolve() {}, reject() {} });
      for (const f of sub.filters || [sub.filter]) mine.add(f);
    }
    for (const sub of this.#subs.values()) for (const f of sub.filters || [sub.filter]) mine.delete(f);
    const rest = [...mine];
    for (let i = 0; this.state != 'closed' && i < rest.length; i += BATCH) this.#n.unsubscribe(this.#h, rest.slice(i, i + BATCH), monotonic());
    this.#schedulePump();
  }

  // The messages matching `filter` (one or an array) as an async iterable (message_stream.js):
  // subscribes now; its end unsubscribes as #release does.
  messages(filter, options) {
    return messageStream(this, options, (push) => {
      const tag = {};
      return { done: this.#subscribe(filter, options || {}, push, tag), release: () => this.#release(tag) };
    });
  }


  // Runs start() (a promise) unless options.signal is already aborted; when it aborts before the
  // promise settles, rejects with IotError "aborted" and calls undo().
  #abortable(options, start, undo) {
    let signal;
    try { signal = signalOf(options); } catch (e) { return Promise.reject(e); }
    const p = start();
    return signal ? new Promise((resolve, reject) => {
      const abort = () => { reject(aborted(signal)); undo(); };
      const settle = (f) => (v) => { signal.removeEventListener('abort', abort); f(v); };
      signal.addEventListener('abort', abort);
      p.then(settle(resolve), settle(reject));
    }) : p;
  }

  #subscribeAll(filters, options, handler, tag) {
    const ids = [];
    const batches = [];
    for (let i = 0; i < filters.length; i += BATCH) batches.push(filters.slice(i, i + BATCH));
    try {
      if (!this.#h) throw closed();
      if (!batches.length) throw bad('subscribe()\'s filter array', 'non-empty', 0);
      if (handler != null && typeof handler !== 'function') throw bad('the handler', 'a function', handler);
      const qos = qosFor(this.#n, options);
      for (const b of batches) {
        for (const f of b) if (typeof f !== 'string') throw new IotError('invalid_topic', `a topic filter must be a string, not ${typeof f}`);
        ids.push(this.#n.subscribe(this.#h, b, qos, monotonic(), options));
      }
    } catch (e) {
      if (ids.length) this.#n.unsubscribe(this.#h, batches.slice(0, ids.length).flat(), monotonic());
      return Promise.reject(asIotError(e, 'invalid_argument'));
    } finally {
      this.#schedulePump();
    }
    return Promise.all(ids.map((id, k) => new Promise((resolve, reject) => {
      this.#ops.set(id, { resolve, reject, filter: batches[k].join(', '), many: true });
      this.#subs.set(id, { filters: new Set(batches[k]), handler, tag });
    }))).then((granted) => granted.flat());
  }


  unsubscribe(filter) {
    // The handlers this call ends: the filter's subscriptions made before it (one made after,
    // while the UNSUBACK is on its way, keeps its handler).
    const ended = [];
    for (const [id, sub] of this.#subs) if (sub.filter === filter || (sub.filters && sub.filters.has(filter))) ended.push(id);
    return this.#op(() => this.#n.unsubscribe(this.#h, filter, monotonic()), { filter, unsubscribe: true, ended }, filter);
  }

  // Resolves when a QoS 0 message is handed to the WebSocket, or at the PUBACK of a QoS 1 one.
  // options.signal: an abort rejects the promise, and a message still waiting in the offline queue
  // is withdrawn (never sent); one already handed to the WebSocket is not recalled.
  publish(topic, payload, options) {
    const op = { pub: 1 };
    return this.#abortable(options, () => this.#op(() => (op.id = this.#n.publish(this.#h, topic, toPayload(payload), qosFor(this.#n, options), !!(options && options.retain), monotonic(), options)), op, topic),
      () => { if (this.#h && op.id != null && this.#n.withdraw(this.#h, op.id)) this.#ops.delete(op.id); });
  }

  // The service hook (wasm/README.md, "Services"), like firmware::Session::attach in C++: the one
  // way a service that rides on the engine (the shadow entry's C++ ShadowClient; Jobs next)
  // attaches. make(native, handle, pump) builds it on this client's engine (handle 0: the client
  // is closed, refuse) and returns
  // {onEvent(ev) -> consumed?, deadline(at) -> the earlier of `at` and its own (-1: none),
  // poll(closing)}; pump() asks for a pump after it queued engine work. The client offers every
  // engine event to the services in turn before handling it itself (a service never consumes a
  // transport command; the first one that consumes an event ends its way), pumps at the earliest
  // deadline, and calls poll() (run due timers, hand out events: the only method that may run
  // application code) at the end of each pump, never from inside an API call. In close(), the
  // last poll(true) must settle everything and free the service's part: the engine is freed next.
  attach(make) {
    this.#svc.push(make(this.#n, this.#h, () => this.#schedulePump()));
  }

  // Sends DISCONNECT, closes the socket and frees the engine. Pending operations reject with "closed".
  async close() {
    if (!this.#h) return;
    const sock = this.#sock;
    this.#n.disconnect(this.#h, monotonic());
    this.#drain(true);  // the services settle everything and free their part: the engine goes next
    if (this.#auth) this.#auth.stop();
    clearTimeout(this.#timer);
    clearTimeout(this.#renewTimer);
    if (this.#unwatch) this.#unwatch();
    if (finalizer) finalizer.unregister(this);
    this.#offsetMs = this.clockOffsetMs;
    this.#n.destroy(this.#h);
    this.#h = 0;
    this.#noteState();
    const err = new IotError('closed', 'the client was closed');
    for (const op of this.#ops.values()) op.reject(err);
    this.#ops.clear();
    this.#rejectConnect(err);
    this.#closeSocket();
    if (sock && sock.readyState !== 3) {
      await new Promise((resolve) => {
        const t = setTimeout(() => { if (sock.terminate) sock.terminate(); resolve(); }, 1000);
        sock.addEventListener('close', () => { clearTimeout(t); resolve(); });
        if (sock.readyState !== 2) sock.close();
      });
    }
  }

  #op(call, extra, name) {
    if (!this.#h) return Promise.reject(closed());
    if (typeof name !== 'string') return Promise.reject(new IotError('invalid_topic', `the topic or filter must be a string, not ${typeof name}`));
    let id;
    try { id = call(); } catch (e) { return Promise.reject(asIotError(e, 'invalid_argument')); }
    return new Promise((resolve, reject) => {
      this.#ops.set(id, { resolve, reject, ...extra });
      if ('handler' in extra) this.#subs.set(id, extra);
      this.#schedulePump();
    });
  }

  #rejectConnect(err) {
    const w = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const x of w) x.reject(err);
  }

  #learnServerDate(dateHeader) {
    if (this.#h) this.#n.observeDate(this.#h, String(dateHeader), Date.now());
  }

  // Coalesces the pumps of many API calls made in one task (one flush of the output for a burst).
  #schedulePump() {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => { this.#pumpQueued = false; this.#pump(); });
  }

  #pump() {
    if (!this.#h || this.#pumping) return;
    this.#pumping = true;
    try {
      this.#drain();
    } finally {
      this.#pumping = false;
    }
    this.#armTimer();
  }

  // Writes pending output and handles every pending event (what a service consumes is its own),
  // then lets the services hand out theirs.
  #drain(closing) {
    const n = this.#n;
    for (;;) {
      this.#flush();
      const ev = this.#h ? n.poll(this.#h) : null;
      if (!ev) break;
      if (!this.#svc.some((s) => s.onEvent(ev))) this.#handle(ev);
    }
    for (const s of this.#svc) s.poll(closing);
    this.#noteState();
  }

  #noteState() {
    const state = this.state;
    const previous = this.#was;
    if (state === previous) return;
    this.#was = state;
    this[EMIT]('statechange', { state, previous });
  }

  #flush() {
    if (!this.#h) return;
    const sock = this.#sock;
    if (!sock || sock.readyState !== 1) return;
    const out = this.#n.takeOutput(this.#h);
    // At most core's bound per WebSocket message (an MQTT packet may span messages).
    if (out) for (let at = 0; at < out.length; at += MAX_MESSAGE) sock.send(out.subarray(at, at + MAX_MESSAGE));
  }

  #armTimer() {
    if (!this.#h) return;
    let at = this.#n.deadline(this.#h);
    for (const s of this.#svc) at = s.deadline(at);
    if (at === this.#timerAt && this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = at;
    if (at < 0) return;
    const lead = this.#leadMs(at);
    const fire = () => {
      this.#timer = null;
      if (!this.#h) return;
      const now = monotonic();
      // A PINGRESP judged by a timer that ran late (a throttled or frozen page): the answer may be
      // waiting behind this task, so it gets the ping timeout again, counted from now, once.
      if (at === this.#pingWait && now - at > 1000 && this.#late !== at) {
        this.#late = at;
        this.#timer = setTimeout(fire, this.#pingTimeout());
        return;
      }
      // Early (hidden page): the tick is the keep-alive's own deadline (see #leadMs).
      const tick = now < at ? at : now;
      this.#n.onTick(this.#h, tick);
      const next = this.#n.deadline(this.#h);
      if (this.state == 'connected' && next === tick + this.#pingTimeout()) this.#pingWait = next;
      this.#pump();  // which polls the services: their timers run there
    };
    this.#timer = setTimeout(fire, Math.min(T, Math.max(0, at - lead - monotonic())));
  }

  #handle(ev) {
    switch (ev.type) {
      case EV_NEED_TARGET: this.#makeTarget(ev.attempt); break;
      case EV_OPEN_TRANSPORT: this.#open(ev.url); break;
      case EV_CLOSE_TRANSPORT: this.#closeSocket(); break;
      case EV_CONNECTED: {
        const w = this.#connectWaiters;
        this.#connectWaiters = [];
        for (const x of w) x.resolve({ sessionPresent: ev.sessionPresent });
        this.#planRenew();
        this[EMIT]('connect', { sessionPresent: ev.sessionPresent });
        break;
      }
      case EV_DISCONNECTED:
        this.#withReason(ev.error);
        this.#judgeRetry(ev.error);
        this.#rejectConnect(ev.error);
        // Closed for good (reconnect off, or close()): no more credential refreshes or renewals
        // (a pending 23.5 h timer would also keep a Node process alive).
        if (this.state === 'closed') { if (this.#auth) this.#auth.stop(); clearTimeout(this.#renewTimer); }
        this[EMIT]('disconnect', { error: ev.error });
        break;
      case EV_RECONNECTING: this[EMIT]('reconnecting', { delayMs: ev.delayMs, attempt: ev.attempt }); break;
      case EV_MESSAGE: {
        const msg = new IotMessage(ev);
        for (const id of ev.ids) {
          const sub = this.#subs.get(id);
          if (sub && sub.handler) {
            try { sub.handler(msg); } catch (e) { setTimeout(() => { throw e; }); }
          }
        }
        this[EMIT]('message', msg);
        break;
      }
      case EV_SUBSCRIBED: {
        const op = this.#take(ev.opId);
        if (!op) break;
        if (op.many) { op.resolve(ev.granted); break; }
        const code = ev.granted[0];
        if (!(code < 0x80)) {
          this.#subs.delete(ev.opId);
          op.reject(ev.error || new IotError('server_error', `the broker refused the subscription to "${op.filter}" (SUBACK 0x80)`));
        } else {
          op.resolve(code);
        }
        break;
      }
      case EV_UNSUBSCRIBED: {
        const op = this.#take(ev.opId);
        if (!op) break;
        for (const id of op.ended) {
          const sub = this.#subs.get(id);
          if (sub && sub.filters) sub.filters.delete(op.filter);
          if (sub && (sub.filter === op.filter || (sub.filters && !sub.filters.size))) this.#subs.delete(id);
        }
        // MQTT 5: the broker may refuse (UNSUBACK >= 0x80); the engine has stopped routing anyway.
        ev.error ? op.reject(ev.error) : op.resolve();
        break;
      }
      case EV_PUBLISHED: { const op = this.#take(ev.opId); if (op) op.resolve(); break; }
      case EV_PUBLISH_FAILED: { const op = this.#take(ev.opId); if (op) op.reject(ev.error); break; }
      case EV_ERROR: {
        // With an op id: a subscribe/unsubscribe that can no longer complete. Without: a failed
        // connection attempt (the engine backs off and retries) or another notice.
        const op = ev.opId ? this.#take(ev.opId) : null;
        this.#withReason(ev.error);
        if (op) {
          this.#subs.delete(ev.opId);
          op.reject(ev.error);
        } else {
          this.#judgeRetry(ev.error);
          this.#rejectConnect(ev.error);
          this[EMIT]('error', ev.error);
        }
        break;
      }
      default: break;
    }
  }

  // Core's verdict on an error that failed or ended a connection: can the same settings pass?
  // Cognito and a credentialsProvider give fresh credentials to a retry; fixed keys and a custom
  // authorizer's token do not.
  #judgeRetry(error) {
    if (error) this.#n.judgeRetry(error, !!(this.#o.cognito || this.#o.credentialsProvider));
  }

  // The server's answer to a refused upgrade (kept by the driver: the engine carries the status).
  #withReason(error) {
    if (error.status && this.#reason) error.reason = this.#reason;
    this.#reason = undefined;
    for (const [k, v] of Object.entries(this.#cause || {})) if (v !== undefined) error[k] = v;
    this.#cause = undefined;
  }

  #take(id) {
    const op = this.#ops.get(id);
    this.#ops.delete(id);
    return op;
  }

  // need_target: fetch (cached) credentials; core builds this attempt's target with them (a fresh
  // presigned URL, or the custom authorizer's) and hands it to the engine.
  #makeTarget(attempt) {
    const token = ++this.#attempt;
    // Offline or in the back/forward cache: the attempt waits for the page (#hold).
    if (this.#holds.size) { this.#held = attempt; return; }
    Promise.resolve(this.#auth && this.#auth.get()).then(
      (creds) => {
        if (!this.#h || token !== this.#attempt) return;
        this.#signedUntil = creds && creds.expiration;
        this.#n.target(this.#h, attempt, creds, Date.now(), monotonic());
        this.#pump();
      },
      (e) => {
        if (!this.#h || token !== this.#attempt) return;
        // Not an IotError: the application's credentialsProvider threw or rejected.
        const err = asIotError(e, 'auth_failed', 'credentialsProvider failed: ');
        // The engine reports it back by code, message and status; the rest of its cause
        // (service, cognitoType) rejoins it in #withReason.
        this.#cause = { service: err.service, cognitoType: err.cognitoType };
        this.#n.provideTargetError(this.#h, err.code, err.message, err.status, monotonic());
        this.#pump();
      });
  }

  #open(url) {
    this.#closeSocket();
    let sock;
    // Frames longer than max are refused before they are buffered where the runtime allows
    // (ws's maxPayload; browsers ignore the argument). Twice the largest packet: one message may
    // carry several MQTT packets of a gateway's TCP stream.
    const max = 2 * this.#n.maxInbound(this.#h);
    const info = { opened: false, max };
    try {
      sock = new this.#WebSocket(url, 'mqtt', { maxPayload: max });
    } catch (e) {
      this.#n.onClosed(this.#h, 'io_error', asIotError(e, 'io_error', 'WebSocket could not be created: ').message, 0, monotonic());
      this.#schedulePump();
      return;
    }
    sock.binaryType = 'arraybuffer';
    this.#sock = sock;
    watchUpgrade(sock, info);
    sock.addEventListener('open', () => {
      if (this.#sock !== sock || !this.#h) return;
      info.opened = true;
      this.#blindFailures = 0;
      this.#n.onOpen(this.#h, monotonic());
      this.#pump();
    });
    sock.addEventListener('message', (e) => {
      if (this.#sock !== sock || !this.#h) return;
      const data = e.data;
      if (typeof data === 'string') return;  // AWS IoT only sends binary frames
      // A browser buffered it already: at least keep it out of the wasm heap (which never shrinks).
      if (data.byteLength > max) {
        this.#sock = null;
        sock.close();
        this.#n.onClosed(this.#h, 'protocol_error', tooBig(`message of ${data.byteLength} bytes`, max), 0, monotonic());
        this.#pump();
        return;
      }
      this.#n.onBytes(this.#h, new Uint8Array(data), monotonic());
      this.#pump();
    });
    const end = (e) => {
      if (this.#sock !== sock || !this.#h) return;
      this.#sock = null;
      const err = this.#closeReason(info, e);
      // Core decides whether the credentials were refused (TargetBuilder::on_attempt_failed).
      if (this.#n.onClosed(this.#h, err.code, err.message, err.status, monotonic()) && this.#auth) this.#auth.invalidate();
      this.#pump();
    };
    sock.addEventListener('error', (e) => {
      info.error = e && e.message;
      // ws refused a frame (over maxPayload: from its header, before buffering it; or malformed):
      // its receiver's error codes are WS_ERR_*. Browsers give no details.
      const code = e && e.error && e.error.code;
      if (/^WS_ERR_/.test(code)) info.frame = code;
      // An upgrade that failed ends here: Node 20's own WebSocket (--experimental-websocket)
      // fires no "close" after it.
      if (!info.opened) end(e);
    });
    sock.addEventListener('close', end);
  }

  #closeReason(info, e) {
    if (info.frame) return new IotError('protocol_error', tooBig(`frame (${info.frame})`, info.max));
    if (info.opened) return new IotError('closed', `WebSocket closed (code ${e.code}${e.reason ? `, ${e.reason}` : ''})`);
    if (info.date) this.#learnServerDate(info.date);
    this.#reason = info.body;
    const host = this.#endpoint.host;
    const answer = info.body ? `: ${info.body}` : '';
    // The code comes from the status, by core's table (onClosed).
    if (info.status) return new IotError('connection_refused', `WebSocket upgrade to ${host} refused: HTTP ${info.status}${answer}`, { status: info.status });
    // Status unknown (a browser): it may have been a 403 for revoked credentials, so every
    // second such failure in a row fetches fresh ones (at the engine's backoff pace).
    if (++this.#blindFailures % 2 === 0 && this.#auth) this.#auth.invalidate();
    return new IotError('io_error', `WebSocket to ${host} could not be opened${info.error ? ` (${info.error})`
      : ' (the browser hides why: nothing answering there, or a refused upgrade such as a 403 for a bad signature, expired credentials or a skewed clock)'}`);
  }

  #closeSocket() {
    const sock = this.#sock;
    this.#sock = null;
    if (sock && sock.readyState < 2) sock.close();
  }

  // ---- Page lifecycle (lifecycle.js) and renewal. The engine has no call to cut its backoff short
  // or to ping early: the driver ticks it with the engine's own deadline as `now` (in backing_off,
  // the backoff's deadline is its only timer and the tick's time is kept nowhere; when connected,
  // the PINGREQ's due time). wasm/README.md, "Page lifecycle", says what core could offer instead.

  // options.lifecycle: false (off), {window, document} (the targets to watch), or the page's own.
  #watch(o) {
    if (o === false) return;
    const win = o && o.window || (globalThis.document && globalThis);
    if (win) this.#unwatch = watchPage(this.#page(), win, o && o.document || win.document);
  }

  #page() {
    return {
      hold: (why, on) => {
        if (on) return this.#holds.add(why);
        this.#holds.delete(why);
        const held = this.#held;
        if (!this.#holds.size && held) { this.#held = 0; this.#makeTarget(held); }
      },
      hidden: (on) => { this.#hidden = on; this.#timerAt = -2; this.#armTimer(); },
      wake: () => this.#wake(),
      suspend: () => this.#drop('the page went into the back/forward cache'),
    };
  }

  // Reconnects at once when backing off (core's reconnect_now keeps AWS's 1 CONNECT per second
  // per client id), renews an overdue connection.
  #wake() {
    if (!this.#h || this.#holds.size) return;
    if (this.state == 'connected' && Date.now() >= this.#renewWall) return this.#renew(0);
    if (this.state != 'backing_off') return;
    this.#n.reconnectNow(this.#h, monotonic());
    this.#pump();
  }

  // The PINGRESP wait (the engine's: min(10 s, keep-alive / 2)).
  #pingTimeout() {
    return Math.min(10000, (this.#o.keepAliveSeconds ?? 60) * 500);
  }

  // How early the timer fires for a PINGREQ due at `at` while the page is hidden: Chrome then runs
  // a hidden page's timers once a minute, and AWS closes a connection silent for 1.5 x keep-alive
  // (quotas: https://docs.aws.amazon.com/general/latest/gr/iot-core.html), so the ping goes at the
  // wake-up before it is due: the longest silence is then 1.5 x keep-alive - 10 s.
  #leadMs(at) {
    const ka = (this.#o.keepAliveSeconds ?? 60) * 1000;
    if (!this.#hidden || !ka || this.state != 'connected' || at === this.#pingWait) return 0;
    return Math.min(ka - 1000, Math.max(0, 70000 - ka / 2));
  }

  // Closes the socket now; the engine backs off (and reconnects when the page allows).
  #drop(why) {
    const sock = this.#sock;
    if (!this.#h || !sock) return;
    this.#sock = null;
    if (sock.readyState < 2) sock.close(1000);
    this.#n.onClosed(this.#h, 'closed', `WebSocket closed by the client: ${why}`, 0, monotonic());
    this.#pump();
  }

  // After a CONNACK: renew before AWS's 24-hour WebSocket limit (options.renewAfterMs) and before
  // the credentials this connection was signed with expire (core's refresh deadline).
  #planRenew() {
    const now = Date.now();
    let at = now + (this.#o.renewAfterMs ?? 23.5 * 3600e3);
    const off = this.clockOffsetMs;
    // (Credentials already past their refresh time are the freshest there are: no renewal for them.)
    const exp = this.#signedUntil && this.#n.refreshAt(this.#signedUntil, now + off, this.#o.refreshBeforeExpiryMs ?? -1) - off;
    if (exp > now) at = Math.min(at, exp);
    this.#renewWall = at;
    this.#renew(at - now);
  }

  // At a quiet moment (no publish awaiting its PUBACK, checked every 250 ms for up to 30 s),
  // re-sign and reconnect: the engine resubscribes, or the broker kept the session (cleanSession false).
  #renew(delay, tries = 120) {
    clearTimeout(this.#renewTimer);
    this.#renewTimer = setTimeout(() => {
      if (!this.#h || this.state != 'connected') return;
      if (tries && [...this.#ops.values()].some((op) => op.pub)) return this.#renew(250, tries - 1);
      this.#renewWall = Infinity;
      if (this.#auth) this.#auth.invalidate();  // signed anew with fresh credentials
      this.#drop('renewing the connection (re-signed)');
      this.#wake();
    }, Math.min(T, Math.max(0, delay)));
  }
}

// The plain entry's client, on iotlite.wasm.
export class IotClient extends Client {
  // Checks every option, loads the engine (once per page) and returns a client. Does not connect.
  // Rejects with IotError invalid_argument / limit_exceeded naming the option and its rule.
  static async create(options) {
    return new IotClient(await loadEngine(options ?? {}), options);
  }
}
