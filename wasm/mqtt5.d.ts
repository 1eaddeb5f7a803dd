// Types of "iotlite/mqtt5": everything of "iotlite", with an IotClient that speaks MQTT 5 when
// created with protocolVersion 5 (MQTT.js 5's option and property names).
import {
  IotClient as PlainIotClient, IotClientOptions, IotMessage, PublishOptions, SubscribeOptions, AbortOptions,
  MessageProperties, UserProperties,
} from './index.js';

export * from './index.js';

/** CONNECT properties (MQTT.js's `properties` of connect options). Refused with IotError
 *  `unsupported` and a rule: authenticationMethod / authenticationData (rule "mqtt5.auth": AWS
 *  IoT Core has no AUTH), requestResponseInformation / requestProblemInformation (rule
 *  "connect.property"). */
export interface ConnectProperties {
  /** Seconds the broker keeps the session after the connection ends; AWS IoT Core: at most
   *  604800 (7 days; rule "session_expiry.seconds"). 0 (default): ends with the connection. */
  sessionExpiryInterval?: number;
  /** QoS 1 publishes the broker may have unacknowledged towards this client, 1..65535. */
  receiveMaximum?: number;
  /** The largest packet this client accepts (bytes). */
  maximumPacketSize?: number;
  /** Inbound topic aliases this client accepts, 0..64 (rule "topic_alias.maximum"). */
  topicAliasMaximum?: number;
  userProperties?: UserProperties;
}

export interface Mqtt5ClientOptions extends IotClientOptions {
  /** The Last Will, with MQTT 5 Will Properties (MQTT 5 only: rule "mqtt5.only" on 4). */
  will?: IotClientOptions['will'] & { properties?: PublishProperties & {
    /** Seconds the broker waits before publishing the Will. */
    willDelayInterval?: number;
  } };
  /** 4: MQTT 3.1.1 (the default), 5: MQTT 5. */
  protocolVersion?: 4 | 5;
  /** MQTT 5 only (rule "mqtt5.only" on 4). */
  properties?: ConnectProperties;
  /** request()'s settings, checked at create(). */
  requests?: {
    /** Where responses arrive: a topic name (AWS's topic rules); default
     *  "iotlite/response/<clientId>". Subscribed once, at the first request. */
    responseTopic?: string;
    /** Requests awaiting their response, 1..100 (default 16); the next is refused (queue_full,
     *  rule "request.in_flight"). */
    maxInFlight?: number;
    /** Default timeout of a request, ms (default 10000). */
    timeoutMs?: number;
  };
}

/** PUBLISH properties to send. `topicAlias` is refused (rule "publish.property": the engine
 *  manages aliases) and so is `subscriptionIdentifier` (rule "subscription_identifier": AWS IoT
 *  Core does not support them). */
export interface PublishProperties extends Omit<MessageProperties, 'correlationData'> {
  correlationData?: Uint8Array | ArrayBuffer | ArrayBufferView | string;
}

export interface Mqtt5PublishOptions extends PublishOptions {
  properties?: PublishProperties;
}

/** MQTT 5 subscription options, MQTT.js's short names or the long ones. */
export interface Mqtt5SubscribeOptions extends SubscribeOptions {
  /** No Local: not for a shared subscription ($share/...). */
  nl?: boolean;
  noLocal?: boolean;
  /** Retain As Published. */
  rap?: boolean;
  retainAsPublished?: boolean;
  /** Retain Handling: 0 send retained messages (default), 1 only for a new subscription, 2 never. */
  rh?: 0 | 1 | 2;
  retainHandling?: 0 | 1 | 2;
}

export interface RequestOptions extends AbortOptions {
  /** Default 1 (a PUBACK refusal rejects the request). */
  qos?: 0 | 1;
  retain?: boolean;
  /** ms, 1..2^31-1; default requests.timeoutMs (10000). */
  timeoutMs?: number;
  /** The request's properties; responseTopic and correlationData are request()'s own (rule
   *  "request.properties"). */
  properties?: Omit<PublishProperties, 'responseTopic' | 'correlationData'>;
}

export class IotClient extends PlainIotClient {
  /** Loads iotlite-mqtt5.wasm (once per page; in Node, Bun and Deno read from disk) and validates
   *  the options. Does not connect. */
  static create(options: Mqtt5ClientOptions): Promise<IotClient>;
  /** A refusal in the SUBACK rejects with its reasonCode (e.g. 0x87 not authorized). */
  subscribe(filter: string, options: Mqtt5SubscribeOptions, handler?: (message: IotMessage) => void): Promise<0 | 1>;
  subscribe(filter: string, handler?: (message: IotMessage) => void): Promise<0 | 1>;
  subscribe(filters: string[], options: Mqtt5SubscribeOptions, handler?: (message: IotMessage) => void): Promise<(0 | 1 | 0x80)[]>;
  subscribe(filters: string[], handler?: (message: IotMessage) => void): Promise<(0 | 1 | 0x80)[]>;
  /** A PUBACK refusal rejects with its reasonCode (e.g. 0x87 not authorized, 0x97 quota exceeded). */
  publish(topic: string, payload: string | Uint8Array | ArrayBuffer | ArrayBufferView | object, options?: Mqtt5PublishOptions): Promise<void>;
  /** Request/response on MQTT 5 Response Topic + Correlation Data (MQTT 5 §4.10): publishes with
   *  the client's response topic and a correlation data of its own (subscribing the response
   *  topic first, once), and resolves with the first message on the response topic carrying that
   *  correlation data. Rejects with IotError `timeout`, `aborted` (signal), `closed`,
   *  `queue_full` (rule "request.in_flight"), or the refusal of the subscription or the publish. */
  request(topic: string, payload: string | Uint8Array | ArrayBuffer | ArrayBufferView | object, options?: RequestOptions): Promise<IotMessage>;
  /** request()'s response topic. */
  readonly responseTopic: string;
}

/** Loads iotlite-mqtt5.wasm ahead of the first IotClient.create (optional). */
export function init(options?: { wasmBinary?: ArrayBuffer | Uint8Array; wasmUrl?: string | URL }): Promise<unknown>;
