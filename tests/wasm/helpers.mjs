// Shared set-up of the wasm package suites: the built package (a missing build is a failure,
// not a skip), the stand-in on loopback, the `ws` WebSocket for Node, bounded waits.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { before, after } from 'node:test';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../..');
export const packageDir = process.env.IOTLITE_WASM_PACKAGE || path.join(repoRoot, 'build/wasm/wasm/package');

// Imports the package exactly as shipped, with the .wasm bytes injected (no Node code in it).
export async function loadPackage() {
  for (const f of ['package.json', 'index.js', 'engine.js', 'wasm-names.js', 'iotlite.wasm', 'index.d.ts']) {
    if (!existsSync(path.join(packageDir, f))) {
      throw new Error(`the wasm package is not built: ${path.join(packageDir, f)} is missing ` +
        '(cmake --preset wasm && cmake --build --preset wasm --target iotlite_wasm_package)');
    }
  }
  const pkg = await import(pathToFileURL(path.join(packageDir, 'index.js')).href);
  await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, 'iotlite.wasm')) });
  return pkg;
}

export async function startStandin(options = {}) {
  const { startStandin: start } = await import(pathToFileURL(path.join(repoRoot, 'standin/standin.mjs')).href);
  return start({ shadowService: false, httpsApi: false, ...options });
}

// A suite on the stand-in: the package loaded and the stand-in started before its first test
// (then ready({pkg, standin, ep}) runs: the suite keeps what it needs and does its own set-up), the
// stand-in stopped after its last.
export function withStandin(ready, options) {
  let standin;
  before(async () => {
    const pkg = await loadPackage();
    standin = await startStandin(options);
    await ready({ pkg, standin, ep: standin.endpoints });
  });
  after(async () => { if (standin) await standin.stop(); });
}

// Client options for the stand-in's endpoint with its test keys (a fresh client id from `prefix`).
export const standinOptions = (ep, prefix, extra = {}) => ({
  endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId(prefix), credentials: ep.testCredentials, WebSocket, ...extra,
});

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Resolves when `predicate()` holds; rejects after `ms` naming what was awaited.
export async function waitFor(predicate, ms, what) {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

// Resolves with the first `event` of `client`, or rejects after `ms`.
export function once(client, event, ms = 10000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { client.off(event, on); reject(new Error(`no "${event}" event within ${ms} ms`)); }, ms);
    const on = (arg) => { clearTimeout(t); client.off(event, on); resolve(arg); };
    client.on(event, on);
  });
}

let counter = 0;
export const uniqueId = (prefix) => `${prefix}-${process.pid}-${++counter}-${Date.now() % 100000}`;

export { WebSocket };
