// The listener lists of the plain client and of "iotlite/tabs": on / once / off as the DOM's and
// Node's conventions have them (chainable; off() also removes a once() listener before it ran),
// and emitting that never lets one listener's exception stop the others: it is re-thrown
// asynchronously (the browser's console; in Node an uncaught exception), never swallowed.
import { bad } from './errors.js';

// The emit method's key: for the classes that extend Emitter, not for applications.
export const EMIT = Symbol('emit');

export class Emitter {
  #listeners = {};

  // Throws IotError invalid_argument if fn is not a function.
  on(event, fn) {
    if (typeof fn !== 'function') throw bad('the listener', 'a function', fn);
    (this.#listeners[event] ||= []).push(fn);
    return this;
  }
  // As on(), for the next `event` only. off(event, fn) removes it before then.
  once(event, fn) {
    if (typeof fn !== 'function') throw bad('the listener', 'a function', fn);
    const wrapper = (arg) => { this.off(event, wrapper); fn(arg); };
    wrapper.listener = fn;
    return this.on(event, wrapper);
  }
  off(event, fn) {
    const l = this.#listeners[event];
    if (l) this.#listeners[event] = l.filter((f) => f !== fn && f.listener !== fn);
    return this;
  }
  [EMIT](event, arg) {
    for (const fn of this.#listeners[event] || []) {
      try { fn(arg); } catch (e) { setTimeout(() => { throw e; }); }
    }
  }
}
