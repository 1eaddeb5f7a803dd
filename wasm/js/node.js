// node.js — the package in Node, through its "node" export condition (Bun and Deno honour it
// too): the same API with nothing to inject. The .wasm is read from disk next to this file, and
// a runtime without a global WebSocket (Node 20 and 21; Node 22 has one) uses the "ws" package,
// an optional peer dependency: without either, IotClient.create() rejects with an IotError
// "unsupported" saying what to pass.
import { readFile } from 'node:fs/promises';
import { platform } from './engine.js';

platform.read = (url) => readFile(new URL(url));
if (!globalThis.WebSocket) {
  try {
    platform.WebSocket = (await import('ws')).default;
  } catch {
    // Not installed: create() says what to pass.
  }
}

export * from './index.js';
