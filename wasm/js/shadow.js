// shadow.js — the "iotlite/shadow" entry: the whole package API, plus client.shadow(thing, name?)
// for AWS IoT Device Shadows (shadow_client.js), on iotlite-shadow.wasm (the engine built together
// with the C++ shadow client, wasm/src/shadow_bindings.cpp) instead of iotlite.wasm.
import names from './wasm-names-shadow.js';
import { instantiate } from './engine.js';
import { asIotError } from './errors.js';
import { ShadowClient } from './shadow_client.js';

export * from './index.js';
export { Shadow } from './shadow_client.js';

let modulePromise = null;

// Loads iotlite-shadow.wasm once per page (options as for the plain entry's init: wasmBinary, or
// wasmUrl; by default the file next to this one, through the form bundlers emit as an asset).
export function init(options) {
  options ||= {};
  if (!modulePromise) {
    modulePromise = instantiate(options.wasmBinary || options.wasmUrl || new URL('./iotlite-shadow.wasm', import.meta.url), names)
      .then(null, (e) => { modulePromise = null; throw asIotError(e, 'io_error', 'could not load the iotlite shadow engine: '); });
  }
  return modulePromise;
}

// IotClient with shadow(): created on iotlite-shadow.wasm.
export class IotClient extends ShadowClient {
  static async create(options) {
    return new IotClient(await init(options), options);
  }
}
