// The Jobs panel's words and rows. Pure. The package's Jobs client rejects with IotError: AWS's
// refusals carry `awsCode` (e.g. "VersionMismatch") and `response` (its ErrorResponse, with the
// execution's state for VersionMismatch and InvalidStateTransition); its message already names the
// request and AWS's code and message ("jobs update rejected: VersionMismatch …"), so it is quoted.

/**
 * @param {{code?: string, message?: string, awsCode?: string, response?: object}} e
 * @param {string} [op]  the request ("list", "start next", "describe", "update"); none while opening
 * @returns {{code: string, text: string} | null}  null: the page's general explanation applies
 */
export function jobsErrorWords(e, op) {
  if (!e) return null;
  const what = op ? `${op}: ` : '';
  const state = e.response?.executionState;
  switch (e.awsCode) {
    case 'VersionMismatch':
      return { code: 'conflict', text: `${what}the execution has moved on${state?.versionNumber !== undefined ? ` (it is at version ${state.versionNumber}, ${state.status})` : ''}; try again if the change still applies. (${e.message})` };
    case 'InvalidStateTransition':
      return { code: 'server_error', text: `${what}AWS IoT Jobs does not allow this change${state?.status ? ` from ${state.status}` : ''}. (${e.message})` };
    case 'TerminalStateReached':
      return { code: 'server_error', text: `${what}this execution has ended; nothing can change it any more. (${e.message})` };
    case 'ResourceNotFound':
      return { code: 'not_found', text: `${what}there is no such job execution for this thing. (${e.message})` };
    case 'RequestThrottled':
      return { code: 'server_error', text: `${what}AWS IoT Jobs throttled the request; try again in a moment. (${e.message})` };
    case undefined: break;
    default:
      return { code: e.code || 'server_error', text: `${what}AWS IoT Jobs refused the request (${e.awsCode}). (${e.message})` };
  }
  if (e.code === 'timeout') {
    return {
      code: 'timeout',
      text: `${what}no answer from AWS IoT Jobs in time (${e.message}). Check the connection and the policy: `
        + 'iot:Publish on the thing\u2019s jobs topics, iot:Subscribe and iot:Receive on their /accepted and /rejected answers and on notify and notify-next.',
    };
  }
  if ((e.code === 'invalid_argument' || e.code === 'limit_exceeded') && !op) {
    return { code: e.code, text: `These jobs cannot be opened: the ${e.message}.` };
  }
  if (e.code === 'invalid_argument' || e.code === 'limit_exceeded') return { code: e.code, text: `${what}${e.message}.` };
  return null;
}

/**
 * The pending executions as table rows, IN_PROGRESS first (as AWS lists them), from a
 * GetPendingJobExecutions answer ({inProgressJobs, queuedJobs}) or a notify message ({jobs:
 * {IN_PROGRESS, QUEUED}}).
 * @returns {{jobId: string, status: string, version: string, executionNumber: string}[]}
 */
export function pendingRows(answer) {
  const lists = answer?.jobs
    ? [['IN_PROGRESS', answer.jobs.IN_PROGRESS], ['QUEUED', answer.jobs.QUEUED]]
    : [['IN_PROGRESS', answer?.inProgressJobs], ['QUEUED', answer?.queuedJobs]];
  return lists.flatMap(([status, list]) => (Array.isArray(list) ? list : []).map((x) => ({
    jobId: String(x.jobId),
    status,
    version: x.versionNumber === undefined ? '—' : String(x.versionNumber),
    executionNumber: x.executionNumber === undefined ? '—' : String(x.executionNumber),
  })));
}

/** statusDetails from the panel's text: empty → none; otherwise its JSON value, which the package
 *  checks against AWS's rules (an object of at most 10 strings, its keys and lengths). */
export function statusDetailsFrom(text) {
  const raw = String(text ?? '').trim();
  if (raw === '') return undefined;
  try { return JSON.parse(raw); } catch (e) {
    throw Object.assign(new Error(`the status details are not valid JSON (${e.message})`), { code: 'invalid_argument' });
  }
}
