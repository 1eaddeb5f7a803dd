// Run by zero_config.test.mjs under Node, Bun or Deno from a consumer project that installed the
// package (node_modules/iotlite): imports it by its bare name with no option but the endpoint and
// the credentials (no WebSocket, no .wasm bytes), and prints one JSON line of what happened.
// Usage: <runtime> zero_config_probe.mjs '<json: {wsUrl, region, credentials, thing}>'
const config = JSON.parse(process.argv[2] ?? globalThis.Deno?.args[0]);
const report = { steps: [] };
const errorOf = (e) => ({ name: e?.name, code: e?.code, message: e?.message, status: e?.status });
const within = (p, what) => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in 10 s`)), 10000))]);

try {
  const { IotClient, IotError } = await import('iotlite');
  const options = (extra) => ({ endpoint: config.wsUrl, region: config.region, clientId: `zero-${Date.now()}-${Math.random()}`,
    credentials: config.credentials, reconnect: false, ...extra });
  let client;
  try {
    client = await IotClient.create(options());
  } catch (e) {
    report.create = { ...errorOf(e), isIotError: e instanceof IotError };
    throw e;
  }
  await within(client.connect(), 'connect');
  report.steps.push('connected');
  const got = new Promise((resolve) => client.subscribe('zero/config', { qos: 1 }, (m) => resolve(m.text())));
  await new Promise((r) => setTimeout(r, 100));
  await within(client.publish('zero/config', 'round trip', { qos: 1 }), 'publish');
  report.steps.push(`received ${await within(got, 'the message')}`);
  await client.close();

  // A refused upgrade (a wrong secret: the gateway answers 403): the `ws` package lets the client
  // read the status, a runtime's own WebSocket does not. This is how the report tells them apart.
  const refused = await IotClient.create(options({ credentials: { ...config.credentials, secretAccessKey: 'wrong' } }));
  try {
    await within(refused.connect(), 'connect with a wrong secret');
  } catch (e) {
    report.refused = errorOf(e);
  }
  await refused.close();

  // The shadow entry, zero-config as well: its own .wasm read from disk.
  const shadow = await import('iotlite/shadow');
  const sc = await shadow.IotClient.create(options());
  await within(sc.connect(), 'shadow connect');
  const doc = await within(sc.shadow(config.thing).report({ zero: 'config' }), 'shadow update');
  report.steps.push(`shadow version ${doc.version}`);
  await sc.close();

  // The services entry (shadow + Jobs), zero-config too: iotlite-services.wasm read from disk.
  const services = await import('iotlite/services');
  const jc = await services.IotClient.create(options());
  await within(jc.connect(), 'services connect');
  const pending = await within(jc.jobs(config.thing).list(), 'jobs list');
  report.steps.push(`jobs pending ${pending.queuedJobs.length}`);
  await jc.close();
} catch (e) {
  report.error = errorOf(e);
}
console.log(`PROBE-REPORT ${JSON.stringify(report)}`);
