// The demo page in real Chromium against the local AWS IoT Core stand-in: Cognito connect,
// subscribe, publish, the message log, the device shadow (through the package's shadow client, from
// iotlite/services: delta, version, diff, 409, 404, an invalid thing name), a dropped connection,
// and the 403 explanation for a wrong secret. A second, independent MQTT client (the `mqtt` npm package on
// the stand-in's Mosquitto TCP port) publishes and observes. Screenshots go to the artifacts dir.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import mqtt from 'mqtt';
import { startEnvironment, admin } from './harness.mjs';

const STEP = { timeout: 30000 };

describe('web demo page in Chromium against the stand-in', () => {
  let env;
  let page;
  let observer;           // the independent MQTT client
  const observed = [];    // [topic, payload] it received
  const standinLog = [];

  before(async () => {
    env = await startEnvironment('e2e', { standinLog: (line) => standinLog.push(line) });
    observer = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.standin.endpoints.brokerTcpPort}`, {
      clientId: 'web-test-observer', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
    });
    observer.on('message', (topic, payload) => observed.push([topic, payload.toString()]));
    await observer.subscribeAsync('demo/#', { qos: 1 });
  });

  after(async () => {
    if (observer) await observer.endAsync(true).catch(() => {});
    if (env) await env.stop();
  });

  const text = (sel) => page.locator(sel).first().textContent();
  const waitObserved = async (topic, timeoutMs = 5000) => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const hit = observed.find(([t]) => t === topic);
      if (hit) return hit[1];
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the observer did not receive ${topic} within ${timeoutMs} ms`);
  };

  test('DemoPage_Loaded_PrefilledFromConfigJson', STEP, async () => {
    page = await env.newPage();
    assert.equal(await page.inputValue('input[name=endpoint]'), env.standin.endpoints.wsUrl);
    assert.equal(await page.inputValue('input[name=identityPoolId]'), env.standin.endpoints.identityPools.unauthenticated);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'idle');
    assert.equal(await page.isHidden('#fatal'), true, 'the package loaded');
    await env.shot(page, 'loaded');
  });

  test('DemoPage_CognitoUnauthenticatedPool_Connects', STEP, async () => {
    await page.click('#connect-button');
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    await page.waitForFunction(() => /^us-east-1:/.test(document.querySelector('#fact-identity').textContent));
    // 3600 s credentials: the countdown shows about an hour.
    assert.match(await text('#fact-expiry'), /^(59|60) min \d+ s/);
    assert.match(await text('#fact-offset'), /^[+-]?\d+ ms/);
    assert.ok(standinLog.some((l) => /cognito: GetCredentialsForIdentity ok/.test(l)), 'the stand-in issued Cognito credentials');
    // The page uses the package's services build: it loads iotlite-services.wasm and never iotlite.wasm.
    assert.deepEqual([...new Set(env.requests.filter((p) => p.endsWith('.wasm')))], ['/iotlite/iotlite-services.wasm']);
    await env.shot(page, 'connected');
  });

  test('DemoPage_Subscribe_ShowsGrantedQos', STEP, async () => {
    // A filter AWS IoT refuses is named by core's rule before it gets a row.
    await page.fill('#subscribe-form input[name=filter]', 'demo/a/b/c/d/e/f/g/#');
    await page.click('#subscribe-form button[type=submit]');
    await page.waitForSelector('#subscribe-error:not([hidden])');
    assert.match(await text('#subscribe-error'), /topic filter has 8 '\/' levels; AWS IoT allows 7/);
    assert.equal(await page.locator('#subscriptions li').count(), 0);
    await page.fill('#subscribe-form input[name=filter]', 'demo/#');
    await page.selectOption('#subscribe-form select[name=qos]', '1');
    await page.click('#subscribe-form button[type=submit]');
    await page.waitForSelector('#subscriptions li[data-filter="demo/#"][data-granted="1"]');
    await env.shot(page, 'subscribed');
  });

  test('DemoPage_Publish_MessageInLogAndAtIndependentClient', STEP, async () => {
    await page.fill('#publish-form input[name=topic]', 'demo/hello');
    await page.fill('#publish-form textarea[name=payload]', '{"n": 1, "from": "browser"}');
    await page.click('#publish-form button[type=submit]');
    await page.waitForSelector('#messages li[data-topic="demo/hello"]');
    assert.deepEqual(JSON.parse(await text('#messages li[data-topic="demo/hello"] pre')), { n: 1, from: 'browser' });
    assert.match(await text('#publish-result'), /PUBACK/);
    assert.deepEqual(JSON.parse(await waitObserved('demo/hello')), { n: 1, from: 'browser' }, 'an independent client got it');
    await env.shot(page, 'published');
  });

  test('DemoPage_InvalidJsonOrTopic_ExplainedNotSent', STEP, async () => {
    await page.fill('#publish-form textarea[name=payload]', '{not json');
    await page.click('#publish-form button[type=submit]');
    await page.waitForSelector('#publish-error:not([hidden])');
    assert.match(await text('#publish-error'), /not valid JSON/);
    await page.fill('#publish-form textarea[name=payload]', '{}');
    await page.fill('#publish-form input[name=topic]', 'a/b/c/d/e/f/g/h/i');
    await page.click('#publish-form button[type=submit]');
    await page.waitForSelector('#publish-error[data-code="limit_exceeded"]:not([hidden])');
    assert.match(await text('#publish-error'), /8 '\/' levels; AWS IoT allows 7/);
    await page.fill('#publish-form input[name=topic]', 'demo/+');
    await page.click('#publish-form button[type=submit]');
    await page.waitForSelector('#publish-error[data-code="invalid_topic"]:not([hidden])');
    assert.match(await text('#publish-error'), /wildcard/);
    await env.shot(page, 'publish-errors');
    await page.fill('#publish-form input[name=topic]', 'demo/hello');
  });

  test('DemoPage_HtmlPayload_ShownAsText', STEP, async () => {
    const evil = '<img src=x onerror="window.__owned=1"><b>bold</b>';
    await observer.publishAsync('demo/evil', evil, { qos: 1 });
    await page.waitForSelector('#messages li[data-topic="demo/evil"]');
    assert.equal(await text('#messages li[data-topic="demo/evil"] pre'), evil);
    assert.equal(await page.locator('#messages img, #messages b').count(), 0);
    assert.equal(await page.evaluate(() => window.__owned), undefined);
    // Defence in depth: the page's Content-Security-Policy refuses injected inline scripts.
    await assert.rejects(page.addScriptTag({ content: 'window.__owned = 2;' }));
    assert.equal(await page.evaluate(() => window.__owned), undefined);
  });

  test('DemoPage_LogFilter_UsesCoresFilterRulesAndMatching', STEP, async () => {
    await page.fill('#log-filter', 'demo/+');
    assert.equal(await page.isVisible('#messages li[data-topic="demo/hello"]'), true);
    await page.fill('#log-filter', 'demo/evil');
    assert.equal(await page.isHidden('#messages li[data-topic="demo/hello"]'), true);
    assert.equal(await page.isVisible('#messages li[data-topic="demo/evil"]'), true);
    // AWS IoT's rule, not only MQTT's: core's check through the package, as subscribe() applies it.
    await page.fill('#log-filter', 'demo/a/b/c/d/e/f/g/#');
    assert.match(await text('#log-filter-error'), /topic filter has 8 '\/' levels; AWS IoT allows 7/);
    assert.equal(await page.isVisible('#messages li[data-topic="demo/hello"]'), true, 'a filter that breaks a rule shows everything');
    await page.fill('#log-filter', 'demo/#/x');
    assert.match(await text('#log-filter-error'), /'#' must be the last level/);
    await env.shot(page, 'log-filter');
    await page.fill('#log-filter', '');
  });

  test('DemoPage_CopyPayloadButton_PutsRawPayloadOnClipboard', STEP, async () => {
    await env.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url.replace(/\/$/, '') });
    await page.click('#messages li[data-topic="demo/evil"] button:has-text("copy payload")');
    await page.waitForSelector('#messages li[data-topic="demo/evil"] button:has-text("copied")');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), '<img src=x onerror="window.__owned=1"><b>bold</b>');
  });

  test('DemoPage_WithoutRemember_NothingInLocalStorage', STEP, async () => {
    assert.deepEqual(await page.evaluate(() => Object.keys(localStorage)), []);
  });

  test('DemoPage_ShadowInvalidThingName_RuleNamedNothingOpened', STEP, async () => {
    await page.fill('#shadow-form input[name=thing]', 'web/test thing');
    await page.click('#shadow-form button[type=submit]');
    await page.waitForSelector('#shadow-error[data-code="invalid_argument"]:not([hidden])');
    assert.match(await text('#shadow-error'), /cannot be opened: the thing name has a character outside \[a-zA-Z0-9:_-\] at offset 3/);
    assert.equal(await page.isDisabled('#shadow-update'), true);
    await env.shot(page, 'shadow-invalid-name');
  });

  test('DemoPage_ShadowUpdateDesired_ShowsDeltaVersionAndDiff', STEP, async () => {
    await page.fill('#shadow-form input[name=thing]', 'web-test-thing');
    await page.click('#shadow-form button[type=submit]');
    await page.waitForSelector('#shadow-update:not([disabled])');
    // The shadow does not exist yet: the initial get is rejected with 404.
    await page.waitForSelector('#shadow-error[data-code="not_found"]:not([hidden])');
    await page.fill('#shadow-desired', '{"led": "on", "color": {"r": 255}}');
    await page.click('#shadow-update');
    await page.waitForSelector('#shadow-events li:has-text("delta, version 1")');
    assert.equal(await text('#shadow-version'), '1');
    assert.equal(await page.getAttribute('#shadow-diff tr[data-key="led"]', 'class'), 'differs');
    assert.equal(await text('#shadow-diff tr[data-key="color.r"] td:nth-child(2)'), '255');
    await env.shot(page, 'shadow-delta');

    // The device (the independent client) reports led=on: version 2, led no longer differs.
    await observer.publishAsync('$aws/things/web-test-thing/shadow/update', JSON.stringify({ state: { reported: { led: 'on' } } }), { qos: 1 });
    await page.waitForFunction(() => document.querySelector('#shadow-version').textContent === '2');
    await page.waitForSelector('#shadow-diff tr[data-key="led"]:not(.differs)');
    assert.equal(await page.getAttribute('#shadow-diff tr[data-key="color.r"]', 'class'), 'differs');
    await env.shot(page, 'shadow-reported');
  });

  test('DemoPage_ShadowStaleExpectedVersion_ConflictExplained', STEP, async () => {
    await page.fill('#shadow-expected-version', '1');
    await page.fill('#shadow-desired', '{"led": "off"}');
    await page.click('#shadow-update');
    await page.waitForSelector('#shadow-error[data-code="conflict"]:not([hidden])');
    assert.match(await text('#shadow-error'), /^update: version conflict: .*\(shadow update rejected: 409 Version conflict\)$/);
    assert.match(await text('#shadow-last'), /update rejected: 409 Version conflict/);
    assert.equal(await text('#shadow-version'), '2', 'the rejected update changed nothing');
    assert.equal(await text('#shadow-diff tr[data-key="led"] td:nth-child(2)'), '"on"');
    await env.shot(page, 'shadow-conflict');
    // With the current version the same update is accepted: version 3.
    await page.fill('#shadow-expected-version', '2');
    await page.click('#shadow-update');
    await page.waitForFunction(() => document.querySelector('#shadow-version').textContent === '3');
    assert.equal(await page.isHidden('#shadow-error'), true);
    assert.match(await text('#shadow-last'), /^update accepted, version 3$/);
    await page.fill('#shadow-expected-version', '');
  });

  test('DemoPage_ShadowDeleteThenGet_404InWords', STEP, async () => {
    await page.click('#shadow-delete');
    await page.waitForSelector('#shadow-events li:has-text("deleted (version 3)")');
    assert.equal(await text('#shadow-version'), '—');
    assert.equal(await page.locator('#shadow-diff tbody tr').count(), 0);
    await page.click('#shadow-get');
    await page.waitForSelector('#shadow-error[data-code="not_found"]:not([hidden])');
    assert.match(await text('#shadow-error'), /^get: this shadow does not exist yet; Update desired creates it\. \(shadow get rejected: 404 /);
    await env.shot(page, 'shadow-deleted');
  });

  test('DemoPage_StandinDropsConnections_ReconnectsAndSubscriptionDelivers', STEP, async () => {
    const { dropped } = await admin(env.standin, '/drop');
    assert.ok(dropped >= 1, `the stand-in dropped ${dropped} connections`);
    await page.waitForSelector('#status[data-state="reconnecting"]', { timeout: 5000 });
    assert.notEqual(await text('#fact-disconnect'), '—');
    await env.shot(page, 'reconnecting');
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 20000 });
    await page.waitForSelector('#conn-events li:has-text("reconnected")');
    await observer.publishAsync('demo/after-drop', '{"still": "subscribed"}', { qos: 1 });
    await page.waitForSelector('#messages li[data-topic="demo/after-drop"]', { timeout: 10000 });
    // The open shadow panel still gets its live events after the reconnect: the device creates
    // the deleted shadow again, at version 4 (a deleted shadow's version is not reset, as on AWS).
    const events = () => page.locator('#shadow-events li').count();
    const before = await events();
    await observer.publishAsync('$aws/things/web-test-thing/shadow/update', JSON.stringify({ state: { desired: { led: 'blink' } } }), { qos: 1 });
    await page.waitForFunction((n) => document.querySelectorAll('#shadow-events li').length >= n + 2, before, { timeout: 10000 });
    const newest = await page.locator('#shadow-events li > span.topic').evaluateAll((spans, n) => spans.slice(0, spans.length - n).map((s) => s.textContent).sort(), before);
    assert.deepEqual(newest, ['delta, version 4', 'documents, created, version 4']);
    await page.waitForFunction(() => document.querySelector('#shadow-diff tr[data-key="led"] td:nth-child(2)')?.textContent === '"blink"');
    assert.equal(await text('#shadow-version'), '4');
    await env.shot(page, 'reconnected');
  });

  test('DemoPage_WrongSecretKey_Shows403ExplanationWithClockOffset', STEP, async () => {
    const p2 = await env.newPage();
    const keys = env.standin.endpoints.testCredentials;
    await p2.check('input[name=authMode][value=static]');
    await p2.fill('input[name=accessKeyId]', keys.accessKeyId);
    await p2.fill('input[name=secretAccessKey]', `${keys.secretAccessKey}WRONG`);
    const refusedBefore = standinLog.filter((l) => /upgrade refused 403 SignatureDoesNotMatch/.test(l)).length;
    await p2.click('#connect-button');
    await p2.waitForSelector('#error[data-kind="forbidden"]:not([hidden])', { timeout: 15000 });
    assert.match(await p2.textContent('#error-title'), /403/);
    // The browser hides the 403; the page's probe of the client's endpoint finds it answering.
    await p2.waitForFunction(() => /answered but refused the WebSocket/.test(document.querySelector('#error-title').textContent),
      null, { timeout: 10000 });
    const hints = await p2.textContent('#error-hints');
    assert.match(hints, /secret access key is wrong/);
    assert.match(hints, /Clock offset in use: 0 ms/);
    assert.ok(standinLog.filter((l) => /upgrade refused 403 SignatureDoesNotMatch/.test(l)).length > refusedBefore,
      'the stand-in really refused the upgrade with 403 SignatureDoesNotMatch');
    // Fixed keys, refused: a retry cannot succeed, so the page stops (tests/web/demo.test.mjs).
    await p2.waitForSelector('#status[data-state="stopped"]');
    await env.shot(p2, 'wrong-secret');

    // The right secret connects: the 403 was the secret's fault.
    await p2.fill('input[name=secretAccessKey]', keys.secretAccessKey);
    await p2.click('#connect-button');
    await p2.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    assert.equal(await p2.isHidden('#error'), true);
    assert.match(await p2.textContent('#fact-expiry'), /never/);
    await env.shot(p2, 'right-secret');
    await p2.close();
  });

  test('DemoPage_NothingListensAtEndpoint_ExplainedAsUnreachable', STEP, async () => {
    // A loopback port that nothing listens on: bound, then closed.
    const port = await new Promise((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    });
    const p5 = await env.newPage();
    await p5.fill('input[name=endpoint]', `ws://127.0.0.1:${port}/mqtt`);
    await p5.click('#connect-button');
    await p5.waitForFunction(() => /could not be reached/.test(document.querySelector('#error-title').textContent),
      null, { timeout: 15000 });
    assert.equal(await p5.getAttribute('#error', 'data-kind'), 'network');
    await p5.close();
  });

  test('DemoPage_SkewedServerClock_CognitoLearnsOffsetStaticNeedsOffsetField', STEP, async () => {
    await admin(env.standin, '/clock', { skewSeconds: 600 });
    try {
      const p3 = await env.newPage();
      await p3.click('#connect-button');
      await p3.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
      const offset = await p3.textContent('#fact-offset');
      assert.match(offset, /learnt from the server/);
      const ms = Number(offset.match(/^\+?(-?\d+) ms/)[1]);
      assert.ok(Math.abs(ms - 600000) < 5000, `learnt offset ${ms} ms is about +600000 ms`);
      await env.shot(p3, 'skew-cognito-learnt');

      await p3.click('#close-button');  // Connect is disabled while connected
      const skewedBefore = standinLog.filter((l) => /upgrade refused 403 RequestTimeTooSkewed/.test(l)).length;
      await p3.check('input[name=authMode][value=static]');
      await p3.click('#connect-button');
      await p3.waitForSelector('#error[data-kind="forbidden"]:not([hidden])', { timeout: 15000 });
      assert.match(await p3.textContent('#error-hints'), /skewed clock\. Clock offset in use: 0 ms/);
      assert.ok(standinLog.filter((l) => /upgrade refused 403 RequestTimeTooSkewed/.test(l)).length > skewedBefore,
        'the stand-in refused the upgrade as RequestTimeTooSkewed');
      await env.shot(p3, 'skew-static-refused');

      await p3.fill('input[name=clockOffsetMs]', '600000');
      await p3.click('#connect-button');
      await p3.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
      assert.match(await p3.textContent('#fact-offset'), /^\+600000 ms$/);
      await env.shot(p3, 'skew-static-offset-set');
      await p3.close();
    } finally {
      await admin(env.standin, '/reset');
    }
  });

  test('DemoPage_RememberTicked_SecretsRestoredAfterReloadAndClearedWhenUnticked', STEP, async () => {
    const p4 = await env.newPage();
    const keys = env.standin.endpoints.testCredentials;
    // Cognito with remember: the package keeps the identity id in localStorage too.
    await p4.check('input[name=remember]');
    await p4.click('#connect-button');
    await p4.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    const identity = await p4.textContent('#fact-identity');
    assert.equal(await p4.evaluate((pool) => localStorage.getItem(`iotlite.cognito.${pool}`), env.standin.endpoints.identityPools.unauthenticated), identity);
    await p4.click('#close-button');
    await p4.check('input[name=authMode][value=static]');
    await p4.fill('input[name=clientId]', 'iotlite-web-remembered');
    await p4.click('#connect-button');
    await p4.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    await p4.reload();
    await p4.waitForSelector('body[data-ready="true"]');
    assert.equal(await p4.inputValue('input[name=clientId]'), 'iotlite-web-remembered');
    assert.equal(await p4.inputValue('input[name=secretAccessKey]'), keys.secretAccessKey);
    assert.equal(await p4.isChecked('input[name=authMode][value=static]'), true);
    assert.equal(await p4.isChecked('input[name=remember]'), true);
    await p4.uncheck('input[name=remember]');
    await p4.click('#connect-button');
    await p4.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    assert.deepEqual(await p4.evaluate(() => Object.keys(localStorage)), []);
    await p4.close();
  });

  test('DemoPage_CognitoLogins_RightTokenConnectsWrongTokenExplained', STEP, async () => {
    const pools = env.standin.endpoints.identityPools;
    const p6 = await env.newPage();
    await p6.fill('input[name=identityPoolId]', pools.authenticated);
    await p6.fill('input[name=loginsProvider]', pools.loginProvider);
    await p6.fill('input[name=loginsToken]', 'not-the-token');
    await p6.click('#connect-button');
    await p6.waitForSelector('#error[data-kind="cognito"]:not([hidden])', { timeout: 15000 });
    assert.match(await p6.textContent('#error-title'), /Cognito refused to issue credentials \(NotAuthorizedException\)/);
    assert.match(await p6.textContent('#error-hints'), /provider name and token/);
    await env.shot(p6, 'cognito-wrong-login');
    await p6.fill('input[name=loginsToken]', pools.loginToken);
    await p6.click('#connect-button');
    await p6.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    assert.equal(await p6.isHidden('#error'), true);
    await p6.close();
  });

  test('DemoPage_ShortLivedCognitoCredentials_CountdownFollowsTheRefresh', STEP, async () => {
    await admin(env.standin, '/credentials/lifetime', { seconds: 8 });
    try {
      const issued = () => standinLog.filter((l) => /cognito: GetCredentialsForIdentity ok/.test(l)).length;
      const before = issued();
      const p7 = await env.newPage();
      await p7.click('#connect-button');
      await p7.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
      const secondsLeft = async () => Number((await p7.textContent('#fact-expiry')).match(/^(\d+) s/)?.[1] ?? NaN);
      const first = await secondsLeft();
      assert.ok(first >= 1 && first <= 8, `countdown ${first} s of an 8 s credential`);
      // The package refreshes 10 % of the lifetime before expiry: a second GetCredentialsForIdentity...
      const end = Date.now() + 15000;
      while (issued() < before + 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      assert.ok(issued() >= before + 2, `Cognito issued ${issued() - before} credentials within 15 s (no refresh)`);
      // ...and the countdown follows the new credentials (back near 8 s, not "now").
      await p7.waitForFunction(() => /^[5-8] s/.test(document.querySelector('#fact-expiry').textContent), null, { timeout: 3000, polling: 100 });
      // Connected with them: with 8 s credentials the package re-signs and reconnects ahead of
      // every expiry, so the page may be between two connections at any given instant.
      await p7.waitForSelector('#status[data-state="connected"]', { timeout: 5000 });
      await p7.close();
    } finally {
      await admin(env.standin, '/reset');
    }
  });

  test('DemoPage_NoConfigJson_EmptyFieldsAndMissingFieldsNamed', STEP, async () => {
    const url = await env.serveSite('site-without-config', null);
    const p5 = await env.newPage(url);
    assert.equal(await p5.inputValue('input[name=endpoint]'), '');
    assert.equal(await p5.inputValue('input[name=identityPoolId]'), '');
    assert.equal(await p5.getAttribute('#config-note', 'data-kind'), 'aws', 'the note points to web/AWS.md');
    assert.equal(await p5.isHidden('#standin'), true);
    assert.match(await p5.inputValue('input[name=clientId]'), /^iotlite-web-[a-z0-9]+$/);
    await p5.click('#connect-button');
    await p5.waitForSelector('#error:not([hidden])');
    assert.match(await p5.textContent('#error-detail'), /please fill in: endpoint, identity pool id/);
    assert.equal(await p5.isVisible('#error-detail'), true);
    assert.equal(await p5.getAttribute('input[name=endpoint]', 'aria-invalid'), 'true');
    assert.equal(await p5.getAttribute('#status', 'data-state'), 'idle');
    await env.shot(p5, 'no-config');
    await p5.close();
  });

  // Chromium logs every refused WebSocket (wrong secret, skewed clock) and every HTTP error
  // answer itself. The only expected HTTP errors: the reachability probe's plain GET /mqtt (the
  // gateway answers 426), config.json on the site without one (404) and Cognito refusing a
  // wrong login token (400 on its POST /).
  test('DemoPage_WholeRun_NoScriptErrorsAndOnlyExpectedHttpErrors', () => {
    // (The CSP test's refused inline script is logged too; its hash is not the import map's.)
    const expected = /WebSocket connection to .* failed|Failed to load resource|Executing inline script violates the following Content Security Policy directive .*cUFfgh3a3zctOrQ\+pPQD7IP6oVciLMPX6AFbgWpbRlQ=/;
    assert.deepEqual(env.consoleErrors.filter((e) => !expected.test(e)), []);
    assert.deepEqual([...new Set(env.failedResponses)].sort(), ['400 /', '404 /config.json', '426 /mqtt']);
  });
});
