// The Device Shadow service of the stand-in: an MQTT client of the local Mosquitto that answers
// shadow requests ($aws/things/{thing}/shadow[/name/{name}]/{get,update,delete}) with the
// ShadowStore's publications. Mosquitto 2.0.11 lets ordinary clients publish and subscribe
// `$aws/...` topics (only `$SYS` is special), so no topic rewriting is needed; note that a
// `#` or `+` filter at the first level never matches `$` topics (MQTT 3.1.1 §4.7.2).
import mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';

export const SHADOW_REQUEST_FILTERS = Object.freeze([
  '$aws/things/+/shadow/+', // classic: get, update, delete (store ignores other last levels)
  '$aws/things/+/shadow/name/+/+', // named
]);

/**
 * Connects to the broker, subscribes to the shadow request topics and answers them.
 * Resolves once the subscriptions are acknowledged. Reconnects (and resubscribes) by itself
 * when the broker restarts.
 * @param {{ brokerUrl: string, store: import('./shadow_store.mjs').ShadowStore,
 *           log?: (line: string) => void }} opts
 * @returns {Promise<{ stop(): Promise<void>, client: import('mqtt').MqttClient }>}
 */
export async function startShadowService({ brokerUrl, store, log = () => {} }) {
  const client = await mqtt.connectAsync(brokerUrl, {
    clientId: `iotlite-shadow-service-${randomBytes(4).toString('hex')}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 500,
    connectTimeout: 5_000,
  });
  client.on('error', (e) => log(`shadow service: mqtt error: ${e.message}`));

  client.on('message', (topic, payload) => {
    let out;
    try {
      out = store.handleMqtt(topic, payload);
    } catch (e) {
      // A store fault (e.g. the persistence file cannot be written) must not kill the
      // service; AWS answers such a case with 500 on the rejected topic.
      log(`shadow service: ${topic}: ${e.message}`);
      const op = topic.split('/').at(-1);
      if (['get', 'update', 'delete'].includes(op)) {
        out = [{
          topic: `${topic}/rejected`,
          payload: JSON.stringify({ code: 500, message: 'Internal service failure', timestamp: Math.floor(Date.now() / 1000) }),
        }];
      } else {
        out = [];
      }
    }
    for (const m of out) {
      client.publish(m.topic, m.payload, { qos: 1 }, (err) => {
        if (err) log(`shadow service: publish ${m.topic} failed: ${err.message}`);
      });
    }
  });

  const granted = await client.subscribeAsync([...SHADOW_REQUEST_FILTERS], { qos: 1 });
  for (const g of granted) {
    if (g.qos === 128) {
      await client.endAsync(true);
      throw new Error(`broker refused the shadow subscription ${g.topic}`);
    }
  }

  return {
    client,
    /** Publishes messages produced outside MQTT (REST updates) on the broker. */
    publishAll(messages) {
      return Promise.all(messages.map((m) => client.publishAsync(m.topic, m.payload, { qos: 1 })));
    },
    async stop() {
      await client.endAsync(true);
    },
  };
}
