// Types of "iotlite/services": everything of "iotlite/shadow", with an IotClient that also has
// jobs() (AWS IoT Jobs).
import { IotClient as ShadowIotClient } from './shadow.js';
import { IotClientOptions } from './index.js';

export * from './shadow.js';

export class IotClient extends ShadowIotClient {
  /** Loads iotlite-services.wasm (once per page) and validates the options. Does not connect. */
  static create(options: IotClientOptions): Promise<IotClient>;
  /** The AWS IoT Jobs device API of `thing`. The same object for the same thing. */
  jobs(thing: string): Jobs;
}

/** Loads iotlite-services.wasm ahead of the first IotClient.create (optional). */
export function init(options?: { wasmBinary?: ArrayBuffer | Uint8Array; wasmUrl?: string | URL }): Promise<unknown>;

/** An execution's status (JobExecutionState.status). */
export type JobExecutionStatus = 'QUEUED' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'REJECTED' | 'REMOVED' | 'CANCELED';
/** What a device may set with UpdateJobExecution. */
export type DeviceJobStatus = 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'REJECTED';
/** True for SUCCEEDED, FAILED, TIMED_OUT, REJECTED, REMOVED, CANCELED: no update changes them (core's rule). No init() needed. */
export function isTerminalJobStatus(status: string): boolean;
/** True for the statuses UpdateJobExecution lets a device set (core's rule). No init() needed. */
export function isDeviceJobStatus(status: string): status is DeviceJobStatus;
/** At most 10 pairs; keys 1..128 of [a-zA-Z0-9:_-], values 1..1024 characters without control characters. */
export type StatusDetails = Record<string, string>;

/** JobExecutionSummary (GetPendingJobExecutions, notify). Times in seconds since the epoch. */
export interface JobExecutionSummary {
  jobId: string; queuedAt?: number; startedAt?: number; lastUpdatedAt?: number; versionNumber?: number; executionNumber?: number;
}
/** JobExecution (StartNextPendingJobExecution, DescribeJobExecution, notify-next). */
export interface JobExecution<TDocument = unknown> extends JobExecutionSummary {
  thingName?: string; status: JobExecutionStatus; statusDetails?: StatusDetails; jobDocument?: TDocument;
  approximateSecondsBeforeTimedOut?: number;
}
export interface JobExecutionState { status: JobExecutionStatus; statusDetails?: StatusDetails; versionNumber?: number }

export interface JobsRequestOptions {
  /** 1..64 printable ASCII without '"' or '\\'; generated when absent. */
  clientToken?: string;
  /** Default 10000. */
  timeoutMs?: number;
}
export interface StartNextOptions extends JobsRequestOptions { statusDetails?: StatusDetails; stepTimeoutInMinutes?: number }
export interface DescribeOptions extends JobsRequestOptions { executionNumber?: number; includeJobDocument?: boolean }
export interface UpdateJobOptions extends JobsRequestOptions {
  status: DeviceJobStatus;
  statusDetails?: StatusDetails;
  expectedVersion?: number;
  executionNumber?: number;
  /** 1..10080, or -1 to end the step timer. */
  stepTimeoutInMinutes?: number;
  includeJobExecutionState?: boolean;
  includeJobDocument?: boolean;
}

/**
 * The Jobs device MQTT API of one thing. Each call resolves with AWS's accepted answer, or rejects
 * with an IotError: `conflict` (VersionMismatch) or `server_error`, both with `awsCode` (AWS's
 * error code, e.g. "TerminalStateReached") and `response` (its error document); `timeout`;
 * `closed`; `invalid_argument` / `limit_exceeded` naming the rule broken before sending.
 */
export class Jobs {
  readonly thing: string;
  /** GetPendingJobExecutions. */
  list(options?: JobsRequestOptions): Promise<{ inProgressJobs?: JobExecutionSummary[]; queuedJobs?: JobExecutionSummary[]; timestamp: number; clientToken?: string }>;
  /** StartNextPendingJobExecution; no `execution` when nothing is pending. */
  startNext<TDocument = unknown>(options?: StartNextOptions): Promise<{ execution?: JobExecution<TDocument>; timestamp: number; clientToken?: string }>;
  /** DescribeJobExecution of a job id or "$next". */
  describe<TDocument = unknown>(jobId: string, options?: DescribeOptions): Promise<{ execution?: JobExecution<TDocument>; timestamp: number; clientToken?: string }>;
  /** UpdateJobExecution. */
  update<TDocument = unknown>(jobId: string, options: UpdateJobOptions): Promise<{ executionState?: JobExecutionState; jobDocument?: TDocument; timestamp: number; clientToken?: string }>;
  /** Subscribes to notify or notify-next; resolves once granted. Listening does it by itself. */
  watch(stream?: 'notify' | 'notify_next'): Promise<void>;
  /** The next pending execution changed (null: none left). */
  on(event: 'next', listener: (execution: JobExecution | null) => void): this;
  /** The pending lists changed. */
  on(event: 'notify', listener: (message: { timestamp: number; jobs?: { QUEUED?: JobExecutionSummary[]; IN_PROGRESS?: JobExecutionSummary[] } }) => void): this;
  /** A refused stream subscription or an unparsable message. */
  on(event: 'error', listener: (error: Error & { code: string }) => void): this;
  /** As on(), for the next event only (a stream's event watches it too). */
  once(event: 'next', listener: (execution: JobExecution | null) => void): this;
  once(event: 'notify', listener: (message: { timestamp: number; jobs?: { QUEUED?: JobExecutionSummary[]; IN_PROGRESS?: JobExecutionSummary[] } }) => void): this;
  once(event: 'error', listener: (error: Error & { code: string }) => void): this;
  off(event: 'next' | 'notify' | 'error', listener: (...args: any[]) => void): this;
}

