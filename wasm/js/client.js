// client.js — IotClient: the application's API and the driver of the sans-I/O engine.
//
// The driver owns the I/O the engine may not: the WebSocket (subprotocol "mqtt", binary frames),
// one setTimeout for the engine's next deadline, fetch for Cognito, and the wall clock used to
// sign. Inputs go into the engine; pump() then drains its output bytes and events. All MQTT
// rules (topics, payload size, limits, keep-alive, backoff, offline queue) live in the C++ core.
import {
  loadEngine, EV_CLOSE_TRANSPORT, EV_CONNECTED, EV_DISCONNECTED, EV_ERROR, EV_MESSAGE, EV_NEED_TARGET,
  EV_OPEN_TRANSPORT, EV_PUBLISHED, EV_PUBLISH_FAILED, EV_RECONNECTING, EV_SUBSCRIBED, EV_UNSUBSCRIBED,
} from './engine.js';
import { IotError } from './errors.js';
import { createCredentialSource } from './credentials.js';

const POLICY = { drop_oldest: 0, drop_newest: 1, reject: 2 };
const encoder = new TextEncoder();
const decoder = new TextDecoder();
// Frees the engine of a client the application dropped without close() (once nothing, not even
// a socket or timer, refers to it any more).
const finalizer = globalThis.FinalizationRegistry
  ? new FinalizationRegistry(({ native, handle }) => native.destroy(handle)) : null;
const monotonic = () => Math.floor(globalThis.performance ? performance.now() : Date.now());

// A received message. payload is a copy the application may keep.
export class IotMessage {
  constructor(ev) {
    this.topic = ev.topic;
    this.payload = ev.payload;
    this.qos = ev.qos;
    this.retain = ev.retain;
    this.dup = ev.dup;
  }
  text() { return decoder.decode(this.payload); }
  json() { return JSON.parse(this.text()); }
}

// "abc-ats.iot.eu-west-1.amazonaws.com", "wss://host[:port][/path]" or "ws://127.0.0.1:port/mqtt".
function parseEndpoint(endpoint) {
  if (typeof endpoint !== 'string' || !endpoint) {
    throw new IotError('invalid_argument', 'endpoint is required (e.g. "abc123-ats.iot.us-east-1.amazonaws.com")');
  }
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `wss://${endpoint}`;
  let url;
  try { url = new URL(withScheme); } catch {
    throw new IotError('invalid_argument', `endpoint "${endpoint}" is not a host name or a ws:// / wss:// URL`);
  }
  if (url.protocol !== 'wss:' && url.protocol !== 'ws:') {
    throw new IotError('invalid_argument', `endpoint scheme "${url.protocol}" is not ws: or wss:`);
  }
  if (url.pathname !== '/' && url.pathname !== '/mqtt') {
    throw new IotError('invalid_argument', `endpoint path "${url.pathname}" is not /mqtt (AWS IoT serves MQTT over WebSocket at /mqtt)`);
  }
  return { secure: url.protocol === 'wss:', host: url.host, path: '/mqtt' };
}

function toPayload(payload) {
  if (payload instanceof Uint8Array) return payload;
  if (typeof payload === 'string') return encoder.encode(payload);
  if (payload instanceof ArrayBuffer) return new Uint8Array(payload);
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  if (payload === undefined || payload === null) return new Uint8Array(0);
  return encoder.encode(JSON.stringify(payload));
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
      info.body = body.slice(0, 300);
      if (typeof sock.terminate === 'function') sock.terminate(); else req.destroy();
    };
    res.on('data', (d) => { if (body.length < 1024) body += d; });
    res.on('end', done);
    res.on('error', done);
  });
}

// Set below: what the "iotlite/shadow" entry (shadow.js) needs to drive its part of the engine.
export let clientInternals;

export class IotClient {
  #n; #o; #endpoint; #region; #WebSocket; #fetch; #listeners; #ops; #subs; #connectWaiters; #timer; #timerAt; #pumpQueued; #pumping; #sock; #attempt; #auth; #h; #blindFailures = 0;

  static { clientInternals = (c) => ({ n: c.#n, h: () => c.#h, pump: () => c.#schedulePump() }); }

  // Loads the engine (once per page) and returns a client. Does not connect.
  static async create(options) {
    const native = await loadEngine(options);
    return new IotClient(native, options);
  }

  constructor(native, options) {
    if (!options || typeof options !== 'object') throw new IotError('invalid_argument', 'IotClient.create needs an options object');
    this.#n = native;
    this.#o = options;
    this.#endpoint = parseEndpoint(options.endpoint);
    this.#region = options.region || '';
    this.#WebSocket = options.WebSocket || globalThis.WebSocket;
    this.#fetch = options.fetch || (globalThis.fetch && globalThis.fetch.bind(globalThis));
    if (!this.#WebSocket) throw new IotError('unsupported', 'no WebSocket implementation: pass options.WebSocket (e.g. the "ws" package in Node)');
    this.clockOffsetMs = options.clockOffsetMs || 0;
    this.#listeners = {};
    this.#ops = new Map();   // op id -> {resolve, reject, filter?}
    this.#subs = new Map();  // subscription id -> {filter, handler}
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
      wallNow: () => Date.now(),
      clockOffset: () => this.clockOffsetMs,
      learnServerDate: (d) => this.#learnServerDate(d),
      onError: (e) => this.#emit('error', e),
    };
    this.#auth = options.customAuthorizer ? null : createCredentialSource(options, ctx);
    if (!this.#auth && !options.customAuthorizer) {
      throw new IotError('invalid_argument', 'one of credentials, cognito, credentialsProvider or customAuthorizer is required');
    }

    // Endpoint and region are checked by the C++ signer now, so a bad one fails create(), not
    // every connection attempt (a throw-away key: nothing secret is involved).
    if (this.#auth) native.presign(this.#endpoint.host, this.#region, { accessKeyId: 'AKIDCHECKONLY', secretAccessKey: 'x' }, 1.7e9, this.#endpoint.secure);

    const r = options.reconnect === false ? { enabled: false } : { enabled: true, ...(options.reconnect || {}) };
    const q = options.offlineQueue || {};
    if (q.policy !== undefined && !(q.policy in POLICY)) {
      throw new IotError('invalid_argument', `offlineQueue.policy must be one of ${Object.keys(POLICY).join(', ')}`);
    }
    this.#h = native.create(typeof options.clientId === 'string' ? options.clientId : '', {
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
    });
    if (finalizer) finalizer.register(this, { native, handle: this.#h }, this);
  }

  // Events: connect {sessionPresent}, disconnect {error}, reconnecting {delayMs, attempt},
  // message (IotMessage), error (IotError).
  on(event, fn) { (this.#listeners[event] ||= []).push(fn); return this; }
  off(event, fn) { const l = this.#listeners[event]; if (l) this.#listeners[event] = l.filter((f) => f !== fn); return this; }
  #emit(event, arg) {
    for (const fn of this.#listeners[event] || []) {
      try { fn(arg); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  get state() {
    return this.#h ? ['idle', 'waiting_target', 'opening', 'connecting', 'connected', 'backing_off', 'closed'][this.#n.state(this.#h)] : 'closed';
  }

  // Resolves at the first CONNACK. Rejects with the first failed attempt's error (the client keeps
  // retrying with backoff; listen to "connect") or when close() is called first.
  connect() {
    this.#live();
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
  subscribe(filter, options = {}, handler) {
    if (typeof options === 'function') { handler = options; options = {}; }
    return this.#op(() => this.#n.subscribe(this.#h, filter, options.qos ?? 0, monotonic()), { filter, handler }, filter);
  }

  unsubscribe(filter) {
    return this.#op(() => this.#n.unsubscribe(this.#h, filter, monotonic()), { filter, unsubscribe: true }, filter);
  }

  // Resolves when a QoS 0 message is handed to the WebSocket, or at the PUBACK of a QoS 1 one.
  publish(topic, payload, options = {}) {
    return this.#op(() => this.#n.publish(this.#h, topic, toPayload(payload), options.qos ?? 0, !!options.retain, monotonic()), {}, topic);
  }

  // Sends DISCONNECT, closes the socket and frees the engine. Pending operations reject with "closed".
  async close() {
    if (!this.#h) return;
    const sock = this.#sock;
    this.#n.disconnect(this.#h, monotonic());
    this.#drain();
    if (this.#auth) this.#auth.stop();
    clearTimeout(this.#timer);
    if (finalizer) finalizer.unregister(this);
    this.#n.destroy(this.#h);
    this.#h = 0;
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

  #live() {
    if (!this.#h) throw new IotError('invalid_state', 'the client is closed');
  }

  #op(call, extra, name) {
    if (!this.#h) return Promise.reject(new IotError('invalid_state', 'the client is closed'));
    if (typeof name !== 'string') return Promise.reject(new IotError('invalid_topic', `the topic or filter must be a string, not ${typeof name}`));
    let id;
    try { id = call(); } catch (e) { return Promise.reject(e); }
    return new Promise((resolve, reject) => {
      this.#ops.set(id, { resolve, reject, ...extra });
      if (extra.handler) this.#subs.set(id, { filter: extra.filter, handler: extra.handler });
      this.#schedulePump();
    });
  }

  #rejectConnect(err) {
    const w = this.#connectWaiters;
    this.#connectWaiters = [];
    for (const x of w) x.reject(err);
  }

  #learnServerDate(dateHeader) {
    const server = Date.parse(dateHeader);
    if (Number.isNaN(server)) return;
    // Date has 1 s resolution: only act on a disagreement clearly larger than that.
    const offset = server + 500 - Date.now();
    if (Math.abs(offset - this.clockOffsetMs) > 2000) this.clockOffsetMs = offset;
  }

  // Coalesces the pumps of many API calls made in one task (one WebSocket send for a burst).
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

  // Writes pending output and handles every pending event.
  #drain() {
    const n = this.#n;
    for (;;) {
      this.#flush();
      const ev = this.#h ? n.poll(this.#h) : null;
      if (!ev) break;
      this.#handle(ev);
    }
  }

  #flush() {
    if (!this.#h) return;
    const sock = this.#sock;
    if (!sock || sock.readyState !== 1) return;
    const out = this.#n.takeOutput(this.#h);
    if (out) sock.send(out);
  }

  #armTimer() {
    if (!this.#h) return;
    const at = this.#n.deadline(this.#h);
    if (at === this.#timerAt && this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = at;
    if (at < 0) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (!this.#h) return;
      this.#n.onTick(this.#h, monotonic());
      this.#pump();
    }, Math.max(0, at - monotonic()));
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
        this.#emit('connect', { sessionPresent: ev.sessionPresent });
        break;
      }
      case EV_DISCONNECTED:
        this.#rejectConnect(ev.error);
        // Closed for good (reconnect off, or close()): no more credential refreshes.
        if (this.#auth && this.state === 'closed') this.#auth.stop();
        this.#emit('disconnect', { error: ev.error });
        break;
      case EV_RECONNECTING: this.#emit('reconnecting', { delayMs: ev.delayMs, attempt: ev.attempt }); break;
      case EV_MESSAGE: {
        const msg = new IotMessage(ev);
        for (const id of ev.ids) {
          const sub = this.#subs.get(id);
          if (sub && sub.handler) {
            try { sub.handler(msg); } catch (e) { setTimeout(() => { throw e; }); }
          }
        }
        this.#emit('message', msg);
        break;
      }
      case EV_SUBSCRIBED: {
        const op = this.#take(ev.opId);
        if (!op) break;
        const code = ev.granted[0];
        if (code === 0x80 || code === undefined) {
          this.#subs.delete(ev.opId);
          op.reject(new IotError('server_error', `the broker refused the subscription to "${op.filter}" (SUBACK 0x80)`));
        } else {
          op.resolve(code);
        }
        break;
      }
      case EV_UNSUBSCRIBED: {
        const op = this.#take(ev.opId);
        if (!op) break;
        for (const [id, sub] of this.#subs) if (sub.filter === op.filter) this.#subs.delete(id);
        op.resolve();
        break;
      }
      case EV_PUBLISHED: { const op = this.#take(ev.opId); if (op) op.resolve(); break; }
      case EV_PUBLISH_FAILED: { const op = this.#take(ev.opId); if (op) op.reject(ev.error); break; }
      case EV_ERROR: {
        // With an op id: a subscribe/unsubscribe that can no longer complete. Without: a failed
        // connection attempt (the engine backs off and retries) or another notice.
        const op = ev.opId ? this.#take(ev.opId) : null;
        if (op) {
          this.#subs.delete(ev.opId);
          op.reject(ev.error);
        } else {
          this.#rejectConnect(ev.error);
          this.#emit('error', ev.error);
        }
        break;
      }
      default: break;
    }
  }

  #take(id) {
    const op = this.#ops.get(id);
    this.#ops.delete(id);
    return op;
  }

  // need_target: fetch (cached) credentials and presign a fresh URL for this attempt.
  #makeTarget(attempt) {
    const token = ++this.#attempt;
    this.#target(attempt).then(
      (t) => {
        if (!this.#h || token !== this.#attempt) return;
        this.#n.provideTarget(this.#h, t.url, t.username, t.password, monotonic());
        this.#pump();
      },
      (e) => {
        if (!this.#h || token !== this.#attempt) return;
        // Not an IotError: the application's credentialsProvider threw or rejected.
        const err = e instanceof IotError ? e : new IotError('auth_failed', `credentialsProvider failed: ${e && e.message || e}`);
        this.#n.provideTargetError(this.#h, err.code, err.message, monotonic());
        this.#pump();
      });
  }

  async #target() {
    const { host, path, secure } = this.#endpoint;
    const ca = this.#o.customAuthorizer;
    if (ca) {
      const q = new URLSearchParams();
      if (ca.name) q.set('x-amz-customauthorizer-name', ca.name);
      if (ca.token !== undefined) q.set(ca.tokenKeyName || 'token', ca.token);
      if (ca.signature) q.set('x-amz-customauthorizer-signature', ca.signature);
      const qs = q.toString();
      return { url: `${secure ? 'wss' : 'ws'}://${host}${path}${qs ? `?${qs}` : ''}`, username: ca.username, password: ca.password };
    }
    const creds = await this.#auth.get();
    const epochSeconds = Math.floor((Date.now() + this.clockOffsetMs) / 1000);
    return { url: this.#n.presign(host, this.#region, creds, epochSeconds, secure) };
  }

  #open(url) {
    this.#closeSocket();
    let sock;
    const info = { opened: false };
    try {
      sock = new this.#WebSocket(url, 'mqtt');
    } catch (e) {
      this.#n.onClosed(this.#h, 'io_error', `WebSocket could not be created: ${e && e.message}`, monotonic());
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
      this.#n.onBytes(this.#h, new Uint8Array(data), monotonic());
      this.#pump();
    });
    sock.addEventListener('error', (e) => { info.error = e && e.message; });
    sock.addEventListener('close', (e) => {
      if (this.#sock !== sock || !this.#h) return;
      this.#sock = null;
      const err = this.#closeReason(info, e);
      this.#n.onClosed(this.#h, err.code, err.message, monotonic());
      this.#pump();
    });
  }

  #closeReason(info, e) {
    if (info.opened) return new IotError('closed', `WebSocket closed (code ${e.code}${e.reason ? `, ${e.reason}` : ''})`);
    if (info.date) this.#learnServerDate(info.date);
    const host = this.#endpoint.host;
    const answer = info.body ? `: ${info.body}` : '';
    if (info.status === 401 || info.status === 403) {
      if (this.#auth) this.#auth.invalidate();
      return new IotError('auth_failed', `WebSocket upgrade to ${host} refused: HTTP ${info.status}${answer} (a bad signature or key, expired credentials or a skewed clock; server date ${info.date || 'unknown'})`, { status: info.status });
    }
    if (info.status) return new IotError('connection_refused', `WebSocket upgrade to ${host} refused: HTTP ${info.status}${answer}`, { status: info.status });
    // Status unknown (a browser): it may have been a 403 for revoked credentials, so every
    // second such failure in a row fetches fresh ones (at the engine's backoff pace).
    if (++this.#blindFailures % 2 === 0 && this.#auth) this.#auth.invalidate();
    return new IotError('io_error', `WebSocket to ${host} could not be opened${info.error ? ` (${info.error})`
      : ' (browsers hide the HTTP status of a refused upgrade: a 403 means a bad signature, expired credentials or a skewed clock)'}`);
  }

  #closeSocket() {
    const sock = this.#sock;
    this.#sock = null;
    if (sock && sock.readyState < 2) sock.close();
  }
}
