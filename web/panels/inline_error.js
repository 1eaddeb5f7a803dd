// The red one-line errors under the subscribe, publish and shadow forms. A "Not connected" line
// is about the past as soon as the connection is up: it is cleared then.
import { $ } from '../dom.js';
import { explain } from '../lib/explain.js';
import { connection } from '../state.js';

/** Shows `e` explained in the paragraph `sel` (its code in data-code). */
export function inlineError(sel, e, phase) {
  const p = $(sel);
  const { client, authMode, everConnected } = connection.get();
  const info = explain(e, { phase, clockOffsetMs: client?.clockOffsetMs, authMode, everConnected });
  p.textContent = `${info.title}: ${info.detail}${info.hints.length ? ` — ${info.hints[0]}` : ''}`;
  p.dataset.code = e.code ?? '';
  p.hidden = false;
}

export function hideInlineError(sel) { $(sel).hidden = true; }

/** A service panel's error in `sel`: the panel's own words for it (words(e, op) → {code, text} or
 *  null) when it has some, else the page's explanation, prefixed by the operation. */
export function panelError(sel, words, e, op, phase) {
  const said = words(e, op);
  const p = $(sel);
  if (said) {
    p.textContent = said.text;
    p.dataset.code = said.code;
    p.hidden = false;
    return;
  }
  inlineError(sel, e, phase);
  if (op) p.textContent = `${op}: ${p.textContent}`;
}

connection.subscribe((now, before) => {
  if (now.phase !== 'connected' || before.phase === 'connected') return;
  for (const p of document.querySelectorAll('.inline-error[data-code="not_connected"]')) p.hidden = true;
});
