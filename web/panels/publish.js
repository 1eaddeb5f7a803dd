// The publish panel: topic, QoS, retain, JSON or text payload.
import { $, clock } from '../dom.js';
import { connection } from '../state.js';
import { inlineError, hideInlineError } from './inline_error.js';

$('#publish-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const f = ev.target;
  const topic = f.elements.topic.value.trim();
  const qos = Number(f.elements.qos.value);
  const retain = f.elements.retain.checked;
  const text = f.elements.payload.value;
  const result = $('#publish-result');
  hideInlineError('#publish-error');
  result.textContent = '';
  if (f.elements.format.value === 'json') {
    try { JSON.parse(text); } catch (e) {
      inlineError('#publish-error', { code: 'invalid_argument', message: `the payload is not valid JSON (${e.message}); choose "text" to send it as it is` }, 'publish');
      return;
    }
  }
  const { client } = connection.get();
  if (!client) { inlineError('#publish-error', { code: 'not_connected', message: 'connect before publishing' }, 'publish'); return; }
  result.textContent = 'publishing…';
  try {
    await client.publish(topic, text, { qos, retain });
    result.textContent = `${clock()} published${qos === 1 ? ' (PUBACK received)' : ''}`;
  } catch (e) {
    result.textContent = '';
    inlineError('#publish-error', e, 'publish');
  }
});
$('#publish-form').addEventListener('input', () => hideInlineError('#publish-error'));

/** config.json's topic: the suggested topic. */
export function prefillPublish(config) {
  if (config?.topic) $('#publish-form').elements.topic.value = `${config.topic}/hello`;
}
