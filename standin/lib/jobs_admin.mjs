// The Jobs control plane of the stand-in, for tests and apps: CreateJob, CancelJob, DeleteJob,
// CancelJobExecution, DeleteJobExecution, DescribeJob, DescribeJobExecution and fault injection,
// as functions (`controls.jobs` of startStandin) and as admin routes shaped like AWS's REST paths
// (API reference: CreateJob `PUT /jobs/{jobId}`, CancelJob `PUT /jobs/{jobId}/cancel?force=`,
// DeleteJob `DELETE /jobs/{jobId}?force=`, CancelJobExecution
// `PUT /things/{thingName}/jobs/{jobId}/cancel?force=`, DeleteJobExecution
// `DELETE /things/{thingName}/jobs/{jobId}/executionNumber/{n}?force=`), under /admin.
import { ControlError } from './control_error.mjs';

/**
 * The control functions: each applies the call to the store, then publishes the notifications it
 * caused (notify, notify-next) before resolving, so a caller sees them ordered after its call.
 * @param {{ store: import('./jobs_store.mjs').JobsStore, publishAll: (m: {topic: string, payload: string}[]) => Promise<unknown> }} opts
 */
export function jobsControls({ store, publishAll }) {
  const run = async (fn) => {
    const { result, messages } = fn();
    await publishAll(messages);
    return result;
  };
  return {
    createJob: (spec) => run(() => store.createJob(spec)),
    cancelJob: (jobId, opts) => run(() => store.cancelJob(jobId, opts)),
    deleteJob: (jobId, opts) => run(() => store.deleteJob(jobId, opts)),
    cancelJobExecution: (jobId, thing, opts) => run(() => store.cancelJobExecution(jobId, thing, opts)),
    deleteJobExecution: (jobId, thing, n, opts) => run(() => store.deleteJobExecution(jobId, thing, n, opts)),
    describeJob: (jobId) => store.describeJob(jobId),
    describeJobExecution: (jobId, thing) => store.describeJobExecution(jobId, thing),
    setFaults: (f) => store.setFaults(f),
  };
}

const bad = (m) => new ControlError(400, 'InvalidRequestException', m);

function force(params) {
  const v = params.get('force');
  if (v === null) return false; // AWS's default
  if (v !== 'true' && v !== 'false') throw bad('"force" must be true or false');
  return v === 'true';
}

function segment(raw, what) {
  try { return decodeURIComponent(raw); } catch { throw bad(`${what} is not valid percent-encoding`); }
}

/**
 * The admin route for `method pathname`, or null when it is not a Jobs route. A route is
 * `(body) => result`; errors are ControlError (status, AWS exception name, message).
 */
export function jobsAdminRoute(jobs, method, pathname, params) {
  if (!jobs) return null;
  if (method === 'POST' && pathname === '/admin/faults/jobs') return (b) => jobs.setFaults(b);
  let m = /^\/admin\/jobs\/([^/]+)(\/cancel)?$/.exec(pathname);
  if (m) {
    const jobId = segment(m[1], 'job id');
    if (m[2]) return method === 'PUT' ? () => jobs.cancelJob(jobId, { force: force(params) }) : null;
    if (method === 'PUT') return (b) => jobs.createJob({ ...b, jobId });
    if (method === 'GET') return () => jobs.describeJob(jobId);
    if (method === 'DELETE') return () => jobs.deleteJob(jobId, { force: force(params) });
    return null;
  }
  m = /^\/admin\/things\/([^/]+)\/jobs\/([^/]+)(?:\/(cancel)|\/executionNumber\/([^/]+))?$/.exec(pathname);
  if (m) {
    const thing = segment(m[1], 'thing name');
    const jobId = segment(m[2], 'job id');
    if (m[3]) {
      if (method !== 'PUT') return null;
      return (b) => {
        if (b.expectedVersion !== undefined && !Number.isInteger(b.expectedVersion)) throw bad('"expectedVersion" must be an integer');
        return jobs.cancelJobExecution(jobId, thing, { force: force(params), expectedVersion: b.expectedVersion, statusDetails: b.statusDetails });
      };
    }
    if (m[4] !== undefined) {
      if (method !== 'DELETE') return null;
      return () => {
        if (!/^\d{1,15}$/.test(m[4])) throw bad('executionNumber must be a number');
        return jobs.deleteJobExecution(jobId, thing, Number(m[4]), { force: force(params) });
      };
    }
    return method === 'GET' ? () => jobs.describeJobExecution(jobId, thing) : null;
  }
  return null;
}
