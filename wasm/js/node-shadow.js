// node-shadow.js — "iotlite/shadow" in Node, through its "node" export condition: node.js's
// set-up (the .wasm read from disk, a WebSocket), then the shadow entry.
import './node.js';

export * from './shadow.js';
