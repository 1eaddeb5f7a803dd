// node-mqtt5.js — "iotlite/mqtt5" in Node, through its "node" export condition: node.js's set-up
// (the .wasm read from disk, a WebSocket), then the MQTT 5 entry.
import './node.js';

export * from './mqtt5.js';
