// lifecycle.js — the page lifecycle events an IotClient reacts to (wasm/README.md, "Page lifecycle").
//
// The client (client.js) gives four hooks; this file only decides which event calls which:
//   hold(reason, on)  while any reason holds, no connection attempt is made (the engine's attempt
//                     waits for its target; nothing spins)
//   wake()            reconnect at once if the client is backing off (no stale backoff), and renew a
//                     connection that outlived its deadline while the page was asleep
//   hidden(on)        the page is hidden: timers may be throttled (the keep-alive wakes early)
//   suspend()         close the socket now (the page goes into the back/forward cache)
// Returns stop(), which removes every listener.
export function watchPage(hooks, win, doc) {
  const on = [];
  const listen = (target, type, fn) => {
    if (!target || typeof target.addEventListener != 'function') return;
    target.addEventListener(type, fn);
    on.push(() => target.removeEventListener(type, fn));
  };
  const visible = () => !doc || doc.visibilityState != 'hidden';
  if (win && win.navigator && win.navigator.onLine === false) hooks.hold('offline', true);
  hooks.hidden(!visible());
  // The network is back: attempt now, whatever the backoff had left.
  listen(win, 'online', () => { hooks.hold('offline', false); hooks.wake(); });
  // No network: attempts would fail at once and only grow the backoff.
  listen(win, 'offline', () => hooks.hold('offline', true));
  // Back/forward cache: a page with an open WebSocket is not kept there (Chrome), and a frozen page
  // could not answer the broker anyway: close cleanly now, attempt again when it is shown.
  listen(win, 'pagehide', (e) => { if (e.persisted) { hooks.hold('bfcache', true); hooks.suspend(); } });
  listen(win, 'pageshow', (e) => { if (e.persisted) { hooks.hold('bfcache', false); hooks.wake(); } });
  listen(doc, 'visibilitychange', () => { hooks.hidden(!visible()); if (visible()) hooks.wake(); });
  // A frozen page runs no timer: on resume, whatever was due is done now.
  listen(doc, 'resume', () => hooks.wake());
  return () => { for (const off of on.splice(0)) off(); };
}
