// Types of "iotlite/shadow": everything of "iotlite", with an IotClient that has shadow().
import { IotClient as PlainIotClient, IotClientOptions, Shadow } from './index.js';

export * from './index.js';

export class IotClient extends PlainIotClient {
  /** Loads iotlite-shadow.wasm (once per page; in Node, Bun and Deno read from disk) and
   *  validates the options. Does not connect. */
  static create(options: IotClientOptions): Promise<IotClient>;
  /** The thing's classic shadow, or its named shadow `name`. The same object for the same names.
   *  T types the state (`get()`, `update()`, `report()`, `desire()`, the delta, the mirror); it is
   *  the caller's word, not checked at run time. */
  shadow<T extends object = Record<string, any>>(thing: string, name?: string): Shadow<T>;
}

/** Loads iotlite-shadow.wasm ahead of the first IotClient.create (optional). */
export function init(options?: { wasmBinary?: ArrayBuffer | Uint8Array; wasmUrl?: string | URL }): Promise<unknown>;
