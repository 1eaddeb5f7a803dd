// The AWS IoT Jobs service of the stand-in: an MQTT client of the local Mosquitto that answers the
// Jobs device API ($aws/things/{thing}/jobs/...) with the JobsStore's publications, publishes the
// notify / notify-next messages that control-plane calls and timeouts cause, and runs the timers.
// Like the shadow service, it reaches Mosquitto directly (no rule engine in between).
import { connectServiceClient } from './service_client.mjs';

/** One filter for every Jobs request; the store ignores the service's own publications. */
export const JOBS_REQUEST_FILTER = '$aws/things/+/jobs/#';

/** How often the timers are checked: the stand-in's clock can jump (POST /admin/clock). */
const TICK_MS = 200;

/**
 * Connects to the broker, subscribes to the Jobs topics and answers them. Resolves once the
 * subscription is acknowledged (lib/service_client.mjs: reconnects and resubscribes by itself).
 * @param {{ brokerUrl: string, store: import('./jobs_store.mjs').JobsStore, log?: (line: string) => void }} opts
 */
export async function startJobsService({ brokerUrl, store, log = () => {} }) {
  const client = await connectServiceClient({ brokerUrl, name: 'jobs-service', filters: [JOBS_REQUEST_FILTER], log });
  const publishAll = (messages) => Promise.all(messages.map((m) => client.publishAsync(m.topic, m.payload, { qos: 1 })
    .catch((err) => log(`jobs service: publish ${m.topic} failed: ${err.message}`))));

  client.on('message', (topic, payload) => {
    let out;
    try {
      out = store.handleMqtt(topic, payload);
    } catch (e) {
      // A fault in the store must not stop the service: AWS answers InternalError.
      log(`jobs service: ${topic}: ${e.message}`);
      out = store.internalErrorFor(topic, payload);
    }
    publishAll(out);
  });

  const timer = setInterval(() => {
    if (store.nextDeadlineMs() === null) return;
    const out = store.tick();
    if (out.length) publishAll(out);
  }, TICK_MS);
  timer.unref();

  return {
    client,
    /** Publishes what a control-plane call (CreateJob, CancelJob, ...) caused. */
    publishAll,
    async stop() {
      clearInterval(timer);
      await client.endAsync(true);
    },
  };
}
