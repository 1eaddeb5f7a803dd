// iotlite — MQTT over WebSocket to AWS IoT Core from the browser: SigV4 (static keys, Cognito
// identity pools, your own provider) or a custom authorizer; the protocol engine is C++ in wasm.
export { IotClient, IotMessage } from './client.js';
export { IotError, ERROR_CODES } from './errors.js';
export { loadEngine as init, topicFilterError, topicMatches } from './engine.js';
