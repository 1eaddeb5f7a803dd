// tabs-worker.js — the SharedWorker of "iotlite/tabs": one per origin (and script URL), holding for
// each client id the one connection every tab of the app shares (a Hub of tabs_hub.js). A tab's
// port says hello first, naming its client id; a tab is gone when it says bye or when its Web Lock
// "iotlite-tabs-tab:<tab id>" (held by the tab for its life) is released, which also happens when
// its page is closed or crashes.
import { Hub } from './tabs_hub.js';

const hubs = new Map();  // client id -> Hub
globalThis.onconnect = (event) => {
  const port = event.ports[0];
  let peer = null;
  port.onmessage = ({ data: m }) => {
    if (!peer) {
      if (m.t != 'hello' || typeof m.clientId != 'string') return;
      peer = { id: m.tab, send: (x) => port.postMessage(x) };
      // A hub lives while one of its tabs does: the last one gone, its connection is closed.
      let h = hubs.get(m.clientId);
      if (!h) {
        const id = m.clientId;
        hubs.set(id, h = new Hub({ onEmpty: () => { if (hubs.get(id) === h) { hubs.delete(id); h.close(); } } }));
      }
      peer.hub = h;
      if (globalThis.navigator && navigator.locks) navigator.locks.request(`iotlite-tabs-tab:${m.tab}`, () => h.leave(peer));
    }
    peer.hub.receive(peer, m);
  };
};
