// durable.js — the "iotlite/durable" entry: an offline queue that survives a page reload.
//
// DurableQueue.open(client, {name, maxMessages, maxBytes, policy}) keeps every publish made
// through it in IndexedDB (database "iotlite-durable:<name>"), written before publish()
// resolves, and sends the stored messages in order whenever `client` is connected. A record is
// removed once the client's own publish() resolved (QoS 0: handed to the WebSocket; QoS 1: its
// PUBACK). Delivery is therefore at least once across reloads: a message in flight when the page
// goes away (sent, PUBACK or removal not yet done) is sent again by the next page.
//
// The store is bounded like the engine's offline queue, by the same rule (core's
// queue_admission, through the engine): by messages and by topic + payload bytes, with the same
// policies and outcomes: drop_oldest evicts the oldest stored messages (each completes with
// `dropped`), drop_newest does not store the new one (`dropped`), reject refuses it
// (`queue_full`); a message larger than maxBytes alone is never stored. The bounds are checked
// in the same IndexedDB transaction as the write, so tabs sharing a store see one consistent count.
//
// Tabs: only the holder of the Web Lock "iotlite-durable:<name>" sends, and it removes what it
// sent before it lets go, so two tabs of one origin never send the same stored record (a tab
// that crashes mid-send leaves its records for the next holder: at least once). Completion
// reaches the tab that published through a BroadcastChannel of the same name.
import { toPayload } from './client.js';
import { publishRuleError, queueAdmission } from './engine.js';
import { IotError } from './errors.js';
import { QUEUE_POLICY } from './wasm-boundary.js';

const STORE = 'messages';
const POLICIES = Object.keys(QUEUE_POLICY);
// Failures a retry cannot mend: the record is removed and completes with the error (publish()
// refuses a topic or payload that breaks core's rules before storing it; this catches the rest).
const FINAL = new Set(['invalid_topic', 'limit_exceeded', 'invalid_argument']);
// Records handed to the engine at once: below its in-flight window (32) and its own offline queue
// (100 by default), so the engine never queues or drops them itself and the order holds.
const CHUNK = 16;
const utf8 = new TextEncoder();
const bad = (what, must) => new IotError('invalid_argument', `${what} must be ${must}`);

// An IDBRequest or IDBTransaction as a promise.
const done = (r) => new Promise((resolve, reject) => {
  if ('oncomplete' in r) { r.oncomplete = () => resolve(); r.onabort = r.onerror = () => reject(r.error); } else {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  }
});
const ioError = (e) => (e instanceof IotError ? e : new IotError('io_error', `IndexedDB: ${e && e.message || e}`));

export class DurableQueue {
  #client; #db; #name; #max; #bytes; #policy; #channel; #pending = new Map(); #listeners = {};
  #draining = false; #again = false; #closed = false; #onConnect;

  // Opens (creating if needed) the store `options.name` (use the client id: one store per
  // client) and starts sending it whenever `client` connects. Rejects with IotError
  // invalid_argument naming the option, or unsupported without IndexedDB.
  static async open(client, options) {
    const o = options || {};
    if (!client || typeof client.publish != 'function' || typeof client.on != 'function') throw bad('the client', 'an IotClient');
    if (typeof o.name != 'string' || !o.name) throw bad('options.name', 'a non-empty string (the client id)');
    const max = o.maxMessages ?? 100;
    const bytes = o.maxBytes ?? 256 * 1024;
    for (const [k, v] of [['maxMessages', max], ['maxBytes', bytes]]) {
      if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1) throw bad(`options.${k}`, 'an integer in 1..2147483647');
    }
    const policy = o.policy ?? 'drop_oldest';
    if (!POLICIES.includes(policy)) throw bad('options.policy', `one of ${POLICIES.join(', ')}`);
    const idb = o.indexedDB || globalThis.indexedDB;
    if (!idb) throw new IotError('unsupported', 'no IndexedDB in this runtime: the durable queue needs one (pass options.indexedDB)');
    const req = idb.open(`iotlite-durable:${o.name}`, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { autoIncrement: true });
    const db = await done(req).catch((e) => { throw ioError(e); });
    return new DurableQueue(client, db, o.name, max, bytes, policy);
  }

  constructor(client, db, name, max, bytes, policy) {
    this.#client = client;
    this.#db = db;
    this.#name = `iotlite-durable:${name}`;
    this.#max = max;
    this.#bytes = bytes;
    this.#policy = policy;
    if (globalThis.BroadcastChannel) {
      this.#channel = new BroadcastChannel(this.#name);
      // Another tab stored a message (send it if this tab is the one connected) or completed some.
      this.#channel.onmessage = (e) => (e.data.stored !== undefined ? this.#drain() : this.#settle(e.data, false));
    }
    this.#onConnect = () => this.#drain();
    client.on('connect', this.#onConnect);
    this.#drain();
  }

  // Events, in the tab that did it: sent {id, topic} (a stored message was published and
  // removed), dropped {id, error} (a stored message was removed unsent: evicted by drop_oldest,
  // or refused for good by the engine, e.g. an invalid topic), error (IotError io_error: IndexedDB
  // failed during a send pass).
  on(event, fn) { (this.#listeners[event] ||= []).push(fn); return this; }
  off(event, fn) { this.#listeners[event] = (this.#listeners[event] || []).filter((f) => f !== fn); return this; }
  #emit(event, arg) {
    for (const fn of this.#listeners[event] || []) {
      try { fn(arg); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }

  // Stores the message and resolves with {id, sent} once it is in IndexedDB: `sent` resolves when
  // it has been published (as client.publish() resolves) and removed, or rejects with IotError
  // dropped (evicted by drop_oldest) or the engine's error for a message it can never send.
  // Rejects with IotError dropped (drop_newest, or larger than maxBytes), queue_full (reject), or
  // invalid_topic / limit_exceeded for a topic or payload core's rules refuse (nothing stored).
  async publish(topic, payload, options) {
    if (this.#closed) throw new IotError('invalid_state', 'the durable queue is closed');
    const bytes = toPayload(payload).slice();  // a copy of its own (a view would store its whole buffer)
    const qos = (options && options.qos) ?? 0;
    if (qos !== 0 && qos !== 1) throw bad('qos', '0 or 1 (AWS IoT)');
    // What the client would refuse by core's rules is refused now, not stored to fail later.
    const broken = publishRuleError(topic, bytes.length);
    if (broken) throw broken;
    const record = { topic, payload: bytes, qos, retain: !!(options && options.retain), size: utf8.encode(topic).length + bytes.length };
    const { id, evicted } = await this.#store(record).catch((e) => { throw ioError(e); });
    let settle;
    const sent = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    sent.catch(() => {});  // an application that never looks at `sent` gets no unhandled rejection
    this.#pending.set(id, settle);
    if (evicted.length) this.#settle({ failed: evicted }, true);
    this.#post({ stored: id });
    this.#drain();
    return { id, sent };
  }

  // Messages stored now (all tabs), oldest first: [{id, topic, payload, qos, retain}].
  async messages() {
    if (this.#closed) throw new IotError('invalid_state', 'the durable queue is closed');
    const st = this.#db.transaction(STORE).objectStore(STORE);
    const [keys, values] = await Promise.all([done(st.getAllKeys()), done(st.getAll())]);
    return keys.map((id, i) => ({ id, topic: values[i].topic, payload: values[i].payload, qos: values[i].qos, retain: values[i].retain }));
  }

  // Stops sending and closes the database; stored messages stay for the next page. Pending
  // `sent` promises reject with IotError closed.
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#client.off('connect', this.#onConnect);
    const err = new IotError('closed', 'the durable queue was closed: the message stays stored for the next DurableQueue on this name');
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    if (this.#channel) this.#channel.close();
    this.#db.close();
  }

  // One readwrite transaction: the bounds under the policy, the evictions and the write.
  async #store(record) {
    const tx = this.#db.transaction(STORE, 'readwrite');
    const st = tx.objectStore(STORE);
    const [keys, sizes] = await Promise.all([done(st.getAllKeys()), done(st.getAll()).then((v) => v.map((r) => r.size))]);
    let used = sizes.reduce((a, b) => a + b, 0);
    const bounds = { maxMessages: this.#max, maxBytes: this.#bytes, policy: this.#policy };
    const verdict = () => queueAdmission(bounds, keys.length, used, record.size);
    const { admission, bound } = verdict();
    const evicted = [];
    if (admission != 'accepted') {
      const reject = admission == 'rejected';
      const alone = bound == 'message_bytes';
      const prefix = reject ? 'publish(): ' : alone ? 'dropped: ' : `dropped (${admission == 'dropped' ? 'drop_newest' : 'drop_oldest'}): `;
      const [rule, limit, actual] = alone ? ['durable.max_bytes', this.#bytes, record.size]
        : bound == 'max_messages' ? ['durable.max_messages', this.#max, keys.length + 1] : ['durable.max_bytes', this.#bytes, used + record.size];
      const error = new IotError(reject ? 'queue_full' : 'dropped', alone
        ? `${prefix}message of ${record.size} bytes exceeds the durable queue's maxBytes ${this.#bytes}`
        : `${prefix}the durable offline queue is full (${keys.length} messages, ${used} bytes stored; maxMessages ${this.#max}, maxBytes ${this.#bytes})`, { rule, limit, actual });
      if (admission != 'evict_oldest') { tx.abort(); throw error; }
      while (keys.length && verdict().admission == 'evict_oldest') {
        const id = keys.shift();
        used -= sizes.shift();
        st.delete(id);
        evicted.push([id, error.code, error.message, { rule, limit, actual }]);
      }
    }
    const id = await done(st.add(record));
    await done(tx);
    return { id, evicted };
  }

  // Sends what is stored, oldest first, CHUNK records at a time, while connected and holding the
  // lock; removes each record its publish completed (or failed for good). A transient failure
  // (connection lost, client closed) ends the pass: the next "connect" starts another.
  async #drain() {
    if (this.#draining) { this.#again = true; return; }
    this.#draining = true;
    try {
      do {
        this.#again = false;
        if (this.#closed || this.#client.state !== 'connected') return;
        const locks = globalThis.navigator && navigator.locks;
        const pass = () => this.#pass();
        if (!(await (locks ? locks.request(this.#name, pass) : pass()))) return;
      } while (this.#again);
    } catch (e) {
      if (!this.#closed) this.#emit('error', ioError(e));  // after close(): the database went away mid-pass
    } finally {
      this.#draining = false;
    }
  }

  // One pass under the lock; resolves true when everything stored was sent or removed.
  async #pass() {
    for (;;) {
      if (this.#closed || this.#client.state !== 'connected') return false;
      const st = this.#db.transaction(STORE).objectStore(STORE);
      const [keys, values] = await Promise.all([done(st.getAllKeys(null, CHUNK)), done(st.getAll(null, CHUNK))]);
      if (!keys.length) return true;
      const outcomes = await Promise.all(values.map((r) => this.#client.publish(r.topic, r.payload, { qos: r.qos, retain: r.retain })
        .then(() => null, (e) => e)));
      const sent = [];
      const failed = [];
      let retry = false;
      outcomes.forEach((e, i) => {
        if (!e) sent.push(keys[i]);
        else if (FINAL.has(e.code)) failed.push([keys[i], e.code, e.message, { rule: e.rule, limit: e.limit, actual: e.actual }]);
        else retry = true;
      });
      const tx = this.#db.transaction(STORE, 'readwrite');
      for (const id of [...sent, ...failed.map((f) => f[0])]) tx.objectStore(STORE).delete(id);
      await done(tx);
      for (const id of sent) this.#emit('sent', { id, topic: values[keys.indexOf(id)].topic });
      this.#settle({ sent, failed }, true);
      if (retry) return false;
    }
  }

  // Completes this tab's pending publishes named in `m` ({sent: ids, failed: [[id, code,
  // message, details]]}) and, when `local`, tells the other tabs.
  #settle(m, local) {
    for (const id of m.sent || []) {
      const p = this.#pending.get(id);
      if (p) { this.#pending.delete(id); p.resolve(); }
    }
    for (const [id, code, message, details] of m.failed || []) {
      const error = new IotError(code, message, details);
      if (local) this.#emit('dropped', { id, error });
      const p = this.#pending.get(id);
      if (p) { this.#pending.delete(id); p.reject(error); }
    }
    if (local) this.#post(m);
  }

  #post(m) {
    if (this.#channel && !this.#closed) this.#channel.postMessage(m);
  }
}
