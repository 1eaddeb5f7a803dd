// The admin port's DeleteConnection, shaped like the IoT data plane's (`DELETE
// /connections/{clientId}?cleanSession=&preventWillMessage=`, API reference): closes a client's
// connection; by default its Will is published and its persistent session kept; the options
// discard the Will and the session.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mqtt from 'mqtt';
import { startStandin } from '../standin.mjs';
import { closed, connectWs, nextMessage, request, staticUrl } from './helpers.mjs';

let s;
before(async () => { s = await startStandin(); });
after(async () => { await s?.stop(); });

const deleteConnection = (clientId, query = '') => request(
  `${s.endpoints.adminUrl}/connections/${encodeURIComponent(clientId)}${query}`, { method: 'DELETE' },
);

/** Resolves true if a message arrives on `topic` within `ms`, false otherwise. */
function arrivesWithin(client, topic, ms) {
  return nextMessage(client, topic, ms).then(() => true, () => false);
}

/** AWS IoT admits 1 CONNECT per second per client id (lib/quotas.mjs): wait before reconnecting one. */
const connectGap = () => new Promise((r) => { setTimeout(r, 1_200); });

async function persistentClient(clientId, willTopic) {
  return connectWs(await staticUrl(s), {
    clientId, clean: false, will: { topic: willTopic, payload: Buffer.from(`${clientId} gone`), qos: 1, retain: false },
  });
}

test('DeleteConnection_DefaultOptions_ClosesPublishesWillAndKeepsSession', async () => {
  const observer = await connectWs(await staticUrl(s));
  try {
    await observer.subscribeAsync('dc/will/keep', { qos: 1 });
    const device = await persistentClient('dc-keep', 'dc/will/keep');
    await device.subscribeAsync('dc/queue/keep', { qos: 1 });
    const gone = closed(device);
    const will = nextMessage(observer, 'dc/will/keep');
    const res = await deleteConnection('dc-keep');
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { clientId: 'dc-keep', closed: 1, cleanSession: false, preventWillMessage: false });
    await gone;
    device.end(true);
    assert.equal(String(await will), 'dc-keep gone');
    // The persistent session survives: a QoS 1 message sent meanwhile is delivered on return.
    await observer.publishAsync('dc/queue/keep', 'while away', { qos: 1 });
    await connectGap();
    const url = await staticUrl(s);
    const back = mqtt.connect(url, {
      clientId: 'dc-keep', clean: false, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, transformWsUrl: () => url,
    });
    try {
      // Listen before CONNACK: the queued message follows it immediately.
      const queued = nextMessage(back, 'dc/queue/keep');
      const connack = await new Promise((resolve, reject) => { back.once('connect', resolve); back.once('error', reject); });
      assert.equal(connack.sessionPresent, true);
      assert.equal(String(await queued), 'while away');
    } finally { await back.endAsync(); }
    // A second delete finds nothing: 404 like ResourceNotFoundException.
    assert.equal((await deleteConnection('dc-keep')).status, 404);
  } finally { await observer.endAsync(); }
});

test('DeleteConnection_PreventWillAndCleanSession_NoWillAndSessionGone', async () => {
  const observer = await connectWs(await staticUrl(s));
  try {
    await observer.subscribeAsync('dc/will/clean', { qos: 1 });
    const device = await persistentClient('dc-clean', 'dc/will/clean');
    await device.subscribeAsync('dc/queue/clean', { qos: 1 });
    const gone = closed(device);
    const will = arrivesWithin(observer, 'dc/will/clean', 700);
    const res = await deleteConnection('dc-clean', '?cleanSession=true&preventWillMessage=true');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.closed, 1);
    await gone;
    device.end(true);
    assert.equal(await will, false, 'the Will was published although preventWillMessage=true');
    await connectGap();
    const back = await connectWs(await staticUrl(s), { clientId: 'dc-clean', clean: false });
    try {
      assert.equal(back.connected, true);
      // sessionPresent is 0: the subscription went with the session.
      const queuedSeen = arrivesWithin(back, 'dc/queue/clean', 500);
      await observer.publishAsync('dc/queue/clean', 'after clean', { qos: 1 });
      assert.equal(await queuedSeen, false, 'the old subscription survived cleanSession=true');
    } finally { await back.endAsync(); }
  } finally { await observer.endAsync(); }
});

test('DeleteConnection_BadInput_400Or404NamingTheProblem', async () => {
  const unknown = await deleteConnection('nobody-here');
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.error, /no connection with client id 'nobody-here'/);
  const dollar = await deleteConnection('$reserved');
  assert.equal(dollar.status, 400);
  assert.match(dollar.json.error, /starts with '\$'/);
  const badBool = await deleteConnection('x', '?cleanSession=yes');
  assert.equal(badBool.status, 400);
  assert.match(badBool.json.error, /"cleanSession" must be true or false/);
});
