// The message log: every message the current client receives, newest first (at most 500), shown
// as JSON, text or hex, with a filter (core's MQTT filter rules and matching, through the package)
// and copy buttons.
import { $, el, clock } from '../dom.js';
import { connection, packageLoad } from '../state.js';

const MAX_LOG = 500;
const decoder = new TextDecoder('utf-8', { fatal: true });
const logFilter = $('#log-filter');
let messageCount = 0;
// The package's topicFilterError / topicMatches, once its engine is loaded (until then, and if the
// package cannot load, the log shows everything).
let topics = null;
packageLoad.then(async (m) => { await m.init(); topics = m; applyLogFilter(); }).catch(() => {});

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
  return f && topics && topics.topicFilterError(f) === null ? f : null;
}
const hiddenBy = (f, topic) => f !== null && !topics.topicMatches(f, topic);

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
  li.hidden = hiddenBy(f, m.topic);
  const list = $('#messages');
  list.prepend(li);
  while (list.children.length > MAX_LOG) list.lastChild.remove();
  messageCount++;
  $('#message-count').textContent = `(${messageCount} received${messageCount > MAX_LOG ? `, last ${MAX_LOG} kept` : ''})`;
}

// Each new client's messages (shadow answers go to its Shadow object only, not here).
connection.subscribe((now, before) => {
  const { client } = now;
  if (!client || client === before.client) return;
  client.on('message', (m) => { if (connection.get().client === client) addMessage(m); });
});

function applyLogFilter() {
  if (!topics) return;
  const raw = logFilter.value.trim();
  const bad = raw ? topics.topicFilterError(raw) : null;
  const err = $('#log-filter-error');
  err.hidden = !bad;
  err.textContent = bad ? `Not a valid AWS IoT filter: ${bad.message}. Showing everything.` : '';
  const f = raw && !bad ? raw : null;  // what currentLogFilter() answers, without checking the filter again
  for (const li of $('#messages').children) li.hidden = hiddenBy(f, li.dataset.topic);
}
logFilter.addEventListener('input', applyLogFilter);
$('#log-clear').addEventListener('click', () => { $('#messages').replaceChildren(); messageCount = 0; $('#message-count').textContent = ''; });
