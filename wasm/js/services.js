// services.js — the "iotlite/services" entry: everything of "iotlite/shadow" (client.shadow())
// plus client.jobs(thing) for AWS IoT Jobs, on iotlite-services.wasm (the engine built together
// with the C++ shadow and Jobs clients) instead of iotlite-shadow.wasm. A separate build so that a
// shadow-only app does not download the Jobs code.
import names from './wasm-names-services.js';
import { instantiate } from './engine.js';
import { ShadowClient } from './shadow_client.js';
import { IotError, asIotError } from './errors.js';
import { ServiceHub } from './service_hub.js';
import { JobsHub, Jobs, isTerminalJobStatus, isDeviceJobStatus } from './jobs.js';

// init and IotClient below replace the shadow entry's (a local export wins over `export *`).
export * from './shadow.js';
export { Jobs, isTerminalJobStatus, isDeviceJobStatus };

let modulePromise = null;

// Loads iotlite-services.wasm once per page (options as for the plain entry's init).
export function init(options) {
  options ||= {};
  if (!modulePromise) {
    modulePromise = instantiate(options.wasmBinary || options.wasmUrl || new URL('./iotlite-services.wasm', import.meta.url), names)
      .then(null, (e) => { modulePromise = null; throw asIotError(e, 'io_error', 'could not load the iotlite services engine: '); });
  }
  return modulePromise;
}

// IotClient with shadow() and jobs(): created on iotlite-services.wasm.
export class IotClient extends ShadowClient {
  #jobs = new Map();  // thing -> JobsHub

  static async create(options) {
    return new IotClient(await init(options), options);
  }

  // The AWS IoT Jobs client of a thing (the same object for the same thing while the client lives).
  jobs(thing) {
    if (typeof thing !== 'string') throw new IotError('invalid_argument', 'jobs(thing) takes a string');
    let hub = this.#jobs.get(thing);
    if (hub && hub.closed) throw new IotError('invalid_state', 'the client is closed');
    if (!hub) {
      this.attach((n, h, pump) => (hub = ServiceHub.track(this, new JobsHub(n, h, pump, thing))));
      this.#jobs.set(thing, hub);
    }
    return hub.api;
  }
}
