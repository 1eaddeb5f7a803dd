// The demo page's rough edges (issue 16, item 7), each fixed screen checked in Chromium against
// the stand-in and saved as a screenshot (IOTLITE_WEB_ARTIFACTS, demo-*.png): stale "Not
// connected" lines, Connect while connected, failures a retry cannot mend (unknown Cognito pool,
// wrong secret) stopped and explained, a missing region named, a closed port explained without a
// 403, the stand-in's /reset answer and the shadow topic line inside their panels, the pointer
// to web/AWS.md without config.json, and the page as one module per panel.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startEnvironment } from './harness.mjs';

const STEP = { timeout: 40000 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('demo page rough edges in Chromium against the stand-in', () => {
  let env;
  const standinLog = [];
  const count = (re) => standinLog.filter((l) => re.test(l)).length;

  before(async () => { env = await startEnvironment('demo', { standinLog: (line) => standinLog.push(line) }); });
  after(async () => { if (env) await env.stop(); });

  // `sel` lies inside `container` (its box) and shows all of its text (nothing scrolled away).
  const assertFits = async (page, sel, container) => {
    const m = await page.evaluate(([s, c]) => {
      const e = document.querySelector(s);
      const p = document.querySelector(c).getBoundingClientRect();
      const r = e.getBoundingClientRect();
      return { left: r.left, right: r.right, pl: p.left, pr: p.right, sw: e.scrollWidth, cw: e.clientWidth };
    }, [sel, container]);
    assert.ok(m.sw <= m.cw, `${sel}: content ${m.sw} px wide in ${m.cw} px (cut off)`);
    assert.ok(m.left >= m.pl && m.right <= m.pr, `${sel} [${m.left}, ${m.right}] outside ${container} [${m.pl}, ${m.pr}]`);
  };
  const liveConnections = async () => (await (await fetch(`${env.standin.endpoints.adminUrl}/state`)).json()).liveRelays;

  test('Demo_NotConnectedLines_ClearedOnceConnected', STEP, async () => {
    const page = await env.newPage();
    await page.click('#subscribe-form button[type=submit]');
    await page.click('#publish-form button[type=submit]');
    await page.click('#shadow-form button[type=submit]');
    for (const sel of ['#subscribe-error', '#publish-error', '#shadow-error']) {
      await page.waitForSelector(`${sel}[data-code="not_connected"]:not([hidden])`);
      assert.match(await page.textContent(sel), /^Not connected: connect before/);
    }
    await env.shot(page, 'not-connected-before');
    await page.click('#connect-button');
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    for (const sel of ['#subscribe-error', '#publish-error', '#shadow-error']) {
      await page.waitForSelector(`${sel}[hidden]`, { state: 'attached', timeout: 2000 });
    }
    await env.shot(page, 'not-connected-cleared');
    // Other errors are not about the connection: they stay.
    await page.fill('#publish-form textarea[name=payload]', '{oops');
    await page.click('#publish-form button[type=submit]');
    await page.waitForSelector('#publish-error[data-code="invalid_argument"]:not([hidden])');
    await page.close();
  });

  test('Demo_ConnectButton_DisabledWhileConnectingOrConnectedNoSilentReplacement', STEP, async () => {
    const page = await env.newPage();
    const before = await liveConnections();
    // Connect disables itself at once (connecting), before any answer.
    const disabledAtOnce = await page.evaluate(() => {
      document.querySelector('#connect-button').click();
      return document.querySelector('#connect-button').disabled;
    });
    assert.equal(disabledAtOnce, true, 'Connect disabled while connecting');
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    assert.equal(await page.isDisabled('#connect-button'), true, 'Connect disabled while connected');
    assert.match(await page.getAttribute('#connect-button', 'title'), /Disconnect first/);
    const identity = await page.textContent('#fact-identity');
    // A submit by other means (Enter in a field) does not replace the connection either.
    await page.press('input[name=clientId]', 'Enter');
    await sleep(1500);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'connected');
    assert.equal(await page.locator('#conn-events li:has-text("connecting to")').count(), 1, 'one connection made');
    assert.equal(await page.textContent('#fact-identity'), identity);
    assert.equal(await liveConnections(), before + 1, 'the stand-in relays exactly one more connection');
    await env.shot(page, 'connect-disabled');
    await page.click('#close-button');
    await page.waitForSelector('#status[data-state="disconnected"]');
    assert.equal(await page.isEnabled('#connect-button'), true, 'Connect enabled again after Disconnect');
    assert.equal(await page.isDisabled('#close-button'), true);
    await page.close();
  });

  test('Demo_UnknownCognitoPool_StopsAndExplainsInsteadOfReconnecting', STEP, async () => {
    const page = await env.newPage();
    await page.fill('input[name=identityPoolId]', 'us-east-1:11111111-2222-4333-8444-555555555555');
    await page.click('#connect-button');
    await page.waitForSelector('#status[data-state="stopped"]', { timeout: 15000 });
    assert.equal(await page.getAttribute('#error', 'data-stopped'), 'true');
    assert.equal(await page.getAttribute('#error', 'data-code'), 'invalid_argument');
    assert.match(await page.textContent('#error-title'), /Cognito does not know this identity pool \(ResourceNotFoundException\)/);
    assert.match(await page.textContent('#error-stopped'), /^Stopped, not retrying: Cognito refused the identity pool id/);
    const asked = count(/cognito: ResourceNotFoundException/);
    assert.ok(asked >= 1, 'the stand-in answered ResourceNotFoundException');
    await sleep(3000);  // the client's backoff starts at 1 s: a retry would have asked again
    assert.equal(count(/cognito: ResourceNotFoundException/), asked, 'no retry after stopping');
    assert.equal(await page.locator('#conn-events li:has-text("reconnecting")').count(), 0);
    assert.equal(await page.getAttribute('#status', 'data-state'), 'stopped');
    assert.equal(await page.isEnabled('#connect-button'), true);
    await env.shot(page, 'unknown-pool-stopped');
    await page.close();
  });

  test('Demo_WrongSecret_StopsWith403ExplanationNoEndlessRetry', STEP, async () => {
    const page = await env.newPage();
    const keys = env.standin.endpoints.testCredentials;
    await page.check('input[name=authMode][value=static]');
    await page.fill('input[name=accessKeyId]', keys.accessKeyId);
    await page.fill('input[name=secretAccessKey]', `${keys.secretAccessKey}WRONG`);
    await page.click('#connect-button');
    await page.waitForSelector('#status[data-state="stopped"]', { timeout: 15000 });
    assert.match(await page.textContent('#error-title'), /answered but refused the WebSocket: almost certainly HTTP 403/);
    assert.match(await page.textContent('#error-hints'), /secret access key is wrong/);
    assert.doesNotMatch(await page.textContent('#error-hints'), /identity pool.s region/);
    assert.match(await page.textContent('#error-stopped'), /same keys and clock offset/);
    const refused = count(/upgrade refused 403 SignatureDoesNotMatch/);
    assert.ok(refused >= 1, 'the stand-in refused the signature');
    await sleep(3000);
    assert.equal(count(/upgrade refused 403 SignatureDoesNotMatch/), refused, 'no retry after stopping');
    await env.shot(page, 'wrong-secret-stopped');
    // Fixed, Connect works again.
    await page.fill('input[name=secretAccessKey]', keys.secretAccessKey);
    await page.click('#connect-button');
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    assert.equal(await page.isHidden('#error'), true);
    await page.close();
  });

  test('Demo_MissingRegion_ErrorNamesTheRegion', STEP, async () => {
    const page = await env.newPage();
    const keys = env.standin.endpoints.testCredentials;
    await page.check('input[name=authMode][value=static]');
    await page.fill('input[name=accessKeyId]', keys.accessKeyId);
    await page.fill('input[name=secretAccessKey]', keys.secretAccessKey);
    await page.fill('input[name=region]', '');
    await page.click('#connect-button');
    await page.waitForSelector('#error:not([hidden])', { timeout: 10000 });
    const title = await page.textContent('#error-title');
    assert.doesNotMatch(title, /An input is not valid/);
    assert.match(title, /the region cannot be inferred.*give the region explicitly/);
    assert.equal(await page.getAttribute('#error', 'data-code'), 'invalid_argument');
    assert.equal(await page.getAttribute('#status', 'data-state'), 'idle');
    assert.equal(await page.isEnabled('#connect-button'), true);
    await env.shot(page, 'missing-region');
    await page.close();
  });

  test('Demo_ClosedPort_ExplainedAsUnreachableWithoutTalkOf403', STEP, async () => {
    const port = await new Promise((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
    });
    const page = await env.newPage();
    await page.fill('input[name=endpoint]', `ws://127.0.0.1:${port}/mqtt`);
    await page.click('#connect-button');
    await page.waitForSelector('#error[data-kind="network"]:not([hidden])', { timeout: 15000 });
    assert.match(await page.textContent('#error-title'), /could not be reached/);
    assert.match(await page.textContent('#error-detail'), new RegExp(`nothing answers at ws://127\\.0\\.0\\.1:${port}/mqtt`));
    await sleep(1500);  // a retry or two later: still no 403 anywhere
    const words = `${await page.textContent('#error')} ${await page.textContent('#conn-events')}`;
    assert.doesNotMatch(words, /403|Forbidden|signature/i);
    // Unreachable may mend itself (a server starting, the network returning): still retrying.
    assert.equal(await page.getAttribute('#status', 'data-state'), 'reconnecting');
    await env.shot(page, 'closed-port');
    await page.click('#close-button');
    await page.close();
  });

  test('Demo_StandinReset_AnswerInWordsInsideItsPanel', STEP, async () => {
    const page = await env.newPage();
    await page.click('#standin-reset');
    await page.waitForFunction(() => document.querySelector('#standin-result').textContent.startsWith('/reset:'));
    await assertFits(page, '#standin-result', '#connection');
    assert.match(await page.textContent('#standin-result'), /^\/reset: broker running, clock not skewed, latency 0 ms, Cognito credentials last \d+ s, \d+ live connections?\.$/);
    await env.shot(page, 'standin-reset');
    await page.close();
  });

  test('Demo_ShadowTopicLine_WholeTopicInsideThePanel', STEP, async () => {
    const page = await env.newPage();
    await page.click('#connect-button');
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    // No hyphen: nothing to break the line at but the page's own wrapping.
    const thing = 'demo_thing_with_a_rather_long_name_0123456789_abcdefghij';
    await page.fill('#shadow-form input[name=thing]', thing);
    await page.fill('#shadow-form input[name=name]', 'settings-of-the-device');
    await page.click('#shadow-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#shadow-topic').textContent !== '');
    await assertFits(page, '#shadow-topic', '#shadow');
    assert.equal(await page.textContent('#shadow-topic'), `Topics: $aws/things/${thing}/shadow/name/settings-of-the-device/…`);
    await env.shot(page, 'shadow-topic');
    await page.close();
  });

  test('Demo_NoConfigJson_PointsToAwsMd', STEP, async () => {
    const url = await env.serveSite('site-without-config', null);
    const page = await env.newPage(url);
    await page.waitForSelector('#config-note[data-kind="aws"]:not([hidden])');
    assert.match(await page.textContent('#config-note'), /no config\.json.*follow web\/AWS\.md in the iotlite repository/);
    await env.shot(page, 'no-config-aws-md');
    await page.close();
  });

  test('Demo_Page_OneModulePerPanelAndOneWriterOfTheState', STEP, async () => {
    const page = await env.newPage();
    for (const m of ['settings', 'connection', 'subscriptions', 'publish', 'messages', 'shadow', 'standin']) {
      assert.ok(env.requests.includes(`/panels/${m}.js`), `panels/${m}.js loaded`);
    }
    // connection.js took the state's setter: nobody else can.
    const refused = await page.evaluate(async () => {
      const state = await import('/state.js');
      try { state.takeWriter(); return null; } catch (e) { return e.message; }
    });
    assert.match(refused ?? 'a second writer was given the setter', /single writer/);
    await page.close();
  });

  test('Demo_WholeRun_NoScriptErrors', () => {
    const expected = /WebSocket connection to .* failed|Failed to load resource/;
    assert.deepEqual(env.consoleErrors.filter((e) => !expected.test(e)), []);
  });
});
