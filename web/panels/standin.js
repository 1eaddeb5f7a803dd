// The local stand-in's fault controls (config.json's standin.adminUrl; hidden on AWS). Each
// answer is said in words, one short line that wraps inside the panel.
import { $ } from '../dom.js';
import { describeAnswer } from '../lib/standin_answer.js';

let adminUrl = null;

async function admin(path, body) {
  const out = $('#standin-result');
  try {
    const r = await fetch(`${adminUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const j = await r.json();
    out.textContent = r.ok ? describeAnswer(path, j) : `${path} failed: ${j.error ?? r.status}`;
  } catch (e) {
    out.textContent = `${path} failed: ${e.message}`;
  }
}
$('#standin-drop').addEventListener('click', () => admin('/drop'));
$('#standin-skew').addEventListener('click', () => admin('/clock', { skewSeconds: 600 }));
$('#standin-reset').addEventListener('click', () => admin('/reset'));

/** Shows the controls when config.json names the stand-in's admin API. */
export function setupStandin(config) {
  if (!config?.standin?.adminUrl) return;
  adminUrl = config.standin.adminUrl.replace(/\/$/, '');
  $('#standin').hidden = false;
}
