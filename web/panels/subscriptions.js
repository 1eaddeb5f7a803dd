// The subscribe panel: the list of filters with their granted QoS. They are subscribed again on
// each new connection's first CONNACK (the client itself restores them after a reconnect).
import { $, el } from '../dom.js';
import { connection, packageLoad } from '../state.js';
import { inlineError, hideInlineError } from './inline_error.js';

const subscriptions = new Map(); // filter -> {li, qos, setGranted}

function subscriptionRow(filter, qos) {
  const granted = el('span', { cls: 'meta', text: 'subscribing…' });
  const remove = el('button', { text: 'Remove', attrs: { type: 'button' } });
  const li = el('li', { attrs: { 'data-filter': filter } }, el('span', { cls: 'filter', text: filter }), el('span', { cls: 'row-end' }, granted, remove));
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
    const { client } = connection.get();
    if (client) {
      try { await client.unsubscribe(filter); } catch (e) { inlineError('#subscribe-error', e, 'unsubscribe'); }
    }
  });
  return entry;
}

async function subscribeOne(client, filter, entry) {
  entry.setGranted(undefined);
  try {
    const g = await client.subscribe(filter, { qos: entry.qos });
    if (subscriptions.get(filter) === entry && client === connection.get().client) entry.setGranted(g);
  } catch (e) {
    if (client !== connection.get().client) return;
    subscriptions.delete(filter);
    entry.li.remove();
    inlineError('#subscribe-error', e, 'subscribe');
  }
}

connection.subscribe((now, before) => {
  if (now.client && now.everConnected && !before.everConnected) {
    for (const [filter, entry] of subscriptions) subscribeOne(now.client, filter, entry);
  }
  if (!now.client && before.client) for (const s of subscriptions.values()) s.setGranted(null);
});

$('#subscribe-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const filter = f.elements.filter.value.trim();
  const qos = Number(f.elements.qos.value);
  hideInlineError('#subscribe-error');
  const { client } = connection.get();
  if (!client) { inlineError('#subscribe-error', { code: 'not_connected', message: 'connect before subscribing' }, 'subscribe'); return; }
  // Core's rules (there is a client, so the package and its engine are loaded): a filter subscribe()
  // would refuse is named before it gets a row.
  const bad = (await packageLoad).topicFilterError(filter);
  if (bad) { inlineError('#subscribe-error', bad, 'subscribe'); return; }
  const old = subscriptions.get(filter);
  if (old) old.li.remove();
  const entry = subscriptionRow(filter, qos);
  subscriptions.set(filter, entry);
  $('#subscriptions').append(entry.li);
  subscribeOne(client, filter, entry);
});
$('#subscribe-form').addEventListener('input', () => hideInlineError('#subscribe-error'));

/** config.json's topic: the suggested filter. */
export function prefillSubscription(config) {
  if (config?.topic) $('#subscribe-form').elements.filter.value = `${config.topic}/#`;
}
