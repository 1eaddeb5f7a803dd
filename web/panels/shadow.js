// The device shadow panel, on the package's shadow client (client.shadow(thing, name)): requests
// are promises, delta and documents arrive as its events, version and state come from its mirror.
// Its response and stream topics go only to the Shadow object, never to the message log.
import { $, el, logLine } from '../dom.js';
import { diffRows, cell } from '../lib/shadow_diff.js';
import { shadowErrorWords } from '../lib/shadow_words.js';
import { connection } from '../state.js';
import { inlineError, hideInlineError, panelError } from './inline_error.js';

let shadow = null; // the open panel: {s: Shadow, client, off()}

const shadowPrefix = (thing, name) => `$aws/things/${thing}/shadow${name ? `/name/${name}` : ''}`;

function shadowEvent(text, kind = '', doc) {
  const li = logLine($('#shadow-events'), 100, kind, el('span', { cls: 'topic', text }));
  if (doc !== undefined) li.append(el('pre', { cls: 'payload json', text: JSON.stringify(doc, null, 2) }));
}

// Version and diff from the shadow client's mirror ({desired, reported, delta} or null).
function renderShadow() {
  const state = shadow?.s.state ?? null;
  const version = shadow?.s.version;
  $('#shadow-version').textContent = version === undefined ? '—' : String(version);
  const rows = diffRows(state?.desired ?? {}, state?.reported ?? {});
  $('#shadow-diff tbody').replaceChildren(...rows.map((r) => el('tr', { cls: r.differs ? 'differs' : '', attrs: { 'data-key': r.key } },
    el('td', { text: r.key }), el('td', { text: cell(r.desired) }), el('td', { text: cell(r.reported) }))));
  const pending = rows.filter((r) => r.differs).length;
  $('#shadow-diff-note').textContent = rows.length === 0 ? 'No state yet: Get the shadow or update it.'
    : pending ? `${pending} desired value${pending > 1 ? 's' : ''} not reported yet (highlighted): that is the delta.` : 'The device reports everything desired.';
  const ready = !!shadow && connection.get().phase === 'connected';
  for (const b of document.querySelectorAll('#shadow-get, #shadow-delete, #shadow-update, #shadow-report')) b.disabled = !ready;
}

function closeShadow() {
  const open = shadow;
  shadow = null;
  if (open) open.off();
  renderShadow();
}

// A new client (or none) ends the open shadow; the phase enables or disables its buttons.
connection.subscribe((now, before) => {
  if (shadow && now.client !== shadow.client) closeShadow();
  else if (now.phase !== before.phase) renderShadow();
});

const shadowError = (e, op) => panelError('#shadow-error', shadowErrorWords, e, op, 'shadow');

$('#shadow-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideInlineError('#shadow-error');
  const thing = ev.target.elements.thing.value.trim();
  const name = ev.target.elements.name.value.trim();
  const { client } = connection.get();
  if (!client || client.state !== 'connected') { inlineError('#shadow-error', { code: 'not_connected', message: 'connect before opening a shadow' }, 'shadow'); return; }
  closeShadow();
  $('#shadow-topic').replaceChildren();
  let s;
  try {
    s = client.shadow(thing, name);
    // Subscribes to update/delta and update/documents; an invalid thing or shadow name is refused
    // here, before anything is sent, with the AWS rule it breaks.
    await Promise.all([s.watch('delta'), s.watch('documents')]);
  } catch (e) { shadowError(e); return; }
  if (client !== connection.get().client) return;
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
  shadow = { s, client, off: () => s.off('delta', onDelta).off('documents', onDocuments).off('error', onError) };
  $('#shadow-topic').replaceChildren('Topics: ', el('code', { text: `${shadowPrefix(thing, name)}/…` }));
  shadowEvent(`opened ${shadowPrefix(thing, name)}`);
  renderShadow();
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
  hideInlineError('#shadow-error');
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

/** config.json's thing name. */
export function prefillShadow(config) {
  if (config?.shadow?.thing) $('#shadow-form').elements.thing.value = config.shadow.thing;
}
