// AWS IoT Device Shadow semantics for the local stand-in: classic and named shadows, versions,
// per-leaf metadata, delta, /update/documents, the rejected codes and messages.
// Pure logic: no sockets, no timers. The only I/O is the optional JSON persistence file.
//
// Sources (AWS IoT developer guide): "Device Shadow service documents" (request/response
// documents, delta, versioning, client tokens, empty properties, arrays), "Device Shadow MQTT
// topics", "Device Shadow REST API", "Device Shadow error messages". Behaviour the guide leaves
// open follows what the real service is observed to send; each such choice is commented.
import fs from 'node:fs';
import path from 'node:path';

export const SHADOW_LIMITS = Object.freeze({
  maxStateBytes: 8 * 1024, // desired + reported, serialized without whitespace
  maxDepth: 6, // levels of nesting inside desired / reported
  maxClientTokenBytes: 64,
  maxThingNameLength: 128,
  maxShadowNameLength: 64,
});

const NAME_CHARS = /^[a-zA-Z0-9:_-]+$/;
// The iot-data API reference allows '$' in shadow names (AWS-reserved names such as $package).
const SHADOW_NAME_CHARS = /^[$a-zA-Z0-9:_-]+$/;

// Exact AWS texts (Device Shadow error messages).
export const MSG = Object.freeze({
  invalidJson: 'Invalid JSON',
  missingState: 'Missing required node: state',
  stateNotObject: 'State node must be an object',
  desiredNotObject: 'Desired node must be an object',
  reportedNotObject: 'Reported node must be an object',
  invalidVersion: 'Invalid version',
  invalidClientToken: 'Invalid clientToken',
  tooDeep: 'JSON contains too many levels of nesting; maximum is 6',
  versionConflict: 'Version conflict',
  tooLarge: 'The payload exceeds the maximum size allowed',
  badEncoding: 'Unsupported documented encoding; supported encoding is UTF-8',
});

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = (v) => (v === undefined ? undefined : structuredClone(v));

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

/** Validates a thing name; returns an error text or null. */
export function thingNameError(thing) {
  if (typeof thing !== 'string' || thing.length < 1 || thing.length > SHADOW_LIMITS.maxThingNameLength
      || !NAME_CHARS.test(thing)) {
    return `Invalid thing name '${String(thing).slice(0, 140)}': a thing name is 1-128 characters of [a-zA-Z0-9:_-]`;
  }
  return null;
}

/** Validates a shadow name (null/undefined = classic shadow); returns an error text or null. */
export function shadowNameError(name) {
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string' || name.length < 1 || name.length > SHADOW_LIMITS.maxShadowNameLength
      || !SHADOW_NAME_CHARS.test(name)) {
    return `Invalid shadow name '${String(name).slice(0, 80)}': a shadow name is 1-64 characters of [$a-zA-Z0-9:_-]`;
  }
  return null;
}

/**
 * Parses a shadow request topic. Returns { thing, name (null = classic), op } for
 * `$aws/things/{thing}/shadow[/name/{name}]/{get|update|delete}`, or null for anything else
 * (response topics included, so the service never reacts to its own publications).
 */
export function parseShadowTopic(topic) {
  const p = topic.split('/');
  if (p[0] !== '$aws' || p[1] !== 'things' || p[3] !== 'shadow') return null;
  let name = null;
  let op;
  if (p.length === 5) {
    op = p[4];
  } else if (p.length === 7 && p[4] === 'name') {
    name = p[5];
    op = p[6];
  } else {
    return null;
  }
  if (op !== 'get' && op !== 'update' && op !== 'delete') return null;
  return { thing: p[2], name, op };
}

export function shadowTopicPrefix(thing, name) {
  return name == null ? `$aws/things/${thing}/shadow` : `$aws/things/${thing}/shadow/name/${name}`;
}

// Metadata of a newly written value: {timestamp} per leaf, arrays element by element
// (the shape AWS sends, e.g. "colors": [{"timestamp":N}, ...]).
function leafMetadata(value, ts) {
  if (Array.isArray(value)) return value.map((v) => leafMetadata(v, ts));
  if (isObj(value)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = leafMetadata(v, ts);
    return out;
  }
  return { timestamp: ts };
}

// Metadata echoed in /update/accepted: the request's shape, with a null (a deletion) also
// stamped, as AWS does.
function patchMetadata(patch, ts) {
  if (patch === null) return { timestamp: ts };
  return leafMetadata(patch, ts);
}

// Merges `patch` into `state` (and its parallel metadata tree): null removes a key, objects
// merge recursively, arrays and scalars replace whole.
function mergeSection(state, meta, patch, ts) {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      delete state[k];
      delete meta[k];
    } else if (isObj(v)) {
      if (!isObj(state[k])) {
        state[k] = {};
        meta[k] = {};
      } else if (!isObj(meta[k])) {
        meta[k] = {};
      }
      mergeSection(state[k], meta[k], v, ts);
    } else {
      state[k] = clone(v);
      meta[k] = leafMetadata(v, ts);
    }
  }
}

// Delta: desired keys whose value differs from reported; objects recursively (the path to the
// root is kept), arrays compared as whole values.
function computeDelta(desired, reported) {
  const out = {};
  for (const [k, dv] of Object.entries(desired)) {
    const rv = reported ? reported[k] : undefined;
    if (isObj(dv) && isObj(rv)) {
      const sub = computeDelta(dv, rv);
      if (Object.keys(sub).length) out[k] = sub;
    } else if (rv === undefined || !deepEqual(dv, rv)) {
      out[k] = clone(dv);
    }
  }
  return out;
}

// The delta's metadata is the desired metadata of the same paths.
function deltaMetadata(delta, desiredMeta) {
  const out = {};
  for (const [k, v] of Object.entries(delta)) {
    const m = desiredMeta ? desiredMeta[k] : undefined;
    // The metadata tree mirrors the state tree, so an object in the delta (an object in
    // desired) has an object of per-key metadata.
    out[k] = isObj(v) ? deltaMetadata(v, m) : clone(m);
  }
  return out;
}

function depthOf(value) {
  if (Array.isArray(value)) return value.reduce((d, v) => Math.max(d, depthOf(v)), 0);
  if (isObj(value)) {
    let d = 0;
    for (const v of Object.values(value)) d = Math.max(d, depthOf(v));
    return d + 1;
  }
  return 0;
}

function arrayHasNull(value) {
  if (Array.isArray(value)) return value.some((v) => v === null || arrayHasNull(v));
  if (isObj(value)) return Object.values(value).some(arrayHasNull);
  return false;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeBody(buf) {
  if (buf === undefined || buf === null) return { text: '' };
  if (typeof buf === 'string') return { text: buf };
  try {
    return { text: utf8.decode(buf) };
  } catch {
    return { error: { code: 415, message: MSG.badEncoding } };
  }
}

/** Reads an optional clientToken from a get/delete payload (whose content AWS otherwise ignores). */
function lenientClientToken(buf) {
  const { text } = decodeBody(buf);
  if (!text) return undefined;
  try {
    const doc = JSON.parse(text);
    if (isObj(doc) && typeof doc.clientToken === 'string'
        && Buffer.byteLength(doc.clientToken) <= SHADOW_LIMITS.maxClientTokenBytes) {
      return doc.clientToken;
    }
  } catch { /* ignored like AWS ignores the content */ }
  return undefined;
}

const keyOf = (thing, name) => `${thing}\u0000${name ?? ''}`;

export class ShadowStore {
  /**
   * @param {object} [opts]
   * @param {string} [opts.persistFile] JSON file: loaded at construction, rewritten after each change.
   * @param {() => number} [opts.nowSeconds] epoch seconds (tests pass a fake clock).
   */
  constructor({ persistFile, nowSeconds } = {}) {
    this.persistFile = persistFile;
    this.now = nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    /** @type {Map<string, {thing, name, state, metadata, version, deleted}>} */
    this.shadows = new Map();
    if (persistFile && fs.existsSync(persistFile)) this.#load();
  }

  #load() {
    let doc;
    try {
      doc = JSON.parse(fs.readFileSync(this.persistFile, 'utf8'));
    } catch (e) {
      throw new Error(`shadow persistence file ${this.persistFile} is not readable JSON: ${e.message}`);
    }
    if (!isObj(doc) || !Array.isArray(doc.shadows)) {
      throw new Error(`shadow persistence file ${this.persistFile} has no "shadows" array`);
    }
    for (const s of doc.shadows) this.shadows.set(keyOf(s.thing, s.name), s);
  }

  #save() {
    if (!this.persistFile) return;
    const tmp = `${this.persistFile}.tmp-${process.pid}`;
    fs.mkdirSync(path.dirname(this.persistFile), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify({ format: 1, shadows: [...this.shadows.values()] }));
    fs.renameSync(tmp, this.persistFile);
  }

  /** Current document of a live shadow (for tests and admin tools), or undefined. */
  peek(thing, name = null) {
    const s = this.shadows.get(keyOf(thing, name));
    return s && !s.deleted ? clone(s) : undefined;
  }

  // ---- operations: each returns { ok, status, doc, publish: [{suffix, payload}] } ----

  #error(code, message, clientToken, { timestamp = true } = {}) {
    const doc = { code, message };
    if (timestamp) doc.timestamp = this.now();
    if (clientToken !== undefined) doc.clientToken = clientToken;
    return { ok: false, status: code, doc, publish: [] };
  }

  #nameCheck(thing, name, clientToken) {
    const err = thingNameError(thing) ?? shadowNameError(name);
    return err ? this.#error(400, err, clientToken) : null;
  }

  // AWS names a named shadow as "<thing>~<shadow>" in this message (observed from the real
  // service; the guide's console walkthrough shows only the shadow name).
  #notFound(thing, name, clientToken) {
    const label = name == null ? thing : `${thing}~${name}`;
    // The real service's 404 documents carry no timestamp.
    return this.#error(404, `No shadow exists with name: '${label}'`, clientToken, { timestamp: false });
  }

  #get(thing, name, clientToken) {
    const bad = this.#nameCheck(thing, name, clientToken);
    if (bad) return bad;
    const s = this.shadows.get(keyOf(thing, name));
    if (!s || s.deleted) return this.#notFound(thing, name, clientToken);
    const state = {};
    const metadata = {};
    if (s.state.desired) { state.desired = clone(s.state.desired); metadata.desired = clone(s.metadata.desired); }
    if (s.state.reported) { state.reported = clone(s.state.reported); metadata.reported = clone(s.metadata.reported); }
    if (s.state.desired) {
      const delta = computeDelta(s.state.desired, s.state.reported);
      // GetThingShadow / get/accepted: the delta comes with its metadata, the desired
      // timestamps of the same paths (guide, "Device Shadow service documents", "Delta state":
      // "The delta contains metadata, and its values are equal to the metadata in the desired
      // field", with `metadata.delta` in its example).
      if (Object.keys(delta).length) {
        state.delta = delta;
        metadata.delta = deltaMetadata(delta, s.metadata.desired);
      }
    }
    const doc = { state, metadata, version: s.version, timestamp: this.now() };
    if (clientToken !== undefined) doc.clientToken = clientToken;
    return { ok: true, status: 200, doc, publish: [] };
  }

  #delete(thing, name, clientToken) {
    const bad = this.#nameCheck(thing, name, clientToken);
    if (bad) return bad;
    const key = keyOf(thing, name);
    const s = this.shadows.get(key);
    if (!s || s.deleted) return this.#notFound(thing, name, clientToken);
    // The version survives the deletion: a shadow created again continues from it.
    this.shadows.set(key, { thing, name, state: {}, metadata: {}, version: s.version, deleted: true });
    this.#save();
    const doc = { version: s.version, timestamp: this.now() };
    if (clientToken !== undefined) doc.clientToken = clientToken;
    return { ok: true, status: 200, doc, publish: [] };
  }

  #update(thing, name, body) {
    const decoded = decodeBody(body);
    if (decoded.error) return this.#error(decoded.error.code, decoded.error.message);
    let req;
    try {
      req = JSON.parse(decoded.text);
    } catch {
      return this.#error(400, MSG.invalidJson);
    }
    if (!isObj(req)) return this.#error(400, MSG.invalidJson);
    // Unknown top-level keys are ignored, as by AWS; only `state`, `clientToken`, `version` count.
    let clientToken;
    if (req.clientToken !== undefined) {
      if (typeof req.clientToken !== 'string'
          || Buffer.byteLength(req.clientToken) > SHADOW_LIMITS.maxClientTokenBytes) {
        return this.#error(400, MSG.invalidClientToken);
      }
      clientToken = req.clientToken;
    }
    const bad = this.#nameCheck(thing, name, clientToken);
    if (bad) return bad;
    if (!('state' in req)) return this.#error(400, MSG.missingState, clientToken);
    // `"state": null` clears the whole state: the shadow stays (get answers an empty state) and
    // its version is incremented (guide, "Interacting with shadows", "Deleting a shadow":
    // "Setting the device's shadow state to null does not delete the shadow. The shadow version
    // will be incremented"). /accepted echoes the request's null state as it echoes any request
    // state; the guide shows no example of that answer.
    const clearAll = req.state === null;
    const st = clearAll ? { desired: null, reported: null } : req.state;
    if (!isObj(st)) return this.#error(400, MSG.stateNotObject, clientToken);
    for (const k of Object.keys(st)) {
      if (k !== 'desired' && k !== 'reported') {
        return this.#error(400, `State contains an invalid node: '${k}'`, clientToken);
      }
    }
    if ('desired' in st && st.desired !== null && !isObj(st.desired)) {
      return this.#error(400, MSG.desiredNotObject, clientToken);
    }
    if ('reported' in st && st.reported !== null && !isObj(st.reported)) {
      return this.#error(400, MSG.reportedNotObject, clientToken);
    }
    if ('version' in req && !(Number.isSafeInteger(req.version) && req.version >= 0)) {
      return this.#error(400, MSG.invalidVersion, clientToken);
    }
    for (const sec of ['desired', 'reported']) {
      if (isObj(st[sec]) && depthOf(st[sec]) > SHADOW_LIMITS.maxDepth) {
        return this.#error(400, MSG.tooDeep, clientToken);
      }
    }
    // "Arrays can't have null values" (guide); AWS answers with its generic JSON error.
    if (arrayHasNull(st)) return this.#error(400, MSG.invalidJson, clientToken);

    const key = keyOf(thing, name);
    const prev = this.shadows.get(key);
    const live = prev && !prev.deleted;
    const lastVersion = prev ? prev.version : 0;
    // The update is applied only when the request's version is the shadow's current one
    // (a never-created shadow is at version 0; a deleted one keeps its last version).
    if ('version' in req && req.version !== lastVersion) {
      return this.#error(409, MSG.versionConflict, clientToken);
    }

    const ts = this.now();
    const state = live ? clone(prev.state) : {};
    const metadata = live ? clone(prev.metadata) : {};
    for (const sec of ['desired', 'reported']) {
      if (!(sec in st)) continue;
      if (st[sec] === null) {
        delete state[sec];
        delete metadata[sec];
        continue;
      }
      state[sec] ??= {};
      metadata[sec] ??= {};
      mergeSection(state[sec], metadata[sec], st[sec], ts);
      // An emptied section disappears from the document (guide: empty properties are omitted).
      if (Object.keys(state[sec]).length === 0) {
        delete state[sec];
        delete metadata[sec];
      }
    }
    const size = (state.desired ? Buffer.byteLength(JSON.stringify(state.desired)) : 0)
      + (state.reported ? Buffer.byteLength(JSON.stringify(state.reported)) : 0);
    if (size > SHADOW_LIMITS.maxStateBytes) return this.#error(413, MSG.tooLarge, clientToken);

    const version = lastVersion + 1;
    const next = { thing, name, state, metadata, version, deleted: false };
    this.shadows.set(key, next);
    this.#save();

    const accepted = {
      state: clearAll ? null : clone(st),
      metadata: {},
      version,
      timestamp: ts,
    };
    for (const sec of ['desired', 'reported']) {
      if (!clearAll && sec in st) accepted.metadata[sec] = patchMetadata(st[sec], ts);
    }
    if (clientToken !== undefined) accepted.clientToken = clientToken;

    const publish = [];
    if (state.desired) {
      const delta = computeDelta(state.desired, state.reported);
      if (Object.keys(delta).length) {
        const d = { version, timestamp: ts, state: delta, metadata: deltaMetadata(delta, metadata.desired) };
        if (clientToken !== undefined) d.clientToken = clientToken;
        publish.push({ suffix: 'update/delta', payload: d });
      }
    }
    const snapshot = (s) => ({ state: clone(s.state), metadata: clone(s.metadata), version: s.version });
    // A newly created shadow (never created, or deleted) has `"previous": null`: the real
    // service sends the key with a null value (issue 13; the guide's /update/documents examples
    // all have a previous document).
    const documents = { previous: live ? snapshot(prev) : null };
    documents.current = snapshot(next);
    documents.timestamp = ts;
    if (clientToken !== undefined) documents.clientToken = clientToken;
    publish.push({ suffix: 'update/documents', payload: documents });
    return { ok: true, status: 200, doc: accepted, publish };
  }

  #toMessages(thing, name, op, result) {
    const prefix = shadowTopicPrefix(thing, name);
    const out = [{
      topic: `${prefix}/${op}/${result.ok ? 'accepted' : 'rejected'}`,
      payload: JSON.stringify(result.doc),
    }];
    for (const p of result.publish) out.push({ topic: `${prefix}/${p.suffix}`, payload: JSON.stringify(p.payload) });
    return out;
  }

  /**
   * Handles one MQTT request on a shadow topic. Returns the publications to make, in order
   * (the /accepted or /rejected answer first, then /update/delta and /update/documents).
   * Topics that are not shadow requests give [].
   */
  handleMqtt(topic, payload) {
    const t = parseShadowTopic(topic);
    if (!t) return [];
    let result;
    if (t.op === 'update') result = this.#update(t.thing, t.name, payload);
    else if (t.op === 'get') result = this.#get(t.thing, t.name, lenientClientToken(payload));
    else result = this.#delete(t.thing, t.name, lenientClientToken(payload));
    return this.#toMessages(t.thing, t.name, t.op, result);
  }

  // REST (GetThingShadow / UpdateThingShadow / DeleteThingShadow): { status, body, publish }.
  // A REST error is only the HTTP answer (no MQTT /rejected); a REST success is also announced
  // on MQTT like an MQTT request (update: accepted, delta, documents; delete: accepted).

  restGet(thing, name = null) {
    const r = this.#get(thing, name, undefined);
    return { status: r.status, body: JSON.stringify(r.doc), publish: [] };
  }

  restUpdate(thing, name = null, body) {
    const r = this.#update(thing, name, body);
    return {
      status: r.status,
      body: JSON.stringify(r.doc),
      publish: r.ok ? this.#toMessages(thing, name, 'update', r) : [],
    };
  }

  /**
   * ListNamedShadowsForThing: live named shadows of a thing, sorted, paged by `pageSize`
   * (1-100, default 100) with an opaque `nextToken`. The classic shadow is not listed.
   */
  restListNamed(thing, { pageSize, nextToken } = {}) {
    const err = (message) => ({ status: 400, body: JSON.stringify({ code: 400, message, timestamp: this.now() }), publish: [] });
    const bad = thingNameError(thing);
    if (bad) return err(bad);
    let size = 100;
    if (pageSize !== undefined && pageSize !== null) {
      size = Number(pageSize);
      if (!Number.isInteger(size) || size < 1 || size > 100) return err(`pageSize '${pageSize}' is not an integer from 1 to 100`);
    }
    const names = [...this.shadows.values()]
      .filter((s) => s.thing === thing && s.name != null && !s.deleted)
      .map((s) => s.name)
      .sort();
    let start = 0;
    if (nextToken) {
      const after = Buffer.from(String(nextToken), 'base64url').toString();
      start = names.findIndex((n) => n > after);
      if (start < 0) start = names.length;
    }
    const results = names.slice(start, start + size);
    const body = { results, timestamp: this.now() };
    if (start + size < names.length) body.nextToken = Buffer.from(results.at(-1)).toString('base64url');
    return { status: 200, body: JSON.stringify(body), publish: [] };
  }

  restDelete(thing, name = null) {
    const r = this.#delete(thing, name, undefined);
    return {
      status: r.status,
      body: JSON.stringify(r.doc),
      publish: r.ok ? this.#toMessages(thing, name, 'delete', r) : [],
    };
  }
}
