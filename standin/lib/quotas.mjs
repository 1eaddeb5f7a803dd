// AWS IoT's per-connection and per-client-id quotas, as the stand-in's rule engine applies them
// (lib/relay.mjs, lib/mqtt_inspect.mjs). Source of every default: the general reference's "AWS
// IoT Core endpoints and quotas", "Message broker and protocol limits and quotas" table. Each is
// a key of `awsRules` in the stand-in config (standin.mjs), so tests can use small values.

export const AWS_QUOTAS = Object.freeze({
  // "Publish requests per second per connection": 100; "Publish requests that exceed this limit
  // are discarded." (inbound, counted per connection; the excess is dropped, no PUBACK).
  publishesPerSecond: 100,
  // The same quota counts the PUBLISHes the broker sends to the connection ("inbound and
  // outbound"): over it a message to the client is dropped (a QoS 1 one acknowledged to the
  // broker on the client's behalf). A config that sets only publishesPerSecond sets this too
  // (standin.mjs), so raising the rate for a benchmark raises it both ways.
  outboundPublishesPerSecond: 100,
  // "Throughput per connection": 512 KiB/s; "Data that exceeds the maximum throughput is delayed
  // in processing." (inbound bytes are delayed, never dropped).
  inboundBytesPerSecond: 512 * 1024,
  // "Connect requests per second per client ID": 1 (the excess CONNECT is refused: connection closed).
  connectsPerSecondPerClientId: 1,
  // "Maximum inbound unacknowledged QoS 1 publish requests": 100; "When this quota is reached, no
  // new publish requests are accepted from this client until a PUBACK message is returned by the
  // server." (the excess QoS 1 PUBLISH is dropped, no PUBACK).
  inboundUnackedQos1: 100,
  // "Maximum outbound unacknowledged QoS 1 publish requests": 100; "no new publish requests are
  // sent to the client until the client acknowledges the publish requests." (Mosquitto's
  // max_inflight_messages holds them back: lib/mosquitto.mjs).
  outboundUnackedQos1: 100,
  // "WebSocket connection duration": 24 hours, then the connection is closed.
  webSocketMaxSeconds: 24 * 3600,
  // "Persistent session expiry period": 1 hour after the client disconnected (adjustable up to 7 days).
  persistentSessionSeconds: 3600,
});

/** Checks the `awsRules` quota keys; throws naming the key. */
export function validateQuotas(rules) {
  for (const key of Object.keys(AWS_QUOTAS)) {
    const v = rules[key];
    if (!Number.isFinite(v) || v <= 0) throw new Error(`awsRules.${key} must be a positive number (AWS's default: ${AWS_QUOTAS[key]})`);
  }
  if (!Number.isInteger(rules.outboundUnackedQos1) || rules.outboundUnackedQos1 > 65535) {
    throw new Error('awsRules.outboundUnackedQos1 must be an integer 1..65535');
  }
  // Timers hold at most 2^31 - 1 ms (24.8 days); AWS's session expiry goes up to 7 days.
  if (rules.persistentSessionSeconds > 7 * 24 * 3600) throw new Error('awsRules.persistentSessionSeconds can be at most 7 days (604800), as on AWS');
  if (rules.webSocketMaxSeconds > 20 * 24 * 3600) throw new Error('awsRules.webSocketMaxSeconds can be at most 20 days (1728000)');
}

/** A token bucket: `rate` tokens a second, at most `rate` saved (one second's worth). */
export class TokenBucket {
  constructor(rate, nowMs = () => performance.now()) {
    this.rate = rate;
    this.capacity = Math.max(1, rate);
    this.tokens = this.capacity;
    this.nowMs = nowMs;
    this.last = nowMs();
  }

  /** Takes one token: true, or false when the rate is exceeded. */
  take() {
    const now = this.nowMs();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Runs callbacks at due times in the order they were given (a due time earlier than the last
 * one's is moved up to it): a timer firing late never lets a later callback overtake. The relay's
 * byte streams go through these, and reordered bytes would corrupt MQTT.
 */
export class OrderedTimeline {
  constructor(nowMs = () => performance.now()) {
    this.nowMs = nowMs;
    this.queue = [];
    this.lastDue = -Infinity;
    this.timer = null;
  }

  /** Runs `fn` at `due` (ms on `nowMs`'s clock), at once when due and nothing waits before it. */
  at(due, fn) {
    this.lastDue = Math.max(due, this.lastDue);
    if (this.lastDue <= this.nowMs() && this.queue.length === 0) { fn(); return; }
    this.queue.push({ due: this.lastDue, fn });
    this.#arm();
  }

  #arm() {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = this.nowMs();
      while (this.queue.length && this.queue[0].due <= now + 1) this.queue.shift().fn();
      this.#arm();
    }, Math.max(0, this.queue[0].due - this.nowMs()));
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }
}

/**
 * Delays a byte stream to `bytesPerSecond` (generic cell rate: one second's worth may pass at
 * once, the rest is spaced out), keeping the order. Monotonic time: a wall clock that jumps must
 * not reorder or stall data.
 */
export class ByteShaper {
  constructor(bytesPerSecond, nowMs = () => performance.now()) {
    this.bytesPerSecond = bytesPerSecond;
    this.nowMs = nowMs;
    this.tat = 0; // theoretical arrival time of the next byte (ms)
    this.timeline = new OrderedTimeline(nowMs);
  }

  /** Runs `fn` when `bytes` more may pass; returns how long it waits (ms, 0 = now). */
  run(bytes, fn) {
    const now = this.nowMs();
    // A chunk passes when all of it fits in the second's allowance: one large chunk waits too.
    this.tat = Math.max(this.tat, now) + (bytes * 1000) / this.bytesPerSecond;
    const due = Math.max(now, this.tat - 1000);
    this.timeline.at(due, fn);
    return due - now;
  }

  stop() {
    this.timeline.stop();
  }
}

/** "Connect requests per second per client ID", shared by every door. */
export class ConnectThrottle {
  constructor(perSecond, nowMs = () => performance.now()) {
    this.intervalMs = 1000 / perSecond;
    this.nowMs = nowMs;
    this.last = new Map(); // client id -> time of its last admitted CONNECT
  }

  /** Admits a CONNECT for `clientId` (true), or false when it comes too soon after the last one. */
  admit(clientId) {
    const now = this.nowMs();
    const last = this.last.get(clientId);
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.last.delete(clientId);
    this.last.set(clientId, now);
    // Bounded memory: entries older than the interval no longer matter (oldest first).
    if (this.last.size > 10_000) {
      for (const [id, t] of this.last) {
        if (now - t < this.intervalMs) break;
        this.last.delete(id);
      }
    }
    return true;
  }
}
