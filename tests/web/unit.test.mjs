// The demo page's pure modules (web/lib): the shadow diff, the error
// explanations and the shadow panel's error words. (The shadow requests are the package's shadow client: tests/wasm/shadow.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffRows, flatten, cell } from '../../web/lib/shadow_diff.js';
import { explain } from '../../web/lib/explain.js';
import { shadowErrorWords } from '../../web/lib/shadow_words.js';
import { jobsErrorWords, pendingRows, statusDetailsFrom } from '../../web/lib/jobs_words.js';
import { retryVerdict } from '../../web/lib/retry.js';
import { describeAnswer } from '../../web/lib/standin_answer.js';
import { readFileSync, readdirSync } from 'node:fs';

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
  const asia = explain(e, { phase: 'connect', authMode: 'static', reachable: true, accessKeyId: 'ASIAXXXX', hasSessionToken: false });
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

test('Explain_FailedWebSocketBeforeOrWithoutAnswer_NothingAbout403', () => {
  // The package's browser text mentions a 403 for every failed WebSocket; the page does not repeat
  // it until its probe found the endpoint answering.
  const io = { code: 'io_error', message: 'WebSocket to h:1 could not be opened (the browser hides the HTTP status; a 403 is a bad signature, ...)' };
  const no403 = (info) => assert.doesNotMatch(`${info.title} ${info.detail} ${info.hints.join(' ')}`, /403|Forbidden|signature/);
  const checking = explain(io, { phase: 'connect', authMode: 'static', endpointUrl: 'ws://h:1/mqtt' });
  assert.equal(checking.kind, 'checking');
  no403(checking);
  const down = explain(io, { phase: 'connect', reachable: false, endpointUrl: 'ws://h:1/mqtt' });
  assert.equal(down.kind, 'network');
  assert.match(down.detail, /^nothing answers at ws:\/\/h:1\/mqtt/);
  no403(down);
});

test('Explain_Forbidden_NoUndocumentedRegionMatchHint', () => {
  const e = { code: 'io_error', message: 'x' };
  for (const authMode of ['cognito', 'static']) {
    const hints = explain(e, { phase: 'connect', authMode, reachable: true }).hints.join(' ');
    assert.doesNotMatch(hints, /identity pool.s region/);
    assert.match(hints, /region must be the endpoint.s region/);  // SigV4: the region is in the signature
  }
});

test('Explain_InvalidArgumentAtConnect_TitleIsTheBrokenRule', () => {
  const region = { code: 'invalid_argument', message: "endpoint '127.0.0.1': the region cannot be inferred (not <prefix>.iot.<region>.amazonaws.com[.cn]); give the region explicitly" };
  const info = explain(region, { phase: 'connect' });
  assert.match(info.title, /^Endpoint '127\.0\.0\.1': the region cannot be inferred/);
  assert.notEqual(info.title, 'An input is not valid');
  const ruled = explain({ code: 'invalid_argument', message: 'client id has 130 bytes', rule: 'client_id.bytes', limit: 128, actual: 130 }, { phase: 'connect' });
  assert.deepEqual(ruled.hints, ['Rule broken: client_id.bytes (limit 128, found 130).']);
  // Elsewhere (inline lines say "title: detail") the short title stays.
  assert.equal(explain({ code: 'invalid_argument', message: 'm' }, { phase: 'publish' }).title, 'An input is not valid');
});

test('RetryVerdict_WordsThePackagesVerdict_AndAddsTheProbe', () => {
  const v = (err, ctx) => retryVerdict(err, ctx).final;
  // The package's verdict (core's rule; its cases are tested in tests/core and tests/wasm) is kept.
  assert.deepEqual(retryVerdict({ code: 'auth_failed', status: 403, retryable: false, finalBecause: 'credentials_refused' }, { authMode: 'static' }),
    { final: true, why: 'the endpoint refused these keys and every retry signs with the same keys and clock offset (HTTP 403)' });
  assert.match(retryVerdict({ code: 'auth_failed', service: 'cognito', retryable: false, finalBecause: 'identity_refuses' }, { authMode: 'cognito' }).why, /Cognito refuses/);
  assert.match(retryVerdict({ code: 'x', retryable: false, finalBecause: 'something_new' }, {}).why, /something_new/);
  assert.equal(v({ code: 'auth_failed', status: 403, retryable: true }, { authMode: 'cognito', reachable: true }), false);
  // A browser's status-less failure: final only with fixed keys, the endpoint answering, never connected.
  assert.equal(v({ code: 'io_error', retryable: true }, { authMode: 'static', reachable: true }), true);
  assert.equal(v({ code: 'io_error', retryable: true }, { authMode: 'static', reachable: undefined }), false);
  assert.equal(v({ code: 'io_error', retryable: true }, { authMode: 'static', reachable: false }), false);
  assert.equal(v({ code: 'io_error', retryable: true }, { authMode: 'static', reachable: true, everConnected: true }), false);
  assert.equal(v({ code: 'io_error', retryable: true }, { authMode: 'cognito', reachable: true }), false);
  assert.equal(v({ code: 'io_error', service: 'cognito', retryable: true }, { authMode: 'static', reachable: true }), false);
  assert.match(retryVerdict({ code: 'io_error' }, { authMode: 'static', reachable: true }).why, /same keys and clock offset/);
});

test('StandinAnswer_StateAndDrop_OneShortSentence', () => {
  const state = { brokerRunning: true, brokerPid: 4242, liveRelays: 1, clockSkewMs: 0, latencyMs: 0, credentialLifetimeSeconds: 3600, serverTime: '2026-12-03T21:00:00.000Z' };
  assert.equal(describeAnswer('/reset', state), '/reset: broker running, clock not skewed, latency 0 ms, Cognito credentials last 3600 s, 1 live connection.');
  assert.match(describeAnswer('/clock', { ...state, clockSkewMs: 600000, liveRelays: 2 }), /clock skewed \+600 s, .* 2 live connections\.$/);
  assert.equal(describeAnswer('/drop', { dropped: 3 }), '/drop: dropped 3 connections.');
  assert.equal(describeAnswer('/x', { a: 1 }), '/x: {"a":1}');
});

test('PageModules_OnlyConnectionPanelWritesTheSharedState', () => {
  const dir = new URL('../../web/', import.meta.url);
  const files = ['app.js', 'dom.js', ...readdirSync(new URL('panels/', dir)).map((f) => `panels/${f}`)];
  const writers = files.filter((f) => /\btakeWriter\b/.test(readFileSync(new URL(f, dir), 'utf8')));
  assert.deepEqual(writers, ['panels/connection.js']);
  // No module-level mutable object shared by export: panels export functions only.
  for (const f of files) {
    const src = readFileSync(new URL(f, dir), 'utf8');
    assert.doesNotMatch(src, /^export (let|var) /m, `${f} exports a mutable binding`);
  }
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

// Errors shaped as the package's Jobs client makes them (wasm/js/jobs.js: awsCode and AWS's
// ErrorResponse; the messages as the stand-in's answers came through it).
test('JobsErrorWords_AwsRefusals_SaidInWordsWithTheExecutionState', () => {
  const stale = jobsErrorWords({
    code: 'conflict', awsCode: 'VersionMismatch', message: 'jobs update rejected: VersionMismatch expectedVersion 1 does not match the current version 3',
    response: { code: 'VersionMismatch', executionState: { status: 'IN_PROGRESS', versionNumber: 3 } },
  }, 'update SUCCEEDED');
  assert.deepEqual(stale, { code: 'conflict', text: 'update SUCCEEDED: the execution has moved on (it is at version 3, IN_PROGRESS); try again if the change still applies. (jobs update rejected: VersionMismatch expectedVersion 1 does not match the current version 3)' });
  const ended = jobsErrorWords({
    code: 'server_error', awsCode: 'InvalidStateTransition', message: 'jobs update rejected: InvalidStateTransition A job execution in status CANCELED cannot change to SUCCEEDED',
    response: { executionState: { status: 'CANCELED', versionNumber: 3 } },
  }, 'update SUCCEEDED');
  assert.match(ended.text, /^update SUCCEEDED: AWS IoT Jobs does not allow this change from CANCELED\. \(jobs update rejected: InvalidStateTransition /);
  const terminal = jobsErrorWords({ code: 'server_error', awsCode: 'TerminalStateReached', message: 'jobs describe rejected: TerminalStateReached x', response: {} }, 'describe');
  assert.match(terminal.text, /^describe: this execution has ended; nothing can change it any more\. \(jobs describe rejected: TerminalStateReached x\)$/);
  assert.equal(jobsErrorWords({ code: 'server_error', awsCode: 'ResourceNotFound', message: 'm', response: {} }, 'describe').code, 'not_found');
  assert.match(jobsErrorWords({ code: 'server_error', awsCode: 'RequestThrottled', message: 'm' }, 'list').text, /throttled/);
  // A code the page has no words of its own for is still named.
  assert.equal(jobsErrorWords({ code: 'server_error', awsCode: 'InternalError', message: 'jobs list rejected: InternalError oops' }, 'list').text,
    'list: AWS IoT Jobs refused the request (InternalError). (jobs list rejected: InternalError oops)');
  const timeout = jobsErrorWords({ code: 'timeout', message: "no response to jobs list (clientToken 'a') within 10000 ms" }, 'list');
  assert.match(timeout.text, /^list: no answer from AWS IoT Jobs in time \(no response to jobs list .*\)\. .*notify-next\.$/);
  assert.deepEqual(jobsErrorWords({ code: 'invalid_argument', message: 'thing name has a character outside [a-zA-Z0-9:_-] at offset 3' }),
    { code: 'invalid_argument', text: 'These jobs cannot be opened: the thing name has a character outside [a-zA-Z0-9:_-] at offset 3.' });
  assert.equal(jobsErrorWords({ code: 'limit_exceeded', message: 'statusDetails has 11 pairs; AWS allows 10' }, 'update FAILED').text,
    'update FAILED: statusDetails has 11 pairs; AWS allows 10.');
  // Not Jobs-specific (a closed client, the connection): left to explain().
  assert.equal(jobsErrorWords({ code: 'closed', message: 'the client was closed' }, 'list'), null);
});

test('JobsPendingRows_ListAnswerAndNotify_InProgressFirst', () => {
  const summary = (jobId, versionNumber) => ({ jobId, queuedAt: 1, lastUpdatedAt: 1, versionNumber, executionNumber: 1 });
  const expected = [
    { jobId: 'b', status: 'IN_PROGRESS', version: '2', executionNumber: '1' },
    { jobId: 'a', status: 'QUEUED', version: '1', executionNumber: '1' },
    { jobId: 'c', status: 'QUEUED', version: '1', executionNumber: '1' },
  ];
  // GetPendingJobExecutions' answer and a notify message (ListNotification) of the same lists.
  assert.deepEqual(pendingRows({ inProgressJobs: [summary('b', 2)], queuedJobs: [summary('a', 1), summary('c', 1)], timestamp: 1 }), expected);
  assert.deepEqual(pendingRows({ timestamp: 1, jobs: { QUEUED: [summary('a', 1), summary('c', 1)], IN_PROGRESS: [summary('b', 2)] } }), expected);
  // notify with nothing pending has no lists; a summary without a version shows a dash.
  assert.deepEqual(pendingRows({ timestamp: 1, jobs: {} }), []);
  assert.deepEqual(pendingRows(null), []);
  assert.deepEqual(pendingRows({ queuedJobs: [{ jobId: 'x' }] }), [{ jobId: 'x', status: 'QUEUED', version: '—', executionNumber: '—' }]);
});

test('JobsStatusDetails_PanelText_JsonOrNothing', () => {
  assert.equal(statusDetailsFrom('  '), undefined);
  assert.deepEqual(statusDetailsFrom('{"progress": "50%"}'), { progress: '50%' });
  // Any JSON goes on to the package, whose rules name what AWS would refuse.
  assert.deepEqual(statusDetailsFrom('[1]'), [1]);
  assert.throws(() => statusDetailsFrom('{"a": '), (e) => e.code === 'invalid_argument' && /^the status details are not valid JSON/.test(e.message));
});
