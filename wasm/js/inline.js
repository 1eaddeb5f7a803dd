// "iotlite/inline": the same API with the .wasm embedded (base64) in the JavaScript, for bundlers
// or hosts that do not emit a separate .wasm asset. Costs about a third more bytes on the wire.
import wasmBase64 from './wasm-inline.js';
import { setDefaultWasmBinary } from './engine.js';

setDefaultWasmBinary(() => Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0)));

export * from './index.js';
