// The local stand-in's controls (config.json's standin.adminUrl; hidden on AWS): its faults here,
// its Jobs control plane in the Jobs panel (adminRequest). Each answer is said in words, one short
// line that wraps inside the panel.
import { $ } from '../dom.js';
import { describeAnswer } from '../lib/standin_answer.js';

let adminUrl = null;

/** The stand-in's admin API: {ok, status, json}; throws when it cannot be reached. null on AWS. */
export async function adminRequest(method, path, body) {
  if (!adminUrl) return null;
  const r = await fetch(`${adminUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { ok: r.ok, status: r.status, json: await r.json() };
}

async function fault(path, body) {
  const out = $('#standin-result');
  try {
    const { ok, status, json } = await adminRequest('POST', path, body);
    out.textContent = ok ? describeAnswer(path, json) : `${path} failed: ${json.error ?? status}`;
  } catch (e) {
    out.textContent = `${path} failed: ${e.message}`;
  }
}
$('#standin-drop').addEventListener('click', () => fault('/drop'));
$('#standin-skew').addEventListener('click', () => fault('/clock', { skewSeconds: 600 }));
$('#standin-reset').addEventListener('click', () => fault('/reset'));

/** Shows the controls when config.json names the stand-in's admin API; true then. */
export function setupStandin(config) {
  if (!config?.standin?.adminUrl) return false;
  adminUrl = config.standin.adminUrl.replace(/\/$/, '');
  $('#standin').hidden = false;
  return true;
}
