// jobs.js — AWS IoT Jobs for a thing, client.jobs(thing) of the "iotlite/services" entry (the C++
// iotlite::jobs::JobsClient in iotlite-services.wasm, wasm/src/jobs_bindings.cpp).
//
// All Jobs behaviour is the C++ client's: job id, statusDetails and timer rules, the exact
// response-topic subscriptions made before each first request (and released for old jobs),
// clientToken correlation, timeouts, the in-flight limit, AWS's rejected codes. This file turns
// its events into promises and listeners. Answers are AWS's own JSON documents.
import { IotError, ERROR_CODES } from './errors.js';
import { ServiceHub, ServiceHandle, invalid, monotonic, requestOptions } from './service_hub.js';
import {
  JB_EV_ACCEPTED as ACCEPTED, JB_EV_FAILED as FAILED, JB_EV_NOTIFY as NOTIFY, JB_EV_NOTIFY_NEXT as NOTIFY_NEXT,
  JB_EV_STREAM_READY as STREAM_READY, JB_EV_STREAM_FAILED as STREAM_FAILED, JB_EV_REJECTED as REJECTED, JB_STREAMS as STREAMS,
  JB_NUM_REQUEST_ID, JB_NUM_ERROR_CODE, JB_NUM_STREAM, JB_TEXT_PAYLOAD, JB_TEXT_ERROR_MESSAGE, JB_TEXT_REJECTION_CODE,
  JB_OP_GET_PENDING, JB_OP_START_NEXT, JB_OP_DESCRIBE, JB_OP_UPDATE, JB_TERMINAL_STATUSES, JB_DEVICE_STATUSES,
} from './wasm-boundary.js';

// AWS IoT Jobs' execution states as core's rules see them (jobs::is_terminal, jobs::device_may_set,
// generated into wasm-boundary.js): no update changes a terminal one; a device may set the others.
export const isTerminalJobStatus = (status) => JB_TERMINAL_STATUSES.includes(status);
export const isDeviceJobStatus = (status) => JB_DEVICE_STATUSES.includes(status);

// The listener events and the streams they need: "notify" (the pending lists changed) and "next"
// (the next pending execution changed: the execution, or null when none is left).
const EVENT_STREAM = { notify: 'notify', next: 'notify_next' };

export class JobsHub extends ServiceHub {
  constructor(n, h, pump, thing) {
    super(n, h, pump, 'jb', (f, hh) => { n.pack(thing); return f('jb_create')(hh, 10000); });
    const { f } = this.fn;
    Object.assign(this.fn, { request: f('jb_request'), watch: f('jb_watch') });
    this.api = new Jobs(this, thing);
  }

  // options: the operation's AWS fields plus {clientToken?, timeoutMs?}. Always a promise.
  request(op, jobId, options) {
    return super.request(() => {
      const { clientToken, timeoutMs, ...fields } = requestOptions(options);
      let json;
      try { json = JSON.stringify(fields); } catch (e) { throw invalid(`options cannot be sent as JSON: ${e.message}`); }
      this.fn.pack(jobId, json, clientToken || '');
      return this.fn.request(this.handle, op, timeoutMs || 0, monotonic());
    });
  }

  watch(stream) {
    if (this.closed) throw new IotError('invalid_state', 'the client is closed');
    this.fn.ok(this.fn.watch(this.handle, STREAMS.indexOf(stream), monotonic()));
    this.pump();
  }

  deliver() {
    const { poll, num, bytes, text } = this.fn;
    const jb = this.handle;
    let any = false;
    for (let type; !this.closed && (type = poll(jb)) >= 0;) {
      any = true;
      const payload = text(bytes(jb, JB_TEXT_PAYLOAD));
      const error = () => new IotError(ERROR_CODES[num(jb, JB_NUM_ERROR_CODE)] || 'server_error', text(bytes(jb, JB_TEXT_ERROR_MESSAGE)),
        type === REJECTED ? { awsCode: text(bytes(jb, JB_TEXT_REJECTION_CODE)), response: JSON.parse(payload) } : undefined);
      if (type <= FAILED) this.settle(num(jb, JB_NUM_REQUEST_ID), type === ACCEPTED && JSON.parse(payload), type !== ACCEPTED && error());
      else if (type === NOTIFY) this.api._emit('notify', JSON.parse(payload));
      else if (type === NOTIFY_NEXT) this.api._emit('next', JSON.parse(payload).execution ?? null);
      else if (type === STREAM_READY || type === STREAM_FAILED) this.api._ready(STREAMS[num(jb, JB_NUM_STREAM)], type === STREAM_FAILED && error());
      else this.api._emit('error', error());
    }
    return any;
  }

  _closed() { this.api._closed(); }
}

// The Jobs device API of one thing. Every call resolves with AWS's accepted answer, or rejects
// with IotError: conflict (VersionMismatch) / server_error (other codes), each with .awsCode (e.g.
// "TerminalStateReached") and .response (AWS's error document); timeout, closed, or
// invalid_argument / limit_exceeded naming the rule broken before anything was sent.
export class Jobs extends ServiceHandle {
  #hub;

  constructor(hub, thing) {
    super(STREAMS, EVENT_STREAM);
    this.#hub = hub;
    this.thing = thing;
  }

  // GetPendingJobExecutions: {inProgressJobs, queuedJobs, timestamp, clientToken}.
  list(options) { return this.#hub.request(JB_OP_GET_PENDING, '', options); }
  // StartNextPendingJobExecution ({statusDetails?, stepTimeoutInMinutes?}): {execution?, ...};
  // no execution when nothing is pending.
  startNext(options) { return this.#hub.request(JB_OP_START_NEXT, '', options); }
  // DescribeJobExecution of jobId or "$next" ({executionNumber?, includeJobDocument?}).
  describe(jobId, options) {
    if (typeof jobId !== 'string') return Promise.reject(invalid(`jobId must be a string, not ${typeof jobId}`));
    return this.#hub.request(JB_OP_DESCRIBE, jobId, options);
  }
  // UpdateJobExecution ({status, statusDetails?, expectedVersion?, executionNumber?,
  // stepTimeoutInMinutes? (-1 ends the step timer), includeJobExecutionState?, includeJobDocument?}).
  update(jobId, options) {
    if (typeof jobId !== 'string') return Promise.reject(invalid(`jobId must be a string, not ${typeof jobId}`));
    return this.#hub.request(JB_OP_UPDATE, jobId, options);
  }

  // Subscribes to notify / notify-next; resolves once the broker granted it. Listening to
  // "notify" or "next" does this by itself.
  watch(stream = 'notify_next') { return super.watch(stream); }
  _start(stream) { this.#hub.watch(stream); }

  // Events: next (the next pending execution, with its jobDocument, or null), notify ({timestamp,
  // jobs: {QUEUED: [...], IN_PROGRESS: [...]}}), error (IotError: a refused subscription, an
  // unparsable message). Listening to "next" or "notify" watches its stream (ServiceHandle).
}
