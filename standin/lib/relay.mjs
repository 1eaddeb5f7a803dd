// Relays one client connection (WebSocket, ALPN or 8883-style TLS socket) to Mosquitto's loopback
// TCP listener. Client-to-broker bytes go through the MqttInspector (AWS limits, keep-alive clamp,
// subscription quota), broker-to-client bytes through the BrokerStream (retained messages only on
// exact subscriptions, `#` without the parent level, SUBACK 0x80 for refused filters); both
// directions can be delayed (latency fault). The hub tracks live relays so the admin API can drop
// them. Together these are the stand-in's one AWS rule engine: every MQTT door uses it.
import net from 'node:net';
import { BrokerStream } from './mqtt_downstream.mjs';
import { MqttInspector } from './mqtt_inspect.mjs';

/**
 * Delays callbacks by the current latency while keeping their order. Monotonic time
 * (performance.now): a wall clock that jumps must not reorder or stall relayed data.
 */
function delayer(latencyMs) {
  let lastDue = 0;
  return (fn) => {
    const ms = latencyMs();
    const now = performance.now();
    if (ms <= 0 && lastDue <= now) { fn(); return; }
    const due = Math.max(now + ms, lastDue);
    lastDue = due;
    setTimeout(fn, Math.max(0, due - now));
  };
}

export class RelayHub {
  /**
   * @param {object} o
   * @param {() => number} o.brokerPort   Mosquitto's TCP port
   * @param {() => number} o.latencyMs    current added latency
   * @param {(line: string) => void} o.log
   * @param {(topic: string) => void} [o.onRetained] each retained PUBLISH a client sends
   * @param {object} [o.rules] overrides of AWS's defaults (`keepAliveMinSeconds`, `keepAliveMaxSeconds`,
   *                            `subscriptionsPerConnection`)
   */
  constructor({ brokerPort, latencyMs, log, onRetained = null, rules = {} }) {
    this.brokerPort = brokerPort;
    this.rules = rules;
    this.latencyMs = latencyMs;
    this.log = log;
    this.onRetained = onRetained;
    this.live = new Set();
  }

  /**
   * @param {object} client
   * @param {string} client.label                       for log lines
   * @param {(buf: Buffer) => void} client.send
   * @param {(reason: string) => void} client.close     idempotent
   * @param {(cb: (buf: Buffer) => void) => void} client.onData
   * @param {(cb: () => void) => void} client.onClose
   */
  attach(client) {
    const inspector = new MqttInspector(this.rules);
    inspector.onRetained = this.onRetained;
    inspector.onRefusal = (line) => this.log(`${client.label}: ${line}`);
    const downstream = new BrokerStream(inspector, (line) => this.log(`${client.label}: ${line}`));
    const up = delayer(this.latencyMs);
    const down = delayer(this.latencyMs);
    const broker = net.connect({ host: '127.0.0.1', port: this.brokerPort() });
    broker.setNoDelay(true);
    let closed = false;
    const entry = {
      label: client.label,
      close: (reason) => {
        if (closed) return;
        closed = true;
        this.live.delete(entry);
        this.log(`${client.label}: closed (${reason})`);
        broker.destroy();
        client.close(reason);
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

    client.onData((buf) => up(() => {
      if (closed) return;
      const wasConnected = inspector.connected;
      const { packets, replies, violation } = inspector.push(buf);
      if (!wasConnected && inspector.connected && inspector.keepAliveUsed !== inspector.keepAliveRequested) {
        this.log(`${client.label}: keep-alive ${inspector.keepAliveRequested} s used as ${inspector.keepAliveUsed} s (AWS IoT range ${inspector.keepAlive.minSeconds}-${inspector.keepAlive.maxSeconds} s; quotas, "Keep-alive")`);
      }
      for (const p of packets) broker.write(p);
      // Answers the stand-in gives itself go the way broker data goes (same latency, same order).
      for (const p of replies) down(() => { if (!closed) client.send(p); });
      if (violation) entry.close(`AWS IoT limit: ${violation}`);
    }));
    client.onClose(() => entry.close('client closed'));
    broker.on('data', (buf) => down(() => {
      if (closed) return;
      const { toClient, toBroker } = downstream.push(buf);
      for (const p of toBroker) broker.write(p);
      if (toClient.length) client.send(toClient.length === 1 ? toClient[0] : Buffer.concat(toClient));
    }));
    broker.on('error', (e) => entry.close(`broker connection error: ${e.code ?? e.message}`));
    broker.on('close', () => down(() => entry.close('broker closed the connection')));
    return entry;
  }

  /** The live relays whose CONNECT carried `clientId`. */
  findByClientId(clientId) {
    return [...this.live].filter((e) => e.clientId() === clientId);
  }

  /** Fault control: closes every live relay. Returns how many were dropped. */
  dropAll(reason = 'dropped by the admin API') {
    const all = [...this.live];
    for (const e of all) e.close(reason);
    return all.length;
  }
}
