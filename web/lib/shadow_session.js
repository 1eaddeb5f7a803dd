// Device shadow over the package's publish/subscribe: the reserved topics
// $aws/things/{thing}/shadow[/name/{name}]/{get,update,delete}[/accepted|/rejected],
// /update/delta and /update/documents, with clientToken correlation. (The browser package has no
// shadow client yet, so the page speaks the shadow topics itself.)

const NAME_RULE = /^[a-zA-Z0-9:_-]+$/;

/** null, or a sentence naming the broken rule (AWS IoT thing and shadow names). */
export function shadowNameError(thing, name) {
  if (!thing) return 'a thing name is required';
  if (thing.length > 128) return `the thing name has ${thing.length} characters; AWS IoT allows 128`;
  if (!NAME_RULE.test(thing)) return 'a thing name may only contain letters, digits, ":", "_" and "-"';
  if (name) {
    if (name.length > 64) return `the shadow name has ${name.length} characters; AWS IoT allows 64`;
    if (!NAME_RULE.test(name)) return 'a shadow name may only contain letters, digits, ":", "_" and "-"';
    if (name.startsWith('$')) return 'a shadow name may not start with "$"';
  }
  return null;
}

export function shadowPrefix(thing, name) {
  return `$aws/things/${thing}/shadow${name ? `/name/${name}` : ''}`;
}

export class ShadowError extends Error {
  constructor(op, doc) {
    super(`${op} rejected: ${doc.code ?? '?'} ${doc.message ?? ''}`.trim());
    this.code = doc.code === 409 ? 'conflict' : 'server_error';
    this.status = doc.code;
  }
}

/**
 * One shadow. `onEvent({type, topic, doc})` gets every response: type is "accepted", "rejected",
 * "delta" or "documents" (with `op` for accepted/rejected).
 */
export class ShadowSession {
  constructor(client, thing, name, onEvent, { timeoutMs = 10000 } = {}) {
    const bad = shadowNameError(thing, name);
    if (bad) throw Object.assign(new Error(bad), { code: 'invalid_argument' });
    this.client = client;
    this.prefix = shadowPrefix(thing, name);
    this.onEvent = onEvent;
    this.timeoutMs = timeoutMs;
    this.pending = new Map(); // clientToken -> {op, resolve, reject, timer}
    this.filters = [];
    this.counter = 0;
  }

  /** Subscribes to the response topics (before any request, as AWS requires). */
  async open() {
    const p = this.prefix;
    const routes = [];
    for (const op of ['get', 'update', 'delete']) {
      routes.push([`${p}/${op}/accepted`, 'accepted', op], [`${p}/${op}/rejected`, 'rejected', op]);
    }
    routes.push([`${p}/update/delta`, 'delta'], [`${p}/update/documents`, 'documents']);
    for (const [filter, type, op] of routes) {
      await this.client.subscribe(filter, { qos: 1 }, (m) => this._on(type, op, m));
      this.filters.push(filter);
    }
  }

  async close() {
    for (const f of this.filters) await this.client.unsubscribe(f).catch(() => {});
    this.filters = [];
    for (const [, w] of this.pending) { clearTimeout(w.timer); w.reject(Object.assign(new Error('the shadow panel was closed'), { code: 'closed' })); }
    this.pending.clear();
  }

  get() { return this._request('get', {}); }
  update(state, version) { return this._request('update', version === undefined ? { state } : { state, version }); }
  delete() { return this._request('delete', {}); }

  _request(op, body) {
    const clientToken = `web-${Date.now().toString(36)}-${++this.counter}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(clientToken);
        reject(Object.assign(new Error(`no answer to shadow ${op} within ${this.timeoutMs / 1000} s`), { code: 'timeout' }));
      }, this.timeoutMs);
      this.pending.set(clientToken, { op, resolve, reject, timer });
      this.client.publish(`${this.prefix}/${op}`, JSON.stringify({ ...body, clientToken }), { qos: 1 }).catch((e) => {
        clearTimeout(timer);
        this.pending.delete(clientToken);
        reject(e);
      });
    });
  }

  _on(type, op, message) {
    let doc;
    try { doc = message.json(); } catch { doc = { unparsable: message.text() }; }
    this.onEvent({ type, op, topic: message.topic, doc });
    if (type !== 'accepted' && type !== 'rejected') return;
    const w = doc && typeof doc.clientToken === 'string' ? this.pending.get(doc.clientToken) : undefined;
    if (!w || w.op !== op) return;
    this.pending.delete(doc.clientToken);
    clearTimeout(w.timer);
    if (type === 'accepted') w.resolve(doc); else w.reject(new ShadowError(op, doc));
  }
}
