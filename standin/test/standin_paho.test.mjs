// An independent C client: Eclipse Paho MQTT C (Debian libpaho-mqtt3c) connects through the
// gateway over ws:// with a presigned URL (query string included), subscribes, publishes and
// gets its message back. URLs come from AWS's signer and from `iotlite sign-url`.
//
// ctest passes PAHO_WS_CLIENT (built from standin/paho_ws_client.c) and IOTLITE_CLI.
// Run directly with `node --test`, the client is compiled on the fly with cc.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startStandin } from '../standin.mjs';
import { cognito, presignWsUrl, staticUrl } from './helpers.mjs';

let s;
let paho = process.env.PAHO_WS_CLIENT;
let buildDir;
before(async () => {
  if (!paho) {
    buildDir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-paho-'));
    paho = path.join(buildDir, 'paho_ws_client');
    const src = fileURLToPath(new URL('../paho_ws_client.c', import.meta.url));
    execFileSync('cc', ['-Wall', '-Wextra', '-Werror', '-o', paho, src, '-lpaho-mqtt3c']);
  }
  s = await startStandin();
});
after(async () => {
  await s?.stop();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
});

function runPaho(url, clientId, topic) {
  return new Promise((resolve) => {
    execFile(paho, [url, clientId, topic], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 'killed') : 0, stdout, stderr });
    });
  });
}

test('Paho_StaticKeyUrlFromSmithy_RoundTripsThroughGateway', async () => {
  const r = await runPaho(await staticUrl(s), 'paho-static', 'iotlite/paho/static');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'OK');
});

test('Paho_CognitoUrlWithEncodedSessionToken_RoundTrips', async () => {
  const id = await cognito(s, 'GetId', { IdentityPoolId: s.endpoints.identityPools.unauthenticated });
  const { Credentials: c } = (await cognito(s, 'GetCredentialsForIdentity', { IdentityId: id.json.IdentityId })).json;
  const url = await presignWsUrl({ port: s.endpoints.wsPort, accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken });
  assert.match(url, /X-Amz-Security-Token=[^&]*%2F/); // the token's '/' travels encoded
  const r = await runPaho(url, 'paho-cognito', 'iotlite/paho/cognito');
  assert.equal(r.code, 0, r.stderr);
});

test('Paho_TamperedUrl_ConnectFails', async () => {
  // The check is on the gateway, not in the client: a bad signature must fail Paho's connect.
  const url = (await staticUrl(s)).replace(/X-Amz-Signature=(.)/, (m, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
  const r = await runPaho(url, 'paho-bad', 'iotlite/paho/bad');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /MQTTClient_connect failed/);
});

function cliPath() {
  const p = process.env.IOTLITE_CLI;
  if (!p) return { skip: 'IOTLITE_CLI is not set (ctest sets it to the iotlite CLI built by programs/cli)' };
  // Set but missing is a broken build, not a reason to skip.
  accessSync(p, constants.X_OK);
  return { path: p };
}

function signUrl(cliBin, creds) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey };
  delete env.AWS_SESSION_TOKEN;
  if (creds.sessionToken) env.AWS_SESSION_TOKEN = creds.sessionToken;
  const out = execFileSync(cliBin, ['sign-url', '--endpoint', `127.0.0.1:${s.endpoints.wsPort}`, '--region', s.endpoints.region, '--scheme', 'ws'], {
    env, encoding: 'utf8', timeout: 10_000,
  });
  const url = out.split('\n').map((l) => l.trim()).find((l) => l.startsWith('ws://'));
  assert.ok(url, `sign-url printed no ws:// URL (${out.length} bytes of output)`);
  return url;
}

test('Paho_UrlFromIotliteSignUrl_RoundTrips', async (t) => {
  const cli = cliPath();
  if (cli.skip) { t.skip(cli.skip); return; }
  const r = await runPaho(signUrl(cli.path, s.endpoints.testCredentials), 'paho-cli', 'iotlite/paho/cli');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'OK');
});

test('Paho_UrlFromIotliteSignUrlWithCognitoToken_RoundTrips', async (t) => {
  const cli = cliPath();
  if (cli.skip) { t.skip(cli.skip); return; }
  const id = await cognito(s, 'GetId', { IdentityPoolId: s.endpoints.identityPools.unauthenticated });
  const { Credentials: c } = (await cognito(s, 'GetCredentialsForIdentity', { IdentityId: id.json.IdentityId })).json;
  const url = signUrl(cli.path, { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey, sessionToken: c.SessionToken });
  assert.match(url, /&X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=/);
  const r = await runPaho(url, 'paho-cli-cognito', 'iotlite/paho/cli-cognito');
  assert.equal(r.code, 0, r.stderr);
});
