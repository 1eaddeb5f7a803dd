// The fleet provisioning service of the stand-in: an MQTT client of the local Mosquitto that
// answers CreateKeysAndCertificate, CreateCertificateFromCsr and RegisterThing (JSON) with the
// ProvisioningStore's publications. Like the shadow and Jobs services it reaches Mosquitto
// directly. Never logs a private key or an ownership token.
import { PROVISIONING_FILTERS } from './provisioning_store.mjs';
import { connectServiceClient } from './service_client.mjs';

/**
 * Connects, subscribes to the provisioning request topics and answers them; reconnects by itself.
 * @param {{ brokerUrl: string, store: import('./provisioning_store.mjs').ProvisioningStore, log?: (line: string) => void }} opts
 */
export async function startProvisioningService({ brokerUrl, store, log = () => {} }) {
  const client = await connectServiceClient({ brokerUrl, name: 'provisioning-service', filters: [...PROVISIONING_FILTERS], log });
  client.on('message', async (topic, payload) => {
    let out;
    try {
      out = await store.handleMqtt(topic, payload);
    } catch (e) {
      log(`provisioning service: ${topic}: ${e.message}`);
      out = store.internalErrorFor(topic);
    }
    for (const m of out) {
      client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
        if (err) log(`provisioning service: publish ${m.topic} failed: ${err.message}`);
      });
      log(`provisioning service: ${m.topic}`);
    }
  });

  return { client, stop: () => client.endAsync(true) };
}
