// The demo page's pure modules (web/lib): MQTT filter matching, the shadow diff, the error
// explanations and the shadow request/response correlation (with a scripted fake client).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topicMatches, filterError } from '../../web/lib/topic_filter.js';
import { diffRows, flatten, cell } from '../../web/lib/shadow_diff.js';
import { explain } from '../../web/lib/explain.js';
import { ShadowSession, shadowNameError, shadowPrefix } from '../../web/lib/shadow_session.js';

test('TopicFilter_ValidFilters_MatchAsMqtt311Says', () => {
  // MQTT 3.1.1 §4.7 examples.
  assert.equal(topicMatches('sport/tennis/player1/#', 'sport/tennis/player1'), true);
  assert.equal(topicMatches('sport/tennis/player1/#', 'sport/tennis/player1/ranking'), true);
  assert.equal(topicMatches('sport/tennis/player1/#', 'sport/tennis/player1/score/wimbledon'), true);
  assert.equal(topicMatches('sport/#', 'sport'), true);
  assert.equal(topicMatches('#', 'a/b/c'), true);
  assert.equal(topicMatches('sport/tennis/+', 'sport/tennis/player1'), true);
  assert.equal(topicMatches('sport/tennis/+', 'sport/tennis/player1/ranking'), false);
  assert.equal(topicMatches('sport/+', 'sport'), false);
  assert.equal(topicMatches('sport/+', 'sport/'), true);
  assert.equal(topicMatches('+/+', '/finance'), true);
  assert.equal(topicMatches('/+', '/finance'), true);
  assert.equal(topicMatches('+', '/finance'), false);
  assert.equal(topicMatches('a/b', 'a/b/c'), false);
  assert.equal(topicMatches('a/b/c', 'a/b'), false);
});

test('TopicFilter_DollarTopics_NotMatchedByLeadingWildcards', () => {
  assert.equal(topicMatches('#', '$SYS/x'), false);
  assert.equal(topicMatches('+/monitor/Clients', '$SYS/monitor/Clients'), false);
  assert.equal(topicMatches('$SYS/#', '$SYS/monitor/Clients'), true);
  assert.equal(topicMatches('$aws/things/+/shadow/#', '$aws/things/t1/shadow/update/delta'), true);
});

test('TopicFilter_InvalidFilters_NamedRuleAndNoMatch', () => {
  assert.match(filterError('sport/tennis#'), /"#" must be a whole level/);
  assert.match(filterError('sport/#/ranking'), /"#" must be a whole level and the last one/);
  assert.match(filterError('sport+'), /"\+" must be a whole level/);
  assert.match(filterError(''), /must not be empty/);
  assert.equal(filterError('a/+/b/#'), null);
  assert.equal(topicMatches('sport/#/x', 'sport/a/x'), false);
});

test('ShadowDiff_NestedState_LeafRowsWithDeltaRule', () => {
  const rows = diffRows({ led: 'on', color: { r: 255, g: 0 }, list: [1, 2] }, { led: 'off', color: { r: 255 }, temp: 21, list: [1, 2] });
  assert.deepEqual(rows.map((r) => [r.key, r.differs]), [
    ['color.g', true], ['color.r', false], ['led', true], ['list', false], ['temp', false]]);
  assert.equal(cell(rows.find((r) => r.key === 'temp').desired), '—');
  assert.equal(cell(rows.find((r) => r.key === 'led').reported), '"off"');
  assert.deepEqual([...flatten({ a: {} })], [['a', {}]]);
  assert.deepEqual(diffRows(undefined, null), []);
});

test('Explain_BrowserRefusedUpgrade_Says403WithClockOffset', () => {
  const e = Object.assign(new Error('WebSocket to h could not be opened'), { code: 'io_error' });
  const info = explain(e, { phase: 'connect', clockOffsetMs: -1500, authMode: 'static', reachable: true, accessKeyId: 'AKIDX' });
  assert.equal(info.kind, 'forbidden');
  assert.match(info.title, /403/);
  assert.ok(info.hints.some((h) => /Clock offset in use: -1500 ms/.test(h)));
  assert.ok(info.hints.some((h) => /secret access key is wrong/.test(h)));
  assert.ok(!info.hints.some((h) => /ASIA/.test(h)), 'no temporary-key hint for a long-term key');
  const asia = explain(e, { phase: 'connect', authMode: 'static', accessKeyId: 'ASIAXXXX', hasSessionToken: false });
  assert.ok(asia.hints.some((h) => /needs its session token/.test(h)));
});

test('Explain_UnreachableOrNodeStatus_DistinguishedFrom403', () => {
  const io = Object.assign(new Error('x'), { code: 'io_error' });
  assert.equal(explain(io, { phase: 'connect', reachable: false }).kind, 'network');
  assert.match(explain(io, { phase: 'connect', everConnected: true, reachable: true }).title, /when reconnecting: almost certainly HTTP 403/);
  assert.equal(explain(io, { phase: 'publish' }).kind, 'io_error');
  const s403 = Object.assign(new Error('HTTP 403'), { code: 'auth_failed', status: 403 });
  assert.match(explain(s403, { phase: 'connect' }).title, /HTTP 403 Forbidden/);
  const cognito = Object.assign(new Error('Cognito GetId: NotAuthorizedException: no'), { code: 'auth_failed', cognitoType: 'NotAuthorizedException' });
  assert.match(explain(cognito, { phase: 'connect' }).hints.join(' '), /unauthenticated access/);
  assert.match(explain(cognito, { phase: 'connect', hasLogins: true }).hints.join(' '), /provider name and token/);
  // As re-reported by the engine: code and message only.
  const relayed = { code: 'auth_failed', message: 'Cognito GetCredentialsForIdentity: NotAuthorizedException: Invalid login token.' };
  assert.equal(explain(relayed, { phase: 'connect' }).title, 'Cognito refused to issue credentials (NotAuthorizedException)');
  assert.match(explain({ code: 'invalid_topic', message: 'm' }, { phase: 'publish' }).title, /AWS IoT rule/);
  assert.match(explain({ code: 'server_error', message: 'SUBACK 0x80' }, { phase: 'subscribe' }).hints[0], /iot:Subscribe/);
});

// A fake of the package's client: records subscribe/publish; `deliver` plays the broker.
function fakeClient() {
  const subs = new Map();
  const published = [];
  return {
    subs, published,
    async subscribe(filter, _o, handler) { subs.set(filter, handler); return 1; },
    async unsubscribe(filter) { subs.delete(filter); },
    async publish(topic, payload) { published.push({ topic, doc: JSON.parse(payload) }); },
    deliver(topic, doc) {
      const text = JSON.stringify(doc);
      subs.get(topic)?.({ topic, text: () => text, json: () => JSON.parse(text) });
    },
  };
}

test('ShadowSession_Requests_SubscribeFirstAndCorrelateByClientToken', async () => {
  const c = fakeClient();
  const events = [];
  const s = new ShadowSession(c, 'thing1', 'cfg', (e) => events.push(e), { timeoutMs: 1000 });
  await s.open();
  const p = '$aws/things/thing1/shadow/name/cfg';
  assert.deepEqual([...c.subs.keys()].sort(), [
    `${p}/delete/accepted`, `${p}/delete/rejected`, `${p}/get/accepted`, `${p}/get/rejected`,
    `${p}/update/accepted`, `${p}/update/delta`, `${p}/update/documents`, `${p}/update/rejected`].sort());

  const upd = s.update({ desired: { led: 'on' } });
  await new Promise((r) => setImmediate(r));
  const sent = c.published.at(-1);
  assert.equal(sent.topic, `${p}/update`);
  assert.deepEqual(sent.doc.state, { desired: { led: 'on' } });
  // An answer for another token is ignored; ours resolves.
  c.deliver(`${p}/update/accepted`, { version: 9, clientToken: 'someone-else' });
  c.deliver(`${p}/update/accepted`, { version: 3, clientToken: sent.doc.clientToken });
  assert.equal((await upd).version, 3);

  const get = s.get();
  await new Promise((r) => setImmediate(r));
  c.deliver(`${p}/get/rejected`, { code: 404, message: 'No shadow exists', clientToken: c.published.at(-1).doc.clientToken });
  await assert.rejects(get, (e) => e.status === 404 && /get rejected: 404/.test(e.message));
  c.deliver(`${p}/update/delta`, { version: 3, state: { led: 'on' } });
  assert.deepEqual(events.map((e) => e.type), ['accepted', 'accepted', 'rejected', 'delta']);
  await s.close();
  assert.equal(c.subs.size, 0);
});

test('ShadowSession_NoAnswer_RejectsWithTimeout', async () => {
  const s = new ShadowSession(fakeClient(), 't', '', () => {}, { timeoutMs: 20 });
  await s.open();
  await assert.rejects(s.delete(), (e) => e.code === 'timeout');
});

test('ShadowNames_AwsRules_NamedInTheError', () => {
  assert.equal(shadowNameError('thing-1:a_b', ''), null);
  assert.match(shadowNameError('', ''), /required/);
  assert.match(shadowNameError('a/b', ''), /may only contain/);
  assert.match(shadowNameError('x'.repeat(129), ''), /129 characters; AWS IoT allows 128/);
  assert.match(shadowNameError('t', 'y'.repeat(65)), /65 characters; AWS IoT allows 64/);
  assert.equal(shadowPrefix('t', ''), '$aws/things/t/shadow');
  assert.throws(() => new ShadowSession(fakeClient(), 'a b', '', () => {}), /may only contain/);
});
