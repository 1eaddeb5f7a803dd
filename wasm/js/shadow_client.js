// shadow_client.js — client.shadow() for AWS IoT Device Shadows: the C++
// iotlite::shadow::ShadowClient (wasm/src/shadow_bindings.cpp) attached to a client through its
// one service hook (IotClient.attach: engine events routed to it, its deadline honoured, its events
// delivered), its events turned into promises and listeners. Not an entry: "iotlite/shadow"
// (shadow.js) builds its IotClient on it with iotlite-shadow.wasm, "iotlite/services"
// (services.js) with iotlite-services.wasm, each without the other's loader.
//
// All shadow behaviour is the C++ client's: name and clientToken rules, state checks (shape,
// depth, 8 KB merged), the response-topic subscriptions made before each first request,
// clientToken correlation, timeouts, 409 -> conflict, the in-flight limit, and the mirror.
import { Client as BaseClient, jsonText } from './client.js';
import { ERROR_CODES, IotError } from './errors.js';
import { ServiceHub, ServiceHandle, invalid, monotonic, requestOptions } from './service_hub.js';

// ShadowEvent::Type, the event fields, the operations and the stream names: generated from
// wasm/src/shadow_boundary.hpp at build time.
import {
  SH_EV_ACCEPTED as ACCEPTED, SH_EV_REJECTED as REJECTED, SH_EV_FAILED as FAILED, SH_EV_DELTA as DELTA,
  SH_EV_DOCUMENTS as DOCUMENTS, SH_EV_STREAM_READY as STREAM_READY, SH_EV_STREAM_FAILED as STREAM_FAILED,
  SH_STREAMS as STREAMS, SH_NUM_REQUEST_ID, SH_NUM_ERROR_CODE, SH_NUM_REJECTION_CODE, SH_NUM_STREAM, SH_TEXT_THING,
  SH_TEXT_NAME, SH_TEXT_PAYLOAD, SH_TEXT_ERROR_MESSAGE, SH_OP_GET, SH_OP_UPDATE, SH_OP_DELETE_SHADOW,
} from './wasm-boundary.js';

// The shadow side of one client: its C++ ShadowClient (created on the client's engine), pending
// requests and Shadow objects.
class Hub extends ServiceHub {
  constructor(n, h, pump) {
    super(n, h, pump, 'sh', (f, hh) => f('sh_create')(hh, 10000));
    const { f } = this.fn;
    Object.assign(this.fn, { request: f('sh_request'), watch: f('sh_watch'), mirror: f('sh_mirror') });
    this.shadows = new Map();  // "thing\nname" -> Shadow
  }

  // state: JSON text, or a function returning it (it may throw IotError). Always a promise.
  request(thing, name, op, state, o) {
    return super.request(() => {
      o = requestOptions(o);
      if (o.version != null && !(Number.isSafeInteger(o.version) && o.version >= 0)) {
        throw invalid(`version must be a non-negative integer, not ${typeof o.version === 'number' ? o.version : typeof o.version}`);
      }
      if (typeof state === 'function') state = state();
      this.fn.pack(thing, name, state, o.clientToken || '');
      return this.fn.request(this.handle, op, o.version ?? -1, o.timeoutMs || 0, monotonic());
    });
  }

  watch(thing, name, stream) {
    if (this.closed) throw new IotError('invalid_state', 'the client is closed');
    this.fn.pack(thing, name);
    this.fn.ok(this.fn.watch(this.handle, STREAMS.indexOf(stream), monotonic()));
    this.pump();
  }

  mirror(thing, name) {
    if (this.closed) return null;
    this.fn.pack(thing, name);
    const p = this.fn.mirror(this.handle);
    return p ? JSON.parse(this.fn.text(p)) : null;
  }

  // Hands every pending event of the C++ shadow client to its promise or Shadow; true if any.
  deliver() {
    const { poll, num, bytes, text } = this.fn;
    const sh = this.handle;
    let any = false;
    // A listener may close the client (which frees the C++ client): stop then.
    for (let type; !this.closed && (type = poll(sh)) >= 0;) {
      any = true;
      const shadow = this.shadows.get(`${text(bytes(sh, SH_TEXT_THING))}\n${text(bytes(sh, SH_TEXT_NAME))}`);
      const payload = text(bytes(sh, SH_TEXT_PAYLOAD));
      const error = () => new IotError(ERROR_CODES[num(sh, SH_NUM_ERROR_CODE)] || 'server_error', text(bytes(sh, SH_TEXT_ERROR_MESSAGE)),
        type === REJECTED ? { status: num(sh, SH_NUM_REJECTION_CODE) } : undefined);
      if (type <= FAILED) {
        this.settle(num(sh, SH_NUM_REQUEST_ID), type === ACCEPTED && JSON.parse(payload), type !== ACCEPTED && error());
      } else if (shadow) {
        if (type === DELTA) shadow._emit('delta', JSON.parse(payload));
        else if (type === DOCUMENTS) shadow._emit('documents', JSON.parse(payload));
        else if (type === STREAM_READY || type === STREAM_FAILED) shadow._ready(STREAMS[num(sh, SH_NUM_STREAM)], type === STREAM_FAILED && error());
        else shadow._emit('error', error());
      }
    }
    return any;
  }

  _closed() { for (const s of this.shadows.values()) s._closed(); }
}

// One device shadow (classic when name is empty). Obtained from client.shadow(); the same object
// is returned for the same thing and name.
export class Shadow extends ServiceHandle {
  #hub;

  constructor(hub, thing, name) {
    super(STREAMS, { delta: 'delta', documents: 'documents' });
    this.#hub = hub;
    this.thing = thing;
    this.name = name;
  }

  // Resolve with the accepted document {state, metadata, version, timestamp, clientToken}.
  // Reject with IotError: conflict (409) / server_error (other codes; .status = the code) with
  // the service's message, timeout, closed, or invalid_argument / limit_exceeded naming the rule.
  get(options) { return this.#hub.request(this.thing, this.name, SH_OP_GET, '', options); }
  // state: {desired?, reported?} (null values delete keys), as an object or JSON text.
  update(state, options) {
    return this.#hub.request(this.thing, this.name, SH_OP_UPDATE, typeof state === 'string' ? state : () => jsonText(state, 'the shadow state'), options);
  }
  report(patch, options) { return this.update({ reported: patch }, options); }
  desire(patch, options) { return this.update({ desired: patch }, options); }
  delete(options) { return this.#hub.request(this.thing, this.name, SH_OP_DELETE_SHADOW, '', options); }

  // Subscribes to update/delta or update/documents; resolves once the broker granted it.
  // Listening to "delta" or "documents" does this by itself.
  watch(stream = 'delta') { return super.watch(stream); }
  _start(stream) { this.#hub.watch(this.thing, this.name, stream); }

  // Events: delta {state, metadata, version, timestamp}, documents {previous, current, timestamp,
  // clientToken}, error (IotError: a refused stream subscription, an unparsable message).
  // Listening to "delta" or "documents" watches its stream (ServiceHandle).

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

}

// The client with shadow(); an entry adds create() on its own .wasm.
export class ShadowClient extends BaseClient {
  #hub;

  // The Shadow object of a thing's classic shadow, or of its named shadow `name`.
  shadow(thing, name = '') {
    if (typeof thing !== 'string' || typeof name !== 'string') throw new IotError('invalid_argument', 'shadow(thing, name?) takes strings');
    if (this.#hub && this.#hub.closed) throw new IotError('invalid_state', 'the client is closed');
    if (!this.#hub) this.attach((n, h, pump) => (this.#hub = ServiceHub.track(this, new Hub(n, h, pump))));
    const hub = this.#hub;
    const key = `${thing}\n${name}`;
    let s = hub.shadows.get(key);
    if (!s) hub.shadows.set(key, s = new Shadow(hub, thing, name));
    return s;
  }
}
