// The demo page: connection, status, subscriptions, publish, message log, device shadow and Jobs,
// on top of the iotlite browser package's services build (import map "iotlite/services" ->
// ./iotlite/services.js, which loads iotlite-services.wasm instead of iotlite.wasm).
// One module per panel (panels/); the connection (client and phase) is the only shared state
// (state.js), written by panels/connection.js alone.
import { loadSettings } from './panels/settings.js';
import { startConnectionPanel } from './panels/connection.js';
import { prefillSubscription } from './panels/subscriptions.js';
import { prefillPublish } from './panels/publish.js';
import './panels/messages.js';
import { prefillShadow } from './panels/shadow.js';
import { prefillJobs } from './panels/jobs.js';
import { setupStandin } from './panels/standin.js';

startConnectionPanel();
loadSettings().then((config) => {
  prefillSubscription(config);
  prefillPublish(config);
  prefillShadow(config);
  prefillJobs(config, setupStandin(config));
}).finally(() => { document.body.dataset.ready = 'true'; });
