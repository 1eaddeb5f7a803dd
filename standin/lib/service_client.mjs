// The MQTT client a stand-in service (Jobs, fleet provisioning) keeps on the local Mosquitto:
// MQTT 3.1.1, a clean session, reconnecting (and resubscribing) by itself after a broker restart.
import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';

/**
 * Connects as `iotlite-<name>-<random>` and subscribes to `filters` (QoS 1); resolves once the
 * broker granted them all.
 * @param {{ brokerUrl: string, name: string, filters: string[], log?: (line: string) => void }} opts
 */
export async function connectServiceClient({ brokerUrl, name, filters, log = () => {} }) {
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId: `iotlite-${name}-${randomBytes(4).toString('hex')}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 500,
    connectTimeout: 5_000,
  });
  client.on('error', (e) => log(`${name}: mqtt error: ${e.message}`));
  try {
    // mqtt.js rejects when the SUBACK refuses a filter (0x80).
    await client.subscribeAsync(filters, { qos: 1 });
  } catch (e) {
    await client.endAsync(true);
    throw new Error(`broker refused a subscription of ${name} (${filters.join(', ')}): ${e.message}`);
  }
  return client;
}
