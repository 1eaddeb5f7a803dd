// The connection panel: Connect / Disconnect, the status line and facts, the connection events,
// and the explanation of a failure. The only writer of the shared connection state (state.js).
// A failure that retrying cannot mend (lib/retry.js) stops the client and says why, instead of
// "reconnecting" forever; Connect is enabled only when no client is open, so a connection is never
// replaced silently.
import { $, el, clock, seconds, logLine } from '../dom.js';
import { explain } from '../lib/explain.js';
import { retryVerdict } from '../lib/retry.js';
import { connection, takeWriter, packageLoad } from '../state.js';
import { form, readForm, remember, markInvalid } from './settings.js';

const set = takeWriter();

// The package (state.js loads it once for every panel).
let iotlite = null;
const packageReady = packageLoad.then((m) => { iotlite = m; return m; }, (e) => {
  const f = $('#fatal');
  f.textContent = `The iotlite package could not be loaded from ./iotlite/ (${e.message}). Build it with `
    + '"cmake --preset wasm && cmake --build --preset wasm" and assemble the site with scripts/demo.sh.';
  f.hidden = false;
  throw e;
});

// This panel's own bookkeeping about the current client (no other module reads or writes it).
const local = {
  generation: 0,       // bumped whenever the current client is given up: its events are then ignored
  reconnectAt: null,
  credExpiresAt: null,
  identityId: null,
  staticTemporary: false,
  lastError: null,
  reachable: undefined,
  probing: false,
  probedAt: 0,
  stoppedWhy: '',
};

const STATE_TEXT = {
  idle: 'idle', connecting: 'connecting', connected: 'connected', reconnecting: 'reconnecting',
  disconnected: 'disconnected', stopped: 'stopped',
};
const BUSY = new Set(['connecting', 'connected', 'reconnecting']);

function phaseOf(client, everConnected) {
  switch (client.state) {
    case 'connected': return 'connected';
    case 'backing_off': return 'reconnecting';
    case 'waiting_target': case 'opening': case 'connecting': return everConnected || local.lastError ? 'reconnecting' : 'connecting';
    case 'closed': return 'disconnected';
    default: return 'connecting';
  }
}

function connEvent(text, kind = '') {
  logLine($('#conn-events'), 50, kind, el('span', { text }));
}

const endpointUrl = (client) => {
  const ep = client?.endpoint;
  return ep ? `${ep.secure ? 'wss' : 'ws'}://${ep.host}${ep.path}` : undefined;
};

function explainNow(err, phase) {
  const { client, authMode, everConnected, configuredOffset } = connection.get();
  return explain(err, {
    phase, clockOffsetMs: client ? client.clockOffsetMs : configuredOffset, authMode,
    reachable: local.reachable, everConnected, endpointUrl: endpointUrl(client),
    accessKeyId: form.elements.accessKeyId.value.trim(), hasSessionToken: !!form.elements.sessionToken.value.trim(),
    hasLogins: !!form.elements.loginsProvider.value.trim(),
  });
}

function showError(err, info, stoppedWhy = '') {
  const box = $('#error');
  box.dataset.kind = info.kind;
  box.dataset.code = err.code ?? '';
  $('#error-title').textContent = info.title;
  $('#error-hints').replaceChildren(...info.hints.map((h) => el('li', { text: h })));
  $('#error-detail').textContent = `${err.code ? `[${err.code}${err.status ? ` ${err.status}` : ''}] ` : ''}${info.detail}`;
  const stopped = $('#error-stopped');
  stopped.textContent = stoppedWhy ? `Stopped, not retrying: ${stoppedWhy}, so a retry cannot succeed. Fix the settings, then press Connect.` : '';
  stopped.hidden = !stoppedWhy;
  box.dataset.stopped = stoppedWhy ? 'true' : 'false';
  box.hidden = false;
}

function clearError() { $('#error').hidden = true; }

// Is the endpoint reachable at all? A no-cors fetch resolves (opaque) when a server answers and
// rejects when nothing does: this tells "refused (403)" from "unreachable" for a failed WebSocket,
// whose HTTP status browsers never show. The endpoint is the client's own parse of it.
async function probeReachable({ secure, host, path }) {
  try {
    const url = new URL(`${secure ? 'https' : 'http'}://${host}${path}`);
    const ctl = new AbortController();
    const t = setTimeout(() => ctl.abort(), 4000);
    try {
      await fetch(url, { mode: 'no-cors', cache: 'no-store', signal: ctl.signal });
      return true;
    } finally { clearTimeout(t); }
  } catch {
    return false;
  }
}

function buildOptions(v) {
  const missing = [];
  const need = (field, label) => {
    if (v[field]) return;
    missing.push(label);
    markInvalid(field);
  };
  need('endpoint', 'endpoint');
  need('clientId', 'client id');
  const options = {
    endpoint: v.endpoint,
    clientId: v.clientId,
    reconnect: { minDelayMs: 1000, maxDelayMs: 30000 },
  };
  if (v.region) options.region = v.region;
  const offset = v.clockOffsetMs === '' ? 0 : Number(v.clockOffsetMs);
  if (!Number.isFinite(offset)) throw Object.assign(new Error('the clock offset must be a number of milliseconds'), { code: 'invalid_argument' });
  options.clockOffsetMs = offset;
  if (v.authMode === 'static') {
    need('accessKeyId', 'access key id');
    need('secretAccessKey', 'secret access key');
    options.credentials = { accessKeyId: v.accessKeyId, secretAccessKey: v.secretAccessKey };
    if (v.sessionToken) options.credentials.sessionToken = v.sessionToken;
  } else {
    need('identityPoolId', 'identity pool id');
    options.cognito = { identityPoolId: v.identityPoolId };
    if (v.region) options.cognito.region = v.region;
    if (v.cognitoEndpoint) options.cognito.endpoint = v.cognitoEndpoint;
    if (v.loginsProvider || v.loginsToken) {
      if (!v.loginsProvider || !v.loginsToken) missing.push('both logins provider and logins token (or neither)');
      else options.cognito.logins = { [v.loginsProvider]: v.loginsToken };
    }
    if (v.remember) options.cognito.storage = localStorage;
  }
  if (missing.length) {
    throw Object.assign(new Error(`please fill in: ${missing.join(', ')}`), { code: 'invalid_argument' });
  }
  return options;
}

// Gives up the current client (its later events are ignored) and closes it.
async function giveUp(phase) {
  const { client } = connection.get();
  local.generation++;
  local.reconnectAt = null;
  local.credExpiresAt = null;
  set({ client: null, phase: client ? phase : connection.get().phase });
  if (client) await client.close().catch(() => {});
  render();
  return client;
}

async function disconnect() {
  if (await giveUp('disconnected')) connEvent('disconnected by you');
}

// A failure that a retry cannot mend: explained, and the client closed.
async function stop(err, info, why) {
  local.stoppedWhy = why;
  showError(err, info, why);
  connEvent(`stopped: ${why}; not retrying`, 'bad');
  await giveUp('stopped');
}

async function connect() {
  if (BUSY.has(connection.get().phase)) return;  // Connect is disabled then; Disconnect first
  clearError();
  const v = readForm();
  remember(v);
  // A client the engine closed by itself (phase "disconnected") is let go of first.
  connection.get().client?.close().catch(() => {});
  const gen = ++local.generation;
  Object.assign(local, {
    lastError: null, reachable: undefined, probing: false, probedAt: 0, identityId: null, stoppedWhy: '',
    staticTemporary: v.authMode === 'static' && !!v.sessionToken, reconnectAt: null, credExpiresAt: null,
  });
  set({ client: null, phase: 'connecting', everConnected: false, authMode: v.authMode, configuredOffset: 0 });
  $('#fact-disconnect').textContent = '—';
  render();
  let client;
  try {
    const options = buildOptions(v);
    set({ configuredOffset: options.clockOffsetMs });
    await packageReady;
    client = await iotlite.IotClient.create(options);
  } catch (e) {
    if (gen !== local.generation) return;
    // Refused before anything was sent (an input breaks a rule): nothing to retry.
    set({ phase: 'idle' });
    showError(e, explainNow(e, 'connect'));
    render();
    return;
  }
  if (gen !== local.generation) { client.close(); return; }
  set({ client, phase: 'connecting' });
  const current = () => gen === local.generation;

  client.on('connect', ({ sessionPresent }) => {
    if (!current()) return;
    const again = connection.get().everConnected;
    local.reconnectAt = null;
    local.lastError = null;
    clearError();
    connEvent(`${again ? 'reconnected' : 'connected'}${sessionPresent ? ' (session present)' : ''}`, 'ok');
    set({ everConnected: true, phase: 'connected' });
    render();
  });
  client.on('disconnect', ({ error }) => {
    if (!current()) return;
    $('#fact-disconnect').textContent = `${clock()}: ${error.message} [${error.code}]`;
    connEvent(`disconnected: ${error.message}`, 'bad');
    render();
  });
  client.on('reconnecting', ({ delayMs, attempt }) => {
    if (!current()) return;
    local.reconnectAt = Date.now() + delayMs;
    connEvent(`reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`, 'warn');
    render();
  });
  client.on('error', (e) => { if (current()) reportConnectError(e); });
  // The credentials' expiry and Cognito identity, as the package reports them (no secrets).
  client.on('credentials', ({ expiration, identityId }) => {
    if (!current()) return;
    local.credExpiresAt = expiration ?? null;
    if (identityId) local.identityId = identityId;
    render();
  });

  connEvent(`connecting to ${v.endpoint} as ${v.clientId} (${v.authMode === 'static' ? 'static keys' : 'Cognito'})`);
  render();
  client.connect().catch((e) => { if (current()) reportConnectError(e); });
}

// The same error arrives through the "error" event and connect()'s rejection: handled once.
function reportConnectError(e) {
  if (local.lastError === e) return;
  local.lastError = e;
  judge(e, true);
  // A WebSocket that failed to open: refused (403) or unreachable? Probe, at most every 10 s.
  const { client } = connection.get();
  if (e.code === 'io_error' && e.service !== 'cognito' && client && !local.probing && Date.now() - local.probedAt > 10000) {
    const gen = local.generation;
    local.probing = true;
    probeReachable(client.endpoint).then((ok) => {
      local.probing = false;
      local.probedAt = Date.now();
      if (gen !== local.generation) return;
      local.reachable = ok;
      if (local.lastError === e) judge(e, false);
    });
  }
  render();
}

// Explains `e`, and stops the client when no retry can succeed.
function judge(e, log) {
  const info = explainNow(e, 'connect');
  if (log) connEvent(`error: ${info.detail}`, 'bad');
  const { authMode, everConnected } = connection.get();
  const verdict = retryVerdict(e, { authMode, reachable: local.reachable, everConnected });
  if (verdict.final) stop(e, info, verdict.why);
  else showError(e, info);
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); connect(); });
$('#close-button').addEventListener('click', () => disconnect());

function render() {
  const s = connection.get();
  const { client } = s;
  if (client) {
    const phase = phaseOf(client, s.everConnected);
    if (phase !== s.phase) set({ phase });
  }
  const { phase } = connection.get();
  const status = $('#status');
  status.dataset.state = phase;
  $('#status-state').textContent = STATE_TEXT[phase] ?? phase;
  $('#fact-state').textContent = client ? `${STATE_TEXT[phase]} (engine: ${client.state})` : STATE_TEXT[phase];
  let detail = '';
  if (phase === 'connected') detail = `as ${form.elements.clientId.value}`;
  else if (phase === 'reconnecting' && local.reconnectAt && client?.state === 'backing_off') detail = `retry in ${seconds(local.reconnectAt - Date.now())}`;
  else if (phase === 'stopped') detail = 'a retry cannot succeed: see below';
  $('#status-detail').textContent = detail;
  $('#fact-reconnect').textContent = client?.state === 'backing_off' && local.reconnectAt ? seconds(local.reconnectAt - Date.now()) : '—';
  if (client) {
    const off = client.clockOffsetMs;
    const learnt = off !== s.configuredOffset ? ' (learnt from the server’s Date header)' : '';
    $('#fact-offset').textContent = `${off > 0 ? '+' : ''}${Math.round(off)} ms${learnt}`;
  } else {
    $('#fact-offset').textContent = '—';
  }
  const expiry = $('#fact-expiry');
  if (!client) expiry.textContent = '—';
  else if (s.authMode === 'static') expiry.textContent = local.staticTemporary ? 'unknown (temporary keys given by hand)' : 'never (long-term keys)';
  else if (local.credExpiresAt) expiry.textContent = `${seconds(local.credExpiresAt - Date.now() - client.clockOffsetMs)} (refreshed automatically before)`;
  else expiry.textContent = 'not fetched yet';
  $('#fact-identity').textContent = local.identityId ?? '—';
  const busy = BUSY.has(phase);
  const connectButton = $('#connect-button');
  connectButton.disabled = busy;
  connectButton.title = busy ? 'Disconnect first to connect with other settings' : '';
  $('#close-button').disabled = !client;
}

/** Starts the status line's clock (the countdowns). */
export function startConnectionPanel() {
  render();
  setInterval(render, 250);
}
