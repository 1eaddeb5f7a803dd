// The package's page lifecycle (wasm/README.md "Page lifecycle") in real Chromium against the
// stand-in: the browser's own `offline`/`online` events (CDP network emulation) reach the client,
// which makes no attempt while offline and reconnects at once when the network returns, not after
// its 20 s backoff. (Headless Chromium keeps the page visible when minimised, fires no
// freeze/resume for Page.setWebLifecycleState on a visible page, and under playwright-core keeps
// no page in the back/forward cache: those events are driven in tests/wasm/lifecycle.test.mjs.)
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startEnvironment, admin } from './harness.mjs';

describe('page lifecycle in Chromium against the stand-in', () => {
  let env;
  let page;

  before(async () => {
    env = await startEnvironment('lifecycle');
    page = await env.newPage();
    const ep = env.standin.endpoints;
    await page.evaluate(async ({ wsUrl, region, credentials }) => {
      const { IotClient } = await import('/iotlite/index.js');
      const log = (window.lifecycleLog = { opened: 0, events: [] });
      const Counting = class extends WebSocket {
        constructor(...a) { super(...a); log.opened += 1; }
      };
      const client = await IotClient.create({
        endpoint: wsUrl, region, credentials, clientId: `lifecycle-${Date.now()}`, WebSocket: Counting,
        reconnect: { minDelayMs: 20000, maxDelayMs: 30000 },
      });
      for (const e of ['connect', 'disconnect', 'reconnecting']) client.on(e, (x) => log.events.push([e, performance.now(), x && x.delayMs]));
      window.lifecycleClient = client;
      await client.connect();
    }, { wsUrl: ep.wsUrl, region: ep.region, credentials: ep.testCredentials });
  });

  after(async () => {
    if (page) await page.evaluate(() => window.lifecycleClient && window.lifecycleClient.close()).catch(() => {});
    if (env) await env.stop();
  });

  const log = () => page.evaluate(() => window.lifecycleLog);
  const waitFor = async (what, predicate, ms = 5000) => {
    const end = Date.now() + ms;
    for (;;) {
      const l = await log();
      if (predicate(l)) return l;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(l)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const count = (l, e) => l.events.filter(([n]) => n === e).length;

  test('Lifecycle_ChromiumOfflineThenOnline_NoAttemptOfflineReconnectAtOnceOnline', { timeout: 30000 }, async () => {
    await env.context.setOffline(true);
    await admin(env.standin, '/drop');
    let l = await waitFor('the reconnecting event', (x) => count(x, 'reconnecting') === 1);
    assert.ok(l.events.at(-1)[2] >= 20000, `backoff ${l.events.at(-1)[2]} ms`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await log()).opened, 1, 'no attempt while offline');
    const t = Date.now();
    await env.context.setOffline(false);
    l = await waitFor('the reconnection', (x) => count(x, 'connect') === 2);
    assert.ok(Date.now() - t < 2000, `reconnected ${Date.now() - t} ms after "online", not after the 20 s backoff`);
    assert.equal(l.opened, 2);
  });
});
