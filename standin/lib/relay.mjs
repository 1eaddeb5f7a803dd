// Relays one client connection (WebSocket, ALPN or 8883-style TLS socket) to Mosquitto's loopback
// TCP listener. Client-to-broker bytes are delayed to the throughput quota, then go through the
// MqttInspector (AWS limits, reserved topics, keep-alive clamp, subscription and publish quotas),
// broker-to-client bytes through the BrokerStream (retained messages only on exact subscriptions,
// `#` without the parent level, SUBACK 0x80 / MQTT 5 0x87 for refused filters, the outbound
// publish rate, MQTT 5 Server Keep Alive); both
// directions can be delayed (latency fault). The hub also applies the quotas that outlive one
// connection: 1 CONNECT/s per client id, the WebSocket duration, the persistent session expiry;
// and it tracks live relays so the admin API can drop them. Together these are the stand-in's
// one AWS rule engine: every MQTT door uses it.
import net from 'node:net';
import mqtt from 'mqtt';
import { BrokerStream } from './mqtt_downstream.mjs';
import { MqttInspector } from './mqtt_inspect.mjs';
import { refusalPacket, REASON } from './mqtt5_rules.mjs';
import { AWS_QUOTAS, ByteShaper, ConnectThrottle, OrderedTimeline } from './quotas.mjs';

/**
 * Delays callbacks by the current latency while keeping their order, also when the latency
 * drops while data waits (lib/quotas.mjs OrderedTimeline). Monotonic time (performance.now): a
 * wall clock that jumps must not reorder or stall relayed data.
 */
function delayer(latencyMs) {
  const timeline = new OrderedTimeline();
  return (fn) => timeline.at(performance.now() + Math.max(0, latencyMs()), fn);
}

/** The packets one burst carries as one buffer, so they leave in one write (one WebSocket
 *  message, one TCP segment): a write per packet costs the receiver a wake-up per packet. */
function oneBuffer(packets) {
  return packets.length === 1 ? packets[0] : Buffer.concat(packets);
}

/**
 * What an MQTT 5 client gets before the rule engine closes its connection: the CONNACK refusing
 * its CONNECT or a DISCONNECT, with the reason code of the rule and the rule as Reason String
 * (lib/mqtt5_rules.mjs). MQTT 3.1.1 has neither (the connection just closes), nor do closes that
 * are not a rule's (the client or the broker went away, the admin API dropped it): null.
 */
function lastPacket(inspector, reason) {
  if (inspector.protocolLevel !== 5 || inspector.reasonCode === null) return null;
  return refusalPacket({
    connecting: !inspector.connected, code: inspector.reasonCode, reason, clientMaximumPacketSize: inspector.clientMaximumPacketSize,
  });
}

export class RelayHub {
  /**
   * @param {object} o
   * @param {() => number} o.brokerPort   Mosquitto's TCP port
   * @param {() => number} o.latencyMs    current added latency
   * @param {(line: string) => void} o.log
   * @param {(topic: string) => void} [o.onRetained] each retained PUBLISH a client sends
   * @param {object} [o.rules] overrides of AWS's defaults (`keepAliveMinSeconds`, `keepAliveMaxSeconds`,
   *                            `subscriptionsPerConnection` and the keys of AWS_QUOTAS, lib/quotas.mjs)
   * @param {import('./policy_set.mjs').PolicyAuthority} [o.policies] IoT policy evaluation (allow-all when none)
   */
  constructor({ brokerPort, latencyMs, log, onRetained = null, rules = {}, policies = null }) {
    this.brokerPort = brokerPort;
    this.policies = policies;
    this.rules = rules;
    this.latencyMs = latencyMs;
    this.log = log;
    this.onRetained = onRetained;
    this.live = new Set();
    this.quota = (key) => rules[key] ?? AWS_QUOTAS[key];
    // "Connect requests per second per client ID": one throttle for every door.
    this.connectThrottle = new ConnectThrottle(this.quota('connectsPerSecondPerClientId'));
    /** client id -> timer that ends its persistent session ("Persistent session expiry period"). */
    this.sessionTimers = new Map();
    this.stopped = false;
  }

  /** Admits the CONNECT of `clientId` on any door: null, or the refusal (the connection closes). */
  admitConnect(clientId) {
    if (clientId === '') return null; // the broker assigns a fresh id
    if (!this.connectThrottle.admit(clientId)) {
      return `CONNECT for client id '${clientId}' refused: AWS IoT allows ${this.quota('connectsPerSecondPerClientId')} CONNECT per second per client id (quotas, "Connect requests per second per client ID")`;
    }
    const timer = this.sessionTimers.get(clientId);
    if (timer) { clearTimeout(timer); this.sessionTimers.delete(clientId); }
    return null;
  }

  /**
   * A connection with a persistent session ended: AWS keeps the session for the quota's period
   * (an MQTT 5 client's shorter Session Expiry Interval wins), then discards it with its
   * subscriptions and queued messages. Mosquitto's own expiry only counts whole hours, so the
   * stand-in ends the session itself: a clean-session CONNECT with that id, then DISCONNECT.
   */
  #sessionEnded(inspector, label) {
    if (this.stopped || !inspector.connected || !inspector.persistentSession || !inspector.clientId) return;
    const id = inspector.clientId;
    const quota = this.quota('persistentSessionSeconds');
    const seconds = inspector.protocolLevel === 5 ? Math.min(inspector.sessionExpirySeconds, quota) : quota;
    clearTimeout(this.sessionTimers.get(id));
    const timer = setTimeout(async () => {
      this.sessionTimers.delete(id);
      if (this.stopped || this.findByClientId(id).length) return;
      try {
        const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${this.brokerPort()}`, {
          clientId: id, clean: true, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5_000,
        });
        await c.endAsync();
        this.log(`${label}: persistent session of '${id}' discarded ${seconds} s after it disconnected (quotas, "Persistent session expiry period")`);
      } catch (e) {
        this.log(`${label}: persistent session of '${id}' could not be discarded: ${e.message}`);
      }
    }, seconds * 1000);
    timer.unref();
    this.sessionTimers.set(id, timer);
  }

  /**
   * @param {object} client
   * @param {string} client.label                       for log lines
   * @param {(buf: Buffer) => void} client.send
   * @param {(reason: string) => void} client.close     idempotent
   * @param {(cb: (buf: Buffer) => void) => void} client.onData
   * @param {(cb: () => void) => void} client.onClose
   * @param {boolean} [client.webSocket]  a WebSocket door: the connection duration quota applies
   * @param {object} [client.identity]  who authenticated (lib/policy_set.mjs): IoT policies apply to it
   */
  attach(client) {
    const inspector = new MqttInspector(this.rules);
    // iot:Connect/Publish/RetainPublish/Subscribe/Receive, decided by the loaded IoT policies.
    if (this.policies) inspector.authorize = this.policies.forConnection(client.identity, () => inspector.clientId, client.label);
    inspector.onRetained = this.onRetained;
    inspector.onRefusal = (line) => this.log(`${client.label}: ${line}`);
    const downstream = new BrokerStream(inspector, (line) => this.log(`${client.label}: ${line}`));
    const up = delayer(this.latencyMs);
    const down = delayer(this.latencyMs);
    inspector.admitConnect = (clientId) => this.admitConnect(clientId);
    // "Throughput per connection": inbound bytes beyond the rate are delayed, never dropped.
    const shaper = new ByteShaper(this.quota('inboundBytesPerSecond'));
    let throttled = false;
    const broker = net.connect({ host: '127.0.0.1', port: this.brokerPort() });
    broker.setNoDelay(true);
    let closed = false;
    // "WebSocket connection duration": a WebSocket connection is closed after 24 hours.
    const lifetime = client.webSocket ? setTimeout(() => {
      inspector.reasonCode = REASON.maximumConnectTime;
      entry.close(`AWS IoT quota: a WebSocket connection lasts at most ${this.quota('webSocketMaxSeconds')} s (quotas, "WebSocket connection duration")`);
    }, this.quota('webSocketMaxSeconds') * 1000) : null;
    lifetime?.unref();
    const ended = () => {
      clearTimeout(lifetime);
      shaper.stop();
      this.#sessionEnded(inspector, client.label);
    };
    const entry = {
      label: client.label,
      /** The client certificate's id (8883, ALPN 443), for dropCertificate(). */
      certificateId: client.identity?.certificate?.certificateId,
      /** Set when a newer connection with the same client id connected (see handle). */
      takenOver: false,
      close: (reason) => {
        if (closed) return;
        closed = true;
        ended();
        this.live.delete(entry);
        this.log(`${client.label}: closed (${reason})`);
        broker.destroy();
        client.close(reason, lastPacket(inspector, reason));
      },
      clientId: () => inspector.clientId,
      /**
       * DeleteConnection: closes the connection. With preventWill, a DISCONNECT is sent to the
       * broker first, on the client's behalf, so Mosquitto discards the Will (MQTT 3.1.1
       * §3.14.4, MQTT 5 reason 0x00); without it the broker sees the connection drop and
       * publishes the Will, as on any abrupt loss. Resolves when the broker side is closed.
       */
      kick: ({ preventWill, reason }) => new Promise((resolve) => {
        if (closed) { resolve(); return; }
        closed = true;
        ended();
        this.live.delete(entry);
        this.log(`${client.label}: closed (${reason})`);
        if (broker.destroyed) resolve();
        else broker.once('close', () => resolve());
        if (preventWill) broker.end(Buffer.from([0xe0, 0x00]));
        else broker.destroy();
        client.close(reason);
      }),
    };
    this.live.add(entry);

    const handle = (buf) => up(() => {
      if (closed) return;
      const wasConnected = inspector.connected;
      const { packets, replies, violation } = inspector.push(buf);
      if (!wasConnected && inspector.connected) {
        // The broker ends any older connection of this client id (MQTT 5.0 §3.1.4); AWS tells an
        // MQTT 5 one why with DISCONNECT 0x8E, which Mosquitto 2.0 does not send: the relay does,
        // when the broker closes that connection.
        for (const older of this.findByClientId(inspector.clientId)) if (older !== entry) older.takenOver = true;
      }
      if (!wasConnected && inspector.connected && inspector.keepAliveUsed !== inspector.keepAliveRequested) {
        this.log(`${client.label}: keep-alive ${inspector.keepAliveRequested} s used as ${inspector.keepAliveUsed} s (AWS IoT range ${inspector.keepAlive.minSeconds}-${inspector.keepAlive.maxSeconds} s; quotas, "Keep-alive")`);
      }
      // Through the gateway, a write per packet had halved Mosquitto's rate (docs/benchmarks.md).
      if (packets.length) broker.write(oneBuffer(packets));
      // Answers the stand-in gives itself go the way broker data goes (same latency, same order).
      for (const p of replies) down(() => { if (!closed) client.send(p); });
      if (violation) entry.close(`AWS IoT limit: ${violation}`);
    });
    client.onData((buf) => {
      if (closed) return;
      const waitMs = shaper.run(buf.length, () => handle(buf));
      if (waitMs > 0 && !throttled) {
        this.log(`${client.label}: inbound data delayed ${Math.round(waitMs)} ms: over ${this.quota('inboundBytesPerSecond')} bytes/s on this connection (quotas, "Throughput per connection")`);
      }
      throttled = waitMs > 0;
    });
    client.onClose(() => entry.close('client closed'));
    broker.on('data', (buf) => down(() => {
      if (closed) return;
      const { toClient, toBroker } = downstream.push(buf);
      if (toBroker.length) broker.write(oneBuffer(toBroker));
      if (toClient.length) client.send(oneBuffer(toClient));
    }));
    broker.on('error', (e) => entry.close(`broker connection error: ${e.code ?? e.message}`));
    broker.on('close', () => down(() => {
      if (!entry.takenOver) { entry.close('broker closed the connection'); return; }
      inspector.reasonCode = REASON.sessionTakenOver;
      entry.close(`session taken over: another connection connected with client id '${inspector.clientId}'`);
    }));
    return entry;
  }

  /** The live relays whose CONNECT carried `clientId`. */
  findByClientId(clientId) {
    return [...this.live].filter((e) => e.clientId() === clientId);
  }

  /** The stand-in stops: no session timers any more, every relay closed. */
  stop() {
    this.stopped = true;
    for (const t of this.sessionTimers.values()) clearTimeout(t);
    this.sessionTimers.clear();
    return this.dropAll('stand-in stopping');
  }

  /** Closes the live relays authenticated by the certificate `certificateId` (it left ACTIVE).
   *  Returns how many were closed. */
  dropCertificate(certificateId, reason) {
    const mine = [...this.live].filter((e) => e.certificateId !== undefined && e.certificateId === certificateId);
    for (const e of mine) e.close(reason);
    return mine.length;
  }

  /** Fault control: closes every live relay. Returns how many were dropped. */
  dropAll(reason = 'dropped by the admin API') {
    const all = [...this.live];
    for (const e of all) e.close(reason);
    return all.length;
  }
}
