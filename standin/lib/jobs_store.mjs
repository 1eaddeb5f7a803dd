// AWS IoT Jobs for the local stand-in: jobs, their executions on things, AWS's execution state
// machine, versions, step and in-progress timers, the device MQTT API (answers on /accepted and
// /rejected) and the notify / notify-next publications. Pure logic: no sockets, no timers; the
// clock is a function and `tick()` applies the timeouts that are due (lib/jobs_service.mjs calls
// it). Control-plane calls (CreateJob, CancelJob, ...) come from the admin API.
//
// Sources (AWS IoT developer guide): "Jobs device MQTT API" (jobs-mqtt-api), "Jobs device MQTT
// and HTTPS APIs and data types" (jobs-mqtt-https-api), "Jobs API" ErrorResponse (jobs-api),
// "Jobs workflow" (jobs-workflow-jobs-online), "Jobs notifications" (jobs-comm-notifications),
// "Jobs and job execution states" (iot-jobs-lifecycle), "How job configurations work"
// (jobs-configurations-details, timers). Limits from the API reference (iot-jobs-data
// JobExecution / JobExecutionState / UpdateJobExecution, CreateJob, CancelJobExecution).
// Choices where the guide is silent are commented and listed in standin/README.md.
import { ControlError } from './control_error.mjs';

export const JOB_LIMITS = Object.freeze({
  maxDocumentBytes: 32768, // JobExecution.jobDocument: "Maximum length of 32768"; CreateJob document
  maxJobIdLength: 64, // jobId: 1-64 of [a-zA-Z0-9_-]
  maxThingNameLength: 128, // thingName: 1-128 of [a-zA-Z0-9:_-]
  maxStatusDetails: 10, // "You can specify at most 10 name/value pairs" (CancelJobExecution)
  maxStatusDetailKeyLength: 128, // key 1-128 of [a-zA-Z0-9:_-] (JobExecutionState)
  maxStatusDetailValueLength: 1024, // "The maximum length of the value ... is 1,024 characters"
  minTimeoutMinutes: 1, // step and in-progress timers: "1 to 10080 minutes" (JobExecution)
  maxTimeoutMinutes: 10080,
  maxClientTokenLength: 64, // the stand-in's choice: the shadow service's clientToken limit
  maxListNotification: 10, // a ListNotification holds "no more than 10" pending executions
});

export const EXECUTION_STATUS = Object.freeze(['QUEUED', 'IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);
/** Terminal statuses (iot-jobs-lifecycle, "Terminal status?" column). */
export const TERMINAL = Object.freeze(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'REMOVED', 'CANCELED']);
/** What a device may set with UpdateJobExecution ("IN_PROGRESS, FAILED, SUCCEEDED, or REJECTED"). */
export const DEVICE_STATUS = Object.freeze(['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED']);

/**
 * Legal transitions: from a non-terminal status to the statuses below; nothing leaves a terminal
 * status ("You cannot update the status of a job execution that is already in a terminal state").
 * QUEUED may go straight to a device's terminal status: the guide's notification example moves
 * job2 from QUEUED to REJECTED. TIMED_OUT only from IN_PROGRESS (the timers run while
 * IN_PROGRESS); CANCELED of an IN_PROGRESS execution needs `force` (CancelJob/CancelJobExecution).
 */
export const TRANSITIONS = Object.freeze({
  QUEUED: Object.freeze(['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'CANCELED', 'REMOVED']),
  IN_PROGRESS: Object.freeze(['IN_PROGRESS', 'SUCCEEDED', 'FAILED', 'REJECTED', 'TIMED_OUT', 'CANCELED', 'REMOVED']),
});

export const isTerminal = (status) => TERMINAL.includes(status);
export const canTransition = (from, to) => (TRANSITIONS[from] ?? []).includes(to);

/** The ErrorResponse codes (jobs-api, "ErrorResponse"). */
export const JOB_ERROR = Object.freeze({
  InvalidTopic: 'InvalidTopic',
  InvalidJson: 'InvalidJson',
  InvalidRequest: 'InvalidRequest',
  InvalidStateTransition: 'InvalidStateTransition',
  ResourceNotFound: 'ResourceNotFound',
  VersionMismatch: 'VersionMismatch',
  InternalError: 'InternalError',
  RequestThrottled: 'RequestThrottled',
  TerminalStateReached: 'TerminalStateReached',
});

const JOB_ID = /^[a-zA-Z0-9_-]+$/;
const THING = /^[a-zA-Z0-9:_-]+$/;
const DETAIL_KEY = /^[a-zA-Z0-9:_-]+$/;
const CONTROL_CHAR = /\p{C}/u; // a value matches [^\p{C}]+
const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

export function jobIdError(jobId) {
  if (typeof jobId !== 'string' || jobId.length < 1 || jobId.length > JOB_LIMITS.maxJobIdLength || !JOB_ID.test(jobId)) {
    return `job id '${String(jobId).slice(0, 80)}' is not 1-${JOB_LIMITS.maxJobIdLength} characters of [a-zA-Z0-9_-]`;
  }
  return null;
}

export function thingNameError(thing) {
  if (typeof thing !== 'string' || thing.length < 1 || thing.length > JOB_LIMITS.maxThingNameLength || !THING.test(thing)) {
    return `thing name '${String(thing).slice(0, 140)}' is not 1-${JOB_LIMITS.maxThingNameLength} characters of [a-zA-Z0-9:_-]`;
  }
  return null;
}

/** statusDetails: a map of at most 10 pairs, key 1-128 [a-zA-Z0-9:_-], value 1-1024 without control characters. */
export function statusDetailsError(details) {
  if (!isObj(details)) return 'statusDetails must be an object of string values';
  const entries = Object.entries(details);
  if (entries.length > JOB_LIMITS.maxStatusDetails) {
    return `statusDetails has ${entries.length} name/value pairs; at most ${JOB_LIMITS.maxStatusDetails} are allowed`;
  }
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > JOB_LIMITS.maxStatusDetailKeyLength || !DETAIL_KEY.test(k)) {
      return `statusDetails name '${k.slice(0, 140)}' is not 1-${JOB_LIMITS.maxStatusDetailKeyLength} characters of [a-zA-Z0-9:_-]`;
    }
    if (typeof v !== 'string' || v.length < 1 || v.length > JOB_LIMITS.maxStatusDetailValueLength || CONTROL_CHAR.test(v)) {
      return `statusDetails value of '${k}' must be a string of 1-${JOB_LIMITS.maxStatusDetailValueLength} characters without control characters`;
    }
  }
  return null;
}

/** A timer in minutes: an integer in 1..10080 (and -1 when `allowCancel`, which ends the step timer). */
function timeoutError(v, name, { allowCancel = false } = {}) {
  if (allowCancel && v === -1) return null;
  if (!Number.isInteger(v) || v < JOB_LIMITS.minTimeoutMinutes || v > JOB_LIMITS.maxTimeoutMinutes) {
    return `${name} must be an integer from ${JOB_LIMITS.minTimeoutMinutes} to ${JOB_LIMITS.maxTimeoutMinutes}${allowCancel ? ' (or -1 to cancel the step timer)' : ''}`;
  }
  return null;
}

class RequestError extends Error {
  constructor(code, message, executionState) {
    super(message);
    this.code = code;
    this.executionState = executionState;
  }
}

/** The clientToken of a payload that may be anything (for answers to requests that failed early). */
function lenientClientToken(payload) {
  try {
    const tok = JSON.parse(String(payload)).clientToken;
    return typeof tok === 'string' && tok.length <= JOB_LIMITS.maxClientTokenLength ? tok : undefined;
  } catch {
    return undefined;
  }
}

/** The pieces of a `$aws/things/{thing}/jobs/...` topic: {thing, op, jobId?}, {ignore} or {invalid}. */
export function parseJobsTopic(topic) {
  const m = /^\$aws\/things\/([^/]*)\/jobs\/(.*)$/.exec(topic);
  if (!m) return null;
  const [, thing, rest] = m;
  const levels = rest.split('/');
  const last = levels.at(-1);
  // The service's own publications (and anything on a response topic) are never requests: an
  // answer to them would be answered again.
  if (last === 'accepted' || last === 'rejected' || rest === 'notify' || rest === 'notify-next') return { ignore: true };
  let parsed = null;
  if (levels.length === 1 && last === 'get') parsed = { thing, op: 'getPending' };
  else if (levels.length === 1 && last === 'start-next') parsed = { thing, op: 'startNext' };
  else if (levels.length === 2 && last === 'get') parsed = { thing, op: 'describe', jobId: levels[0] };
  else if (levels.length === 2 && last === 'update') parsed = { thing, op: 'update', jobId: levels[0] };
  if (!parsed) return { thing, invalid: `'${topic}' maps to no Jobs API` };
  if (thingNameError(thing)) return { thing, invalid: thingNameError(thing) };
  if (parsed.jobId !== undefined) {
    // `$next` names the next pending execution for DescribeJobExecution only.
    if (parsed.jobId === '$next' && parsed.op === 'update') return { thing, invalid: "UpdateJobExecution takes a job id, not '$next'" };
    if (parsed.jobId !== '$next' && jobIdError(parsed.jobId)) return { thing, invalid: jobIdError(parsed.jobId) };
  }
  return parsed;
}

export class JobsStore {
  #jobs = new Map(); // jobId -> job
  #things = new Map(); // thing -> Map(jobId -> execution)
  #seq = 0;
  #faults = { throttle: 0, internalError: 0 };

  /** @param {{ nowMs: () => number, region?: string, accountId?: string }} opts */
  constructor({ nowMs, region = 'us-east-1', accountId = '123456789012' }) {
    this.nowMs = nowMs;
    this.region = region;
    this.accountId = accountId;
  }

  #now() { return Math.floor(this.nowMs() / 1000); } // the API's timestamps are epoch seconds
  #jobArn(jobId) { return `arn:aws:iot:${this.region}:${this.accountId}:job/${jobId}`; }

  // ---- views -------------------------------------------------------------------------------

  #pending(thing) {
    const all = [...(this.#things.get(thing)?.values() ?? [])].filter((e) => !isTerminal(e.status));
    // IN_PROGRESS first, then the order of queuing ("sorted by status ... and then by the times
    // when they were queued").
    const rank = (e) => (e.status === 'IN_PROGRESS' ? 0 : 1);
    return all.sort((a, b) => rank(a) - rank(b) || a.seq - b.seq);
  }

  #summary(e) {
    const s = { jobId: e.jobId, queuedAt: e.queuedAt };
    if (e.startedAt !== undefined) s.startedAt = e.startedAt;
    s.lastUpdatedAt = e.lastUpdatedAt;
    s.executionNumber = e.executionNumber;
    s.versionNumber = e.versionNumber;
    return s;
  }

  #state(e) {
    const s = { status: e.status };
    if (Object.keys(e.statusDetails).length) s.statusDetails = { ...e.statusDetails };
    s.versionNumber = e.versionNumber;
    return s;
  }

  #document(e) { return JSON.parse(this.#jobs.get(e.jobId).document); }

  /** JobExecution as the MQTT API sends it. `thingName: false` leaves it out (notify-next). */
  #execution(e, { includeJobDocument = true, thingName = true } = {}) {
    const x = { jobId: e.jobId };
    if (thingName) x.thingName = e.thingName;
    x.status = e.status;
    if (Object.keys(e.statusDetails).length) x.statusDetails = { ...e.statusDetails };
    x.queuedAt = e.queuedAt;
    if (e.startedAt !== undefined) x.startedAt = e.startedAt;
    x.lastUpdatedAt = e.lastUpdatedAt;
    x.versionNumber = e.versionNumber;
    x.executionNumber = e.executionNumber;
    const deadline = this.#deadline(e);
    if (deadline !== null) x.approximateSecondsBeforeTimedOut = Math.max(0, Math.ceil((deadline - this.nowMs()) / 1000));
    if (includeJobDocument) x.jobDocument = this.#document(e);
    return x;
  }

  /** The timer that ends an IN_PROGRESS execution: the step timer bounded by the in-progress timer. */
  #deadline(e) {
    if (e.status !== 'IN_PROGRESS') return null;
    const ds = [e.stepDeadlineMs, e.inProgressDeadlineMs].filter((d) => d !== undefined);
    return ds.length ? Math.min(...ds) : null;
  }

  // ---- notifications ------------------------------------------------------------------------

  /**
   * Runs `fn` (which changes the executions of `thing`) and appends the notifications the change
   * causes: `jobs/notify` when an execution joined or left the pending list, `jobs/notify-next`
   * when the execution `$next` names is another one (jobs-comm-notifications: "not sent when the
   * next job's execution details change").
   */
  #changing(thing, out, fn) {
    const before = this.#pending(thing);
    const result = fn();
    const after = this.#pending(thing);
    const ids = (l) => l.map((e) => e.jobId).sort().join('\n');
    const topic = `$aws/things/${thing}/jobs`;
    const timestamp = this.#now();
    if (ids(before) !== ids(after)) {
      const jobs = {};
      for (const e of after.slice(0, JOB_LIMITS.maxListNotification)) (jobs[e.status] ??= []).push(this.#summary(e));
      out.push({ topic: `${topic}/notify`, payload: JSON.stringify({ timestamp, jobs }) });
    }
    if ((before[0]?.jobId ?? null) !== (after[0]?.jobId ?? null)) {
      const body = { timestamp };
      if (after[0]) body.execution = this.#execution(after[0], { thingName: false });
      out.push({ topic: `${topic}/notify-next`, payload: JSON.stringify(body) });
    }
    return result;
  }

  #setStatus(e, status) {
    const now = this.#now();
    if (status === 'IN_PROGRESS' && e.status === 'QUEUED') {
      e.startedAt = now;
      const minutes = this.#jobs.get(e.jobId).inProgressTimeoutInMinutes;
      if (minutes !== undefined) e.inProgressDeadlineMs = this.nowMs() + minutes * 60_000;
    }
    e.status = status;
    e.lastUpdatedAt = now;
    e.versionNumber += 1;
    if (isTerminal(status)) {
      delete e.stepDeadlineMs; // "The in-progress and step timers end when the job execution is complete"
      delete e.inProgressDeadlineMs;
      this.#completeJobIfDone(e.jobId);
    }
  }

  #completeJobIfDone(jobId) {
    const job = this.#jobs.get(jobId);
    if (job && job.status === 'IN_PROGRESS' && this.#executionsOf(jobId).every((e) => isTerminal(e.status))) {
      job.status = 'COMPLETED'; // a snapshot job whose executions all ended (iot-jobs-lifecycle)
      job.completedAt = this.#now();
    }
  }

  #executionsOf(jobId) {
    const out = [];
    for (const m of this.#things.values()) if (m.has(jobId)) out.push(m.get(jobId));
    return out;
  }

  // ---- the device MQTT API ------------------------------------------------------------------

  /** Handles one message on a jobs topic; returns the publications it causes. */
  handleMqtt(topic, payload) {
    const t = parseJobsTopic(topic);
    if (!t || t.ignore) return [];
    const out = this.tick();
    const reply = (suffix, body) => out.push({ topic: `${topic}/${suffix}`, payload: JSON.stringify(body) });
    let clientToken;
    try {
      if (t.invalid) {
        clientToken = lenientClientToken(payload);
        throw new RequestError(JOB_ERROR.InvalidTopic, t.invalid);
      }
      const req = this.#parse(payload);
      clientToken = req.clientToken;
      // Fault injection (POST /admin/jobs/faults): the next N requests are throttled / fail.
      if (this.#faults.throttle > 0) { this.#faults.throttle--; throw new RequestError(JOB_ERROR.RequestThrottled, 'The request was throttled (stand-in fault injection)'); }
      if (this.#faults.internalError > 0) { this.#faults.internalError--; throw new RequestError(JOB_ERROR.InternalError, 'Internal error (stand-in fault injection)'); }
      const body = this.#changing(t.thing, out, () => this.#dispatch(t, req));
      const answer = {};
      Object.assign(answer, body, { timestamp: this.#now() });
      if (clientToken !== undefined) answer.clientToken = clientToken;
      reply('accepted', answer);
    } catch (e) {
      if (!(e instanceof RequestError)) throw e; // the service answers InternalError
      const err = { code: e.code, message: e.message };
      if (clientToken !== undefined) err.clientToken = clientToken;
      err.timestamp = this.#now();
      if (e.executionState) err.executionState = e.executionState;
      reply('rejected', err);
    }
    return out;
  }

  /** The rejected answer for a request the service could not handle (an unexpected fault). */
  internalErrorFor(topic, payload) {
    const t = parseJobsTopic(topic);
    if (!t || t.ignore) return [];
    const err = { code: JOB_ERROR.InternalError, message: 'Internal error' };
    const tok = lenientClientToken(payload);
    if (tok !== undefined) err.clientToken = tok;
    err.timestamp = this.#now();
    return [{ topic: `${topic}/rejected`, payload: JSON.stringify(err) }];
  }

  #parse(payload) {
    const text = Buffer.isBuffer(payload) ? payload : Buffer.from(String(payload ?? ''));
    if (text.length === 0) return {}; // every field of every request is optional but `status`
    let req;
    try {
      req = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(text));
    } catch {
      throw new RequestError(JOB_ERROR.InvalidJson, 'The request could not be interpreted as valid UTF-8-encoded JSON');
    }
    if (!isObj(req)) throw new RequestError(JOB_ERROR.InvalidRequest, 'The request must be a JSON object');
    if (req.clientToken !== undefined) {
      const tok = req.clientToken;
      if (typeof tok !== 'string' || tok.length < 1 || tok.length > JOB_LIMITS.maxClientTokenLength) {
        throw new RequestError(JOB_ERROR.InvalidRequest, `clientToken must be a string of 1-${JOB_LIMITS.maxClientTokenLength} characters`);
      }
    }
    return req;
  }

  #dispatch(t, req) {
    switch (t.op) {
      case 'getPending': return this.#getPending(t.thing);
      case 'startNext': return this.#startNext(t.thing, req);
      case 'describe': return this.#describe(t.thing, t.jobId, req);
      default: return this.#update(t.thing, t.jobId, req);
    }
  }

  #getPending(thing) {
    const pending = this.#pending(thing);
    return {
      inProgressJobs: pending.filter((e) => e.status === 'IN_PROGRESS').map((e) => this.#summary(e)),
      queuedJobs: pending.filter((e) => e.status === 'QUEUED').map((e) => this.#summary(e)),
    };
  }

  #checkBool(req, key) {
    if (req[key] !== undefined && typeof req[key] !== 'boolean') throw new RequestError(JOB_ERROR.InvalidRequest, `${key} must be a boolean`);
  }

  #checkExecutionNumber(req) {
    if (req.executionNumber !== undefined && (!Number.isInteger(req.executionNumber) || req.executionNumber < 1)) {
      throw new RequestError(JOB_ERROR.InvalidRequest, 'executionNumber must be a positive integer');
    }
  }

  /** -1 (cancel the step timer) only for UpdateJobExecution; StartNext takes 1..10080. */
  #checkStep(req, { allowCancel }) {
    if (req.stepTimeoutInMinutes === undefined) return;
    const err = timeoutError(req.stepTimeoutInMinutes, 'stepTimeoutInMinutes', { allowCancel });
    if (err) throw new RequestError(JOB_ERROR.InvalidRequest, err);
  }

  #checkDetails(req) {
    if (req.statusDetails === undefined) return;
    const err = statusDetailsError(req.statusDetails);
    if (err) throw new RequestError(JOB_ERROR.InvalidRequest, err);
  }

  #applyStep(e, minutes) {
    if (minutes === undefined) return;
    // A new step timer replaces the previous one; -1 cancels it (UpdateJobExecution API reference).
    if (minutes === -1) delete e.stepDeadlineMs;
    else e.stepDeadlineMs = this.nowMs() + minutes * 60_000;
  }

  #startNext(thing, req) {
    this.#checkDetails(req);
    this.#checkStep(req, { allowCancel: false });
    const next = this.#pending(thing)[0];
    if (!next) return {}; // "If no job executions are pending, the response does not include the execution field"
    if (next.status === 'QUEUED') {
      this.#setStatus(next, 'IN_PROGRESS');
      if (req.statusDetails !== undefined) next.statusDetails = { ...req.statusDetails };
      this.#applyStep(next, req.stepTimeoutInMinutes);
    }
    // Already IN_PROGRESS: "its status details are not changed" (nor its timer: stand-in choice).
    return { execution: this.#execution(next) };
  }

  #find(thing, jobId, req) {
    const e = this.#things.get(thing)?.get(jobId);
    if (!e || (req.executionNumber !== undefined && req.executionNumber !== e.executionNumber)) {
      const n = req.executionNumber !== undefined ? ` with executionNumber ${req.executionNumber}` : '';
      throw new RequestError(JOB_ERROR.ResourceNotFound, `No job execution of job '${jobId}'${n} exists for thing '${thing}'`);
    }
    return e;
  }

  #describe(thing, jobId, req) {
    this.#checkExecutionNumber(req);
    this.#checkBool(req, 'includeJobDocument');
    const includeJobDocument = req.includeJobDocument !== false; // "The default is true"
    if (jobId === '$next') {
      const next = this.#pending(thing)[0];
      return next ? { execution: this.#execution(next, { includeJobDocument }) } : {};
    }
    const e = this.#find(thing, jobId, req);
    if (isTerminal(e.status)) {
      // "TerminalStateReached: Occurs when a command to describe a job is performed on a job that
      // is in a terminal state" (ErrorResponse).
      throw new RequestError(JOB_ERROR.TerminalStateReached, `The job execution of job '${jobId}' is in the terminal status ${e.status}`);
    }
    return { execution: this.#execution(e, { includeJobDocument }) };
  }

  #update(thing, jobId, req) {
    if (req.status === undefined) throw new RequestError(JOB_ERROR.InvalidRequest, 'status is required on every update');
    if (!DEVICE_STATUS.includes(req.status)) {
      throw new RequestError(JOB_ERROR.InvalidRequest, `status '${String(req.status).slice(0, 40)}' is not one a device may set (${DEVICE_STATUS.join(', ')})`);
    }
    this.#checkDetails(req);
    this.#checkStep(req, { allowCancel: true });
    this.#checkExecutionNumber(req);
    this.#checkBool(req, 'includeJobExecutionState');
    this.#checkBool(req, 'includeJobDocument');
    let expected;
    if (req.expectedVersion !== undefined) {
      // The guide's own example sends "expectedVersion":"1" (a string); a number works too.
      const v = req.expectedVersion;
      expected = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
      if (!Number.isInteger(expected) || expected < 0) throw new RequestError(JOB_ERROR.InvalidRequest, 'expectedVersion must be a non-negative integer');
    }
    const e = this.#find(thing, jobId, req);
    if (!canTransition(e.status, req.status)) {
      throw new RequestError(JOB_ERROR.InvalidStateTransition, `A job execution in status ${e.status} cannot change to ${req.status}`, this.#state(e));
    }
    if (expected !== undefined && expected !== e.versionNumber) {
      throw new RequestError(JOB_ERROR.VersionMismatch, `expectedVersion ${expected} does not match the current version ${e.versionNumber}`, this.#state(e));
    }
    this.#setStatus(e, req.status);
    if (req.statusDetails !== undefined) e.statusDetails = { ...req.statusDetails }; // absent: unchanged
    if (e.status === 'IN_PROGRESS') this.#applyStep(e, req.stepTimeoutInMinutes);
    const body = {};
    if (req.includeJobExecutionState === true) body.executionState = this.#state(e);
    if (req.includeJobDocument === true) body.jobDocument = this.#document(e);
    return body;
  }

  // ---- timers -------------------------------------------------------------------------------

  /** Moves every IN_PROGRESS execution whose timer has passed to TIMED_OUT; returns the notifications. */
  tick() {
    const out = [];
    const now = this.nowMs();
    for (const [thing, m] of this.#things) {
      const due = [...m.values()].filter((e) => { const d = this.#deadline(e); return d !== null && d <= now; });
      if (!due.length) continue;
      this.#changing(thing, out, () => { for (const e of due) this.#setStatus(e, 'TIMED_OUT'); });
    }
    return out;
  }

  /** The earliest running timer (epoch ms), or null: when the service should tick next. */
  nextDeadlineMs() {
    let min = null;
    for (const m of this.#things.values()) {
      for (const e of m.values()) { const d = this.#deadline(e); if (d !== null && (min === null || d < min)) min = d; }
    }
    return min;
  }

  // ---- the control plane (admin API) --------------------------------------------------------

  /**
   * CreateJob: `targets` are thing names or thing ARNs; `document` a JSON object or its text
   * (≤ 32768 bytes); `timeoutConfig.inProgressTimeoutInMinutes` optional. Returns
   * { result: {jobArn, jobId, description?}, messages }.
   */
  createJob({ jobId, targets, document, description, timeoutConfig } = {}) {
    const bad = (m) => new ControlError(400, 'InvalidRequestException', m);
    if (jobIdError(jobId)) throw bad(jobIdError(jobId));
    if (this.#jobs.has(jobId)) throw new ControlError(409, 'ResourceAlreadyExistsException', `job '${jobId}' already exists`);
    if (!Array.isArray(targets) || targets.length < 1) throw bad('targets must be a non-empty array of thing names or thing ARNs');
    const things = targets.map((t) => {
      const m = typeof t === 'string' ? /^arn:aws:iot:[^:]+:\d{12}:thing\/(.+)$/.exec(t) : null;
      const name = m ? m[1] : t;
      if (thingNameError(name)) throw bad(`target: ${thingNameError(name)}`);
      return name;
    });
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    if (document === undefined || text === undefined) throw bad('document (the job document, a JSON object) is required');
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > JOB_LIMITS.maxDocumentBytes) throw bad(`the job document is ${bytes} bytes; AWS IoT Jobs allows ${JOB_LIMITS.maxDocumentBytes}`);
    let parsed;
    try { parsed = JSON.parse(text); } catch { parsed = undefined; }
    if (!isObj(parsed)) throw bad('the job document must be a JSON object');
    const minutes = timeoutConfig?.inProgressTimeoutInMinutes;
    if (minutes !== undefined && timeoutError(minutes, 'timeoutConfig.inProgressTimeoutInMinutes')) throw bad(timeoutError(minutes, 'timeoutConfig.inProgressTimeoutInMinutes'));
    if (description !== undefined && (typeof description !== 'string' || description.length > 2028)) throw bad('description must be a string of at most 2028 characters');
    const now = this.#now();
    this.#jobs.set(jobId, { jobId, document: text, description, targets: [...new Set(things)], status: 'IN_PROGRESS', createdAt: now, inProgressTimeoutInMinutes: minutes });
    const messages = [];
    for (const thing of new Set(things)) {
      this.#changing(thing, messages, () => {
        if (!this.#things.has(thing)) this.#things.set(thing, new Map());
        this.#things.get(thing).set(jobId, {
          jobId, thingName: thing, status: 'QUEUED', statusDetails: {}, queuedAt: now, lastUpdatedAt: now,
          versionNumber: 1, executionNumber: 1, seq: ++this.#seq,
        });
      });
    }
    const result = { jobArn: this.#jobArn(jobId), jobId };
    if (description !== undefined) result.description = description;
    return { result, messages };
  }

  #job(jobId) {
    const job = this.#jobs.get(jobId);
    if (!job) throw new ControlError(404, 'ResourceNotFoundException', `job '${jobId}' does not exist`);
    return job;
  }

  /** CancelJob: QUEUED executions become CANCELED; IN_PROGRESS ones too when `force`. */
  cancelJob(jobId, { force = false } = {}) {
    const job = this.#job(jobId);
    if (job.status === 'COMPLETED') throw new ControlError(409, 'InvalidStateTransitionException', `job '${jobId}' is COMPLETED`);
    job.status = 'CANCELED';
    job.forceCanceled = job.forceCanceled || force;
    const messages = [];
    for (const e of this.#executionsOf(jobId)) {
      if (e.status === 'QUEUED' || (force && e.status === 'IN_PROGRESS')) {
        this.#changing(e.thingName, messages, () => this.#setStatus(e, 'CANCELED'));
      }
    }
    return { result: { jobArn: this.#jobArn(jobId), jobId, ...(job.description !== undefined ? { description: job.description } : {}) }, messages };
  }

  #executionOf(jobId, thing) {
    const e = this.#things.get(thing)?.get(jobId);
    if (!e) throw new ControlError(404, 'ResourceNotFoundException', `no execution of job '${jobId}' on thing '${thing}'`);
    return e;
  }

  /** CancelJobExecution: an IN_PROGRESS execution needs `force`; a terminal one cannot be canceled. */
  cancelJobExecution(jobId, thing, { force = false, expectedVersion, statusDetails } = {}) {
    const e = this.#executionOf(jobId, thing);
    if (isTerminal(e.status) || (e.status === 'IN_PROGRESS' && !force)) {
      throw new ControlError(409, 'InvalidStateTransitionException',
        `the execution of job '${jobId}' on '${thing}' is ${e.status}${e.status === 'IN_PROGRESS' ? '; canceling it needs force=true' : ''}`);
    }
    if (expectedVersion !== undefined && expectedVersion !== e.versionNumber) {
      throw new ControlError(409, 'VersionConflictException', `expectedVersion ${expectedVersion} does not match the current version ${e.versionNumber}`);
    }
    if (statusDetails !== undefined && statusDetailsError(statusDetails)) throw new ControlError(400, 'InvalidRequestException', statusDetailsError(statusDetails));
    const messages = [];
    this.#changing(thing, messages, () => {
      this.#setStatus(e, 'CANCELED');
      if (statusDetails !== undefined) e.statusDetails = { ...statusDetails };
    });
    return { result: {}, messages };
  }

  /** DeleteJobExecution: only a terminal execution, or any with `force`. */
  deleteJobExecution(jobId, thing, executionNumber, { force = false } = {}) {
    const e = this.#executionOf(jobId, thing);
    if (executionNumber !== e.executionNumber) throw new ControlError(404, 'ResourceNotFoundException', `no execution number ${executionNumber} of job '${jobId}' on '${thing}'`);
    if (!isTerminal(e.status) && !force) {
      throw new ControlError(409, 'InvalidStateTransitionException', `the execution of job '${jobId}' on '${thing}' is ${e.status}; deleting it needs force=true`);
    }
    const messages = [];
    this.#changing(thing, messages, () => this.#things.get(thing).delete(jobId));
    this.#completeJobIfDone(jobId);
    return { result: {}, messages };
  }

  /** DeleteJob: removes the job and its executions; a job with IN_PROGRESS executions needs `force`. */
  deleteJob(jobId, { force = false } = {}) {
    this.#job(jobId);
    const execs = this.#executionsOf(jobId);
    if (!force && execs.some((e) => e.status === 'IN_PROGRESS')) {
      throw new ControlError(409, 'InvalidStateTransitionException', `job '${jobId}' has IN_PROGRESS executions; deleting it needs force=true`);
    }
    const messages = [];
    for (const e of execs) this.#changing(e.thingName, messages, () => this.#things.get(e.thingName).delete(jobId));
    this.#jobs.delete(jobId);
    return { result: {}, messages };
  }

  /** DescribeJob (control plane): the job and a summary of each execution. */
  describeJob(jobId) {
    const job = this.#job(jobId);
    const executions = this.#executionsOf(jobId).map((e) => ({ thingName: e.thingName, ...this.#summary(e), status: e.status }));
    const out = { jobArn: this.#jobArn(jobId), jobId, status: job.status, targets: job.targets, createdAt: job.createdAt };
    if (job.description !== undefined) out.description = job.description;
    if (job.completedAt !== undefined) out.completedAt = job.completedAt;
    if (job.forceCanceled) out.forceCanceled = true;
    if (job.inProgressTimeoutInMinutes !== undefined) out.timeoutConfig = { inProgressTimeoutInMinutes: job.inProgressTimeoutInMinutes };
    return { job: out, document: JSON.parse(job.document), executions };
  }

  /** DescribeJobExecution as the control plane sees it: any status, terminal included. */
  describeJobExecution(jobId, thing) {
    return { execution: this.#execution(this.#executionOf(jobId, thing)) };
  }

  /** The next `throttle` requests get RequestThrottled, then `internalError` get InternalError. */
  setFaults({ throttle = 0, internalError = 0 } = {}) {
    for (const [k, v] of Object.entries({ throttle, internalError })) {
      if (!Number.isInteger(v) || v < 0 || v > 1000) throw new ControlError(400, 'InvalidRequestException', `${k} must be an integer 0..1000`);
    }
    this.#faults = { throttle, internalError };
    return { ...this.#faults };
  }
}
