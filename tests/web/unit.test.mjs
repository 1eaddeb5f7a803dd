// The demo page's pure modules (web/lib): MQTT filter matching, the shadow diff, the error
// explanations and the shadow panel's error words. (The shadow requests are the package's shadow client: tests/wasm/shadow.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topicMatches, filterError } from '../../web/lib/topic_filter.js';
import { diffRows, flatten, cell } from '../../web/lib/shadow_diff.js';
import { explain } from '../../web/lib/explain.js';
import { shadowErrorWords } from '../../web/lib/shadow_words.js';

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
  const relayed = { code: 'auth_failed', message: 'Cognito GetCredentialsForIdentity: NotAuthorizedException: Invalid login token.',
    service: 'cognito', cognitoType: 'NotAuthorizedException' };
  assert.equal(explain(relayed, { phase: 'connect' }).title, 'Cognito refused to issue credentials (NotAuthorizedException)');
  // Explained from fields, never from the text: the same words without the fields are not Cognito's.
  const textOnly = { code: 'auth_failed', message: relayed.message };
  assert.notEqual(explain(textOnly, { phase: 'connect' }).kind, 'cognito');
  const unreachable = { code: 'io_error', message: 'Cognito GetId: request to https://x/ failed (fetch failed)', service: 'cognito' };
  assert.equal(explain(unreachable, { phase: 'connect' }).title, 'Cognito could not be reached');
  assert.notEqual(explain({ code: 'io_error', message: unreachable.message }, { phase: 'connect' }).title, 'Cognito could not be reached');
  assert.match(explain({ code: 'invalid_topic', message: 'm' }, { phase: 'publish' }).title, /AWS IoT rule/);
  assert.match(explain({ code: 'server_error', message: 'SUBACK 0x80' }, { phase: 'subscribe' }).hints[0], /iot:Subscribe/);
});

// Errors shaped as the package's shadow client makes them (wasm/js/shadow.js, C++ messages).
test('ShadowErrorWords_PackageErrors_SaidInWordsWithTheServiceMessage', () => {
  const notFound = shadowErrorWords({ code: 'server_error', status: 404, message: "shadow get rejected: 404 No shadow exists with name: 't'" }, 'get');
  assert.equal(notFound.code, 'not_found');
  assert.match(notFound.text, /^get: this shadow does not exist yet; Update desired creates it\. \(shadow get rejected: 404 No shadow exists/);
  const conflict = shadowErrorWords({ code: 'conflict', status: 409, message: 'shadow update rejected: 409 Version conflict' }, 'update');
  assert.equal(conflict.code, 'conflict');
  assert.match(conflict.text, /^update: version conflict: .*retry with its current version\. \(shadow update rejected: 409 Version conflict\)$/);
  const other = shadowErrorWords({ code: 'server_error', status: 400, message: 'shadow update rejected: 400 Missing required node: state' }, 'update');
  assert.equal(other.code, 'server_error');
  assert.match(other.text, /status 400\. \(shadow update rejected: 400 Missing required node: state\)/);
  const timeout = shadowErrorWords({ code: 'timeout', message: "no response to shadow delete (clientToken 'a') within 10000 ms" }, 'delete');
  assert.equal(timeout.code, 'timeout');
  assert.match(timeout.text, /^delete: no answer from the shadow service in time \(no response to shadow delete .* within 10000 ms\)\. .*iot:Receive/);
  const name = shadowErrorWords({ code: 'invalid_argument', message: 'thing name has a character outside [a-zA-Z0-9:_-] at offset 1' });
  assert.deepEqual(name, { code: 'invalid_argument', text: 'This shadow cannot be opened: the thing name has a character outside [a-zA-Z0-9:_-] at offset 1.' });
  const long = shadowErrorWords({ code: 'limit_exceeded', message: 'thing name has 129 bytes; AWS allows 128' });
  assert.match(long.text, /the thing name has 129 bytes; AWS allows 128\.$/);
  // Not shadow-specific (a state patch that is no JSON, a closed client): left to explain().
  assert.equal(shadowErrorWords({ code: 'invalid_argument', message: 'the state patch is not valid JSON' }, 'update'), null);
  assert.equal(shadowErrorWords({ code: 'closed', message: 'the client was closed' }, 'get'), null);
});
