// Types of the iotlite browser package (also those of "iotlite/inline").

/** The stable error codes: the Errc names of iotlite's C++ core, and `aborted` (JS only: an
 *  AbortSignal ended the call; the signal's reason is the error's `cause`). */
export type IotErrorCode =
  | 'invalid_argument' | 'limit_exceeded' | 'invalid_topic' | 'invalid_state' | 'not_connected'
  | 'queue_full' | 'dropped' | 'protocol_error' | 'connection_refused' | 'auth_failed' | 'timeout'
  | 'closed' | 'crypto_error' | 'io_error' | 'server_error' | 'conflict' | 'unsupported' | 'aborted';

/** Every error this package reports. The message names the broken rule or the server's answer;
 *  it never holds a secret key, a session token or the query of a presigned URL (runtime error
 *  texts are redacted before they become part of it). */
export class IotError extends Error {
  readonly name: 'IotError';
  readonly code: IotErrorCode;
  /** HTTP status, when a server answered with one and the runtime let us read it: a refused
   *  WebSocket upgrade with the `ws` package in Node (browsers, Bun and Deno hide it), a Cognito
   *  answer, a shadow service rejection. Carried as data through the engine: on connect()'s
   *  rejection and on the `error` / `disconnect` events. */
  readonly status?: number;
  /** The server's answer to a refused WebSocket upgrade (its body, else its reason phrase), where
   *  readable (`ws` in Node); with `reasonCode` ("iotlite/mqtt5"), the reason code's name, e.g.
   *  "not authorized" (the broker's Reason String, when it sent one, is in the message). */
  readonly reason?: string;
  /** MQTT 5 ("iotlite/mqtt5"): the reason code (>= 0x80) of a refusal by the broker: CONNACK,
   *  PUBACK, SUBACK, UNSUBACK or DISCONNECT, e.g. 0x87 not authorized, 0x8E session taken over. */
  readonly reasonCode?: number;
  /** The AWS service whose answer (or silence) caused the error: "cognito" for every failure of
   *  the identity pool path (network, answer, refusal). Explain errors from these fields, not
   *  from the message text. */
  readonly service?: 'cognito';
  /** Cognito's error type, e.g. "NotAuthorizedException". */
  readonly cognitoType?: string;
  /** The MQTT answer behind the error: a CONNACK return code (1..5, e.g. 5 "not authorized"), or
   *  an MQTT 5 reason code (also in `reasonCode`). */
  readonly mqttReason?: number;
  /** The rule an input broke, as a stable id ("topic.levels", "topic.bytes", "payload.bytes",
   *  "client_id.bytes", "keep_alive.seconds", "subscribe.filters", "subscriptions",
   *  "authorizer.name", ...), with its limit and the value found. */
  readonly rule?: string;
  readonly limit?: number;
  readonly actual?: number;
  /** On an error that failed or ended a connection (connect()'s rejection, the `error` and
   *  `disconnect` events): whether another attempt with the same settings can succeed, by core's
   *  one rule (the CLI uses it too). The client keeps retrying either way (with backoff); on
   *  `false` the application may as well close it and say why. */
  readonly retryable?: boolean;
  /** With `retryable: false`, why: "input_rule" (a setting breaks a rule), "identity_input"
   *  (Cognito refused the pool id or a parameter), "identity_refuses" (Cognito will not issue
   *  credentials for these logins), "credentials_refused" (HTTP 401/403 or CONNACK 4/5 with fixed
   *  `credentials` or a `customAuthorizer`; with `cognito` or a `credentialsProvider` fresh
   *  credentials may pass), "key_unusable", "protocol" (the exchange breaks MQTT), "refused" (a refusal
   *  other than HTTP 429/5xx or "server unavailable/busy"), "connect_too_large". */
  readonly finalBecause?: 'input_rule' | 'identity_input' | 'identity_refuses' | 'credentials_refused' | 'key_unusable' |
    'protocol' | 'refused' | 'connect_too_large';
  /** For `aborted`: the AbortSignal's reason (`signal.reason`: an "AbortError" DOMException by
   *  default, a "TimeoutError" one from `AbortSignal.timeout()`, or what was passed to `abort()`). */
  readonly cause?: unknown;
}

/** Index = numeric value of the C++ Errc. */
export const ERROR_CODES: readonly ('ok' | IotErrorCode)[];

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When the credentials expire (Date or epoch milliseconds, AWS's time as STS and Cognito give
   *  it); they are refreshed before, when core's refresh policy says. */
  expiration?: Date | number;
}

/** Web Storage-like hook (localStorage fits) to keep the Cognito identity id across page loads. */
export interface IdentityStorage {
  getItem(key: string): string | null | Promise<string | null>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem?(key: string): void | Promise<void>;
}

export interface CognitoOptions {
  /** "us-east-1:1234abcd-..." */
  identityPoolId: string;
  /** Defaults to the options' region, else the pool id's prefix. */
  region?: string;
  /** Authenticated identities: provider name → token, or a function returning them (fresh tokens). */
  logins?: Record<string, string> | (() => Record<string, string> | Promise<Record<string, string>>);
  /** Reuse a known identity id (skips GetId). */
  identityId?: string;
  accountId?: string;
  storage?: IdentityStorage;
  /** Defaults to https://cognito-identity.<region>.amazonaws.com/ */
  endpoint?: string;
}

export interface CustomAuthorizerOptions {
  /** x-amz-customauthorizer-name (1..128 of [A-Za-z0-9_=,@-]); omitted: the endpoint's default
   *  authorizer. */
  name?: string;
  /** Query parameter name carrying the token (default "token"). */
  tokenKeyName?: string;
  token?: string;
  /** x-amz-customauthorizer-signature (signed authorizers). */
  signature?: string;
  /** MQTT CONNECT username / password. */
  username?: string;
  password?: string;
}

/** What the client uses of a WebSocket: the WHATWG API (browsers, Node 22, Bun, Deno); the
 *  "ws" package's class fits too. */
export interface WebSocketLike {
  /** Set to "arraybuffer". */
  binaryType: string;
  readonly readyState: number;
  /** Gets a copy of the engine's output: a Uint8Array on its own ArrayBuffer. */
  send(data: ArrayBufferView & { buffer: ArrayBuffer }): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open', listener: (event: any) => void): void;
  addEventListener(type: 'message', listener: (event: { data: any }) => void): void;
  addEventListener(type: 'error', listener: (event: any) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
}

/** A WebSocket class: `globalThis.WebSocket` or the "ws" package's default export. Called as
 *  `new WebSocket(url, 'mqtt', { maxPayload })` (the third argument is ws's; others ignore it). */
export type WebSocketConstructor = new (url: string, protocol: string, options?: { maxPayload?: number }) => WebSocketLike;

/** Every option is checked by `IotClient.create()`, which rejects with an IotError
 *  (`invalid_argument`, naming the option and its rule) for a wrong type, a non-integer or
 *  out-of-range number, an unknown enum value, zero or several credential sources, or a region
 *  that is not an AWS region name. An absent or `null` option takes its default. */
export interface IotClientOptions {
  /** "abc123-ats.iot.us-east-1.amazonaws.com", or a ws:// / wss:// URL (path defaults to /mqtt). */
  endpoint: string;
  /** Defaults to the region in the endpoint's host name. Required for SigV4 with other hosts. */
  region?: string;
  /** MQTT client id: 1..128 bytes (AWS IoT). */
  clientId: string;
  /** Exactly one of credentials, cognito, credentialsProvider, customAuthorizer. */
  credentials?: AwsCredentials;
  cognito?: CognitoOptions;
  credentialsProvider?: () => Promise<AwsCredentials>;
  customAuthorizer?: CustomAuthorizerOptions;
  /** Refresh temporary credentials this long before they expire (integer ms, 0..2^31-1;
   *  default: the smaller of 5 minutes and 10 % of their lifetime). */
  refreshBeforeExpiryMs?: number;
  /** Integer, 30..1200 (AWS IoT). Default 60. */
  keepAliveSeconds?: number;
  /** Default true. */
  cleanSession?: boolean;
  /** The Last Will: published by AWS IoT when the connection ends without a DISCONNECT. Its topic,
   *  payload size and QoS are checked like a publish's (create() rejects naming the rule); the
   *  payload is sent as publish() sends one. Needs iot:Publish (and iot:RetainPublish when
   *  retained) on its topic. */
  will?: { topic: string; payload?: string | Uint8Array | ArrayBuffer | ArrayBufferView | object; qos?: 0 | 1; retain?: boolean };
  /** Exponential backoff with jitter between attempts (integer ms, 0..2^31-1; the engine never
   *  makes two attempts less than 1 s apart, AWS IoT's 1 CONNECT/s per client id); false disables
   *  reconnecting. */
  reconnect?: false | { minDelayMs?: number; maxDelayMs?: number };
  /** Page lifecycle (README, "Page lifecycle"): by default, where there is a `document`, the client
   *  holds its attempts while offline or in the back/forward cache, reconnects at once when the
   *  network returns or the page resumes, and pings early while hidden. false: none of it; an
   *  object: the window and document to watch instead of the page's. */
  lifecycle?: boolean | { window?: EventTarget & { navigator?: { onLine?: boolean } }; document?: EventTarget & { visibilityState?: string } };
  /** Re-sign and reconnect, at a moment with no QoS 1 publish awaiting its PUBACK, once the
   *  connection is this old (integer ms, 1..2^31-1; default 23.5 h: AWS IoT closes WebSocket
   *  connections after 24 h). The client renews likewise ahead of the expiry of the credentials
   *  the connection was signed with, at their refresh time (refreshBeforeExpiryMs). */
  renewAfterMs?: number;
  /** Publishes made while offline (integers 0..2^31-1; maxMessages 0 disables the queue).
   *  Default {maxMessages: 100, maxBytes: 256 KiB, policy: "drop_oldest"}. */
  offlineQueue?: { maxMessages?: number; maxBytes?: number; policy?: 'drop_oldest' | 'drop_newest' | 'reject' };
  /** Added to Date.now() when signing: integer ms, kept in whole seconds (SigV4 signs seconds),
   *  at most 24 h either way (core's clock-skew bound: more is a broken clock). Also learnt from
   *  server Date headers where readable, changed only by more than 2 s. */
  clockOffsetMs?: number;
  /** From opening the WebSocket until CONNACK: integer ms, 1..2^31-1. Default 10000. */
  connectTimeoutMs?: number;
  /** Defaults to globalThis.WebSocket; in Node 20 and 21 (no global one), the "ws" package when it
   *  is installed (the package's "node" entry imports it). */
  WebSocket?: WebSocketConstructor;
  /** Defaults to globalThis.fetch (used for Cognito). */
  fetch?: typeof fetch;
  /** The .wasm bytes. Only the first client of a page loads the module. In Node (and Bun, Deno)
   *  the package reads its own .wasm from disk: nothing to pass. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch the .wasm from, if not next to the package's JS. */
  wasmUrl?: string | URL;
}

export interface AbortOptions {
  /** Aborting rejects the call with IotError `aborted` (the reason in `cause`; already aborted:
   *  at once, nothing done). What can be undone is: see each call. */
  signal?: AbortSignal;
}

export interface PublishOptions extends AbortOptions {
  qos?: 0 | 1;
  retain?: boolean;
}

export interface SubscribeOptions extends AbortOptions {
  qos?: 0 | 1;
}

export interface MessagesOptions extends SubscribeOptions {
  /** Messages waiting for the loop: integer 1..2^31-1, default 100. */
  bufferSize?: number;
  /** When the buffer is full: drop the oldest waiting message (default), drop the new one, or end
   *  the loop with IotError `queue_full` (rule "messages.buffer", after the buffered messages). */
  overflow?: 'drop_oldest' | 'drop_newest' | 'error';
}

/** MQTT 5 User Properties as MQTT.js gives them: a name sent more than once maps to an array of
 *  its values, in order. */
export type UserProperties = { [name: string]: string | string[] };

/** MQTT 5 PUBLISH properties, with MQTT.js 5's names ("iotlite/mqtt5"). */
export interface MessageProperties {
  /** true: the payload is UTF-8 text. */
  payloadFormatIndicator?: boolean;
  /** Seconds; AWS IoT Core: 1..604800 (7 days). */
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  /** Sent as bytes (a string is sent as its UTF-8); received as a Uint8Array. */
  correlationData?: Uint8Array;
  userProperties?: UserProperties;
}

export class IotMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  readonly dup: boolean;
  /** MQTT 5 ("iotlite/mqtt5"): the PUBLISH's properties, with MQTT.js's names; absent when it
   *  had none (always on MQTT 3.1.1). */
  readonly properties?: MessageProperties;
  /** The payload decoded as UTF-8. */
  text(): string;
  /** The payload parsed as JSON (throws SyntaxError if it is not JSON), typed as the caller says
   *  (not checked at run time). */
  json<T = any>(): T;
}

export interface IotClientEvents {
  connect: { sessionPresent: boolean };
  disconnect: { error: IotError };
  reconnecting: { delayMs: number; attempt: number };
  message: IotMessage;
  error: IotError;
  /** Fresh credentials were fetched (Cognito or credentialsProvider), at the first connect and at
   *  every refresh. Carries no key or token: `expiration` in epoch ms, server time (compare
   *  it with `Date.now() + client.clockOffsetMs`), `identityId` for Cognito. */
  credentials: { expiration?: number; identityId?: string };
  /** `client.state` changed: as seen after each round of engine work (a quick
   *  connecting → connected may show as one change) and when close() frees the engine. */
  statechange: { state: IotClientState; previous: IotClientState };
}

export type IotClientState = 'idle' | 'waiting_target' | 'opening' | 'connecting' | 'connected' | 'backing_off' | 'closed';

/** Which calls throw and which reject: every method that returns a promise reports every error
 *  (bad arguments included) by rejecting it with an IotError, never by throwing. Only `on()`,
 *  `client.shadow()` and `Shadow.on()` throw (an IotError `invalid_argument`, synchronously) for
 *  a bad argument. Exceptions thrown by your own handlers and listeners are re-thrown
 *  asynchronously (the browser's console; in Node an uncaught exception), not swallowed. */
export class IotClient {
  /** Checks every option (see IotClientOptions), loads the engine (once per page). Does not
   *  connect. Rejects with IotError `invalid_argument` / `limit_exceeded` naming the option. */
  static create(options: IotClientOptions): Promise<IotClient>;
  /** Resolves at the first CONNACK; rejects with the first failed attempt's error
   *  (the client keeps retrying with backoff: listen to "connect"). After close(): rejects with
   *  `invalid_state`, as every call does (close() is final). `signal` aborting before the CONNACK
   *  closes the client: the engine has no way back to idle. */
  connect(options?: AbortOptions): Promise<{ sessionPresent: boolean }>;
  /** DISCONNECT, close the socket, free the engine. Pending operations reject with "closed". */
  close(): Promise<void>;
  /** Resolves with the granted QoS. Rejects with invalid_topic / limit_exceeded naming the rule,
   *  or invalid_argument for a qos other than 0 or 1 or a handler that is not a function.
   *  `signal` aborting before the SUBACK unsubscribes the call's filters (those no other
   *  subscription of the client uses) and its handler is never called; after the SUBACK it does
   *  nothing. */
  subscribe(filter: string, options: SubscribeOptions, handler?: (message: IotMessage) => void): Promise<0 | 1>;
  subscribe(filter: string, handler?: (message: IotMessage) => void): Promise<0 | 1>;
  /** Several filters: one granted code per filter (0x80: the broker refused that one), sent in
   *  SUBSCRIBEs of at most AWS IoT's 8 filters. All or nothing when a filter breaks a rule. */
  subscribe(filters: string[], options: SubscribeOptions, handler?: (message: IotMessage) => void): Promise<(0 | 1 | 0x80)[]>;
  subscribe(filters: string[], handler?: (message: IotMessage) => void): Promise<(0 | 1 | 0x80)[]>;
  unsubscribe(filter: string): Promise<void>;
  /** The messages matching `filter` as an async iterable: `for await (const m of
   *  client.messages('a/#'))`. Subscribes at once; the loop ends (and the filters no other
   *  subscription uses are unsubscribed) on `break` / `return()`, when the client closes (the loop
   *  just ends) or when `signal` aborts (the loop throws IotError `aborted`). A failed subscribe
   *  and bad options reject the first `next()`. */
  messages(filter: string | string[], options?: MessagesOptions): AsyncIterableIterator<IotMessage>;
  /** A string is sent as UTF-8, bytes as they are, null/undefined as an empty message, any other
   *  value as its JSON (a value JSON cannot represent — circular, BigInt, a function, a Symbol —
   *  rejects with invalid_argument). Resolves when a QoS 0 message is written to the WebSocket
   *  or at the PUBACK of a QoS 1 one. `signal` aborting rejects the promise but does not recall
   *  the message: handed to the engine, it is sent (offline: when the connection is back), and a
   *  QoS 1 one in flight cannot be taken back from the broker. */
  publish(topic: string, payload: string | Uint8Array | ArrayBuffer | ArrayBufferView | object, options?: PublishOptions): Promise<void>;
  /** Throws IotError invalid_argument if listener is not a function. */
  on<K extends keyof IotClientEvents>(event: K, listener: (arg: IotClientEvents[K]) => void): this;
  /** As on(), for the next event only; off() with the same listener removes it before then. */
  once<K extends keyof IotClientEvents>(event: K, listener: (arg: IotClientEvents[K]) => void): this;
  off<K extends keyof IotClientEvents>(event: K, listener: (arg: IotClientEvents[K]) => void): this;
  readonly state: IotClientState;
  /** The endpoint as the client parsed it: where every connection attempt goes (a copy). */
  readonly endpoint: { secure: boolean; host: string; path: '/mqtt' };
  /** The clock offset used when signing (configured, or learnt from a server Date header); whole
   *  seconds. Setting it throws IotError beyond +-24 h. */
  clockOffsetMs: number;
}

/** Loads the engine ahead of the first IotClient.create (optional). */
export function init(options?: { wasmBinary?: ArrayBuffer | Uint8Array; wasmUrl?: string | URL }): Promise<unknown>;

/** Core's topic filter rules, MQTT's and AWS IoT's (not empty, UTF-8, '#' only as the whole last
 *  level, '+' only as a whole level, at most 256 bytes and 7 '/'): null when `filter` passes, else
 *  the IotError (`invalid_topic` or `limit_exceeded`, with `rule`) subscribe() would reject it
 *  with. Synchronous: throws IotError `invalid_state` until an engine is loaded (`await init()`,
 *  or any `IotClient.create()`). */
export function topicFilterError(filter: string): IotError | null;
/** Whether `topic` matches `filter` as the engine routes messages: '+' one level, '#' this level
 *  and all below (and the parent), no wildcard match for a topic starting with '$'. false when the
 *  filter breaks a rule (topicFilterError). Needs a loaded engine, as topicFilterError. */
export function topicMatches(filter: string, topic: string): boolean;

// ---- Device shadows: the "iotlite/shadow" entry (shadow.d.ts) ----

/** Shadow state of shape T as documents carry it: any member may be missing, at any depth. */
export type ShadowPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: ShadowPartial<T[K]> } : T;
/** A change to shadow state of shape T: members as ShadowPartial, and `null` deletes one (AWS). */
export type ShadowPatch<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: ShadowPatch<T[K]> | null } : T;

/** An accepted shadow document (get / update / delete accepted). T: the state's shape, as given to
 *  `client.shadow<T>()` (not checked at run time). */
export interface ShadowDocument<T = Record<string, any>> {
  state?: { desired?: ShadowPatch<T> | null; reported?: ShadowPatch<T> | null; delta?: ShadowPartial<T> } | null;
  metadata?: Record<string, any> | null;
  version?: number;
  /** Epoch seconds, set by the service. */
  timestamp?: number;
  clientToken?: string;
}

/** An update/delta message: `state` is the delta (desired members reported does not match). */
export interface ShadowDelta<T = Record<string, any>> {
  state: ShadowPartial<T>;
  metadata?: Record<string, any>;
  version?: number;
  timestamp?: number;
  clientToken?: string;
}

/** An update/documents message. */
export interface ShadowDocuments<T = Record<string, any>> {
  previous: ShadowDocument<T> | null;
  current: ShadowDocument<T>;
  timestamp?: number;
  clientToken?: string;
}

/** What update() sends: null values delete keys. At most 8 KB of merged desired + reported, objects nested at most 6 levels. */
export interface ShadowState<T = Record<string, any>> {
  desired?: ShadowPatch<T> | null;
  reported?: ShadowPatch<T> | null;
}

export interface ShadowRequestOptions {
  /** 1..64 printable ASCII bytes; default: generated from the client id. */
  clientToken?: string;
  /** Default 10000. */
  timeoutMs?: number;
}

export interface ShadowUpdateOptions extends ShadowRequestOptions {
  /** Apply only if the shadow is at this version (else the promise rejects with code "conflict"). */
  version?: number;
}

export interface ShadowEvents<T = Record<string, any>> {
  delta: ShadowDelta<T>;
  documents: ShadowDocuments<T>;
  /** A refused stream subscription (server_error) or an unparsable message (protocol_error). */
  error: IotError;
}

/** The local mirror of a shadow, kept from every accepted document, delta and documents message seen. */
export interface ShadowMirror<T = Record<string, any>> {
  desired: ShadowPartial<T>;
  reported: ShadowPartial<T>;
  /** desired members that reported does not match. */
  delta: ShadowPartial<T>;
}

/** One device shadow (the classic one when `name` is empty), from `client.shadow()` of
 *  "iotlite/shadow". Requests reject with IotError:
 *  conflict (409) or server_error (other codes; `status` = the code) with the service's message,
 *  timeout, closed, or invalid_argument / limit_exceeded naming the broken rule (a state JSON
 *  cannot represent, a clientToken that is not a string, a timeoutMs outside 1..2^31-1, options
 *  that are not an object): always by rejecting, never by a synchronous throw. */
export interface Shadow<T = Record<string, any>> {
  readonly thing: string;
  readonly name: string;
  get(options?: ShadowRequestOptions): Promise<ShadowDocument<T>>;
  /** A state object or its JSON text. */
  update(state: ShadowState<T> | string, options?: ShadowUpdateOptions): Promise<ShadowDocument<T>>;
  /** update({reported: patch}) */
  report(patch: ShadowPatch<T> | null, options?: ShadowUpdateOptions): Promise<ShadowDocument<T>>;
  /** update({desired: patch}) */
  desire(patch: ShadowPatch<T> | null, options?: ShadowUpdateOptions): Promise<ShadowDocument<T>>;
  delete(options?: ShadowRequestOptions): Promise<ShadowDocument<T>>;
  /** Subscribes to update/delta or update/documents; resolves once granted. Listening does it by itself. */
  watch(stream?: 'delta' | 'documents'): Promise<void>;
  on<K extends keyof ShadowEvents<T>>(event: K, listener: (arg: ShadowEvents<T>[K]) => void): this;
  /** As on(), for the next event only (a stream's event watches it too). */
  once<K extends keyof ShadowEvents<T>>(event: K, listener: (arg: ShadowEvents<T>[K]) => void): this;
  off<K extends keyof ShadowEvents<T>>(event: K, listener: (arg: ShadowEvents<T>[K]) => void): this;
  /** null until a document was seen. */
  readonly state: ShadowMirror<T> | null;
  /** The mirror's version; undefined until a versioned document was seen. */
  readonly version: number | undefined;
}
