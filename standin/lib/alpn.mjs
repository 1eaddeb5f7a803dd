// The 443-style port for MQTT over TLS with ALPN "x-amzn-mqtt-ca": a Node TLS server that needs
// a client certificate from the stand-in CA and the ALPN protocol, then relays raw MQTT to
// Mosquitto (through the RelayHub, so AWS limits and faults apply).
import tls from 'node:tls';
import { listen, closeServer } from './net_util.mjs';

export const MQTT_ALPN = 'x-amzn-mqtt-ca';

export async function startAlpnRelay({ port = 0, tls: pem, hub, log }) {
  let counter = 0;
  const sockets = new Set();
  const server = tls.createServer({
    key: pem.key,
    cert: pem.cert,
    ca: pem.ca,
    requestCert: true,
    rejectUnauthorized: true,
    // Picks x-amzn-mqtt-ca when offered; otherwise the handshake fails (no_application_protocol).
    ALPNCallback: ({ protocols }) => (protocols.includes(MQTT_ALPN) ? MQTT_ALPN : undefined),
  });
  server.on('tlsClientError', (e) => log(`alpn: TLS handshake refused: ${e.code ?? e.message}`));
  server.on('secureConnection', (socket) => {
    const id = `alpn#${++counter}`;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    // A client that offers no ALPN at all is not an MQTT client on 443 either.
    if (socket.alpnProtocol !== MQTT_ALPN) {
      log(`${id}: refused, ALPN ${socket.alpnProtocol || '(none)'} is not ${MQTT_ALPN}`);
      socket.destroy();
      return;
    }
    const cn = socket.getPeerCertificate()?.subject?.CN;
    log(`${id}: accepted (certificate CN=${cn})`);
    socket.setNoDelay(true);
    hub.attach({
      label: id,
      send: (buf) => socket.write(buf),
      close: () => socket.destroy(),
      onData: (cb) => socket.on('data', cb),
      onClose: (cb) => socket.on('close', cb),
    });
  });
  const bound = await listen(server, port);
  return { port: bound, stop: () => closeServer(server, sockets) };
}
