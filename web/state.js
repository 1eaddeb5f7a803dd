// The page's one piece of shared state: the connection (its client and phase). It has a single
// writer, panels/connection.js, which takes the setter once (takeWriter); every other panel only
// reads the frozen snapshot (connection.get()) and reacts to changes (connection.subscribe).
// Panels keep their own state to themselves and talk to the others through this and exports.

/**
 * @typedef {object} ConnectionState
 * @property {import('./iotlite/services.js').IotClient | null} client  the open client, if any
 * @property {'idle'|'connecting'|'connected'|'reconnecting'|'stopped'|'disconnected'} phase
 * @property {boolean} everConnected  this client has had a CONNACK
 * @property {'cognito'|'static'} authMode  of the last Connect
 * @property {number} configuredOffset  the clock offset typed in (ms)
 */

/** The package (its services build: the page has shadow and Jobs panels), imported once for every
 *  panel. Its failure to load is reported by panels/connection.js. */
export const packageLoad = import('iotlite/services');

let current = Object.freeze({ client: null, phase: 'idle', everConnected: false, authMode: 'cognito', configuredOffset: 0 });
const listeners = new Set();
let writerTaken = false;

export const connection = {
  /** @returns {Readonly<ConnectionState>} */
  get: () => current,
  /** fn(next, previous) after every change; returns the unsubscribe function. */
  subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

/** The setter, for its one owner: set(patch) merges `patch` into a new frozen snapshot. */
export function takeWriter() {
  if (writerTaken) throw new Error('state.js: the connection state has a single writer (panels/connection.js)');
  writerTaken = true;
  return (patch) => {
    const previous = current;
    const next = Object.freeze({ ...current, ...patch });
    if (Object.keys(next).every((k) => next[k] === previous[k])) return;
    current = next;
    for (const fn of listeners) {
      try { fn(next, previous); } catch (e) { setTimeout(() => { throw e; }); }
    }
  };
}
