#!/usr/bin/env node
// The local AWS IoT Core stand-in: Mosquitto + a SigV4-checking WebSocket gateway + an ALPN
// port + a Cognito identity endpoint + the shadow, Jobs and fleet provisioning services + HTTPS
// publish/shadow + fault controls, all on 127.0.0.1. See standin/README.md.
//
//   node standin/standin.mjs [--config file.json] [--ports ws=0,wss=0,...] [--policy file.json] [--quiet]
//
// Prints one JSON line with the endpoints on stdout, logs to stderr, stops on SIGINT/SIGTERM/
// SIGHUP or when its parent goes away (even during its start), never leaves a mosquitto behind,
// and removes its temp dir on every exit it can see (lib/tempdir.mjs; the next start sweeps the
// dir of a stand-in that was SIGKILLed).
import { X509Certificate } from 'node:crypto';
import { readFileSync, fstatSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { startAdmin } from './lib/admin.mjs';
import { startAlpnRelay } from './lib/alpn.mjs';
import { startMqttTlsDoor } from './lib/mqtt_tls_door.mjs';
import { createCa } from './lib/ca.mjs';
import { Clock } from './lib/clock.mjs';
import { startCognito } from './lib/cognito.mjs';
import { CredentialStore } from './lib/credentials.mjs';
import { startGateway } from './lib/gateway.mjs';
import { startMosquitto } from './lib/mosquitto.mjs';
import { RelayHub } from './lib/relay.mjs';
import { AWS_QUOTAS, validateQuotas } from './lib/quotas.mjs';
import { AWS_MQTT5 } from './lib/mqtt5_rules.mjs';
import { PolicyAuthority, parsePolicySet } from './lib/policy_set.mjs';
import { startHttpsApi } from './lib/https_api.mjs';
import { RetainedMessages } from './lib/retained.mjs';
import { ShadowStore } from './lib/shadow_store.mjs';
import { startShadowService } from './lib/shadow_service.mjs';
import { JobsStore } from './lib/jobs_store.mjs';
import { startJobsService } from './lib/jobs_service.mjs';
import { jobsControls } from './lib/jobs_admin.mjs';
import { ProvisioningStore } from './lib/provisioning_store.mjs';
import { createSigner } from './lib/provisioning_signer.mjs';
import { startProvisioningService } from './lib/provisioning_service.mjs';
import { createTempDir, sweepStaleTempDirs } from './lib/tempdir.mjs';

/**
 * The fleet template a stand-in starts with: thing `device-<SerialNumber>`, the certificate made
 * ACTIVE, and a policy allowing the thing's own client id and topics (standin/README.md).
 */
function defaultFleetTemplate() {
  return {
    Parameters: { SerialNumber: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', Properties: {
        ThingName: { 'Fn::Join': ['', ['device-', { Ref: 'SerialNumber' }]] },
        AttributePayload: { serialNumber: { Ref: 'SerialNumber' } },
      } },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyDocument: { Version: '2012-10-17', Statement: [
        { Effect: 'Allow', Action: 'iot:Connect', Resource: 'arn:aws:iot:*:*:client/${iot:Connection.Thing.ThingName}' },
        { Effect: 'Allow', Action: ['iot:Publish', 'iot:Receive'], Resource: 'arn:aws:iot:*:*:topic/$aws/things/${iot:Connection.Thing.ThingName}/*' },
        { Effect: 'Allow', Action: 'iot:Subscribe', Resource: 'arn:aws:iot:*:*:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/*' },
      ] } } },
    },
    DeviceConfiguration: {},
  };
}

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
  // The AWS account the stand-in plays (IoT policy resource ARNs: arn:aws:iot:<region>:<account>:...).
  accountId: '123456789012',
  // IoT policies (standin/README.md, "IoT policies"): null = allow everything; a policy set (the
  // JSON of --policy FILE) = AWS's evaluation with default deny.
  policies: null,
  // A custom authorizer may carry `policyDocuments`: what its Lambda would return.
  customAuthorizers: [{ name: 'iotlite-authorizer', tokenKeyName: 'token', token: 'iotlite-allow' }],
  shadowService: true,
  // AWS IoT Jobs: the device MQTT API, notifications, timers (lib/jobs_store.mjs); jobs are made
  // through the admin API (PUT /admin/jobs/{jobId}, standin/README.md "Jobs").
  jobsService: true,
  // Fleet provisioning by claim (lib/provisioning_store.mjs): a claim certificate in the ready
  // line, these templates (more with POST /admin/provisioning-templates).
  fleetProvisioning: true,
  provisioningTemplates: { 'iotlite-fleet': defaultFleetTemplate() },
  httpsApi: true,
  // AWS IoT broker rules that tests may shorten; AWS's values by default (lib/mqtt_inspect.mjs).
  // The quotas (publishes/s, bytes/s, CONNECTs/s per client id, unacknowledged QoS 1 each way,
  // WebSocket lifetime, persistent session expiry): lib/quotas.mjs.
  awsRules: { keepAliveMinSeconds: 30, keepAliveMaxSeconds: 1200, subscriptionsPerConnection: 50, ...AWS_QUOTAS, ...AWS_MQTT5 },
});

const PORT_KEYS = Object.keys(DEFAULT_CONFIG.ports);

/**
 * RegisterThing attaches the template's policies to the new certificate. The stand-in's policy
 * engine gives a certificate the policies listed for its CN (lib/policy_set.mjs), so with a policy
 * set loaded the template's policies are added for the certificate's CN; with none loaded every
 * identity is allowed everything anyway.
 */
function attachTemplatePolicies(policies, { certificatePem, policies: attached, thingName }, log) {
  if (!policies.loaded || !attached.length) return;
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(certificatePem).subject)?.[1];
  const source = policies.set.source;
  const list = attached.map((p) => p.policyDocument ?? p.policyName);
  try {
    policies.load({ ...source, certificates: { ...(source.certificates ?? {}), [cn]: list } });
    log(`provisioning: policies of thing '${thingName}' attached to certificate CN '${cn}'`);
  } catch (e) {
    log(`provisioning: the template's policies could not be attached to CN '${cn}': ${e.message}`);
  }
}

function mergeConfig(base, over = {}) {
  const out = {
    ...base, ...over, ports: { ...base.ports, ...(over.ports ?? {}) }, awsRules: { ...base.awsRules, ...(over.awsRules ?? {}) },
  };
  // One AWS quota counts publishes both ways: the outbound meter follows publishesPerSecond
  // unless it is given on its own (lib/quotas.mjs).
  if (over.awsRules?.publishesPerSecond !== undefined && over.awsRules.outboundPublishesPerSecond === undefined) {
    out.awsRules.outboundPublishesPerSecond = out.awsRules.publishesPerSecond;
  }
  const { keepAliveMinSeconds: kaMin, keepAliveMaxSeconds: kaMax } = out.awsRules;
  if (!Number.isInteger(kaMin) || !Number.isInteger(kaMax) || kaMin < 1 || kaMax < kaMin || kaMax > 65535) {
    throw new Error('awsRules.keepAliveMinSeconds/keepAliveMaxSeconds must be integers with 1 <= min <= max <= 65535');
  }
  const subs = out.awsRules.subscriptionsPerConnection;
  if (!Number.isInteger(subs) || subs < 1) throw new Error('awsRules.subscriptionsPerConnection must be a positive integer');
  validateQuotas(out.awsRules);
  // A bad policy set (or authorizer policyDocuments) fails here, before anything is started.
  if (out.policies) parsePolicySet(out.policies);
  for (const k of Object.keys(out.ports)) {
    if (!PORT_KEYS.includes(k)) throw new Error(`unknown port name '${k}'; known: ${PORT_KEYS.join(', ')}`);
    const p = out.ports[k];
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`port ${k} must be an integer 0..65535`);
  }
  return out;
}

/**
 * Starts every part of the stand-in. Options: the config keys above (merged over DEFAULT_CONFIG)
 * plus `log` (line => void; default silent), `tempDir` (default: a fresh
 * `<os.tmpdir()>/iotlite-standin-*`, removed at stop and on every exit of this process, see
 * lib/tempdir.mjs) and `signal` (an AbortSignal: aborting it during the start stops what was
 * started, removes the temp dir and rejects).
 * Resolves to { endpoints, controls, stop() }.
 */
export async function startStandin(options = {}) {
  const { log = () => {}, tempDir, signal, ...over } = options;
  const config = mergeConfig(DEFAULT_CONFIG, over);
  signal?.throwIfAborted();
  let owned = null;
  if (!tempDir) {
    // Dirs left by stand-ins that died without cleaning up (SIGKILL); never a live one's.
    await sweepStaleTempDirs({ log });
    owned = await createTempDir();
  }
  const dir = tempDir ?? owned.dir;
  const parts = []; // stop functions, run in reverse order
  let stopped = false;

  async function stop() {
    if (stopped) return;
    stopped = true;
    for (const fn of parts.reverse()) {
      try { await fn(); } catch (e) { log(`stop: ${e.message}`); }
    }
    await owned?.remove();
  }
  const checkpoint = () => signal?.throwIfAborted();

  try {
    checkpoint();
    const clock = new Clock(0);
    let latencyMs = 0;
    let lifetimeSeconds = config.credentialLifetimeSeconds;
    const credentials = new CredentialStore({ clock, staticCredentials: config.staticCredentials });
    const ca = await createCa(path.join(dir, 'pki'));
    checkpoint();

    const broker = await startMosquitto({
      dir, tcpPort: config.ports.brokerTcp, log, maxInflight: config.awsRules.outboundUnackedQos1,
      sessionHours: Math.max(1, Math.ceil(config.awsRules.persistentSessionSeconds / 3600)),
    });
    parts.push(() => broker.stop());
    owned?.setBrokerPid(() => broker.pid());
    checkpoint();
    const brokerUrl = `mqtt://127.0.0.1:${broker.tcpPort}`;

    const retained = new RetainedMessages({ brokerUrl, nowMs: () => clock.nowMs() });
    const policies = new PolicyAuthority({ region: config.region, accountId: config.accountId, customAuthorizers: config.customAuthorizers, log });
    if (config.policies) policies.load(config.policies);
    const hub = new RelayHub({
      brokerPort: () => broker.tcpPort, latencyMs: () => latencyMs, log, onRetained: (topic) => retained.noteStored(topic),
      rules: config.awsRules, policies,
    });
    parts.push(() => hub.stop());
    const serverTls = { key: ca.server.keyPem, cert: ca.server.certPem, ca: ca.caPem };

    const gateway = await startGateway({
      wsPort: config.ports.ws, wssPort: config.ports.wss, tls: serverTls, region: config.region,
      customAuthorizers: config.customAuthorizers, credentials, clock, hub, log,
    });
    parts.push(() => gateway.stop());
    checkpoint();
    // Fleet provisioning's certificates (set up below) authenticate only while ACTIVE.
    let provisioning = null;
    const certificateRefusal = (certificateId) => provisioning?.certificateRefusal(certificateId) ?? null;
    const alpn = await startAlpnRelay({ port: config.ports.alpn, tls: serverTls, hub, log, certificateRefusal });
    parts.push(() => alpn.stop());
    checkpoint();
    // The 8883-style door: client-certificate TLS terminated here, then the same rule engine.
    const mqttTls = await startMqttTlsDoor({ port: config.ports.mqttTls, tls: serverTls, hub, log, name: 'mqtts', certificateRefusal });
    parts.push(() => mqttTls.stop());
    checkpoint();
    const cognito = await startCognito({
      port: config.ports.cognito, region: config.region, pools: config.identityPools,
      lifetimeSeconds: () => lifetimeSeconds, credentials, clock, log,
    });
    parts.push(() => cognito.stop());
    checkpoint();

    let store = null;
    let shadowService = null;
    if (config.shadowService || config.httpsApi) {
      store = new ShadowStore({ nowSeconds: () => Math.floor(clock.nowMs() / 1000) });
    }
    if (config.shadowService) {
      shadowService = await startShadowService({ brokerUrl, store, log });
      parts.push(() => shadowService.stop());
      checkpoint();
    }
    let jobs = null;
    if (config.jobsService) {
      const jobsStore = new JobsStore({ nowMs: () => clock.nowMs(), region: config.region, accountId: config.accountId });
      const jobsService = await startJobsService({ brokerUrl, store: jobsStore, log });
      parts.push(() => jobsService.stop());
      jobs = jobsControls({ store: jobsStore, publishAll: jobsService.publishAll });
      checkpoint();
    }
    let provisioningClaim = null;
    if (config.fleetProvisioning) {
      const signer = createSigner({ dir: path.join(dir, 'pki', 'provisioned'), caCertPath: ca.caCertPath, caKeyPath: ca.caKeyPath });
      provisioning = new ProvisioningStore({
        nowMs: () => clock.nowMs(), signer, region: config.region, accountId: config.accountId,
        onRegistered: (r) => attachTemplatePolicies(policies, r, log),
        // A certificate that leaves ACTIVE ends its live connections (AWS: "within a few minutes").
        onCertificateStatus: (id, status) => {
          if (status !== 'ACTIVE') hub.dropCertificate(id, `certificate ${id.slice(0, 12)}... is ${status}`);
        },
      });
      // Thing policy variables resolve for certificates RegisterThing attached to the thing.
      policies.isAttached = (certificateId, thingName) => {
        try { return provisioning.describeThing(thingName).principals.includes(certificateId); } catch { return false; }
      };
      for (const [templateName, body] of Object.entries(config.provisioningTemplates ?? {})) {
        provisioning.createTemplate({ templateName, templateBody: body });
      }
      const claim = await ca.issueDevice('iotlite-provisioning-claim');
      provisioningClaim = { certPath: claim.certPath, keyPath: claim.keyPath, templates: Object.keys(config.provisioningTemplates ?? {}) };
      const provisioningService = await startProvisioningService({ brokerUrl, store: provisioning, log });
      parts.push(() => provisioningService.stop());
      checkpoint();
    }
    let httpsApi = null;
    if (config.httpsApi) {
      httpsApi = await startHttpsApi({
        host: '127.0.0.1', mtlsPort: config.ports.httpsMtls, sigv4Port: config.ports.httpsSigv4,
        tls: serverTls, brokerUrl, store,
        lookupSecret: (accessKeyId) => credentials.validSecret(accessKeyId),
        clockSkewMs: () => clock.skewMs,
        retained,
        log,
        policies,
        identityForKey: (accessKeyId) => credentials.identity(accessKeyId),
        certificateRefusal,
      });
      parts.push(() => httpsApi.stop());
      checkpoint();
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
      // AWS IoT Jobs control plane (lib/jobs_admin.mjs); null when the service is off.
      jobs,
      // Fleet provisioning (lib/provisioning_store.mjs): templates, certificates, things; null when off.
      provisioning,
      // IoT policies: the loaded set (null = allow all); replacing it applies to the next check
      // on every connection. An invalid set throws and the old one stays.
      getPolicies: () => ({ loaded: policies.loaded, policySet: policies.set?.source ?? null }),
      setPolicies: (set) => { policies.load(set); log(`policies: ${set === null ? 'none loaded (allow all)' : 'policy set loaded'}`); },
      // DeleteConnection (iot-data API reference): closes every relayed connection of the client
      // id; preventWillMessage discards its Will; cleanSession then removes its persistent
      // session (a clean-session CONNECT with the same id, then DISCONNECT). Returns how many closed.
      deleteConnection: async (clientId, { cleanSession = false, preventWillMessage = false } = {}) => {
        const found = hub.findByClientId(clientId);
        await Promise.all(found.map((e) => e.kick({
          preventWill: preventWillMessage,
          reason: `DeleteConnection (cleanSession=${cleanSession}, preventWillMessage=${preventWillMessage})`,
        })));
        if (found.length && cleanSession) {
          const c = await mqtt.connectAsync(brokerUrl, { clientId, protocolVersion: 4, clean: true, reconnectPeriod: 0, connectTimeout: 5_000 });
          await c.endAsync();
        }
        if (found.length) log(`admin: DeleteConnection ${clientId}: ${found.length} closed`);
        return found.length;
      },
      reset: async () => {
        clock.skewMs = 0;
        latencyMs = 0;
        lifetimeSeconds = config.credentialLifetimeSeconds;
        if (!broker.running()) await broker.start();
      },
    };
    const admin = await startAdmin({ port: config.ports.admin, controls, clock, log });
    parts.push(() => admin.stop());
    checkpoint();

    // STS AssumeRole for CLI profiles (role_arn + source_profile): lib/sts.mjs, its own HTTPS port.
    const { startSts } = await import('./lib/sts.mjs');
    const sts = await startSts({ port: config.sts?.port ?? 0, tls: serverTls, accountId: config.accountId, roles: config.sts?.roles ?? null, credentials, clock, log });
    parts.push(() => sts.stop());
    checkpoint();
    const host = '127.0.0.1';
    const endpoints = {
      event: 'ready',
      stsUrl: `https://localhost:${sts.port}/`,  // "localhost": mbedTLS matches DNS names only
      stsPort: sts.port,
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
      mqttTlsPort: mqttTls.port,
      alpnPort: alpn.port,
      alpnProtocol: 'x-amzn-mqtt-ca',
      httpsMtlsPort: httpsApi?.mtlsPort ?? null,
      httpsSigv4Port: httpsApi?.sigv4Port ?? null,
      shadowService: shadowService !== null,
      jobsService: jobs !== null,
      provisioningClaim,
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
    else if (a === '--policy') {
      const file = value();
      // Checked here, so a bad policy file stops the start before anything is made (exit 2).
      try { opts.policies = JSON.parse(readFileSync(file, 'utf8')); parsePolicySet(opts.policies); } catch (e) { throw new Error(`cannot read policy file ${file}: ${e.message}`); }
    }
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--help' || a === '-h') opts.help = true;
    else throw new Error(`unknown argument '${a}' (try --help)`);
  }
  return opts;
}

const USAGE = `usage: node standin/standin.mjs [--config file.json] [--ports name=port,...]
                     [--credential-lifetime seconds] [--policy policies.json] [--quiet]
port names: ${PORT_KEYS.join(', ')} (0 = free port)`;

/** How long a stop may take before the process exits anyway (the 'exit' hook removes the temp dir). */
const STOP_TIMEOUT_MS = 10_000;
/** How long a start that was told to stop may take to unwind before the process exits anyway. */
const START_ABORT_MS = 1_000;
/** How often the parent pid is checked: a dead parent is noticed within this bound. */
const PARENT_POLL_MS = 250;

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

  // Every way to be told to stop is armed before anything is created, so that a stop asked for
  // during the start (signal, parent gone) also ends in a clean exit.
  let standin = null;
  let stopping = null;
  const aborter = new AbortController();
  const shutdown = async (why) => {
    if (stopping) return;
    stopping = why;
    log(`stopping (${why})`);
    setTimeout(() => {
      process.stderr.write(`standin: stop took over ${STOP_TIMEOUT_MS} ms; exiting anyway\n`);
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    if (!standin) {
      // The start stops at its next step and removes what it made; main() then exits. A step
      // can take seconds (openssl, Mosquitto binding its ports): after START_ABORT_MS the
      // process exits anyway, the 'exit' hook removes the temp dir and the guard stops Mosquitto.
      aborter.abort(new Error(`stopped during start (${why})`));
      setTimeout(() => process.exit(0), START_ABORT_MS).unref();
      return;
    }
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
  setInterval(() => { if (process.ppid !== parent) shutdown(`parent ${parent} exited`); }, PARENT_POLL_MS);

  try {
    standin = await startStandin({ ...config, log, signal: aborter.signal });
  } catch (e) {
    if (stopping) process.exit(0); // startStandin removed what it had made
    process.stderr.write(`standin: failed to start: ${e.message}\n`);
    process.exit(1);
  }
  if (stopping) { await standin.stop(); process.exit(0); }
  process.stdout.write(JSON.stringify(standin.endpoints) + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main();
}
