// scripts/demo_server.mjs: the static server (loopback, content types, no way out of the root,
// busy-port fallback) and the site assembly (refuses an unbuilt package, config.json only when given).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startStaticServer, assembleSite, configFromStandin } from '../../scripts/demo_server.mjs';

async function tempDir() { return fs.mkdtemp(path.join(os.tmpdir(), 'iotlite-web-server-')); }

// Raw GET so that "/../" reaches the server as sent (fetch would normalise it).
function rawGet(port, rawPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('StaticServer_Files_ServedWithTypesAndNothingOutsideRoot', async () => {
  const dir = await tempDir();
  const root = path.join(dir, 'site');
  await fs.mkdir(path.join(root, 'iotlite'), { recursive: true });
  await fs.writeFile(path.join(root, 'index.html'), '<!doctype html>');
  await fs.writeFile(path.join(root, 'iotlite', 'iotlite.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  await fs.writeFile(path.join(dir, 'secret.txt'), 'SECRET-CONTENT-42');
  const server = await startStaticServer({ root, port: 0 });
  try {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await rawGet(server.port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.type, 'text/html; charset=utf-8');
    const wasm = await rawGet(server.port, '/iotlite/iotlite.wasm');
    assert.equal(wasm.type, 'application/wasm');
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/iotlite/..%2f..%2fsecret.txt']) {
      const r = await rawGet(server.port, p);
      assert.ok(r.status === 403 || r.status === 404, `${p} -> ${r.status}`);
      assert.doesNotMatch(r.body, /SECRET-CONTENT-42/);
    }
    assert.equal((await rawGet(server.port, '/missing.js')).status, 404);
  } finally {
    await server.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('StaticServer_BusyPort_FallsBackOnlyWhenAllowed', async () => {
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
  const busy = blocker.address().port;
  try {
    const s = await startStaticServer({ root: os.tmpdir(), port: busy });
    assert.notEqual(s.port, busy);
    await s.stop();
    await assert.rejects(startStaticServer({ root: os.tmpdir(), port: busy, fallback: false }), /EADDRINUSE/);
  } finally {
    blocker.close();
  }
});

test('AssembleSite_UnbuiltPackage_FailsSayingHowToBuild', async () => {
  const dir = await tempDir();
  try {
    await assert.rejects(assembleSite({ packageDir: path.join(dir, 'nope'), outDir: path.join(dir, 'site') }),
      /iotlite browser package is not built: .*cmake --preset wasm/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('AssembleSite_WithAndWithoutConfig_ConfigJsonOnlyWhenGiven', async () => {
  const dir = await tempDir();
  try {
    const pkg = path.join(dir, 'pkg');
    await fs.mkdir(pkg);
    for (const f of ['package.json', 'index.js', 'shadow.js', 'services.js', 'iotlite-services.wasm']) await fs.writeFile(path.join(pkg, f), '');
    const endpoints = {
      wsUrl: 'ws://127.0.0.1:1/mqtt', region: 'us-east-1', cognitoUrl: 'http://127.0.0.1:2/', adminUrl: 'http://127.0.0.1:3/admin',
      identityPools: { unauthenticated: 'us-east-1:00000000-0000-4000-8000-000000000001' }, testCredentials: null,
    };
    const site = await assembleSite({ packageDir: pkg, outDir: path.join(dir, 'site'), config: configFromStandin(endpoints) });
    const config = JSON.parse(await fs.readFile(path.join(site, 'config.json'), 'utf8'));
    assert.equal(config.endpoint, 'ws://127.0.0.1:1/mqtt');
    assert.equal(config.cognito.identityPoolId, 'us-east-1:00000000-0000-4000-8000-000000000001');
    await fs.access(path.join(site, 'index.html'));
    await fs.access(path.join(site, 'iotlite', 'iotlite-services.wasm'));
    await assert.rejects(fs.access(path.join(site, 'AWS.md')), 'documentation is not deployed');
    const bare = await assembleSite({ packageDir: pkg, outDir: path.join(dir, 'bare') });
    await assert.rejects(fs.access(path.join(bare, 'config.json')));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
