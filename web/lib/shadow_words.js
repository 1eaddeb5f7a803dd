// The shadow client's errors (IotError: code, message, and status for a rejection) in words for
// the shadow panel. Pure. The package's message already names the request and the service's
// code and message (e.g. "shadow update rejected: 409 Version conflict"), so it is quoted, not
// repeated. null: not shadow-specific, the page's general explanation (explain.js) applies.

/**
 * @param {{code?: string, message?: string, status?: number}} e
 * @param {string} [op]  the request ("get", "update", "delete"); none while opening the panel
 * @returns {{code: string, text: string} | null}
 */
export function shadowErrorWords(e, op) {
  if (!e) return null;
  const what = op ? `${op}: ` : '';
  if (e.code === 'server_error' && e.status === 404) {
    return { code: 'not_found', text: `${what}this shadow does not exist yet; Update desired creates it. (${e.message})` };
  }
  if (e.code === 'conflict') {
    return { code: 'conflict', text: `${what}version conflict: the shadow has moved on since the expected version; Get it and retry with its current version. (${e.message})` };
  }
  if (e.code === 'server_error' && e.status) {
    return { code: 'server_error', text: `${what}the shadow service refused the request with status ${e.status}. (${e.message})` };
  }
  if (e.code === 'timeout') {
    return {
      code: 'timeout',
      text: `${what}no answer from the shadow service in time (${e.message}). Check the connection and the policy: `
        + 'iot:Publish on the shadow topics, iot:Subscribe and iot:Receive on their /accepted and /rejected answers.',
    };
  }
  if ((e.code === 'invalid_argument' || e.code === 'limit_exceeded') && !op) {
    return { code: e.code, text: `This shadow cannot be opened: the ${e.message}.` };
  }
  return null;
}
