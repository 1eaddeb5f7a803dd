// The certificate doors for raw MQTT over TLS: the 8883-style port and the 443-style ALPN
// `x-amzn-mqtt-ca` port. TLS is terminated here, in Node, with the checks Mosquitto's own TLS
// listener made before (require_certificate: a client certificate issued by the stand-in CA,
// verified by OpenSSL; use_identity_as_username: the certificate must carry a CN; OpenSSL's
// default TLS versions and ciphers, RFC 6066 max_fragment_length honoured), then the MQTT bytes
// go through the RelayHub (the AWS rule engine, latency, drop, DeleteConnection) to Mosquitto's
// plain loopback listener, like every other door.
import tls from 'node:tls';
import { listen, closeServer } from './net_util.mjs';
import { certificateFields } from './policy_set.mjs';

/**
 * @param {object} o
 * @param {number} [o.port=0]     0 = a free port; always bound on 127.0.0.1
 * @param {{key: string, cert: string, ca: string}} o.tls
 * @param {import('./relay.mjs').RelayHub} o.hub
 * @param {(line: string) => void} o.log
 * @param {string} o.name         label prefix for log lines ('mqtts', 'alpn')
 * @param {string} [o.alpn]       when set, the only ALPN protocol accepted (required)
 * @param {(certificateId: string) => string|null} [o.certificateRefusal] why the certificate may
 *        not authenticate (not ACTIVE), or null
 */
export async function startMqttTlsDoor({ port = 0, tls: pem, hub, log, name, alpn = null, certificateRefusal = null }) {
  let counter = 0;
  const sockets = new Set();
  const server = tls.createServer({
    key: pem.key,
    cert: pem.cert,
    ca: pem.ca,
    requestCert: true,
    rejectUnauthorized: true,
    // With an ALPN door: picks the protocol when offered; otherwise the handshake fails
    // (no_application_protocol). Without one, ALPN offers are ignored, as on 8883.
    ...(alpn ? { ALPNCallback: ({ protocols }) => (protocols.includes(alpn) ? alpn : undefined) } : {}),
  });
  server.on('tlsClientError', (e) => log(`${name}: TLS handshake refused: ${e.code ?? e.message}`));
  server.on('secureConnection', (socket) => {
    const id = `${name}#${++counter}`;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // A client that offers no ALPN at all is not an MQTT client on 443 either.
    if (alpn && socket.alpnProtocol !== alpn) {
      log(`${id}: refused, ALPN ${socket.alpnProtocol || '(none)'} is not ${alpn}`);
      socket.destroy();
      return;
    }
    const cn = socket.getPeerCertificate()?.subject?.CN;
    if (!cn) {
      // Mosquitto's use_identity_as_username refused such a client; so does the stand-in.
      log(`${id}: refused, the client certificate has no CN`);
      socket.destroy();
      return;
    }
    const peer = socket.getPeerCertificate();
    const refusal = certificateRefusal?.(certificateFields(peer).certificateId);
    if (refusal) {
      // AWS does not say how it ends such a connection; the stand-in ends it before any MQTT.
      log(`${id}: refused, ${refusal}`);
      socket.destroy();
      return;
    }
    log(`${id}: accepted (certificate CN=${cn})`);
    socket.setNoDelay(true);
    hub.attach({
      label: id,
      // IoT policies attach to the certificate (lib/policy_set.mjs); its subject and issuer
      // fields are the certificate policy variables, its id finds the thing it is attached to.
      identity: { kind: 'certificate', certificate: certificateFields(peer) },
      send: (buf) => { if (!socket.destroyed) socket.write(buf); },
      // lastPacket: the MQTT 5 CONNACK/DISCONNECT naming the rule (lib/relay.mjs), written
      // before the TLS close; a client that never reads it is cut off after a second.
      close: (reason, lastPacket) => {
        if (socket.destroyed) return;
        if (!lastPacket) { socket.destroy(); return; }
        socket.end(lastPacket);
        setTimeout(() => socket.destroy(), 1000).unref();
      },
      onData: (cb) => socket.on('data', cb),
      onClose: (cb) => socket.on('close', cb),
    });
  });
  const bound = await listen(server, port);
  return { port: bound, stop: () => closeServer(server, sockets) };
}
