// Types of "iotlite/tabs": one MQTT connection (one client id) shared by every tab of an app.
import {
  IotClientOptions, IotClientEvents, IotClientState, IotMessage, AbortOptions, PublishOptions, SubscribeOptions, MessagesOptions,
} from './index.js';

import type { Shadow } from './shadow.js';
import type { Jobs } from './services.js';

export { IotError, IotErrorCode, ERROR_CODES, IotMessage } from './index.js';

export interface TabsClientOptions extends Omit<IotClientOptions, 'WebSocket' | 'fetch' | 'lifecycle'> {
  /** Where the connection lives. "auto" (default): a SharedWorker where there is one, else the
   *  leader tab. "worker": a SharedWorker (create() rejects with `unsupported` without one).
   *  "leader": the tab holding the Web Lock "iotlite-tabs:<clientId>", the others talking to it
   *  over the BroadcastChannel of that name. */
  sharing?: 'auto' | 'worker' | 'leader';
  /** The SharedWorker's script (default: the package's tabs-worker.js, next to tabs.js). */
  workerUrl?: string | URL;
  /** Leader mode only (a SharedWorker cannot be given them: create() rejects with
   *  `invalid_argument`): the WebSocket class and fetch of the leader tab's client. */
  WebSocket?: IotClientOptions['WebSocket'];
  fetch?: IotClientOptions['fetch'];
  /** false: the tab neither leaves at `pagehide` nor joins again at `pageshow` (back/forward
   *  cache), and a leader tab's client watches no page events. An object is accepted in leader
   *  mode only. */
  lifecycle?: IotClientOptions['lifecycle'];
  /** true: the connection is made with the services build (iotlite-services.wasm, loaded by the
   *  hub only then), so that every tab has client.shadow() and client.jobs(). The options of the
   *  tab that creates the connection decide (give every tab the same). */
  services?: boolean;
}

/** The plain client's API (see "iotlite"), on a connection every tab of the app shares. What
 *  differs: the options of the tab that creates the connection are used (a SharedWorker gets them
 *  as a structured clone: functions only as credentialsProvider, cognito.logins and
 *  cognito.storage, which the worker calls in a tab); `message` fires for the messages matching
 *  this tab's own subscriptions; close() leaves the connection (the last tab's close() ends it);
 *  `clockOffsetMs` is read-only; no `attach()` (a service of your own needs the engine in the
 *  tab); the shadow and Jobs with `services: true`. */
export class IotClient {
  /** Joins (or creates) the shared connection of `options.clientId`. Rejects with IotError
   *  `invalid_argument` (an option; one a SharedWorker cannot be given), `unsupported` (neither
   *  SharedWorker nor Web Locks + BroadcastChannel), or what the plain create() rejects with. */
  static create(options: TabsClientOptions): Promise<IotClient>;
  /** Resolves at the shared connection's CONNACK (at once when it is connected); rejects with
   *  the first failed attempt's error. Aborting rejects this call only. */
  connect(options?: AbortOptions): Promise<{ sessionPresent: boolean }>;
  /** Leaves the shared connection: this tab's subscriptions are released (UNSUBSCRIBE for the
   *  filters no other tab uses); pending calls reject with `closed`. The last tab's close()
   *  closes the connection. A leader tab hands the connection over to the next tab. */
  close(): Promise<void>;
  /** The first tab to ask for a filter makes the SUBSCRIBE (at the highest QoS any tab asked
   *  for), the last one to leave it the UNSUBSCRIBE. */
  subscribe(filter: string, options: SubscribeOptions, handler?: (message: IotMessage) => void): Promise<0 | 1>;
  subscribe(filter: string, handler?: (message: IotMessage) => void): Promise<0 | 1>;
  subscribe(filters: string[], options: SubscribeOptions, handler?: (message: IotMessage) => void): Promise<(0 | 1 | 0x80)[]>;
  subscribe(filters: string[], handler?: (message: IotMessage) => void): Promise<(0 | 1 | 0x80)[]>;
  unsubscribe(filter: string): Promise<void>;
  /** As the plain client's: this tab's messages matching `filter` as an async iterable; the loop's
   *  end releases its subscription (the filter's UNSUBSCRIBE when no tab uses it any more). */
  messages(filter: string | string[], options?: MessagesOptions): AsyncIterableIterator<IotMessage>;
  /** Resolves when the shared client's publish() resolved (QoS 0: written to the WebSocket;
   *  QoS 1: PUBACK). Leader mode: a publish not yet resolved when the leader tab goes away is
   *  sent again by the next leader (at least once). */
  publish(topic: string, payload: string | Uint8Array | ArrayBuffer | ArrayBufferView | object, options?: PublishOptions): Promise<void>;
  on<K extends keyof IotClientEvents>(event: K, listener: (arg: IotClientEvents[K]) => void): this;
  once<K extends keyof IotClientEvents>(event: K, listener: (arg: IotClientEvents[K]) => void): this;
  off<K extends keyof IotClientEvents>(event: K, listener: (arg: IotClientEvents[K]) => void): this;
  /** The shared connection's endpoint as core parsed it (a copy), as the hub last reported it. */
  readonly endpoint: { secure: boolean; host: string; path: '/mqtt' };
  /** The clock offset the shared connection signs with (configured, or learnt from a server Date
   *  header), as the hub last reported it; whole seconds. */
  readonly clockOffsetMs: number;
  /** The shared connection's state as last reported to this tab; "closed" after close(). */
  readonly state: IotClientState;
  /** Who holds the connection: a SharedWorker, this tab (leader) or another tab (follower). */
  readonly sharing: 'worker' | 'leader' | 'follower' | 'closed';
  /** The device shadow of `thing` (its named shadow `name`) on the shared connection (created with
   *  `services: true`): one Shadow of the connection serves every tab. As "iotlite/shadow"'s, except
   *  that its calls' arguments must be structured-cloneable, a thing name AWS refuses is reported
   *  by its requests and as an "error" event (not thrown here), and `state` / `version` are the
   *  connection's mirror as last reported to this tab (after any tab's request or event). Without
   *  `services: true` its requests reject with `unsupported`. Throws `invalid_argument` for a
   *  non-string, `invalid_state` after close(). */
  shadow(thing: string, name?: string): Shadow;
  /** AWS IoT Jobs of `thing` on the shared connection (created with `services: true`), as shadow(). */
  jobs(thing: string): Jobs;
}
