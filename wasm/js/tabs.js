// tabs.js — the "iotlite/tabs" entry: one MQTT connection (one client id) for every tab of an app
// (wasm/README.md, "One connection for all tabs"). IotClient here has the plain client's API; the
// connection itself is owned by a hub (tabs_hub.js) that runs
//   - in a SharedWorker (tabs-worker.js: one per origin, a hub per client id), talking to each tab
//     over its MessagePort; or, where there is no SharedWorker,
//   - in the tab holding the Web Lock "iotlite-tabs:<clientId>" (the leader), talking to the
//     other tabs over the BroadcastChannel of the same name. When the leader goes away the next
//     tab waiting for the lock becomes the leader, opens the connection, and every tab sends it
//     again what it wants (its subscriptions, connect) and what it had not seen completed (its
//     pending publishes, subscribes...): a QoS 1 publish whose PUBACK the tab had not heard of is
//     sent again by the new leader (at least once).
// Each tab holds the Web Lock "iotlite-tabs-tab:<tab id>" for its life: the hub learns from it
// that a tab is gone, however it went (closed, crashed), and releases its subscriptions.
// This module does not load the engine in SharedWorker mode; in leader mode it imports client.js
// (the engine) when the tab first needs it.
import { IotError, bad, closed, aborted } from './errors.js';
import { messageStream } from './message_stream.js';
import { Emitter, EMIT } from './emitter.js';
import { SERVICE_CALLS, serviceId } from './tabs_services.js';

const utf8 = new TextEncoder();
const asError = (d) => new IotError(d.code, d.message, d);
// Options a SharedWorker cannot be given (not structured-cloneable and not callable from there).
const LOCAL_ONLY = ['WebSocket', 'fetch'];
// Functions of the options the hub may call in this tab (tabs_hub.js).
const FNS = ['credentialsProvider', 'cognito.logins', 'cognito.storage.getItem', 'cognito.storage.setItem', 'cognito.storage.removeItem'];
const at = (o, path) => path.split('.').reduce((x, k) => (x == null ? undefined : x[k]), o);
const newId = () => (globalThis.crypto && crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

// A received message (as the plain client's IotMessage).
export class IotMessage {
  constructor(m) {
    this.topic = m.topic;
    this.payload = m.payload;
    this.qos = m.qos;
    this.retain = m.retain;
    this.dup = m.dup;
  }
  text() { return new TextDecoder().decode(this.payload); }
  json() { return JSON.parse(this.text()); }
}

// The payload as something a MessagePort carries: a string (sent as UTF-8) or bytes of their own
// (a view is copied, not its whole buffer); any other value as its JSON text.
function payloadOf(payload) {
  if (typeof payload == 'string' || payload instanceof ArrayBuffer) return payload;
  if (ArrayBuffer.isView(payload)) return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength).slice();
  if (payload == null) return new Uint8Array(0);
  let json;
  try { json = JSON.stringify(payload); } catch (e) { json = e; }
  if (typeof json != 'string') throw bad('the payload', 'JSON-serialisable', payload);
  return json;
}

// The options as the SharedWorker gets them: functions become paths (`fns`) the hub calls back.
function cloneable(options) {
  for (const k of LOCAL_ONLY) {
    if (options[k] != null) throw new IotError('invalid_argument', `options.${k} cannot be used with a SharedWorker (the worker uses its own); pass sharing: "leader" to keep the connection in a tab`);
  }
  if (options.lifecycle != null && typeof options.lifecycle == 'object') throw bad('lifecycle', 'a boolean with a SharedWorker (the worker watches no page)', options.lifecycle);
  const o = { ...options };
  delete o.sharing;
  delete o.workerUrl;
  const fns = [];
  if (typeof o.credentialsProvider == 'function') { fns.push('credentialsProvider'); o.credentialsProvider = null; }
  if (o.cognito && typeof o.cognito == 'object') {
    const c = o.cognito = { ...o.cognito };
    if (typeof c.logins == 'function') { fns.push('cognito.logins'); delete c.logins; }
    if (c.storage != null) {
      for (const m of ['getItem', 'setItem', 'removeItem']) if (typeof c.storage[m] == 'function') fns.push(`cognito.storage.${m}`);
      delete c.storage;
    }
  }
  if (o.wasmUrl != null) o.wasmUrl = String(new URL(o.wasmUrl, globalThis.location && location.href));
  try {
    return { options: structuredClone(o), fns };
  } catch (e) {
    throw new IotError('invalid_argument', `the options must be structured-cloneable to reach the SharedWorker (${e.message}); functions are allowed only as ${FNS.join(', ')}`);
  }
}

// A Shadow (client.shadow()) or Jobs (client.jobs()) of the shared connection: the same API as the
// services build's, its calls and events run by the one object of the hub's client that every tab
// shares. The shadow's state and version are its mirror as the hub last reported it (after any
// tab's request or event).
class SharedService extends Emitter {
  #listen;

  constructor(kind, key, call, listen) {
    super();
    this.kind = kind;
    this.key = key;
    this.mirror = null;
    this.events = new Set();  // what this tab listens to (sent again to a new leader)
    this.#listen = listen;
    if (kind == 'shadow') [this.thing, this.name] = key; else [this.thing] = key;
    for (const c of SERVICE_CALLS[kind]) this[c] = (...args) => call(this, c, args);
  }

  // As the services build's: listening to a stream's event watches it (a refusal comes as an
  // "error" event). The hub passes this tab the events it once listened to.
  on(event, fn) {
    super.on(event, fn);
    if (!this.events.has(event)) { this.events.add(event); this.#listen(this); }
    return this;
  }

  _emit(event, arg) { this[EMIT](event, arg); }
}

class SharedShadow extends SharedService {
  // The hub client's mirror ({desired, reported, delta}, or null before anything arrived).
  get state() { return this.mirror ? this.mirror.state : null; }
  get version() { return this.mirror ? this.mirror.version : undefined; }
}

export class IotClient extends Emitter {
  #o; #id; #mode; #port; #channel; #hub = null; #local; #state = 'idle'; #subs = new Map(); #services = new Map();
  #pending = new Map(); #op = 0; #wantConnect = false; #closed = false; #alive; #stop = new AbortController();
  #welcome; #unwatch; #fns = []; #cloned; #hubPeer = null; #resign = null; #handover = false; #info = null;

  // Checks the options and joins the shared connection. SharedWorker: resolves once the worker has
  // a client for these options (the first tab's options create it; a tab with another clientId is
  // refused). Leader mode: the options are checked by this tab's own engine. Rejects with IotError
  // invalid_argument (an option), unsupported (neither SharedWorker nor Web Locks +
  // BroadcastChannel) or the plain create()'s errors.
  static async create(options) {
    if (!options || typeof options != 'object') throw bad('IotClient.create options', 'an object', options);
    if (typeof options.clientId != 'string' || !options.clientId) throw bad('clientId', 'a non-empty string (the shared connection is one per client id)', options.clientId);
    const sharing = options.sharing ?? 'auto';
    if (!['auto', 'worker', 'leader'].includes(sharing)) throw bad('sharing', '"auto", "worker" or "leader"', sharing);
    const locks = globalThis.navigator && navigator.locks;
    const mode = sharing == 'worker' || (sharing == 'auto' && globalThis.SharedWorker) ? 'worker' : 'leader';
    if (mode == 'worker' && !globalThis.SharedWorker) throw new IotError('unsupported', 'sharing "worker": no SharedWorker in this runtime');
    if (mode == 'leader' && !(locks && globalThis.BroadcastChannel)) {
      throw new IotError('unsupported', 'no SharedWorker, and no Web Locks + BroadcastChannel to elect a leader tab: use "iotlite" (one connection per tab)');
    }
    const client = new IotClient(options, mode);
    try {
      await client.#join();
    } catch (e) {
      client.#closed = true;
      if (client.#unwatch) client.#unwatch();
      await client.#leave();
      throw e;
    }
    return client;
  }

  constructor(options, mode) {
    super();
    this.#o = options;
    this.#mode = mode;
    this.#id = newId();  // this client's "tab" id (two clients of one page are two tabs to the hub)
    if (this.#o.lifecycle !== false && globalThis.addEventListener) {
      // The page goes away: leave now (the tab's lock tells the hub too, a little later). A page
      // put into the back/forward cache leaves and joins again when it is shown.
      const hide = (e) => (e.persisted ? this.#suspend() : this.#post({ t: 'bye' }));
      const show = (e) => { if (e.persisted) this.#resume(); };
      addEventListener('pagehide', hide);
      addEventListener('pageshow', show);
      this.#unwatch = () => { removeEventListener('pagehide', hide); removeEventListener('pageshow', show); };
    }
  }

  // "worker": the SharedWorker connection; "leader": this tab holds the connection; "follower":
  // another tab does. "closed" after close().
  get sharing() {
    return this.#closed ? 'closed' : this.#mode == 'worker' ? 'worker' : this.#hub ? 'leader' : 'follower';
  }

  // The shared connection's state, as the hub last reported it.
  get state() {
    return this.#closed ? 'closed' : this.#state;
  }

  // As the plain client's, for the shared connection as the hub last reported it: the endpoint
  // as core parsed it (a copy) and the clock offset its signatures use (configured, or learnt
  // from a server's Date). Read-only here: the offset is the connection's, set by the options
  // that created it.
  get endpoint() {
    return this.#info && { ...this.#info.endpoint };
  }

  get clockOffsetMs() {
    return this.#info ? this.#info.clockOffsetMs : this.#o.clockOffsetMs ?? 0;
  }

  async #join() {
    const locks = globalThis.navigator && navigator.locks;
    const { signal } = this.#stop;
    // Held for this client's life: the hub requests it to learn when the tab is gone.
    if (locks) {
      await new Promise((resolve, reject) => locks.request(this.#lockName, { signal }, () => {
        resolve();
        return new Promise((r) => { this.#alive = r; });
      }).catch(reject));
    }
    if (this.#mode == 'worker') {
      const { options, fns } = cloneable(this.#o);
      this.#cloned = options;
      this.#fns = fns;
      this.#attach();
      const welcome = new Promise((resolve) => { this.#welcome = resolve; });
      this.#post(this.#hello());
      const error = await welcome;
      if (error) throw asError(error);
      return;
    }
    // Leader mode: this tab may have to hold the connection, so its own options must be good.
    const { IotClient: Plain } = await import('./client.js');
    const check = await Plain.create({ ...this.#o, lifecycle: false });
    this.#info = { endpoint: check.endpoint, clockOffsetMs: check.clockOffsetMs };  // until a hub reports
    await check.close();
    this.#channel = new BroadcastChannel(`iotlite-tabs:${this.#o.clientId}`);
    this.#channel.onmessage = ({ data: m }) => this.#fromChannel(m);
    this.#post(this.#hello());
    locks.request(`iotlite-tabs:${this.#o.clientId}`, { signal }, () => this.#lead()).catch(() => {});
  }

  get #lockName() {
    return `iotlite-tabs-tab:${this.#id}`;
  }

  // Connects this tab to the SharedWorker (again, after the back/forward cache). One worker per
  // origin serves every client id. The default is written as bundlers (Vite, webpack) recognise a
  // worker entry: a literal URL and static options.
  #attach() {
    const url = this.#o.workerUrl;
    const worker = url ? new SharedWorker(url, { type: 'module' })
      : new SharedWorker(new URL('./tabs-worker.js', import.meta.url), { type: 'module' });
    worker.onerror = () => {
      const error = { code: 'io_error', message: `the SharedWorker ${url || 'tabs-worker.js'} could not be started` };
      // create() rejects with it; later (a worker gone after the back/forward cache): an event.
      if (this.#welcome) { this.#welcome(error); this.#welcome = null; } else this[EMIT]('error', asError(error));
    };
    this.#port = worker.port;
    this.#port.onmessage = ({ data: m }) => this.#fromHub(m);
    this.#port.start();
  }

  #hello() {
    return {
      t: 'hello', tab: this.#id, clientId: this.#o.clientId, options: this.#cloned, fns: this.#fns, connect: this.#wantConnect,
      subs: [...this.#subs].map(([f, s]) => [f, s.qos]),
      svc: [...this.#services.values()].map((x) => ({ kind: x.kind, key: x.key, events: [...x.events] })),
    };
  }

  // This tab holds the leader lock: it runs the hub until close(), then lets the lock go.
  async #lead() {
    if (this.#closed) return;
    const { Hub } = await import('./tabs_hub.js');
    const stop = new AbortController();
    // Taking over from another leader: the tabs' hellos are gathered for 200 ms before connecting.
    const hub = new Hub({ own: { ...this.#o, sharing: undefined, workerUrl: undefined }, gatherMs: this.#handover ? 200 : 0 });
    const peers = new Map();
    this.#local = { id: this.#id, send: (m) => queueMicrotask(() => this.#fromHub(m)) };
    this.#hubPeer = (tab) => {
      let p = peers.get(tab);
      if (!p) {
        peers.set(tab, p = { id: tab, send: (m) => this.#channel && this.#channel.postMessage({ ...m, to: tab }) });
        navigator.locks.request(`iotlite-tabs-tab:${tab}`, { signal: stop.signal }, () => { peers.delete(tab); hub.leave(p); }).catch(() => {});
      }
      return p;
    };
    this.#hub = hub;
    // Every tab (this one included) says again what it wants and what it has pending.
    this.#channel.postMessage({ t: 'leader', to: '*' });
    this.#resend();
    await new Promise((resolve) => { this.#resign = resolve; });
    stop.abort();
    this.#hub = null;
    await hub.close();
  }

  // A message on the BroadcastChannel: a request for the hub (if this tab leads) or an answer.
  #fromChannel(m) {
    if (this.#closed) return;
    if (m.tab) {
      if (this.#hub && m.tab !== this.#id) this.#hub.receive(this.#hubPeer(m.tab), m);
      return;
    }
    if (m.to === this.#id || m.to === '*') this.#fromHub(m);
  }

  // Requests to the hub: the local one when this tab leads.
  #post(m) {
    if (this.#closed && m.t != 'bye') return;
    const msg = { ...m, tab: this.#id };
    if (this.#hub) this.#hub.receive(this.#local, msg);
    else if (this.#port) this.#port.postMessage(msg);
    else if (this.#channel) this.#channel.postMessage(msg);
  }

  // After a new leader: hello, then every request not answered yet, in order.
  #resend() {
    this.#post(this.#hello());
    for (const [op, p] of this.#pending) this.#post({ ...p.m, op });
  }

  #fromHub(m) {
    if (this.#closed) return;
    switch (m.t) {
      case 'leader': if (!this.#hub) this.#resend(); break;
      case 'welcome':
        if (!this.#hub) this.#handover = true;  // another tab leads
        if (this.#welcome) { this.#welcome(m.error); this.#welcome = null; }
        if (!m.error) this.#setState(m.state);
        if (m.info) this.#info = m.info;
        break;
      case 'done': {
        const p = this.#pending.get(m.op);
        if (!p) break;
        this.#pending.delete(m.op);
        if (m.ok) p.resolve(m.value); else p.reject(asError(m.error));
        break;
      }
      case 'ev':
        if (m.info) this.#info = m.info;
        if (m.name == 'statechange') this.#setState(m.arg.state);
        else this[EMIT](m.name, m.name == 'error' ? asError(m.arg) : m.name == 'disconnect' ? { error: asError(m.arg.error) } : m.arg);
        break;
      case 'msg': this.#message(m); break;
      case 'sev': case 'svcm': {
        const x = this.#services.get(serviceId(m.kind, m.key));
        if (!x) break;
        if (m.t == 'svcm') x.mirror = m.mirror;
        else x._emit(m.event, m.event == 'error' ? asError(m.arg) : m.arg);
        break;
      }
      case 'call': this.#answer(m); break;
      default: break;
    }
  }

  #setState(state) {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this[EMIT]('statechange', { state, previous });
  }

  #message(m) {
    const msg = new IotMessage(m);
    for (const f of m.filters) {
      const s = this.#subs.get(f);
      for (const h of s ? [...s.handlers] : []) {
        if (!h.fn) continue;
        try { h.fn(msg); } catch (e) { setTimeout(() => { throw e; }); }
      }
    }
    this[EMIT]('message', msg);
  }

  // The hub calls one of this tab's option functions (credentialsProvider...).
  async #answer(m) {
    let reply;
    try {
      const [path, method] = m.path.startsWith('cognito.storage.') ? ['cognito.storage', m.path.slice(16)] : [m.path, null];
      const target = at(this.#o, path);
      let value = await (method ? target[method](...m.args) : target(...m.args));
      // Credentials: only their four fields travel (an SDK provider's object may hold more).
      if (m.path == 'credentialsProvider' && value) {
        const { accessKeyId, secretAccessKey, sessionToken, expiration } = value;
        value = { accessKeyId, secretAccessKey, sessionToken, expiration };
      }
      reply = { ok: true, value: value ?? null };
    } catch (e) {
      // (The hub's client turns a non-IotError into auth_failed, as the plain client does.)
      reply = { ok: false, error: { code: e instanceof IotError ? e.code : 'auth_failed', message: e instanceof IotError ? e.message : `${m.path} failed: ${e && e.message || e}`, status: e && e.status } };
    }
    this.#post({ t: 'ret', call: m.call, ...reply });
  }

  // Sends request m to the hub; resolves with its answer. Kept until answered (sent again to a
  // new leader). options.signal: aborting rejects with IotError aborted and calls undo().
  #request(m, options, undo) {
    if (this.#closed) return Promise.reject(closed());
    const signal = options && options.signal;
    if (signal != null && typeof signal.addEventListener != 'function') return Promise.reject(bad('signal', 'an AbortSignal', signal));
    if (signal && signal.aborted) return Promise.reject(aborted(signal));
    const op = ++this.#op;
    const p = new Promise((resolve, reject) => {
      this.#pending.set(op, { m: { ...m, t: 'op' }, resolve, reject });
    });
    this.#post({ ...m, t: 'op', op });
    if (!signal) return p;
    return new Promise((resolve, reject) => {
      const abort = () => { reject(aborted(signal)); if (undo) undo(); };
      signal.addEventListener('abort', abort, { once: true });
      p.then((v) => { signal.removeEventListener('abort', abort); resolve(v); }, (e) => { signal.removeEventListener('abort', abort); reject(e); });
    });
  }

  // Resolves at the shared connection's CONNACK (at once if it is connected); rejects with the
  // first failed attempt's error (the hub keeps retrying; listen to "connect"). Aborting rejects
  // this call only: the connection is every tab's.
  connect(options) {
    this.#wantConnect = true;
    return this.#request({ k: 'connect' }, options);
  }

  // As the plain client: resolves with the granted QoS (an array of filters: one code per filter,
  // 0x80 for a filter the broker refused). The hub subscribes a filter once for all tabs.
  subscribe(filter, options, handler) {
    if (typeof options == 'function') { handler = options; options = {}; }
    return this.#subscribe(filter, options, handler).done;
  }

  // {done: the subscribe() promise, drop(): forgets this call's handlers (unsubscribing what no
  // other subscription of this tab uses)}.
  #subscribe(filter, options, handler) {
    const fail = (e) => ({ done: Promise.reject(e), drop() {} });
    if (handler != null && typeof handler != 'function') return fail(bad('the handler', 'a function', handler));
    const qos = (options && options.qos) ?? 0;
    if (qos !== 0 && qos !== 1) return fail(bad('qos', '0 or 1 (AWS IoT)', qos));
    const many = Array.isArray(filter);
    const filters = many ? filter : [filter];
    if (!filters.length) return fail(bad('subscribe()\'s filter array', 'non-empty', 0));
    for (const f of filters) if (typeof f != 'string') return fail(new IotError('invalid_topic', `a topic filter must be a string, not ${typeof f}`));
    if (this.#closed) return fail(closed());
    const mine = filters.map((f) => {
      let s = this.#subs.get(f);
      if (!s) this.#subs.set(f, s = { qos, handlers: new Set() });
      s.qos = Math.max(s.qos, qos);
      const h = { fn: handler };
      s.handlers.add(h);
      return [f, h];
    });
    const drop = () => { for (const [f, h] of mine) this.#drop(f, h); };
    // A filter of an array the broker refused (0x80) is forgotten at once, as the engine forgets
    // it: it is not in this tab's list that a new leader subscribes again.
    const calls = mine.map(([f, h]) => this.#request({ k: 'sub', filter: f, qos }, options)
      .catch((e) => { if (!many || e.code != 'server_error') throw e; this.#drop(f, h); return 0x80; }));
    const done = Promise.all(calls).then((granted) => (many ? granted : granted[0]), (e) => { drop(); throw e; });
    if (options && options.signal) options.signal.addEventListener('abort', drop, { once: true });
    return { done, drop };
  }

  // As the plain client (message_stream.js): its end releases this call's subscription.
  messages(filter, options) {
    return messageStream(this, options, (push) => {
      const sub = this.#subscribe(filter, { qos: options && options.qos }, push);
      return { done: sub.done, release: sub.drop };
    });
  }


  // Forgets handler entry h of filter f; the filter with no handler left is unsubscribed.
  #drop(f, h) {
    const s = this.#subs.get(f);
    if (!s || !s.handlers.delete(h) || s.handlers.size) return;
    this.#subs.delete(f);
    if (!this.#closed) this.#request({ k: 'unsub', filter: f }).catch(() => {});
  }

  // Every subscription of this tab to `filter` ends (its handlers are called no more); the
  // connection's UNSUBSCRIBE goes when no other tab uses the filter.
  unsubscribe(filter) {
    if (typeof filter != 'string') return Promise.reject(new IotError('invalid_topic', `the topic or filter must be a string, not ${typeof filter}`));
    this.#subs.delete(filter);
    return this.#request({ k: 'unsub', filter }).then(() => {});
  }

  // As the plain client: resolves when the hub's client resolved (QoS 0: written to the
  // WebSocket; QoS 1: PUBACK). Rejects with the engine's errors (invalid_topic, limit_exceeded...).
  publish(topic, payload, options) {
    let p;
    try {
      if (typeof topic != 'string') throw new IotError('invalid_topic', `the topic or filter must be a string, not ${typeof topic}`);
      const qos = (options && options.qos) ?? 0;
      if (qos !== 0 && qos !== 1) throw bad('qos', '0 or 1 (AWS IoT)', qos);
      p = payloadOf(payload);
      return this.#request({ k: 'pub', topic, payload: p, qos, retain: !!(options && options.retain) }, options);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // The Shadow of a thing's classic shadow, or of its named shadow `name`, on the shared connection
  // (created with services: true): the same object for the same thing and name. As the services
  // build's, except that a thing name AWS refuses is reported by its requests (rejected) and as
  // an "error" event, not thrown here: the rules are in the hub's engine.
  shadow(thing, name = '') {
    if (typeof thing != 'string' || typeof name != 'string') throw new IotError('invalid_argument', 'shadow(thing, name?) takes strings');
    return this.#service('shadow', [thing, name]);
  }

  // AWS IoT Jobs of a thing on the shared connection (created with services: true), as shadow().
  jobs(thing) {
    if (typeof thing != 'string') throw new IotError('invalid_argument', 'jobs(thing) takes a string');
    return this.#service('jobs', [thing]);
  }

  #service(kind, key) {
    if (this.#closed) throw new IotError('invalid_state', 'the client is closed');
    const id = serviceId(kind, key);
    let x = this.#services.get(id);
    if (x) return x;
    const call = (h, c, args) => {
      let cloned;
      try { cloned = structuredClone(args); } catch (e) {
        return Promise.reject(new IotError('invalid_argument', `${kind}.${c}()'s arguments must be structured-cloneable to reach the shared connection (${e.message})`));
      }
      return this.#request({ k: 'svc', kind, key, call: c, args: cloned }).then(({ value, mirror }) => {
        if (mirror) h.mirror = mirror;
        return value;
      });
    };
    // The hub learns which events this tab listens to (it sends only those).
    const listen = (h) => this.#open(h);
    this.#services.set(id, x = new (kind == 'shadow' ? SharedShadow : SharedService)(kind, key, call, listen));
    this.#open(x);
    return x;
  }

  // Tells the hub this tab holds x and listens to its events; a refusal (no services on the
  // connection, a thing name AWS refuses) comes as x's "error" event.
  #open(x) {
    this.#request({ k: 'svcopen', kind: x.kind, key: x.key, events: [...x.events] }).then(
      (mirror) => { if (mirror) x.mirror = mirror; },
      (e) => { if (e.code != 'closed') x._emit('error', e); });
  }

  // Leaves the shared connection: this tab's subscriptions are released (UNSUBSCRIBE for the
  // filters no other tab uses), pending calls reject with "closed". The connection stays for the
  // other tabs; the last tab's close() closes it (DISCONNECT). A leader tab hands over first.
  async close() {
    if (this.#closed) return;
    this.#post({ t: 'bye' });
    this.#closed = true;
    const err = new IotError('closed', 'the client was closed');
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    if (this.#welcome) this.#welcome({ code: 'closed', message: 'the client was closed' });
    const previous = this.#state;
    this.#state = 'closed';
    this[EMIT]('statechange', { state: 'closed', previous });
    if (this.#unwatch) this.#unwatch();
    await this.#leave();
  }

  // Lets go of the port, the channel, the leadership (the hub closes its connection) and the locks.
  async #leave() {
    this.#stop.abort();
    if (this.#alive) this.#alive();
    if (this.#port) this.#port.close();
    const hub = this.#hub;
    if (this.#resign) this.#resign();
    if (hub) await hub.close();
    if (this.#channel) this.#channel.close();
  }

  // Back/forward cache: leave (a leader hands over) and join again when shown.
  #suspend() {
    this.#post({ t: 'bye' });
    if (this.#resign) { this.#resign(); this.#resign = null; }
    if (this.#port) { this.#port.close(); this.#port = null; }
  }

  #resume() {
    if (this.#closed) return;
    if (this.#mode == 'worker') this.#attach();
    else {
      const { signal } = this.#stop;
      navigator.locks.request(`iotlite-tabs:${this.#o.clientId}`, { signal }, () => this.#lead()).catch(() => {});
    }
    this.#resend();
  }
}

export { IotError, ERROR_CODES } from './errors.js';
