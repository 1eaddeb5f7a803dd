// The stand-in's control plane (/admin) as both e2e scenarios use it: the independent view of
// jobs and executions that the scenarios assert against.
import assert from 'node:assert/strict';

/** An /admin client for the stand-in whose endpoints are `ep` (its `adminUrl`). */
export function adminApi(ep) {
  const admin = async (method, route, body) => {
    const res = await fetch(`${ep.adminUrl}${route}`, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
  };
  // A thing's job execution as the service holds it (DescribeJobExecution's shape).
  const execution = async (thing, jobId) => {
    const r = await admin('GET', `/things/${thing}/jobs/${jobId}`);
    assert.equal(r.status, 200, r.text);
    return r.json.execution;
  };
  return { admin, execution };
}
