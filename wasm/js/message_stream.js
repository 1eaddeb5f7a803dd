// messages() of the plain client and of "iotlite/tabs", one implementation: the messages of a
// subscription as an async iterable, in order. Ends (and releases the subscription) on break /
// return(), when the client closes (the loop just ends) or when options.signal aborts (the loop
// throws IotError aborted). Messages wait in a buffer of options.bufferSize (default 100); when
// it is full, options.overflow says what goes: "drop_oldest" (default), "drop_newest", or
// "error" (the loop throws IotError queue_full, rule "messages.buffer", after the buffered ones).
import { IotError, bad, aborted, signalOf } from './errors.js';

const OVERFLOW = ['drop_oldest', 'drop_newest', 'error'];

// client: has on/off('statechange'). subscribe(push) subscribes with `push` as the handler and
// returns {done: a promise that rejects if the subscription fails, release()}.
export function messageStream(client, options, subscribe) {
  const o = options || {};
  const max = o.bufferSize ?? 100;
  const buf = [];
  const waiting = [];  // [resolve, reject] of each next() waiting
  let signal;
  let sub;
  let end;  // once ended: [the error to throw, if any]
  const give = () => {
    for (let w; waiting.length && (buf.length || end);) {
      w = waiting.shift();
      if (buf.length) w[0]({ value: buf.shift(), done: false });
      else if (end[0]) w[1](end.pop());
      else w[0]({ done: true });
    }
  };
  const finish = (error) => {
    if (end) return;
    end = [error];
    client.off('statechange', onState);
    if (signal) signal.removeEventListener('abort', onAbort);
    if (sub) sub.release();
    give();
  };
  const onState = ({ state }) => state == 'closed' && finish();
  const onAbort = () => finish(aborted(signal));
  try {
    if (!Number.isInteger(max) || max < 1 || max > 2 ** 31 - 1) throw bad('bufferSize', 'an integer in 1..2147483647', max);
    if (!OVERFLOW.includes(o.overflow ?? 'drop_oldest')) throw bad('overflow', '"drop_oldest", "drop_newest" or "error"', o.overflow);
    signal = signalOf(o);
    client.on('statechange', onState);
    if (signal) signal.addEventListener('abort', onAbort);
    sub = subscribe((m) => {
      if (buf.length >= max) {
        if (o.overflow == 'error') return finish(new IotError('queue_full', `messages(): more than bufferSize ${max} messages waiting`, { rule: 'messages.buffer', limit: max, actual: max + 1 }));
        if (o.overflow == 'drop_newest') return;
        buf.shift();
      }
      buf.push(m);
      give();
    });
    sub.done.catch(finish);
  } catch (e) {
    finish(e);
  }
  return {
    [Symbol.asyncIterator]() { return this; },
    next: () => new Promise((...w) => { waiting.push(w); give(); }),
    return: () => { finish(); return Promise.resolve({ done: true }); },
  };
}
