// ShadowStore against documents written by hand from the AWS IoT developer guide ("Device Shadow
// service documents", "Device Shadow MQTT topics", "Device Shadow error messages", "Device
// Shadow REST API"). Expected values are literals, never produced by the code under test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShadowStore, parseShadowTopic } from '../lib/shadow_store.mjs';

const T = 1700000000; // fake clock (epoch seconds)

function makeStore(extra = {}) {
  let now = T;
  const store = new ShadowStore({ nowSeconds: () => now, ...extra });
  return { store, tick: (s = 1) => { now += s; }, now: () => now };
}

// Publishes a request and returns { topic -> parsed payload } (fails on a duplicate topic).
function ask(store, topic, payload) {
  const body = payload === undefined ? Buffer.alloc(0)
    : Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const out = {};
  for (const m of store.handleMqtt(topic, body)) {
    assert.ok(!(m.topic in out), `duplicate publication on ${m.topic}`);
    out[m.topic] = JSON.parse(String(m.payload));
  }
  return out;
}

const P = '$aws/things/myLightBulb/shadow';

test('ShadowStore_FirstDesiredUpdate_AcceptedDeltaAndDocumentsAsInGuide', () => {
  const { store } = makeStore();
  const out = ask(store, `${P}/update`, { state: { desired: { color: 'red', power: 'on' } }, clientToken: 'tok-1' });
  assert.deepEqual(Object.keys(out).sort(), [`${P}/update/accepted`, `${P}/update/delta`, `${P}/update/documents`]);
  assert.deepEqual(out[`${P}/update/accepted`], {
    state: { desired: { color: 'red', power: 'on' } },
    metadata: { desired: { color: { timestamp: T }, power: { timestamp: T } } },
    version: 1,
    timestamp: T,
    clientToken: 'tok-1',
  });
  assert.deepEqual(out[`${P}/update/delta`], {
    state: { color: 'red', power: 'on' },
    metadata: { color: { timestamp: T }, power: { timestamp: T } },
    version: 1,
    timestamp: T,
    clientToken: 'tok-1',
  });
  // A shadow that did not exist: AWS sends "previous": null (the key is present).
  assert.deepEqual(out[`${P}/update/documents`], {
    previous: null,
    current: {
      state: { desired: { color: 'red', power: 'on' } },
      metadata: { desired: { color: { timestamp: T }, power: { timestamp: T } } },
      version: 1,
    },
    timestamp: T,
    clientToken: 'tok-1',
  });
});

test('ShadowStore_ReportMatchesDesired_NoDeltaAndDocumentsHavePreviousAndCurrent', () => {
  const { store, tick } = makeStore();
  ask(store, `${P}/update`, { state: { desired: { color: 'red', power: 'on' } } });
  tick(5);
  const out = ask(store, `${P}/update`, { state: { reported: { color: 'red', power: 'on' } } });
  assert.deepEqual(Object.keys(out).sort(), [`${P}/update/accepted`, `${P}/update/documents`]);
  assert.deepEqual(out[`${P}/update/accepted`], {
    state: { reported: { color: 'red', power: 'on' } },
    metadata: { reported: { color: { timestamp: T + 5 }, power: { timestamp: T + 5 } } },
    version: 2,
    timestamp: T + 5,
  });
  assert.deepEqual(out[`${P}/update/documents`], {
    previous: {
      state: { desired: { color: 'red', power: 'on' } },
      metadata: { desired: { color: { timestamp: T }, power: { timestamp: T } } },
      version: 1,
    },
    current: {
      state: { desired: { color: 'red', power: 'on' }, reported: { color: 'red', power: 'on' } },
      metadata: {
        desired: { color: { timestamp: T }, power: { timestamp: T } },
        reported: { color: { timestamp: T + 5 }, power: { timestamp: T + 5 } },
      },
      version: 2,
    },
    timestamp: T + 5,
  });
});

test('ShadowStore_GuideDeltaExample_GetShowsDeltaOfDesiredKeysOnly', () => {
  // Guide, "Delta state": desired {color RED, state STOP}, reported {color GREEN, engine ON}.
  const { store, tick } = makeStore();
  ask(store, `${P}/update`, { state: { reported: { color: 'GREEN', engine: 'ON' } } });
  tick();
  const upd = ask(store, `${P}/update`, { state: { desired: { color: 'RED', state: 'STOP' } } });
  assert.deepEqual(upd[`${P}/update/delta`], {
    state: { color: 'RED', state: 'STOP' },
    metadata: { color: { timestamp: T + 1 }, state: { timestamp: T + 1 } },
    version: 2,
    timestamp: T + 1,
  });
  tick();
  const got = ask(store, `${P}/get`, { clientToken: 'g1' });
  assert.deepEqual(got, {
    [`${P}/get/accepted`]: {
      state: {
        desired: { color: 'RED', state: 'STOP' },
        reported: { color: 'GREEN', engine: 'ON' },
        delta: { color: 'RED', state: 'STOP' },
      },
      metadata: {
        desired: { color: { timestamp: T + 1 }, state: { timestamp: T + 1 } },
        reported: { color: { timestamp: T }, engine: { timestamp: T } },
        delta: { color: { timestamp: T + 1 }, state: { timestamp: T + 1 } },
      },
      version: 2,
      timestamp: T + 2,
      clientToken: 'g1',
    },
  });
});

test('ShadowStore_GuideNestedDelta_DeltaKeepsPathToRoot', () => {
  const { store } = makeStore();
  ask(store, `${P}/update`, { state: { reported: { lights: { color: { r: 255, g: 0, b: 255 } } } } });
  const out = ask(store, `${P}/update`, { state: { desired: { lights: { color: { r: 255, g: 255, b: 255 } } } } });
  assert.deepEqual(out[`${P}/update/delta`], {
    state: { lights: { color: { g: 255 } } },
    metadata: { lights: { color: { g: { timestamp: T } } } },
    version: 2,
    timestamp: T,
  });
  assert.deepEqual(ask(store, `${P}/get`)[`${P}/get/accepted`].state.delta, { lights: { color: { g: 255 } } });
});

test('ShadowStore_DeltaAfterPartialReport_ListsAllStillDifferingDesiredKeys', () => {
  // MQTT topics guide: the delta holds every differing desired attribute, whether or not the
  // current update carried it; an attribute removed from reported comes back into the delta.
  const { store } = makeStore();
  ask(store, `${P}/update`, { state: { desired: { a: 1, b: 2, c: 3 }, reported: { a: 1, b: 2, c: 3 } } });
  const out = ask(store, `${P}/update`, { state: { reported: { b: 0, c: null } } });
  assert.deepEqual(out[`${P}/update/delta`].state, { b: 2, c: 3 });
});

test('ShadowStore_GuideArrayExample_ArrayReplacedWholeAndMetadataPerElement', () => {
  const { store, tick } = makeStore();
  const first = ask(store, `${P}/update`, { state: { desired: { colors: ['RED', 'GREEN', 'BLUE'] } } });
  assert.deepEqual(first[`${P}/update/accepted`].metadata, {
    desired: { colors: [{ timestamp: T }, { timestamp: T }, { timestamp: T }] },
  });
  tick();
  ask(store, `${P}/update`, { state: { desired: { colors: ['RED'] } } });
  const got = ask(store, `${P}/get`)[`${P}/get/accepted`];
  assert.deepEqual(got.state.desired, { colors: ['RED'] });
  assert.deepEqual(got.metadata.desired, { colors: [{ timestamp: T + 1 }] });
});

test('ShadowStore_ArrayWithNull_Rejected400', () => {
  const { store } = makeStore();
  const out = ask(store, `${P}/update`, { state: { desired: { colors: [null, 'RED', 'GREEN'] } } });
  assert.deepEqual(out, { [`${P}/update/rejected`]: { code: 400, message: 'Invalid JSON', timestamp: T } });
});

test('ShadowStore_GuideDesiredNull_RemovesDesiredSection', () => {
  // Guide, "Empty shadow document properties".
  const { store } = makeStore();
  ask(store, `${P}/update`, { state: { desired: { color: 'red' } } });
  const out = ask(store, `${P}/update`, { state: { reported: { color: 'red' }, desired: null } });
  assert.deepEqual(out[`${P}/update/accepted`], {
    state: { reported: { color: 'red' }, desired: null },
    metadata: { reported: { color: { timestamp: T } }, desired: { timestamp: T } },
    version: 2,
    timestamp: T,
  });
  assert.deepEqual(ask(store, `${P}/get`)[`${P}/get/accepted`], {
    state: { reported: { color: 'red' } },
    metadata: { reported: { color: { timestamp: T } } },
    version: 2,
    timestamp: T,
  });
});

test('ShadowStore_KeyNull_RemovesOnlyThatKey', () => {
  const { store } = makeStore();
  ask(store, `${P}/update`, { state: { reported: { color: 'red', power: 'on', l: { a: 1, b: 2 } } } });
  ask(store, `${P}/update`, { state: { reported: { power: null, l: { a: null } } } });
  const got = ask(store, `${P}/get`)[`${P}/get/accepted`];
  assert.deepEqual(got.state, { reported: { color: 'red', l: { b: 2 } } });
  assert.deepEqual(got.metadata, { reported: { color: { timestamp: T }, l: { b: { timestamp: T } } } });
  assert.equal(got.version, 2);
});

test('ShadowStore_EverythingNulled_ShadowStaysWithEmptyState', () => {
  const { store } = makeStore();
  ask(store, `${P}/update`, { state: { desired: { a: 1 }, reported: { a: 2 } } });
  ask(store, `${P}/update`, { state: { desired: null, reported: null } });
  assert.deepEqual(ask(store, `${P}/get`)[`${P}/get/accepted`], { state: {}, metadata: {}, version: 2, timestamp: T });
});

test('ShadowStore_VersionMismatch_409AndShadowUnchanged', () => {
  const { store } = makeStore();
  ask(store, `${P}/update`, { state: { reported: { x: 1 } } });
  ask(store, `${P}/update`, { state: { reported: { x: 2 } } });
  const conflict = ask(store, `${P}/update`, { state: { reported: { x: 3 } }, version: 1, clientToken: 'c9' });
  assert.deepEqual(conflict, {
    [`${P}/update/rejected`]: { code: 409, message: 'Version conflict', timestamp: T, clientToken: 'c9' },
  });
  const ok = ask(store, `${P}/update`, { state: { reported: { x: 3 } }, version: 2 });
  assert.equal(ok[`${P}/update/accepted`].version, 3);
  assert.deepEqual(ask(store, `${P}/get`)[`${P}/get/accepted`].state, { reported: { x: 3 } });
});

test('ShadowStore_DeleteThenGet_404AndVersionContinuesOnRecreate', () => {
  const { store } = makeStore();
  ask(store, `${P}/update`, { state: { reported: { x: 1 } } });
  ask(store, `${P}/update`, { state: { reported: { x: 2 } } });
  assert.deepEqual(ask(store, `${P}/delete`, { clientToken: 'd1' }), {
    [`${P}/delete/accepted`]: { version: 2, timestamp: T, clientToken: 'd1' },
  });
  assert.deepEqual(ask(store, `${P}/get`), {
    [`${P}/get/rejected`]: { code: 404, message: "No shadow exists with name: 'myLightBulb'" },
  });
  assert.deepEqual(ask(store, `${P}/delete`), {
    [`${P}/delete/rejected`]: { code: 404, message: "No shadow exists with name: 'myLightBulb'" },
  });
  // "Deleting a shadow does not reset its version number to 0."
  const again = ask(store, `${P}/update`, { state: { reported: { y: 1 } } });
  assert.equal(again[`${P}/update/accepted`].version, 3);
  // A re-created shadow starts from an empty state; AWS sends "previous": null for it.
  assert.deepEqual(again[`${P}/update/documents`], {
    previous: null,
    current: { state: { reported: { y: 1 } }, metadata: { reported: { y: { timestamp: T } } }, version: 3 },
    timestamp: T,
  });
});

test('ShadowStore_NamedShadow_IndependentOfClassicAndOwnTopics', () => {
  const { store } = makeStore();
  const N = '$aws/things/myLightBulb/shadow/name/simShadow1';
  assert.deepEqual(ask(store, `${N}/get`, { clientToken: 'n0' }), {
    [`${N}/get/rejected`]: { code: 404, message: "No shadow exists with name: 'myLightBulb~simShadow1'", clientToken: 'n0' },
  });
  const out = ask(store, `${N}/update`, { state: { reported: { ColorRGB: [0, 255, 0] } } });
  assert.deepEqual(Object.keys(out).sort(), [`${N}/update/accepted`, `${N}/update/documents`]);
  assert.equal(out[`${N}/update/accepted`].version, 1);
  assert.deepEqual(ask(store, `${P}/get`)[`${P}/get/rejected`].code, 404);
  ask(store, `${P}/update`, { state: { reported: { other: true } } });
  assert.deepEqual(ask(store, `${N}/get`)[`${N}/get/accepted`].state, { reported: { ColorRGB: [0, 255, 0] } });
  assert.deepEqual(ask(store, `${N}/delete`), { [`${N}/delete/accepted`]: { version: 1, timestamp: T } });
  assert.equal(ask(store, `${P}/get`)[`${P}/get/accepted`].version, 1);
});

test('ShadowStore_StateNull_ClearsStateKeepsShadowAndIncrementsVersion', () => {
  const { store, tick } = makeStore();
  ask(store, `${P}/update`, { state: { desired: { color: 'red' }, reported: { color: 'green' } } });
  tick(3);
  const out = ask(store, `${P}/update`, { state: null, clientToken: 'wipe' });
  // Accepted (not 400); no delta, since nothing is desired any more.
  assert.deepEqual(Object.keys(out).sort(), [`${P}/update/accepted`, `${P}/update/documents`]);
  assert.deepEqual(out[`${P}/update/accepted`], { state: null, metadata: {}, version: 2, timestamp: T + 3, clientToken: 'wipe' });
  assert.deepEqual(out[`${P}/update/documents`], {
    previous: {
      state: { desired: { color: 'red' }, reported: { color: 'green' } },
      metadata: { desired: { color: { timestamp: T } }, reported: { color: { timestamp: T } } },
      version: 1,
    },
    current: { state: {}, metadata: {}, version: 2 },
    timestamp: T + 3,
    clientToken: 'wipe',
  });
  // The shadow is kept: get answers an empty state at version 2 (not 404).
  assert.deepEqual(ask(store, `${P}/get`), {
    [`${P}/get/accepted`]: { state: {}, metadata: {}, version: 2, timestamp: T + 3 },
  });
  // A version check still applies to it.
  assert.equal(ask(store, `${P}/update`, { state: null, version: 1 })[`${P}/update/rejected`].code, 409);
  assert.equal(ask(store, `${P}/update`, { state: null, version: 2 })[`${P}/update/accepted`].version, 3);
});

test('ShadowStore_GetWithNestedDelta_MetadataDeltaHasDesiredTimestampsOfDeltaPaths', () => {
  const { store, tick } = makeStore();
  ask(store, `${P}/update`, { state: { reported: { lights: { color: 'red', on: true } } } });
  tick(2);
  ask(store, `${P}/update`, { state: { desired: { lights: { color: 'blue', on: true }, fan: [1, 2] } } });
  tick(1);
  const got = ask(store, `${P}/get`)[`${P}/get/accepted`];
  assert.deepEqual(got.state.delta, { lights: { color: 'blue' }, fan: [1, 2] });
  assert.deepEqual(got.metadata.delta, {
    lights: { color: { timestamp: T + 2 } },
    fan: [{ timestamp: T + 2 }, { timestamp: T + 2 }],
  });
  // No delta -> neither state.delta nor metadata.delta.
  ask(store, `${P}/update`, { state: { reported: { lights: { color: 'blue' }, fan: [1, 2] } } });
  const synced = ask(store, `${P}/get`)[`${P}/get/accepted`];
  assert.equal('delta' in synced.state, false);
  assert.equal('delta' in synced.metadata, false);
});

test('ShadowStore_RestGet_HasMetadataDeltaLikeMqttGet', () => {
  const { store } = makeStore();
  store.restUpdate('myLightBulb', null, Buffer.from(JSON.stringify({ state: { desired: { mode: 'eco' } } })));
  const r = store.restGet('myLightBulb');
  assert.equal(r.status, 200);
  const body = JSON.parse(r.body);
  assert.deepEqual(body.state.delta, { mode: 'eco' });
  assert.deepEqual(body.metadata.delta, { mode: { timestamp: T } });
});

// Error table: request body -> [code, message]. Messages are the guide's exact texts.
const ERROR_CASES = [
  ['not JSON', '{"state":', 400, 'Invalid JSON'],
  ['JSON array', '[1,2]', 400, 'Invalid JSON'],
  ['empty payload', '', 400, 'Invalid JSON'],
  ['no state', { clientToken: 'x' }, 400, 'Missing required node: state', 'x'],
  ['state is a string', { state: 'on' }, 400, 'State node must be an object'],
  ['desired is a number', { state: { desired: 5 } }, 400, 'Desired node must be an object'],
  ['desired is an array', { state: { desired: [1] } }, 400, 'Desired node must be an object'],
  ['reported is a string', { state: { reported: 'x' } }, 400, 'Reported node must be an object'],
  ['delta in request', { state: { delta: { a: 1 } } }, 400, "State contains an invalid node: 'delta'"],
  ['version negative', { state: { reported: { a: 1 } }, version: -1 }, 400, 'Invalid version'],
  ['version a string', { state: { reported: { a: 1 } }, version: '1' }, 400, 'Invalid version'],
  ['version fractional', { state: { reported: { a: 1 } }, version: 1.5 }, 400, 'Invalid version'],
  ['clientToken 65 bytes', { state: { reported: { a: 1 } }, clientToken: 'k'.repeat(65) }, 400, 'Invalid clientToken'],
  ['clientToken a number', { state: { reported: { a: 1 } }, clientToken: 7 }, 400, 'Invalid clientToken'],
  ['7 levels of nesting', { state: { reported: { l1: { l2: { l3: { l4: { l5: { l6: { l7: 1 } } } } } } } } },
    400, 'JSON contains too many levels of nesting; maximum is 6'],
  ['8193 bytes of state', { state: { desired: { a: 'x'.repeat(8185) } } }, 413, 'The payload exceeds the maximum size allowed'],
];

for (const [what, body, code, message, token] of ERROR_CASES) {
  test(`ShadowStore_UpdateWith${what.replace(/(^|\s)(\w)/g, (_, __, c) => c.toUpperCase()).replace(/\W/g, '')}_Rejected${code}`, () => {
    const { store } = makeStore();
    const out = ask(store, `${P}/update`, body);
    const expected = { code, message, timestamp: T };
    if (token !== undefined) expected.clientToken = token;
    assert.deepEqual(out, { [`${P}/update/rejected`]: expected });
    assert.deepEqual(Object.keys(ask(store, `${P}/get`)), [`${P}/get/rejected`], 'a rejected update creates nothing');
  });
}

test('ShadowStore_NonUtf8Payload_Rejected415', () => {
  const { store } = makeStore();
  const out = ask(store, `${P}/update`, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
  assert.deepEqual(out, {
    [`${P}/update/rejected`]: { code: 415, message: 'Unsupported documented encoding; supported encoding is UTF-8', timestamp: T },
  });
});

test('ShadowStore_LimitsAtTheEdge_Accepted', () => {
  const { store } = makeStore();
  const six = { l1: { l2: { l3: { l4: { l5: { l6: 1 } } } } } };
  assert.equal(ask(store, `${P}/update`, { state: { reported: six } })[`${P}/update/accepted`].version, 1);
  const token64 = 't'.repeat(64);
  assert.equal(ask(store, `${P}/update`, { state: { reported: { z: 1 } }, clientToken: token64 })[`${P}/update/accepted`].clientToken, token64);

  const { store: s2 } = makeStore();
  // {"a":"x…"} is 8 bytes plus the string: 8184 x's make exactly 8192 bytes.
  const big = ask(s2, `${P}/update`, { state: { desired: { a: 'x'.repeat(8184) } } });
  assert.equal(big[`${P}/update/accepted`].version, 1);
  // Both sections count toward the 8 KB: a reported {"b":1} (7 bytes) now overflows.
  const over = ask(s2, `${P}/update`, { state: { reported: { b: 1 } } });
  assert.equal(over[`${P}/update/rejected`].code, 413);
  assert.equal(ask(s2, `${P}/get`)[`${P}/get/accepted`].version, 1);
});

test('ShadowStore_UnknownTopLevelKey_IgnoredLikeAws', () => {
  const { store } = makeStore();
  const out = ask(store, `${P}/update`, { hello: 'world', state: { desired: { att1: 'forty-two' } } });
  assert.equal(out[`${P}/update/accepted`].version, 1);
  assert.equal('hello' in out[`${P}/update/accepted`], false);
});

test('ShadowStore_BadThingOrShadowName_Rejected400NamingTheRule', () => {
  const { store } = makeStore();
  const out = ask(store, '$aws/things/bad.name/shadow/update', { state: { reported: { a: 1 } } });
  const r = out['$aws/things/bad.name/shadow/update/rejected'];
  assert.equal(r.code, 400);
  assert.match(r.message, /1-128 characters of \[a-zA-Z0-9:_-\]/);
  const longName = 'n'.repeat(65);
  const out2 = ask(store, `$aws/things/t/shadow/name/${longName}/get`);
  assert.match(out2[`$aws/things/t/shadow/name/${longName}/get/rejected`].message, /1-64 characters/);
});

test('ShadowStore_NonRequestTopics_Ignored', () => {
  const { store } = makeStore();
  for (const t of [`${P}/update/accepted`, `${P}/update/delta`, `${P}/get/rejected`, `${P}/list`,
    '$aws/things/t/shadow/name/n/update/documents', 'some/other/topic', '$aws/things/t/jobs/get']) {
    assert.deepEqual(store.handleMqtt(t, Buffer.from('{}')), [], t);
  }
  assert.deepEqual(parseShadowTopic('$aws/things/t/shadow/name/n/update'), { thing: 't', name: 'n', op: 'update' });
  assert.deepEqual(parseShadowTopic('$aws/things/t/shadow/delete'), { thing: 't', name: null, op: 'delete' });
});

test('ShadowStore_Rest_StatusBodiesAndMqttNotifications', () => {
  const { store } = makeStore();
  assert.deepEqual(store.restGet('lamp'), {
    status: 404, body: JSON.stringify({ code: 404, message: "No shadow exists with name: 'lamp'" }), publish: [],
  });
  const upd = store.restUpdate('lamp', null, Buffer.from('{"state":{"desired":{"on":true}}}'));
  assert.equal(upd.status, 200);
  assert.deepEqual(JSON.parse(upd.body), {
    state: { desired: { on: true } }, metadata: { desired: { on: { timestamp: T } } }, version: 1, timestamp: T,
  });
  assert.deepEqual(upd.publish.map((m) => m.topic), [
    '$aws/things/lamp/shadow/update/accepted', '$aws/things/lamp/shadow/update/delta', '$aws/things/lamp/shadow/update/documents',
  ]);
  const bad = store.restUpdate('lamp', null, Buffer.from('{"state":{"desired":{"on":false}},"version":7}'));
  assert.deepEqual({ status: bad.status, body: JSON.parse(bad.body), publish: bad.publish },
    { status: 409, body: { code: 409, message: 'Version conflict', timestamp: T }, publish: [] });
  const got = store.restGet('lamp');
  assert.equal(got.status, 200);
  assert.deepEqual(JSON.parse(got.body).state, { desired: { on: true }, delta: { on: true } });
  const named = store.restUpdate('lamp', 'cfg', Buffer.from('{"state":{"reported":{"v":1}}}'));
  assert.deepEqual(named.publish.map((m) => m.topic), [
    '$aws/things/lamp/shadow/name/cfg/update/accepted', '$aws/things/lamp/shadow/name/cfg/update/documents',
  ]);
  const del = store.restDelete('lamp', 'cfg');
  assert.deepEqual({ status: del.status, body: JSON.parse(del.body), topics: del.publish.map((m) => m.topic) },
    { status: 200, body: { version: 1, timestamp: T }, topics: ['$aws/things/lamp/shadow/name/cfg/delete/accepted'] });
  assert.equal(store.restDelete('lamp', 'cfg').status, 404);
});

test('ShadowStore_PersistFile_ReloadKeepsStateAndVersions', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iotlite-shadowstore-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'shadows.json');
  const a = makeStore({ persistFile: file }).store;
  ask(a, `${P}/update`, { state: { reported: { x: 1 } } });
  ask(a, `${P}/update`, { state: { desired: { x: 2 } } });
  ask(a, '$aws/things/gone/shadow/update', { state: { reported: { y: 1 } } });
  ask(a, '$aws/things/gone/shadow/delete');
  const b = makeStore({ persistFile: file }).store;
  assert.deepEqual(ask(b, `${P}/get`)[`${P}/get/accepted`].state, { desired: { x: 2 }, reported: { x: 1 }, delta: { x: 2 } });
  assert.equal(ask(b, '$aws/things/gone/shadow/get')['$aws/things/gone/shadow/get/rejected'].code, 404);
  assert.equal(ask(b, '$aws/things/gone/shadow/update', { state: { reported: { y: 2 } } })['$aws/things/gone/shadow/update/accepted'].version, 2);
});

test('ShadowStore_CorruptPersistFile_ClearErrorNamingTheFile', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iotlite-shadowstore-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'shadows.json');
  fs.writeFileSync(file, '{"shadows": [');
  assert.throws(() => new ShadowStore({ persistFile: file }), /shadows\.json is not readable JSON/);
});

test('ShadowStore_ListNamedShadows_SortedPagedAndWithoutClassicOrDeleted', () => {
  const { store } = makeStore();
  for (const n of ['b', 'a', 'd', 'c']) store.restUpdate('multi', n, Buffer.from('{"state":{"reported":{"x":1}}}'));
  store.restUpdate('multi', null, Buffer.from('{"state":{"reported":{"x":1}}}'));
  store.restDelete('multi', 'c');
  const p1 = store.restListNamed('multi', { pageSize: '2' });
  assert.equal(p1.status, 200);
  const b1 = JSON.parse(p1.body);
  assert.deepEqual(b1.results, ['a', 'b']);
  assert.equal(typeof b1.nextToken, 'string');
  const b2 = JSON.parse(store.restListNamed('multi', { pageSize: '2', nextToken: b1.nextToken }).body);
  assert.deepEqual(b2, { results: ['d'], timestamp: T });
  assert.deepEqual(JSON.parse(store.restListNamed('nobody').body), { results: [], timestamp: T });
  assert.equal(store.restListNamed('multi', { pageSize: '101' }).status, 400);
});

test('ShadowStore_ReservedDollarShadowName_Accepted', () => {
  // The iot-data API reference pattern for shadow names is [$a-zA-Z0-9:_-]+.
  const { store } = makeStore();
  const N = '$aws/things/t/shadow/name/$package';
  assert.equal(ask(store, `${N}/update`, { state: { reported: { v: 1 } } })[`${N}/update/accepted`].version, 1);
});
