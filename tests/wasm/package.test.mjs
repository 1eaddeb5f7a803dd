// npm package hygiene of the browser package (issue 16, item 6), on the package as assembled by
// the build: publint and @arethetypeswrong/cli (independent linters, npm devDependencies) clean,
// the licence shipped, the README's relative links resolving inside the package, and AWS SDK v3's
// own Cognito credential provider working as `credentialsProvider` against the stand-in.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fromCognitoIdentityPool } from '@aws-sdk/credential-providers';
import { WebSocket, loadPackage, once, packageDir, repoRoot, startStandin, uniqueId, waitFor } from './helpers.mjs';

const bin = (name) => path.join(repoRoot, 'node_modules/.bin', name);
const run = (cmd, args, cwd) => spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });

let pkg;
let s;
before(async () => {
  pkg = await loadPackage();
  s = await startStandin();
});
after(async () => { await s?.stop(); });

test('Package_Publint_AllGoodInStrictMode', () => {
  const r = run(bin('publint'), ['--strict', packageDir], repoRoot);
  assert.equal(r.status, 0, `publint:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /All good!/);
});

test('Package_AreTheTypesWrong_CleanUnderTheEsmOnlyProfile', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'iotlite-attw-'));
  try {
    execFileSync('npm', ['pack', packageDir, '--pack-destination', dir, '--silent'], { stdio: 'pipe' });
    const [tarball] = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote no tarball');
    // The four .wasm subpaths are binary assets (for a bundler or server to copy), not modules:
    // attw only knows JS and type entry points, so they are left out of its check.
    // Every JS entry point ('.', './inline', './shadow', './services', './mqtt5') is checked.
    const r = run(bin('attw'), [path.join(dir, tarball), '--profile', 'esm-only', '--format', 'ascii',
      '--exclude-entrypoints', './iotlite.wasm', './iotlite-shadow.wasm', './iotlite-services.wasm', './iotlite-mqtt5.wasm'], repoRoot);
    assert.equal(r.status, 0, `attw:\n${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /"iotlite\/shadow"/, 'attw checked the shadow entry');
    assert.match(r.stdout, /"iotlite\/mqtt5"/, 'attw checked the MQTT 5 entry');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Package_License_ShippedAndTheOneThePackageNames', () => {
  const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  assert.equal(manifest.license, 'Apache-2.0');
  assert.ok(manifest.files.includes('LICENSE'));
  const text = readFileSync(path.join(packageDir, 'LICENSE'), 'utf8');
  assert.match(text, /Apache License\s+Version 2\.0, January 2004/);
  assert.equal(text, readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8'), 'the repository and the package ship the same licence');
  assert.ok(manifest.engines?.node, 'engines.node says which Node the package needs');
});

test('Package_Readme_RelativeLinksResolveInsideThePackage', () => {
  const readme = readFileSync(path.join(packageDir, 'README.md'), 'utf8');
  const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  const relative = links.filter((l) => !/^[a-z]+:/i.test(l) && !l.startsWith('#'));
  for (const l of relative) {
    assert.ok(existsSync(path.join(packageDir, l.split('#')[0])), `README link '${l}' does not resolve inside the package`);
  }
  // Nothing may point out of the package (a relative link to the repository's docs breaks on npm).
  for (const l of relative) assert.ok(!l.startsWith('..'), `README link '${l}' leaves the package`);
  // Documents named in the text ("see docs/benchmarks.md") are links too, for a reader.
  const named = [...readme.matchAll(/[\w./-]*\/[\w.-]+\.md\b/g)].map((m) => m[0]);
  for (const doc of named) assert.ok(existsSync(path.join(packageDir, doc)), `README names '${doc}', which is not in the package`);
});

test('Package_AwsSdkV3FromCognitoIdentityPool_WorksAsCredentialsProvider', async () => {
  const ep = s.endpoints;
  const credentialsProvider = fromCognitoIdentityPool({
    identityPoolId: ep.identityPools.unauthenticated,
    clientConfig: { region: ep.region, endpoint: ep.cognitoUrl },
  });
  const client = await pkg.IotClient.create({
    endpoint: ep.wsUrl, region: ep.region, clientId: uniqueId('sdkv3'), credentialsProvider, WebSocket,
    reconnect: { minDelayMs: 200, maxDelayMs: 2000 },
  });
  try {
    const connected = once(client, 'connect');
    await client.connect();
    await connected;
    const topic = `iotlite/wasm/${uniqueId('sdkv3')}`;
    const got = [];
    await client.subscribe(topic, { qos: 1 }, (m) => got.push(m.text()));
    await client.publish(topic, 'via the AWS SDK v3 provider', { qos: 1 });
    await waitFor(() => got.length === 1, 5000, 'the message');
    assert.equal(got[0], 'via the AWS SDK v3 provider');
  } finally {
    await client.close();
  }
});
