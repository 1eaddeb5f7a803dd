// tabs_hub.js — the owner of the one connection "iotlite/tabs" shares between the tabs of an app
// (wasm/README.md, "One connection for all tabs"). It runs in the SharedWorker (tabs-worker.js) or,
// where there is none, in the tab holding the Web Lock (tabs.js). It drives one plain IotClient
// (client.js) and serves peers (the tabs): each peer is {id, send(message)}; hub.receive(peer, m)
// takes the peer's requests, hub.leave(peer) forgets it.
//
// Requests (tab -> hub) and answers (hub -> tab), structured-cloneable objects with a type `t`:
//   hello {tab, clientId, options?, fns?, connect, subs: [[filter, qos]]}  -> welcome {state, info, error?}
//   op {tab, op, k: 'connect' | 'sub' | 'unsub' | 'pub', ...}                         -> done {op, ok, value | error}
//   op {k: 'svc', kind: 'shadow' | 'jobs', key: [thing, name] | [thing], call, args} -> done {value: {value, mirror}}
//   op {k: 'svcopen', kind, key, events: [...]}: the tab holds that Shadow / Jobs and listens to
//      `events` of it                                                               -> done {value: mirror}
//   ret {call, ok, value | error}: a tab's answer to call {call, path, args} (its credentialsProvider...)
//   bye: the tab leaves
//   the hub also sends: ev {name, arg, info} (statechange, connect, disconnect, reconnecting, error,
//   credentials) and msg {topic, payload, qos, retain, dup, filters} (the peer's filters it matched),
//   sev {kind, key, event, arg} (an event of a Shadow / Jobs the peer listens to) and svcm {kind,
//   key, mirror} (a shadow's {state, version} after any tab's request or event, to every holder).
//   info is {endpoint, clockOffsetMs} of the shared client as it stands (the offset changes when
//   the client learns the server's clock), null before there is a client.
//
// Subscriptions are reference-counted by filter: the first peer that asks makes the SUBSCRIBE,
// the last that leaves (unsubscribe, close(), or its page gone) the UNSUBSCRIBE. One subscription
// of the underlying client per filter, at the highest QoS any peer asked for; the engine says which
// subscriptions a message matched (the subscription's handler), so no topic matching happens here.
// All operations of the underlying client on one filter run one after the other.
//
// Services (options.services: the client is the services build's, iotlite-services.wasm): one
// Shadow / Jobs object of the hub's client per thing (and shadow name) serves every tab; the hub
// listens to an event of it once some tab does (which watches its stream, as Shadow.on does) and
// passes each event to the tabs listening to it. A tab's registrations come again in its hello.
import { IotClient } from './client.js';
import { IotError } from './errors.js';
import { SERVICE_CALLS, serviceId } from './tabs_services.js';

// An error as data (an IotError's code, message and its data fields, as index.d.ts and services.d.ts list them; a
// structured clone of an Error would lose them, and a `cause` may not be cloneable); tabs.js makes
// an IotError of it again.
const FIELDS = ['status', 'reason', 'service', 'cognitoType', 'mqttReason', 'rule', 'limit', 'actual', 'retryable', 'finalBecause', 'awsCode', 'response'];
export function errorData(e) {
  if (!(e instanceof IotError)) return { code: 'invalid_argument', message: String(e && e.message || e) };
  const d = { code: e.code, message: e.message };
  for (const k of FIELDS) if (e[k] !== undefined) d[k] = e[k];
  return d;
}

// Functions of the options a tab keeps (tabs.js posts their paths as `fns`): the hub calls them
// in that tab. Paths: credentialsProvider, cognito.logins, cognito.storage.{getItem,setItem,removeItem}.
const set = (o, path, v) => {
  const keys = path.split('.');
  const last = keys.pop();
  for (const k of keys) o = o[k] ||= {};
  o[last] = v;
};

export class Hub {
  #client = null; #peers = new Map(); #filters = new Map(); #tails = new Map(); #hits = []; #svc = new Map();
  #waiters = []; #session = false; #calls = new Map(); #callId = 0; #own; #closed = false; #onEmpty;
  #options = null; #creating = null; #openAt; #dialing = null;

  // own: the options to create the client with (leader mode: the leader tab's own, functions and
  // all); without, the first hello's options (SharedWorker). onEmpty(): the last peer left.
  // gatherMs: the first connection attempt waits this long after the hub starts, so that every
  // tab's hello (its subscriptions) is in before the broker delivers what a persistent session
  // kept (a new leader after a handover).
  constructor({ own, onEmpty, gatherMs = 0 } = {}) {
    this.#own = own;
    this.#onEmpty = onEmpty;
    this.#openAt = Date.now() + gatherMs;
  }

  get state() {
    return this.#client ? this.#client.state : 'idle';
  }

  async receive(peer, m) {
    if (this.#closed) return;
    if (m.t == 'ret') return this.#ret(m);
    if (m.t == 'bye') return this.leave(peer);
    let p = this.#peers.get(peer.id);
    if (m.t == 'hello') {
      if (!p) this.#peers.set(peer.id, p = { ...peer, subs: new Map(), ops: new Map(), fns: [], hello: null });
      p.hello = m;
      p.fns = m.fns || [];
      let error;
      try {
        await this.#ensureClient(m);
        if (m.clientId !== this.#clientId) throw new IotError('invalid_argument', `clientId "${m.clientId}" is not the shared connection's "${this.#clientId}"`);
      } catch (e) {
        error = errorData(e);
      }
      if (!this.#peers.has(peer.id)) return;  // left meanwhile
      p.send({ t: 'welcome', state: this.state, info: this.#info(), error });
      if (error) { this.#peers.delete(peer.id); return; }
      for (const [f, q] of m.subs || []) this.#want(p, f, q).catch(() => {});
      for (const x of m.svc || []) { try { this.#open(p, x); } catch { /* its next request says why */ } }
      if (m.connect) this.#connect().catch(() => {});
      return;
    }
    if (!p || m.t != 'op') return;  // a request from a tab that never said hello (or was refused)
    // A request seen already (a tab re-sends what is pending when a new leader appears): answered once.
    if (p.ops.has(m.op)) return;
    p.ops.set(m.op, true);
    let ok = true;
    let value;
    try {
      value = await this.#op(p, m);
    } catch (e) {
      ok = false;
      value = errorData(e);
    }
    p.ops.delete(m.op);
    if (this.#peers.get(p.id) === p) p.send(ok ? { t: 'done', op: m.op, ok, value } : { t: 'done', op: m.op, ok, error: value });
  }

  // The peer is gone (bye, its page closed): its subscriptions are released.
  leave(peer) {
    const p = this.#peers.get(peer.id);
    if (!p) return;
    this.#peers.delete(peer.id);
    for (const f of p.subs.keys()) this.#release(p, f);
    for (const e of this.#svc.values()) { e.holders.delete(p.id); for (const set of e.events.values()) set.delete(p.id); }
    for (const [id, c] of this.#calls) if (c.peer === p) { this.#calls.delete(id); c.reject(new IotError('closed', 'the tab that owns this function went away')); }
    if (!this.#peers.size && this.#onEmpty) this.#onEmpty();
  }

  // Closes the connection (DISCONNECT) and forgets everything.
  async close() {
    this.#closed = true;
    const c = this.#client;
    this.#client = null;
    if (c) await c.close();
  }

  #info() {
    const c = this.#client;
    return c ? { endpoint: c.endpoint, clockOffsetMs: c.clockOffsetMs } : null;
  }

  get #clientId() {
    return this.#client && this.#options.clientId;
  }

  // The client, created from the hub's own options or the hello's (with the tab's functions
  // called in that tab); a client closed for good (reconnect off) is replaced, with every
  // subscription made again.
  async #ensureClient(hello) {
    if (this.#client && this.#client.state != 'closed') return;
    // A client closed by itself still holds its engine and timers until close().
    if (this.#client) { const old = this.#client; this.#client = null; old.close(); }
    const options = this.#own || this.#withCalls(hello);
    if (this.#creating) return this.#creating;
    // services: the services build (Shadow and Jobs), loaded only then.
    const create = async () => (options.services ? (await import('./services.js')).IotClient : IotClient).create(options);
    this.#creating = create().finally(() => { this.#creating = null; });
    const client = await this.#creating;
    if (this.#closed) {
      await client.close();
      throw new IotError('closed', 'the shared connection was closed');
    }
    this.#options = options;
    this.#client = client;
    const relay = (name) => client.on(name, (arg) => {
      if (this.#client === client) this.#broadcast({ t: 'ev', name, arg: name == 'error' ? errorData(arg) : name == 'disconnect' ? { error: errorData(arg.error) } : arg, info: this.#info() });
    });
    ['statechange', 'reconnecting', 'credentials', 'disconnect', 'error'].forEach(relay);
    client.on('connect', (arg) => {
      this.#session = arg.sessionPresent;
      for (const w of this.#waiters.splice(0)) w.resolve(arg);
      this.#broadcast({ t: 'ev', name: 'connect', arg, info: this.#info() });
    });
    client.on('error', (e) => { for (const w of this.#waiters.splice(0)) w.reject(e); });
    client.on('message', (msg) => this.#deliver(msg));
    for (const e of this.#filters.values()) { e.qos = -1; e.handled = false; }
    for (const [f, e] of this.#filters) this.#subscribe(f, e, Math.max(...e.peers.values())).catch(() => {});
    // The services' listeners on the new client's objects.
    for (const e of this.#svc.values()) {
      e.bound.clear();
      for (const [event, set] of e.events) if (set.size) { try { this.#listen(e, event); } catch { /* not a services client */ } }
    }
  }

  #withCalls(hello) {
    const o = structuredClone(hello.options || {});
    for (const path of hello.fns || []) set(o, path, (...args) => this.#call(path, args));
    return o;
  }

  // Calls `path` of the options in the oldest tab that has it; its answer is the result.
  #call(path, args) {
    const p = [...this.#peers.values()].find((x) => x.fns.includes(path));
    if (!p) return Promise.reject(new IotError('unsupported', `no open tab offers options.${path} any more`));
    const call = ++this.#callId;
    return new Promise((resolve, reject) => {
      this.#calls.set(call, { peer: p, resolve, reject });
      p.send({ t: 'call', call, path, args });
    });
  }

  #ret(m) {
    const c = this.#calls.get(m.call);
    if (!c) return;
    this.#calls.delete(m.call);
    if (m.ok) c.resolve(m.value); else c.reject(new IotError(m.error.code, m.error.message, m.error));
  }

  #broadcast(m) {
    for (const p of this.#peers.values()) p.send(m);
  }

  async #op(p, m) {
    await this.#ensureClient(p.hello);
    const c = this.#client;
    switch (m.k) {
      case 'connect': p.hello = { ...p.hello, connect: true }; return this.#connect();
      case 'pub': return c.publish(m.topic, m.payload, { qos: m.qos, retain: m.retain });
      case 'sub': return this.#want(p, m.filter, m.qos);
      case 'unsub': this.#release(p, m.filter); return this.#tails.get(m.filter);
      case 'svcopen': return this.#mirror(this.#open(p, m));
      case 'svc': return this.#service(m);
      default: throw new IotError('invalid_argument', `unknown request ${m.k}`);
    }
  }

  // The hub client's Shadow or Jobs of `key` (its bad thing name throws the plain client's error).
  #handle(kind, key) {
    const c = this.#client;
    if (!SERVICE_CALLS[kind] || !Array.isArray(key)) throw new IotError('invalid_argument', `unknown service ${kind}`);
    if (typeof c[kind] != 'function') {
      throw new IotError('unsupported', `client.${kind}() needs the shared connection made with services: true (it was created without it, by the options of the first tab)`);
    }
    return kind == 'shadow' ? c.shadow(key[0], key[1] ?? '') : c.jobs(key[0]);
  }

  // Peer p holds the Shadow / Jobs of {kind, key} and listens to `events` of it.
  #open(p, { kind, key, events = [] }) {
    const id = serviceId(kind, key);
    this.#handle(kind, key);  // refuses a bad thing name or a client without services
    let e = this.#svc.get(id);
    if (!e) this.#svc.set(id, e = { kind, key, holders: new Set(), events: new Map(), bound: new Set() });
    e.holders.add(p.id);
    for (const event of events) {
      if (!e.events.has(event)) e.events.set(event, new Set());
      e.events.get(event).add(p.id);
      this.#listen(e, event);
    }
    return e;
  }

  // The hub's own listener for `event` of e's object, once per client: passes it to the peers
  // listening. Listening to a stream's event watches it (a refused stream: an "error" event).
  #listen(e, event) {
    if (e.bound.has(event)) return;
    const c = this.#client;
    e.bound.add(event);
    this.#handle(e.kind, e.key).on(event, (arg) => {
      if (this.#client !== c) return;
      this.#touched(e);
      const data = event == 'error' ? errorData(arg) : arg;
      for (const id of e.events.get(event) || []) this.#peers.get(id)?.send({ t: 'sev', kind: e.kind, key: e.key, event, arg: data });
    });
  }

  async #service(m) {
    if (!(SERVICE_CALLS[m.kind] || []).includes(m.call)) throw new IotError('invalid_argument', `${m.kind} has no call ${m.call}`);
    const h = this.#handle(m.kind, m.key);
    let value, failure = null;
    try { value = await h[m.call](...(m.args || [])); } catch (err) { failure = err; }
    // Whatever the outcome, every holder of this shadow gets its mirror as it is now, once read.
    const e = this.#svc.get(serviceId(m.kind, m.key));
    const mirror = e ? this.#touched(e) : this.#mirror(m);
    if (failure) throw failure;
    return { value, mirror };
  }

  // A shadow's mirror ({state, version}, read from the hub client's Shadow); null for Jobs.
  #mirror({ kind, key }) {
    if (kind != 'shadow' || !this.#client) return null;
    const s = this.#handle(kind, key);
    return { state: s.state, version: s.version };
  }

  // Every tab holding e's shadow gets its mirror as it is now; returns it.
  #touched(e) {
    const mirror = this.#mirror(e);
    if (mirror) for (const id of e.holders) this.#peers.get(id)?.send({ t: 'svcm', kind: e.kind, key: e.key, mirror });
    return mirror;
  }

  // Resolves at the shared connection's CONNACK (at once when connected); rejects with the first
  // failed attempt's error, as IotClient.connect() does (the client keeps retrying).
  #connect() {
    const c = this.#client;
    if (c.state == 'connected') return Promise.resolve({ sessionPresent: this.#session });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (c.state != 'idle' || this.#dialing === c) return;
      this.#dialing = c;
      setTimeout(() => {
        if (this.#client === c) c.connect().catch((e) => { for (const w of this.#waiters.splice(0)) w.reject(e); });
      }, Math.max(0, this.#openAt - Date.now()));
    });
  }

  // Peer p wants `filter` at `qos`: resolves with the granted QoS once the connection's
  // subscription covers it.
  #want(p, filter, qos) {
    if (typeof filter != 'string') return Promise.reject(new IotError('invalid_topic', `a topic filter must be a string, not ${typeof filter}`));
    let e = this.#filters.get(filter);
    if (!e) this.#filters.set(filter, e = { peers: new Map(), qos: -1, handled: false, ready: null });
    p.subs.set(filter, Math.max(qos, p.subs.get(filter) ?? 0));
    e.peers.set(p.id, p.subs.get(filter));
    return e.qos >= qos ? e.ready : this.#subscribe(filter, e, qos);
  }

  #subscribe(filter, e, qos) {
    e.qos = qos;
    const c = this.#client;
    e.ready = this.#serial(filter, () => {
      if (this.#filters.get(filter) !== e || this.#client !== c) throw new IotError('closed', `the subscription to "${filter}" was released`);
      // The handler only on the first subscription the broker granted: a QoS upgrade adds another
      // subscription of the same filter, which must not deliver twice.
      const handler = e.handled ? undefined : () => this.#hits.push(filter);
      return c.subscribe(filter, { qos }, handler).then((granted) => { e.handled = true; return granted; });
    });
    e.ready.catch(() => { if (e.qos == qos) e.qos = -1; });
    return e.ready;
  }

  #release(p, filter) {
    p.subs.delete(filter);
    const e = this.#filters.get(filter);
    if (!e) return;
    e.peers.delete(p.id);
    if (e.peers.size) return;
    this.#filters.delete(filter);
    const c = this.#client;
    if (c && c.state != 'closed') this.#serial(filter, () => c.unsubscribe(filter)).catch(() => {});
  }

  // Runs fn() after every earlier operation on `filter` settled.
  #serial(filter, fn) {
    const p = (this.#tails.get(filter) || Promise.resolve()).then(fn, fn);
    const tail = p.catch(() => {});
    this.#tails.set(filter, tail);
    tail.then(() => { if (this.#tails.get(filter) === tail) this.#tails.delete(filter); });
    return p;
  }

  // The client's "message" comes after the handlers of the subscriptions it matched: each peer
  // gets it once, with those of its filters among them.
  #deliver(msg) {
    const hits = this.#hits;
    this.#hits = [];
    for (const p of this.#peers.values()) {
      const filters = hits.filter((f) => p.subs.has(f));
      if (filters.length) p.send({ t: 'msg', topic: msg.topic, payload: msg.payload, qos: msg.qos, retain: msg.retain, dup: msg.dup, filters });
    }
  }
}
