// The 443-style port for MQTT over TLS with ALPN "x-amzn-mqtt-ca": the certificate door of
// lib/mqtt_tls_door.mjs with the ALPN protocol required.
import { startMqttTlsDoor } from './mqtt_tls_door.mjs';

export const MQTT_ALPN = 'x-amzn-mqtt-ca';

export function startAlpnRelay({ port = 0, tls, hub, log, certificateRefusal = null }) {
  return startMqttTlsDoor({ port, tls, hub, log, name: 'alpn', alpn: MQTT_ALPN, certificateRefusal });
}
