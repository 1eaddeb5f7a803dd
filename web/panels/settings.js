// The connection form's settings: reading the fields, "remember in this browser", and the
// prefill from config.json (written by scripts/demo.sh for the local stand-in). Without a
// config.json (the site copied to a static host to use with AWS), a note points to web/AWS.md.
import { $, el } from '../dom.js';

const STORAGE_KEY = 'iotlite-demo.settings';
export const form = $('#connect-form');
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
for (const r of form.querySelectorAll('input[name=authMode]')) r.addEventListener('change', () => setAuthMode(r.value));
form.addEventListener('input', (ev) => { if (ev.target.getAttribute('aria-invalid')) ev.target.removeAttribute('aria-invalid'); });

/** The form's values, trimmed. */
export function readForm() {
  const v = {};
  for (const name of FIELDS) v[name] = form.elements[name].value.trim();
  v.authMode = form.querySelector('input[name=authMode]:checked').value;
  v.remember = form.elements.remember.checked;
  return v;
}

/** Marks a field as the one to fix. */
export function markInvalid(field) { form.elements[field]?.setAttribute('aria-invalid', 'true'); }

/** Keeps the values in localStorage when "remember" is ticked, else forgets them (and the identity). */
export function remember(values) {
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

function showNote(kind, ...content) {
  const note = $('#config-note');
  note.dataset.kind = kind;
  note.replaceChildren(...content);
  note.hidden = false;
}

/**
 * Prefills the form: config.json first, then what was remembered. Resolves with config.json's
 * content (null without one): the other panels take their part of it (topic, shadow, stand-in).
 */
export async function loadSettings() {
  form.elements.clientId.value = `iotlite-web-${Math.random().toString(36).slice(2, 10)}`;
  let config = null;
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    if (r.ok) config = await r.json();
  } catch { /* no config.json (e.g. a static host): empty fields */ }
  if (config === null || typeof config !== 'object') {
    config = null;
    showNote('aws', 'Nothing is prefilled (this site has no config.json). To connect to AWS IoT Core in your account, follow ',
      el('code', { text: 'web/AWS.md' }),
      ' in the iotlite repository: the endpoint, a Cognito identity pool with guest access, and the policy its role needs.');
  } else {
    setField('endpoint', config.endpoint);
    setField('region', config.region);
    setField('identityPoolId', config.cognito?.identityPoolId);
    setField('cognitoEndpoint', config.cognito?.endpoint);
    setField('accessKeyId', config.staticCredentials?.accessKeyId);
    setField('secretAccessKey', config.staticCredentials?.secretAccessKey);
    if (config.authMode) setAuthMode(config.authMode);
    if (config.label) showNote('config', `Prefilled for ${config.label} (config.json).`);
  }
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null'); } catch { saved = null; }
  if (saved && typeof saved === 'object') {
    for (const name of FIELDS) setField(name, saved[name]);
    if (saved.authMode === 'static' || saved.authMode === 'cognito') setAuthMode(saved.authMode);
    form.elements.remember.checked = true;
  }
  return config;
}
