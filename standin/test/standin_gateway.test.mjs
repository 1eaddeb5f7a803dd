// The WebSocket gateway: SigV4 presigned URLs checked with AWS's signer, 403 reasons, the
// custom authorizer, AWS limits enforced in the relay, and the "Done when" check with
// mosquitto_sub on the broker's TCP port.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { closed, connectWs, nextMessage, presignWsUrl, staticUrl, tryUpgrade } from './helpers.mjs';

let s;
before(async () => { s = await startStandin(); });
after(async () => { await s?.stop(); });

describe('SigV4 presigned URL', () => {
  test('Gateway_PresignedBySmithy_ConnectsAndRoundTripsPublish', async () => {
    const client = await connectWs(await staticUrl(s));
    try {
      await client.subscribeAsync('iotlite/gw/echo', { qos: 1 });
      const got = nextMessage(client, 'iotlite/gw/echo');
      await client.publishAsync('iotlite/gw/echo', 'ping over ws', { qos: 1 });
      assert.equal(String(await got), 'ping over ws');
    } finally { await client.endAsync(); }
  });

  test('Gateway_PresignedWss_ConnectsWithCaFromEndpoints', async () => {
    const { readFileSync } = await import('node:fs');
    const url = await staticUrl(s, { scheme: 'wss' });
    const client = await connectWs(url, { wsOptions: { ca: readFileSync(s.endpoints.caCertPath), rejectUnauthorized: true } });
    await client.endAsync();
  });

  test('Gateway_NoExpiresParameter_Accepted', async () => {
    // AWS's own SDKs (CRT, JS v1) omit X-Amz-Expires: remove it and sign by hand with the
    // signer's building blocks to keep the recomputation independent of the URL shape.
    const { SignatureV4 } = await import('@smithy/signature-v4');
    const { Sha256 } = await import('@aws-crypto/sha256-js');
    const e = s.endpoints;
    const signer = new SignatureV4({ credentials: e.testCredentials, region: 'us-east-1', service: 'iotdevicegateway', sha256: Sha256 });
    const date = new Date();
    const longDate = date.toISOString().replace(/[-:]|\.\d{3}/g, '');
    const scope = `${longDate.slice(0, 8)}/us-east-1/iotdevicegateway/aws4_request`;
    const query = { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256', 'X-Amz-Credential': `${e.testCredentials.accessKeyId}/${scope}`, 'X-Amz-Date': longDate, 'X-Amz-SignedHeaders': 'host' };
    const host = `127.0.0.1:${e.wsPort}`;
    const canonical = signer.createCanonicalRequest({ method: 'GET', path: '/mqtt', query, headers: { host } }, { host }, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const sig = await signer.getSignature(longDate, scope, signer.getSigningKey(e.testCredentials, 'us-east-1', longDate.slice(0, 8)), canonical);
    const qs = Object.entries(query).map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
    const r = await tryUpgrade(`ws://${host}/mqtt?${qs}&X-Amz-Signature=${sig}`);
    assert.equal(r.status, 101);
    r.ws.close();
  });

  test('Gateway_TamperedSignature_403SignatureDoesNotMatch', async () => {
    const url = await staticUrl(s);
    const sig = /X-Amz-Signature=([0-9a-f]+)/.exec(url)[1];
    const flipped = (sig[0] === '0' ? '1' : '0') + sig.slice(1);
    const r = await tryUpgrade(url.replace(sig, flipped));
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'SignatureDoesNotMatch');
    assert.equal(r.body.message, 'Forbidden');
    assert.match(r.headers['x-amzn-errortype'], /^ForbiddenException/);
    assert.ok(r.headers.date);
  });

  test('Gateway_TamperedHost_403SignatureDoesNotMatch', async () => {
    // Signed for another port: the canonical host differs from the Host header.
    const url = await presignWsUrl({ port: s.endpoints.wsPort + 1, ...s.endpoints.testCredentials });
    const r = await tryUpgrade(url.replace(`:${s.endpoints.wsPort + 1}/`, `:${s.endpoints.wsPort}/`));
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'SignatureDoesNotMatch');
  });

  test('Gateway_ExpiredUrl_403ExpiredUrl', async () => {
    const url = await staticUrl(s, { date: new Date(Date.now() - 120_000), expiresIn: 60 });
    const r = await tryUpgrade(url);
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'ExpiredUrl');
  });

  test('Gateway_DateSixMinutesAhead_403RequestTimeTooSkewed', async () => {
    const url = await staticUrl(s, { date: new Date(Date.now() + 6 * 60_000) });
    const r = await tryUpgrade(url);
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'RequestTimeTooSkewed');
  });

  test('Gateway_DateFourMinutesBehind_Accepted', async () => {
    const r = await tryUpgrade(await staticUrl(s, { date: new Date(Date.now() - 4 * 60_000) }));
    assert.equal(r.status, 101);
    r.ws.close();
  });

  test('Gateway_UnknownAccessKey_403UnrecognizedClient', async () => {
    const url = await presignWsUrl({ port: s.endpoints.wsPort, accessKeyId: 'AKIDNOTKNOWN', secretAccessKey: 'x' });
    const r = await tryUpgrade(url);
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'UnrecognizedClient');
  });

  test('Gateway_WrongService_403NamesService', async () => {
    const r = await tryUpgrade(await staticUrl(s, { service: 'iotdata' }));
    assert.equal(r.status, 403);
    assert.match(r.body.detail, /service 'iotdevicegateway'/);
  });

  test('Gateway_WrongRegion_403NamesRegion', async () => {
    const r = await tryUpgrade(await staticUrl(s, { region: 'eu-west-1' }));
    assert.equal(r.status, 403);
    assert.match(r.body.detail, /region 'us-east-1'/);
  });

  test('Gateway_TokenForStaticKey_403InvalidToken', async () => {
    const r = await tryUpgrade(await staticUrl(s, { sessionToken: 'not-issued' }));
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'InvalidToken');
  });

  test('Gateway_NoMqttSubprotocol_400', async () => {
    const r = await tryUpgrade(await staticUrl(s), { protocols: [] });
    assert.equal(r.status, 400);
    // Offering only other names is refused the same way (AWS documents only MQTT's names).
    const other = await tryUpgrade(await staticUrl(s), { protocols: ['mqttv5', 'wamp'] });
    assert.equal(other.status, 400);
    assert.match(other.body.detail, /"mqtt" or "mqttv3\.1"/);
  });

  // AWS's v1 JS SDK (aws-iot-device-sdk, device/lib/ws.js) offers only "mqttv3.1".
  for (const offered of [['mqtt'], ['mqttv3.1'], ['mqttv3.1', 'mqtt'], ['wamp', 'mqtt']]) {
    test(`Gateway_Subprotocol${offered.join('And').replace(/\W/g, '')}_AcceptedAndAnsweredWithOfferedName`, async () => {
      const r = await tryUpgrade(await staticUrl(s), { protocols: offered });
      assert.equal(r.status, 101);
      const ws = r.ws;
      try {
        // The answer names the first offered name the gateway knows.
        assert.equal(ws.protocol, offered.find((p) => p === 'mqtt' || p === 'mqttv3.1'));
        // MQTT 3.1.1 CONNECT (clean session, keep-alive 60, client id "sp") -> CONNACK accepted.
        const id = Buffer.from('sp-' + offered.join('-').replace(/\W/g, ''));
        const body = Buffer.concat([Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 0x02, 0, 60, 0, id.length]), id]);
        const connack = new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('no CONNACK within 5 s')), 5000);
          ws.once('message', (data) => { clearTimeout(t); resolve(Buffer.from(data)); });
        });
        ws.send(Buffer.concat([Buffer.from([0x10, body.length]), body]));
        assert.deepEqual([...(await connack)], [0x20, 0x02, 0x00, 0x00]);
      } finally { ws.terminate(); }
    });
  }

  test('Gateway_OtherPath_404', async () => {
    const r = await tryUpgrade((await staticUrl(s)).replace('/mqtt?', '/other?'));
    assert.equal(r.status, 404);
  });
});

describe('custom authorizer', () => {
  const base = () => `ws://127.0.0.1:${s.endpoints.wsPort}/mqtt`;
  test('Authorizer_RightTokenInQuery_Connects', async () => {
    const a = s.endpoints.customAuthorizer;
    const client = await connectWs(`${base()}?x-amz-customauthorizer-name=${a.name}&${a.tokenKeyName}=${a.token}`);
    await client.endAsync();
  });
  test('Authorizer_RightTokenInHeaders_Connects', async () => {
    const a = s.endpoints.customAuthorizer;
    const r = await tryUpgrade(base(), { headers: { 'x-amz-customauthorizer-name': a.name, [a.tokenKeyName]: a.token } });
    assert.equal(r.status, 101);
    r.ws.close();
  });
  test('Authorizer_WrongToken_403AuthorizerDenied', async () => {
    const a = s.endpoints.customAuthorizer;
    const r = await tryUpgrade(`${base()}?x-amz-customauthorizer-name=${a.name}&${a.tokenKeyName}=wrong`);
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'AuthorizerDenied');
  });
  test('Authorizer_UnknownName_403AuthorizerNotFound', async () => {
    const r = await tryUpgrade(`${base()}?x-amz-customauthorizer-name=nope&token=iotlite-allow`);
    assert.equal(r.status, 403);
    assert.equal(r.body.reason, 'AuthorizerNotFound');
  });
});

describe('AWS limits in the relay', () => {
  test('Limits_PublishQos2_Disconnected', async () => {
    const client = await connectWs(await staticUrl(s));
    const gone = closed(client);
    client.publish('iotlite/gw/qos2', 'x', { qos: 2 });
    await gone;
    client.end(true);
  });

  test('Limits_Topic300Bytes_DisconnectedAndNotDelivered', async () => {
    const watcher = await connectWs(await staticUrl(s));
    await watcher.subscribeAsync('iotlite/long/#', { qos: 0 });
    const seen = [];
    watcher.on('message', (t) => seen.push(t));
    const client = await connectWs(await staticUrl(s));
    const gone = closed(client);
    client.publish('iotlite/long/' + 'x'.repeat(300 - 'iotlite/long/'.length), 'x', { qos: 0 });
    await gone;
    client.end(true);
    // A publish after it on a healthy connection arrives; the long one never did.
    const ok = nextMessage(watcher, 'iotlite/long/ok');
    await watcher.publishAsync('iotlite/long/ok', 'ok');
    await ok;
    assert.deepEqual(seen, ['iotlite/long/ok']);
    await watcher.endAsync();
  });

  test('Limits_EightSlashTopic_Disconnected_RulesPrefixNotCounted', async () => {
    const c1 = await connectWs(await staticUrl(s));
    // $aws/rules/<rule>/ + 7 slashes is allowed ...
    await c1.publishAsync('$aws/rules/r/a/b/c/d/e/f/g/h', 'x', { qos: 1 });
    const gone = closed(c1);
    // ... 8 slashes are not.
    c1.publish('a/b/c/d/e/f/g/h/i', 'x', { qos: 0 });
    await gone;
    c1.end(true);
  });

  test('Limits_ClientId129Bytes_Disconnected_128Accepted', async () => {
    const ok = await connectWs(await staticUrl(s), { clientId: 'c'.repeat(128) });
    await ok.endAsync();
    await assert.rejects(connectWs(await staticUrl(s), { clientId: 'c'.repeat(129) }));
  });

  test('Limits_Payload128KBPlusOne_Disconnected_128KBAccepted', async () => {
    const client = await connectWs(await staticUrl(s));
    await client.publishAsync('iotlite/big', Buffer.alloc(128 * 1024), { qos: 1 });
    const gone = closed(client);
    client.publish('iotlite/big', Buffer.alloc(128 * 1024 + 1), { qos: 0 });
    await gone;
    client.end(true);
  });
});

test('DoneWhen_MosquittoSubOnBrokerPort_SeesWhatSigV4WebSocketClientPublishes', async () => {
  const topic = `iotlite/done-when/${process.pid}`;
  const sub = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(s.endpoints.brokerTcpPort), '-t', topic, '-C', '1', '-W', '10', '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let out = '';
    sub.stdout.on('data', (d) => { out += d; });
    const exited = new Promise((resolve) => sub.on('exit', resolve));
    const client = await connectWs(await staticUrl(s));
    // mosquitto_sub has no "subscribed" signal: publish retained so it is seen whenever it subscribes.
    await client.publishAsync(topic, 'hello from the gateway', { qos: 1, retain: true });
    assert.equal(await exited, 0);
    assert.equal(out.trim(), `${topic} hello from the gateway`);
    await client.publishAsync(topic, '', { qos: 1, retain: true }); // clear the retained message
    await client.endAsync();
  } finally {
    if (sub.exitCode === null) sub.kill('SIGKILL');
  }
});
