// Types of "iotlite/durable": the IndexedDB-backed offline queue that survives a page reload.
import { IotClient, IotError } from './index.js';

export interface DurableQueueOptions {
  /** The store's name: use the client id (one store per client). Database "iotlite-durable:<name>",
   *  Web Lock and BroadcastChannel of the same name. */
  name: string;
  /** Bounds of the stored messages, as the engine's `offlineQueue`: at most this many messages
   *  (default 100) and this many topic + payload bytes (default 256 KiB). */
  maxMessages?: number;
  maxBytes?: number;
  /** When a new message does not fit: evict the oldest stored ones (their `sent` rejects with
   *  `dropped`), drop the new one (`publish()` rejects with `dropped`) or refuse it (`queue_full`). */
  policy?: 'drop_oldest' | 'drop_newest' | 'reject';
  /** The IndexedDB factory (default: globalThis.indexedDB). */
  indexedDB?: IDBFactory;
}

export interface StoredPublish {
  /** The record's key in the store (increasing: the send order). */
  id: number;
  /** Resolves once the message was published (QoS 0: handed to the WebSocket; QoS 1: PUBACK) and
   *  removed from the store; rejects with IotError `dropped` (evicted by drop_oldest), `closed`
   *  (close() came first: the message stays stored) or the engine's error for a message that can
   *  never be sent (`invalid_topic`, `limit_exceeded`). */
  sent: Promise<void>;
}

export interface StoredMessage {
  id: number;
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

export class DurableQueue {
  /** Opens the store and sends what it holds, oldest first, whenever `client` is connected.
   *  Rejects with IotError invalid_argument (an option) or unsupported (no IndexedDB). */
  static open(client: IotClient, options: DurableQueueOptions): Promise<DurableQueue>;
  /** Resolves once the message is written to IndexedDB. Rejects with IotError `dropped`
   *  (drop_newest, or a message larger than maxBytes), `queue_full` (policy reject), or
   *  `invalid_topic` / `limit_exceeded` for a topic or payload that core's rules refuse (the
   *  client's publish() would: nothing is stored). */
  publish(topic: string, payload: string | Uint8Array | ArrayBuffer | ArrayBufferView | object, options?: { qos?: 0 | 1; retain?: boolean }): Promise<StoredPublish>;
  /** What is stored now (every tab's), oldest first. */
  messages(): Promise<StoredMessage[]>;
  on(event: 'sent', listener: (e: { id: number; topic: string }) => void): this;
  on(event: 'dropped', listener: (e: { id: number; error: IotError }) => void): this;
  on(event: 'error', listener: (e: IotError) => void): this;
  off(event: 'sent' | 'dropped' | 'error', listener: (...args: any[]) => void): this;
  /** Stops sending; the stored messages stay for the next page. Pending `sent` promises reject
   *  with `closed`. */
  close(): void;
}
