// node-services.js — "iotlite/services" in Node, through its "node" export condition: node.js's
// set-up (the .wasm read from disk, a WebSocket), then the services entry.
import './node.js';

export * from './services.js';
