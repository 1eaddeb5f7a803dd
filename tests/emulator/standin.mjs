#!/usr/bin/env node
// The local AWS IoT Core stand-in: Mosquitto + a SigV4-checking WebSocket gateway + an ALPN
// port + a Cognito identity endpoint + the shadow service + HTTPS publish/shadow + fault
// controls, all on 127.0.0.1. See tests/emulator/README.md.
//
//   node tests/emulator/standin.mjs [--config file.json] [--ports ws=0,wss=0,...] [--quiet]
//
// Prints one JSON line with the endpoints on stdout, logs to stderr, stops on SIGINT/SIGTERM
// or when its parent goes away, and never leaves a mosquitto behind.
import { promises as fs, readFileSync, fstatSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startAdmin } from './lib/admin.mjs';
import { startAlpnRelay } from './lib/alpn.mjs';
import { createCa } from './lib/ca.mjs';
import { Clock } from './lib/clock.mjs';
import { startCognito } from './lib/cognito.mjs';
import { CredentialStore } from './lib/credentials.mjs';
import { startGateway } from './lib/gateway.mjs';
import { startMosquitto } from './lib/mosquitto.mjs';
import { RelayHub } from './lib/relay.mjs';
import { startHttpsApi } from './lib/https_api.mjs';
import { ShadowStore } from './lib/shadow_store.mjs';
import { startShadowService } from './lib/shadow_service.mjs';

export const DEFAULT_CONFIG = Object.freeze({
  region: 'us-east-1',
  // 0 = a free port picked at start.
  ports: { brokerTcp: 0, mqttTls: 0, ws: 0, wss: 0, alpn: 0, cognito: 0, admin: 0, httpsMtls: 0, httpsSigv4: 0 },
  // Long-term test keys (no session token). Fake, public, for the local stand-in only.
  staticCredentials: [{ accessKeyId: 'AKIDIOTLITESTANDIN01', secretAccessKey: 'iotliteStandinFakeSecretKey/ForLocalTests0' }],
  identityPools: [
    { name: 'unauthenticated', id: 'us-east-1:00000000-0000-4000-8000-000000000001', allowUnauthenticated: true },
    { name: 'authenticated', id: 'us-east-1:00000000-0000-4000-8000-000000000002', allowUnauthenticated: false,
      logins: { 'login.iotlite.test': 'iotlite-test-login-token' } },
  ],
  credentialLifetimeSeconds: 3600,
  customAuthorizers: [{ name: 'iotlite-authorizer', tokenKeyName: 'token', token: 'iotlite-allow' }],
  shadowService: true,
  httpsApi: true,
});

const PORT_KEYS = Object.keys(DEFAULT_CONFIG.ports);

function mergeConfig(base, over = {}) {
  const out = { ...base, ...over, ports: { ...base.ports, ...(over.ports ?? {}) } };
  for (const k of Object.keys(out.ports)) {
    if (!PORT_KEYS.includes(k)) throw new Error(`unknown port name '${k}'; known: ${PORT_KEYS.join(', ')}`);
    const p = out.ports[k];
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`port ${k} must be an integer 0..65535`);
  }
  return out;
}

/** Loads the optional shadow/HTTPS modules (written separately); missing ones are reported, not fatal. */
/**
 * Starts every part of the stand-in. Options: the config keys above (merged over DEFAULT_CONFIG)
 * plus `log` (line => void; default silent) and `tempDir` (default: a fresh one, removed at stop).
 * Resolves to { endpoints, controls, stop() }.
 */
export async function startStandin(options = {}) {
  const { log = () => {}, tempDir, ...over } = options;
  const config = mergeConfig(DEFAULT_CONFIG, over);
  const dir = tempDir ?? await fs.mkdtemp(path.join(os.tmpdir(), 'iotlite-standin-'));
  const parts = []; // stop functions, run in reverse order
  let stopped = false;

  async function stop() {
    if (stopped) return;
    stopped = true;
    for (const fn of parts.reverse()) {
      try { await fn(); } catch (e) { log(`stop: ${e.message}`); }
    }
    if (!tempDir) await fs.rm(dir, { recursive: true, force: true });
  }

  try {
    const clock = new Clock(0);
    let latencyMs = 0;
    let lifetimeSeconds = config.credentialLifetimeSeconds;
    const credentials = new CredentialStore({ clock, staticCredentials: config.staticCredentials });
    const ca = await createCa(path.join(dir, 'pki'));

    const broker = await startMosquitto({ dir, ca, tcpPort: config.ports.brokerTcp, tlsPort: config.ports.mqttTls, log });
    parts.push(() => broker.stop());
    const brokerUrl = `mqtt://127.0.0.1:${broker.tcpPort}`;

    const hub = new RelayHub({ brokerPort: () => broker.tcpPort, latencyMs: () => latencyMs, log });
    parts.push(() => hub.dropAll('stand-in stopping'));
    const serverTls = { key: ca.server.keyPem, cert: ca.server.certPem, ca: ca.caPem };

    const gateway = await startGateway({
      wsPort: config.ports.ws, wssPort: config.ports.wss, tls: serverTls, region: config.region,
      customAuthorizers: config.customAuthorizers, credentials, clock, hub, log,
    });
    parts.push(() => gateway.stop());
    const alpn = await startAlpnRelay({ port: config.ports.alpn, tls: serverTls, hub, log });
    parts.push(() => alpn.stop());
    const cognito = await startCognito({
      port: config.ports.cognito, region: config.region, pools: config.identityPools,
      lifetimeSeconds: () => lifetimeSeconds, credentials, clock, log,
    });
    parts.push(() => cognito.stop());

    let store = null;
    let shadowService = null;
    if (config.shadowService || config.httpsApi) {
      store = new ShadowStore({ nowSeconds: () => Math.floor(clock.nowMs() / 1000) });
    }
    if (config.shadowService) {
      shadowService = await startShadowService({ brokerUrl, store, log });
      parts.push(() => shadowService.stop());
    }
    let httpsApi = null;
    if (config.httpsApi) {
      httpsApi = await startHttpsApi({
        host: '127.0.0.1', mtlsPort: config.ports.httpsMtls, sigv4Port: config.ports.httpsSigv4,
        tls: serverTls, brokerUrl, store,
        lookupSecret: (accessKeyId) => credentials.validSecret(accessKeyId),
        clockSkewMs: () => clock.skewMs,
      });
      parts.push(() => httpsApi.stop());
    }

    const pool = (name) => config.identityPools.find((p) => p.name === name);
    const authPool = pool('authenticated');
    const [loginProvider, loginToken] = Object.entries(authPool?.logins ?? {})[0] ?? [];
    const controls = {
      state: () => ({
        brokerRunning: broker.running(),
        brokerPid: broker.pid(),
        liveRelays: hub.live.size,
        clockSkewMs: clock.skewMs,
        latencyMs,
        credentialLifetimeSeconds: lifetimeSeconds,
        serverTime: clock.date().toISOString(),
      }),
      dropConnections: () => hub.dropAll(),
      stopBroker: () => broker.stop(),
      startBroker: () => broker.start(),
      setClockSkew: (ms) => { clock.skewMs = ms; },
      setLatency: (ms) => { latencyMs = ms; },
      expireCredentials: () => credentials.expireTemporary(),
      setCredentialLifetime: (s) => { lifetimeSeconds = s; },
      issueDeviceCert: (thing) => ca.issueDevice(thing),
      reset: async () => {
        clock.skewMs = 0;
        latencyMs = 0;
        lifetimeSeconds = config.credentialLifetimeSeconds;
        if (!broker.running()) await broker.start();
      },
    };
    const admin = await startAdmin({ port: config.ports.admin, controls, clock, log });
    parts.push(() => admin.stop());

    const host = '127.0.0.1';
    const endpoints = {
      event: 'ready',
      pid: process.pid,
      region: config.region,
      host,
      wsUrl: `ws://${host}:${gateway.wsPort}/mqtt`,
      wssUrl: `wss://${host}:${gateway.wssPort}/mqtt`,
      wsPort: gateway.wsPort,
      wssPort: gateway.wssPort,
      cognitoUrl: `http://${host}:${cognito.port}/`,
      adminUrl: `http://${host}:${admin.port}/admin`,
      brokerTcpPort: broker.tcpPort,
      mqttTlsPort: broker.tlsPort,
      alpnPort: alpn.port,
      alpnProtocol: 'x-amzn-mqtt-ca',
      httpsMtlsPort: httpsApi?.mtlsPort ?? null,
      httpsSigv4Port: httpsApi?.sigv4Port ?? null,
      shadowService: shadowService !== null,
      caCertPath: ca.caCertPath,
      tempDir: dir,
      testCredentials: config.staticCredentials[0] ?? null,
      identityPools: {
        unauthenticated: pool('unauthenticated')?.id ?? null,
        authenticated: authPool?.id ?? null,
        loginProvider: loginProvider ?? null,
        loginToken: loginToken ?? null,
      },
      credentialLifetimeSeconds: config.credentialLifetimeSeconds,
      customAuthorizer: config.customAuthorizers[0] ?? null,
    };
    return { endpoints, controls, ca, credentials, clock, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

function parseArgs(argv) {
  const opts = { ports: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--config') {
      const file = value();
      let cfg;
      try { cfg = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new Error(`cannot read config ${file}: ${e.message}`); }
      Object.assign(opts, cfg, { ports: { ...opts.ports, ...(cfg.ports ?? {}) } });
    }
    else if (a === '--ports') {
      for (const kv of value().split(',')) {
        const [k, v] = kv.split('=');
        if (!/^\d+$/.test(v ?? '')) throw new Error(`--ports expects name=number pairs, got '${kv}'`);
        opts.ports[k] = Number(v);
      }
    } else if (a === '--credential-lifetime') opts.credentialLifetimeSeconds = Number(value());
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument '${a}' (try --help)`);
  }
  return opts;
}

const USAGE = `usage: node tests/emulator/standin.mjs [--config file.json] [--ports name=port,...]
                     [--credential-lifetime seconds] [--quiet]
port names: ${PORT_KEYS.join(', ')} (0 = free port)`;

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`standin: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) { process.stdout.write(USAGE + '\n'); return; }
  const { quiet, help, ...config } = opts;
  const log = quiet ? () => {} : (line) => process.stderr.write(`standin: ${line}\n`);
  let standin;
  try {
    standin = await startStandin({ ...config, log });
  } catch (e) {
    process.stderr.write(`standin: failed to start: ${e.message}\n`);
    process.exit(1);
  }
  let exiting = false;
  const shutdown = async (why) => {
    if (exiting) return;
    exiting = true;
    log(`stopping (${why})`);
    await standin.stop();
    process.exit(0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => shutdown(sig));
  // Parent gone: stdin is a pipe from the parent (tests) -> EOF; or we were re-parented.
  try {
    const st = fstatSync(0);
    if (st.isFIFO() || st.isSocket()) {
      process.stdin.on('end', () => shutdown('stdin closed'));
      process.stdin.on('error', () => shutdown('stdin error'));
      process.stdin.resume();
    }
  } catch { /* no stdin */ }
  // A reader that went away (EPIPE) means nobody uses us any more: stop cleanly, never crash.
  process.stdout.on('error', () => shutdown('stdout closed'));
  const parent = process.ppid;
  setInterval(() => { if (process.ppid !== parent) shutdown('parent exited'); }, 500);
  process.stdout.write(JSON.stringify(standin.endpoints) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
