// The demo page: connection, status, subscriptions, publish, message log and device shadow, on
// top of the iotlite browser package's shadow build (import map "iotlite/shadow" ->
// ./iotlite/shadow.js, which loads iotlite-shadow.wasm instead of iotlite.wasm).
// Every string that comes from the network is put in the page with textContent, never as HTML.
import { topicMatches, filterError } from './lib/topic_filter.js';
import { explain } from './lib/explain.js';
import { diffRows, cell } from './lib/shadow_diff.js';
import { shadowErrorWords } from './lib/shadow_words.js';

const $ = (sel) => document.querySelector(sel);
const STORAGE_KEY = 'iotlite-demo.settings';
const MAX_LOG = 500;
const decoder = new TextDecoder('utf-8', { fatal: true });
const subscriptions = new Map(); // filter -> {li, qos, setGranted}
let shadow = null;               // the open panel: {s: Shadow, off()}

/** Creates an element; `text` is set with textContent. */
function el(tag, { cls, text, title, attrs } = {}, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  if (title) e.title = title;
  for (const [k, v] of Object.entries(attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(c);
  return e;
}

const clock = () => new Date().toLocaleTimeString([], { hour12: false });
const seconds = (ms) => {
  if (ms <= 0) return 'now';
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
};

// ---------------------------------------------------------------- the package
let iotlite = null;
const packageReady = import('iotlite/shadow').then((m) => { iotlite = m; return m; }, (e) => {
  const f = $('#fatal');
  f.textContent = `The iotlite package could not be loaded from ./iotlite/ (${e.message}). Build it with `
    + '"cmake --preset wasm && cmake --build --preset wasm" and assemble the site with scripts/demo.sh.';
  f.hidden = false;
  throw e;
});

// ---------------------------------------------------------------- settings
const form = $('#connect-form');
const SECRET_FIELDS = ['secretAccessKey', 'sessionToken', 'loginsToken'];
const FIELDS = ['endpoint', 'region', 'clientId', 'identityPoolId', 'cognitoEndpoint', 'loginsProvider',
  'accessKeyId', ...SECRET_FIELDS, 'clockOffsetMs'];

function setField(name, value) {
  if (value !== undefined && value !== null && form.elements[name]) form.elements[name].value = String(value);
}

function setAuthMode(mode) {
  for (const r of form.querySelectorAll('input[name=authMode]')) r.checked = r.value === mode;
  for (const div of form.querySelectorAll('.auth')) div.hidden = !div.classList.contains(mode);
}

function readForm() {
  const v = {};
  for (const name of FIELDS) v[name] = form.elements[name].value.trim();
  v.authMode = form.querySelector('input[name=authMode]:checked').value;
  v.remember = form.elements.remember.checked;
  return v;
}

function remember(values) {
  try {
    if (values.remember) {
      const { remember: _r, ...keep } = values;
      localStorage.setItem(STORAGE_KEY, JSON.stringify(keep));
    } else {
      localStorage.removeItem(STORAGE_KEY);
      // The package keeps the Cognito identity id under iotlite.cognito.<pool> when asked to.
      for (const k of Object.keys(localStorage)) if (k.startsWith('iotlite.cognito.')) localStorage.removeItem(k);
    }
  } catch { /* storage disabled: nothing is remembered */ }
}

let standinAdmin = null;

async function loadSettings() {
  form.elements.clientId.value = `iotlite-web-${Math.random().toString(36).slice(2, 10)}`;
  let config = null;
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    if (r.ok) config = await r.json();
  } catch { /* no config.json (e.g. a static host): empty fields */ }
  if (config && typeof config === 'object') {
    setField('endpoint', config.endpoint);
    setField('region', config.region);
    setField('identityPoolId', config.cognito?.identityPoolId);
    setField('cognitoEndpoint', config.cognito?.endpoint);
    setField('accessKeyId', config.staticCredentials?.accessKeyId);
    setField('secretAccessKey', config.staticCredentials?.secretAccessKey);
    if (config.authMode) setAuthMode(config.authMode);
    if (config.shadow?.thing) $('#shadow-form').elements.thing.value = config.shadow.thing;
    if (config.topic) {
      $('#subscribe-form').elements.filter.value = `${config.topic}/#`;
      $('#publish-form').elements.topic.value = `${config.topic}/hello`;
    }
    if (config.label) {
      const note = $('#config-note');
      note.textContent = `Prefilled for ${config.label} (config.json).`;
      note.hidden = false;
    }
    if (config.standin?.adminUrl) {
      standinAdmin = config.standin.adminUrl.replace(/\/$/, '');
      $('#standin').hidden = false;
    }
  }
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null'); } catch { saved = null; }
  if (saved && typeof saved === 'object') {
    for (const name of FIELDS) setField(name, saved[name]);
    if (saved.authMode === 'static' || saved.authMode === 'cognito') setAuthMode(saved.authMode);
    form.elements.remember.checked = true;
  }
}

for (const r of form.querySelectorAll('input[name=authMode]')) r.addEventListener('change', () => setAuthMode(r.value));

// ---------------------------------------------------------------- connection and status
const ui = {
  client: null,
  generation: 0,
  everConnected: false,
  reconnectAt: null,
  credExpiresAt: null,
  identityId: null,
  configuredOffset: 0,
  authMode: 'cognito',
  lastError: null,
  reachable: undefined,
  displayed: 'idle',
};

const STATE_TEXT = {
  idle: 'idle', connecting: 'connecting', connected: 'connected', reconnecting: 'reconnecting', disconnected: 'disconnected',
};

function displayState(client) {
  if (!client) return ui.displayed === 'idle' ? 'idle' : 'disconnected';
  switch (client.state) {
    case 'connected': return 'connected';
    case 'backing_off': return 'reconnecting';
    case 'waiting_target': case 'opening': case 'connecting': return ui.everConnected || ui.lastError ? 'reconnecting' : 'connecting';
    case 'closed': return 'disconnected';
    default: return 'idle';
  }
}

function connEvent(text, kind = '') {
  const list = $('#conn-events');
  list.prepend(el('li', { cls: kind }, el('span', { cls: 'meta', text: `${clock()} ` }), el('span', { text })));
  while (list.children.length > 50) list.lastChild.remove();
}

function showError(err, phase) {
  const client = ui.client;
  const info = explain(err, {
    phase, clockOffsetMs: client ? client.clockOffsetMs : ui.configuredOffset, authMode: ui.authMode,
    reachable: ui.reachable, everConnected: ui.everConnected,
    accessKeyId: form.elements.accessKeyId.value.trim(), hasSessionToken: !!form.elements.sessionToken.value.trim(),
    hasLogins: !!form.elements.loginsProvider.value.trim(),
  });
  const box = $('#error');
  box.dataset.kind = info.kind;
  box.dataset.code = err.code ?? '';
  $('#error-title').textContent = info.title;
  const hints = $('#error-hints');
  hints.replaceChildren(...info.hints.map((h) => el('li', { text: h })));
  $('#error-detail').textContent = `${err.code ? `[${err.code}${err.status ? ` ${err.status}` : ''}] ` : ''}${info.detail}`;
  box.hidden = false;
  return info;
}

function clearError() { $('#error').hidden = true; }

// Is the endpoint reachable at all? A no-cors fetch resolves (opaque) when a server answers and
// rejects when nothing does: this tells "refused (403)" from "unreachable" for a failed WebSocket,
// whose HTTP status browsers never show.
// The endpoint is the client's own parse of it (IotClient.endpoint), not a second parser here.
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
    form.elements[field].setAttribute('aria-invalid', 'true');
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

async function disconnect(reason) {
  const client = ui.client;
  ui.client = null;
  ui.generation++;
  await closeShadow();
  if (client) {
    await client.close().catch(() => {});
    connEvent(reason ?? 'disconnected by you');
  }
  if (client) ui.displayed = 'disconnected';
  ui.reconnectAt = null;
  ui.credExpiresAt = null;
  $('#close-button').disabled = true;
  for (const s of subscriptions.values()) s.setGranted(null);
  render();
}

async function connect() {
  clearError();
  const v = readForm();
  remember(v);
  await disconnect('replaced by a new connection');
  const gen = ++ui.generation;
  ui.everConnected = false;
  ui.lastError = null;
  ui.reachable = undefined;
  ui.probedAt = 0;
  ui.authMode = v.authMode;
  ui.staticTemporary = v.authMode === 'static' && !!v.sessionToken;
  ui.identityId = null;
  $('#fact-disconnect').textContent = '—';
  let options;
  try {
    options = buildOptions(v);
    ui.configuredOffset = options.clockOffsetMs;
    await packageReady;
  } catch (e) {
    showError(e, 'connect');
    return;
  }
  let client;
  try {
    client = await iotlite.IotClient.create(options);
  } catch (e) {
    showError(e, 'connect');
    return;
  }
  if (gen !== ui.generation) { client.close(); return; }
  ui.client = client;
  ui.displayed = 'connecting';
  $('#close-button').disabled = false;
  const current = () => gen === ui.generation;

  client.on('connect', ({ sessionPresent }) => {
    if (!current()) return;
    const again = ui.everConnected;
    ui.everConnected = true;
    ui.reconnectAt = null;
    ui.lastError = null;
    clearError();
    connEvent(`${again ? 'reconnected' : 'connected'}${sessionPresent ? ' (session present)' : ''}`, 'ok');
    if (!again) resubscribeAll(client);
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
    ui.reconnectAt = Date.now() + delayMs;
    connEvent(`reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt})`, 'warn');
    render();
  });
  client.on('error', (e) => {
    if (!current()) return;
    reportConnectError(e);
  });
  client.on('message', (m) => { if (current()) addMessage(m); });
  // The credentials' expiry and Cognito identity, as the package reports them (no secrets).
  client.on('credentials', ({ expiration, identityId }) => {
    if (!current()) return;
    ui.credExpiresAt = expiration ?? null;
    if (identityId) ui.identityId = identityId;
    render();
  });

  connEvent(`connecting to ${v.endpoint} as ${v.clientId} (${v.authMode === 'static' ? 'static keys' : 'Cognito'})`);
  render();
  client.connect().catch((e) => { if (current()) reportConnectError(e); });
}

// The same error arrives through the "error" event and connect()'s rejection: shown once.
function reportConnectError(e) {
  if (ui.lastError === e) return;
  ui.lastError = e;
  connEvent(`error: ${e.message}`, 'bad');
  showError(e, 'connect');
  // A WebSocket that failed to open: refused (403) or unreachable? Probe, at most every 10 s.
  if (e.code === 'io_error' && ui.client && !ui.probing && Date.now() - (ui.probedAt ?? 0) > 10000) {
    const gen = ui.generation;
    ui.probing = true;
    probeReachable(ui.client.endpoint).then((ok) => {
      ui.probing = false;
      ui.probedAt = Date.now();
      if (gen !== ui.generation) return;
      ui.reachable = ok;
      if (ui.lastError === e) showError(e, 'connect');
    });
  }
  render();
}

form.addEventListener('submit', (ev) => { ev.preventDefault(); connect(); });
form.addEventListener('input', (ev) => { if (ev.target.getAttribute('aria-invalid')) ev.target.removeAttribute('aria-invalid'); });
$('#close-button').addEventListener('click', () => disconnect());

function render() {
  const client = ui.client;
  const state = client ? displayState(client) : ui.displayed;
  if (client) ui.displayed = state;
  const status = $('#status');
  status.dataset.state = state;
  $('#status-state').textContent = STATE_TEXT[state] ?? state;
  $('#fact-state').textContent = client ? `${STATE_TEXT[state]} (engine: ${client.state})` : STATE_TEXT[state];
  let detail = '';
  if (state === 'connected') detail = `as ${form.elements.clientId.value}`;
  else if (state === 'reconnecting' && ui.reconnectAt && client?.state === 'backing_off') detail = `retry in ${seconds(ui.reconnectAt - Date.now())}`;
  $('#status-detail').textContent = detail;
  $('#fact-reconnect').textContent = client?.state === 'backing_off' && ui.reconnectAt ? seconds(ui.reconnectAt - Date.now()) : '—';
  if (client) {
    const off = client.clockOffsetMs;
    const learnt = off !== ui.configuredOffset ? ' (learnt from the server’s Date header)' : '';
    $('#fact-offset').textContent = `${off > 0 ? '+' : ''}${Math.round(off)} ms${learnt}`;
  } else {
    $('#fact-offset').textContent = '—';
  }
  if (!client) $('#fact-expiry').textContent = '—';
  else if (ui.authMode === 'static') $('#fact-expiry').textContent = ui.staticTemporary ? 'unknown (temporary keys given by hand)' : 'never (long-term keys)';
  else if (ui.credExpiresAt) $('#fact-expiry').textContent = `${seconds(ui.credExpiresAt - Date.now() - ui.client.clockOffsetMs)} (refreshed automatically before)`;
  else $('#fact-expiry').textContent = 'not fetched yet';
  $('#fact-identity').textContent = ui.identityId ?? '—';
  const connected = state === 'connected';
  for (const b of document.querySelectorAll('#shadow-get, #shadow-delete, #shadow-update, #shadow-report')) b.disabled = !(shadow && connected);
}
setInterval(render, 250);

// ---------------------------------------------------------------- subscriptions

function subscriptionRow(filter, qos) {
  const granted = el('span', { cls: 'meta', text: 'subscribing…' });
  const remove = el('button', { text: 'Remove', attrs: { type: 'button' } });
  const li = el('li', { attrs: { 'data-filter': filter } }, el('span', { text: filter }), el('span', { cls: 'row-end' }, granted, remove));
  const entry = {
    li, qos,
    setGranted(g) {
      granted.textContent = g === null ? 'not subscribed (disconnected)' : g === undefined ? 'subscribing…' : `granted QoS ${g}`;
      li.dataset.granted = g ?? '';
    },
  };
  remove.addEventListener('click', async () => {
    subscriptions.delete(filter);
    li.remove();
    if (ui.client) {
      try { await ui.client.unsubscribe(filter); } catch (e) { inlineError('#subscribe-error', e, 'unsubscribe'); }
    }
  });
  return entry;
}

async function subscribeOne(client, filter, entry) {
  entry.setGranted(undefined);
  try {
    const g = await client.subscribe(filter, { qos: entry.qos });
    if (subscriptions.get(filter) === entry && client === ui.client) entry.setGranted(g);
  } catch (e) {
    if (client !== ui.client) return;
    subscriptions.delete(filter);
    entry.li.remove();
    inlineError('#subscribe-error', e, 'subscribe');
  }
}

function resubscribeAll(client) {
  for (const [filter, entry] of subscriptions) subscribeOne(client, filter, entry);
}

function inlineError(sel, e, phase) {
  const p = $(sel);
  const info = explain(e, { phase, clockOffsetMs: ui.client?.clockOffsetMs, authMode: ui.authMode, everConnected: ui.everConnected });
  p.textContent = `${info.title}: ${info.detail}${info.hints.length ? ` — ${info.hints[0]}` : ''}`;
  p.dataset.code = e.code ?? '';
  p.hidden = false;
}

$('#subscribe-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const filter = f.elements.filter.value.trim();
  const qos = Number(f.elements.qos.value);
  $('#subscribe-error').hidden = true;
  const bad = filterError(filter);
  if (bad) { inlineError('#subscribe-error', { code: 'invalid_topic', message: bad }, 'subscribe'); return; }
  if (!ui.client) { inlineError('#subscribe-error', { code: 'not_connected', message: 'connect before subscribing' }, 'subscribe'); return; }
  const old = subscriptions.get(filter);
  if (old) old.li.remove();
  const entry = subscriptionRow(filter, qos);
  subscriptions.set(filter, entry);
  $('#subscriptions').append(entry.li);
  subscribeOne(ui.client, filter, entry);
});

// ---------------------------------------------------------------- publish
$('#publish-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const topic = f.elements.topic.value.trim();
  const qos = Number(f.elements.qos.value);
  const retain = f.elements.retain.checked;
  const text = f.elements.payload.value;
  const result = $('#publish-result');
  $('#publish-error').hidden = true;
  result.textContent = '';
  if (f.elements.format.value === 'json') {
    try { JSON.parse(text); } catch (e) {
      inlineError('#publish-error', { code: 'invalid_argument', message: `the payload is not valid JSON (${e.message}); choose "text" to send it as it is` }, 'publish');
      return;
    }
  }
  if (!ui.client) { inlineError('#publish-error', { code: 'not_connected', message: 'connect before publishing' }, 'publish'); return; }
  result.textContent = 'publishing…';
  try {
    await ui.client.publish(topic, text, { qos, retain });
    result.textContent = `${clock()} published${qos === 1 ? ' (PUBACK received)' : ''}`;
  } catch (e) {
    result.textContent = '';
    inlineError('#publish-error', e, 'publish');
  }
});

$('#publish-form').addEventListener('input', () => { $('#publish-error').hidden = true; });
$('#subscribe-form').addEventListener('input', () => { $('#subscribe-error').hidden = true; });

// ---------------------------------------------------------------- message log
const logFilter = $('#log-filter');
let messageCount = 0;

function payloadText(bytes) {
  try {
    const s = decoder.decode(bytes);
    try { return { text: JSON.stringify(JSON.parse(s), null, 2), kind: 'json', raw: s }; } catch { return { text: s, kind: 'text', raw: s }; }
  } catch {
    const hex = Array.from(bytes.slice(0, 256), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { text: `(binary, ${bytes.length} bytes) ${hex}${bytes.length > 256 ? ' …' : ''}`, kind: 'binary', raw: hex };
  }
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = el('textarea');
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  const old = button.textContent;
  button.textContent = 'copied';
  setTimeout(() => { button.textContent = old; }, 1200);
}

function currentLogFilter() {
  const f = logFilter.value.trim();
  return f && filterError(f) === null ? f : null;
}

function addMessage(m) {
  const p = payloadText(m.payload);
  const copyTopic = el('button', { text: 'copy topic', attrs: { type: 'button' } });
  const copyPayload = el('button', { text: 'copy payload', attrs: { type: 'button' } });
  copyTopic.addEventListener('click', () => copy(m.topic, copyTopic));
  copyPayload.addEventListener('click', () => copy(p.raw, copyPayload));
  const flags = [`QoS ${m.qos}`, m.retain ? 'retained' : '', m.dup ? 'dup' : '', `${m.payload.length} B`].filter(Boolean).join(' · ');
  const li = el('li', { attrs: { 'data-topic': m.topic } },
    el('div', { cls: 'msg-head' },
      el('span', { cls: 'meta', text: `${clock()} ` }),
      el('span', { cls: 'topic', text: m.topic }),
      el('span', { cls: 'meta', text: ` ${flags}` }),
      el('span', { cls: 'copy' }, copyTopic, copyPayload)),
    el('pre', { cls: `payload ${p.kind}`, text: p.text }));
  const f = currentLogFilter();
  li.hidden = f !== null && !topicMatches(f, m.topic);
  const list = $('#messages');
  list.prepend(li);
  while (list.children.length > MAX_LOG) list.lastChild.remove();
  messageCount++;
  $('#message-count').textContent = `(${messageCount} received${messageCount > MAX_LOG ? `, last ${MAX_LOG} kept` : ''})`;
}

logFilter.addEventListener('input', () => {
  const raw = logFilter.value.trim();
  const bad = raw ? filterError(raw) : null;
  const err = $('#log-filter-error');
  err.hidden = !bad;
  err.textContent = bad ? `Not a valid MQTT filter: ${bad}. Showing everything.` : '';
  const f = currentLogFilter();
  for (const li of $('#messages').children) li.hidden = f !== null && !topicMatches(f, li.dataset.topic);
});
$('#log-clear').addEventListener('click', () => { $('#messages').replaceChildren(); messageCount = 0; $('#message-count').textContent = ''; });

// ---------------------------------------------------------------- device shadow
// The package's shadow client (client.shadow(thing, name)): requests are promises, delta and
// documents arrive as its events, version and state come from its mirror. Its response and
// stream topics go only to the Shadow object, never to the message log.

const shadowPrefix = (thing, name) => `$aws/things/${thing}/shadow${name ? `/name/${name}` : ''}`;

function shadowEvent(text, kind = '', doc) {
  const li = el('li', { cls: kind }, el('span', { cls: 'meta', text: `${clock()} ` }), el('span', { cls: 'topic', text }));
  if (doc !== undefined) li.append(el('pre', { cls: 'payload json', text: JSON.stringify(doc, null, 2) }));
  const list = $('#shadow-events');
  list.prepend(li);
  while (list.children.length > 100) list.lastChild.remove();
}

// Version and diff from the shadow client's mirror ({desired, reported, delta} or null).
function renderShadow() {
  const state = shadow?.s.state ?? null;
  const version = shadow?.s.version;
  $('#shadow-version').textContent = version === undefined ? '—' : String(version);
  const rows = diffRows(state?.desired ?? {}, state?.reported ?? {});
  const body = $('#shadow-diff tbody');
  body.replaceChildren(...rows.map((r) => {
    const tr = el('tr', { cls: r.differs ? 'differs' : '', attrs: { 'data-key': r.key } },
      el('td', { text: r.key }), el('td', { text: cell(r.desired) }), el('td', { text: cell(r.reported) }));
    return tr;
  }));
  const pending = rows.filter((r) => r.differs).length;
  $('#shadow-diff-note').textContent = rows.length === 0 ? 'No state yet: Get the shadow or update it.'
    : pending ? `${pending} desired value${pending > 1 ? 's' : ''} not reported yet (highlighted): that is the delta.` : 'The device reports everything desired.';
}

async function closeShadow() {
  const open = shadow;
  shadow = null;
  if (open) open.off();
  renderShadow();
}

function shadowError(e, op) {
  const words = shadowErrorWords(e, op);
  const p = $('#shadow-error');
  if (words) {
    p.textContent = words.text;
    p.dataset.code = words.code;
    p.hidden = false;
  } else {
    inlineError('#shadow-error', e, 'shadow');
    if (op) p.textContent = `${op}: ${p.textContent}`;
  }
}

$('#shadow-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#shadow-error').hidden = true;
  const thing = ev.target.elements.thing.value.trim();
  const name = ev.target.elements.name.value.trim();
  const client = ui.client;
  if (!client || client.state !== 'connected') { inlineError('#shadow-error', { code: 'not_connected', message: 'connect before opening a shadow' }, 'shadow'); return; }
  await closeShadow();
  $('#shadow-topic').textContent = '';
  let s;
  try {
    s = client.shadow(thing, name);
    // Subscribes to update/delta and update/documents; an invalid thing or shadow name is refused
    // here, before anything is sent, with the AWS rule it breaks.
    await Promise.all([s.watch('delta'), s.watch('documents')]);
  } catch (e) { shadowError(e); return; }
  if (client !== ui.client) return;
  const onDelta = (doc) => {
    shadowEvent(`delta, version ${doc.version}`, 'warn', doc.state);
    renderShadow();
  };
  const onDocuments = (doc) => {
    const versions = doc.previous ? `version ${doc.previous.version} → ${doc.current?.version}` : `created, version ${doc.current?.version}`;
    shadowEvent(`documents, ${versions}`, '', { previous: doc.previous?.state, current: doc.current?.state });
    renderShadow();
  };
  const onError = (e) => { shadowEvent(`error: ${e.message}`, 'bad'); shadowError(e); };
  s.on('delta', onDelta).on('documents', onDocuments).on('error', onError);
  shadow = { s, off: () => s.off('delta', onDelta).off('documents', onDocuments).off('error', onError) };
  $('#shadow-topic').textContent = `topics: ${shadowPrefix(thing, name)}/…`;
  shadowEvent(`opened ${shadowPrefix(thing, name)}`);
  renderShadow();
  render();
  shadowRequest('get', (x) => x.get());
});

function patchFromEditor() {
  const text = $('#shadow-desired').value;
  let patch;
  try { patch = JSON.parse(text); } catch (e) {
    throw Object.assign(new Error(`the state patch is not valid JSON (${e.message})`), { code: 'invalid_argument' });
  }
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    throw Object.assign(new Error('the state patch must be a JSON object, e.g. {"led": "on"}'), { code: 'invalid_argument' });
  }
  return patch;
}

// {version} when "only if the version is" is filled in: AWS then rejects a stale update with 409.
function expectedVersion() {
  const raw = $('#shadow-expected-version').value.trim();
  if (raw === '') return {};
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 0) {
    throw Object.assign(new Error(`the expected version must be a whole number ≥ 0, not "${raw}"`), { code: 'invalid_argument' });
  }
  return { version: v };
}

async function shadowRequest(op, fn) {
  $('#shadow-error').hidden = true;
  const open = shadow;
  if (!open) return;
  try {
    const doc = await fn(open.s);
    if (shadow !== open) return;
    $('#shadow-last').textContent = `${op} accepted, version ${doc?.version ?? '—'}`;
    if (op === 'delete') shadowEvent(`deleted (version ${doc?.version})`, 'bad');
  } catch (e) {
    if (shadow !== open) return;
    if (e && (e.code === 'conflict' || e.status)) $('#shadow-last').textContent = e.message;
    shadowError(e, op);
  }
  renderShadow();
}
$('#shadow-get').addEventListener('click', () => shadowRequest('get', (s) => s.get()));
$('#shadow-delete').addEventListener('click', () => shadowRequest('delete', (s) => s.delete()));
$('#shadow-update').addEventListener('click', () => shadowRequest('update', (s) => s.desire(patchFromEditor(), expectedVersion())));
$('#shadow-report').addEventListener('click', () => shadowRequest('update', (s) => s.report(patchFromEditor(), expectedVersion())));
renderShadow();

// ---------------------------------------------------------------- local stand-in controls
async function admin(path, body) {
  const out = $('#standin-result');
  try {
    const r = await fetch(`${standinAdmin}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const j = await r.json();
    out.textContent = r.ok ? `${path}: ${JSON.stringify(j)}` : `${path} failed: ${j.error ?? r.status}`;
  } catch (e) {
    out.textContent = `${path} failed: ${e.message}`;
  }
}
$('#standin-drop').addEventListener('click', () => admin('/drop'));
$('#standin-skew').addEventListener('click', () => admin('/clock', { skewSeconds: 600 }));
$('#standin-reset').addEventListener('click', () => admin('/reset'));

// ---------------------------------------------------------------- start
loadSettings().finally(() => { document.body.dataset.ready = 'true'; render(); });
