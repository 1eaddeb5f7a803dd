// What the benchmarks that drive our package and MQTT.js side by side share (throughput.mjs,
// client_cpu.mjs): the protocol they both speak, the package entry that speaks it, and the QoS 0
// publishing loop both clients are measured with.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// IOTLITE_BENCH_PROTOCOL=5: both clients in MQTT 5 (ours from the "iotlite/mqtt5" entry on
// iotlite-mqtt5.wasm with protocolVersion 5, MQTT.js with protocolVersion 5); default 4 (3.1.1).
export const PROTOCOL = Number(process.env.IOTLITE_BENCH_PROTOCOL || 4);
if (PROTOCOL !== 4 && PROTOCOL !== 5) throw new Error(`IOTLITE_BENCH_PROTOCOL must be 4 or 5, not ${process.env.IOTLITE_BENCH_PROTOCOL}`);

// Our package's entry for PROTOCOL, initialised with its .wasm read from disk.
export async function loadPackage(packageDir) {
  const [entry, wasmFile] = PROTOCOL === 5 ? ['mqtt5.js', 'iotlite-mqtt5.wasm'] : ['index.js', 'iotlite.wasm'];
  const pkg = await import(pathToFileURL(path.join(packageDir, entry)).href);
  await pkg.init({ wasmBinary: readFileSync(path.join(packageDir, wasmFile)) });
  return pkg;
}

// At most this many QoS 0 messages are unanswered at a time, so no broker queue overflows.
export const WINDOW = 1000;

// Calls publish() n times in batches of half the window, waiting (await wait()) while more than
// the window has not come back (received()), then until all n came back. Stops at `until`
// (Date.now() ms) whatever the count; the caller checks received(). Returns how many were published.
export async function publishWindowed(n, publish, received, wait, until) {
  let sent = 0;
  while (sent < n && Date.now() < until) {
    const batch = Math.min(WINDOW / 2, n - sent);
    for (let i = 0; i < batch; i++) publish();
    sent += batch;
    while (sent - received() > WINDOW && Date.now() < until) await wait();
  }
  while (received() < n && Date.now() < until) await wait();
  return sent;
}
