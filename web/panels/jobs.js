// The AWS IoT Jobs panel, on the package's Jobs client (client.jobs(thing), from the services
// build): the page plays the device. It lists the thing's pending executions, starts the next one
// (its job document shown) and reports its progress and outcome; notify and notify-next arrive as
// the client's events. On the local stand-in, jobs are created and cancelled here too, through
// its CreateJob / CancelJob control plane. Its topics go only to the Jobs client, never to the
// message log.
import { $, el, logLine } from '../dom.js';
import { jobsErrorWords, pendingRows, statusDetailsFrom } from '../lib/jobs_words.js';
import { connection, packageLoad } from '../state.js';
import { inlineError, hideInlineError, panelError } from './inline_error.js';
import { adminRequest } from './standin.js';

let jobs = null;    // the open panel: {j: Jobs, client, thing, off()}
let current = null; // the execution this page works on: {jobId, status, versionNumber, statusDetails?, jobDocument?}
let lastCreated = null; // the job id the stand-in controls created last
// Core's rule (the package's isTerminalJobStatus); nothing is current before the package loads.
let isTerminal = () => false;
packageLoad.then((m) => { isTerminal = m.isTerminalJobStatus; }).catch(() => {});

function jobsEvent(text, kind = '', doc) {
  const li = logLine($('#jobs-events'), 100, kind, el('span', { cls: 'topic', text }));
  if (doc !== undefined) li.append(el('pre', { cls: 'payload json', text: JSON.stringify(doc, null, 2) }));
}

function renderPending(answer) {
  const rows = pendingRows(answer);
  $('#jobs-pending tbody').replaceChildren(...rows.map((r) => el('tr', { attrs: { 'data-job': r.jobId } },
    el('td', { text: r.jobId }), el('td', { text: r.status }), el('td', { text: r.version }), el('td', { text: r.executionNumber }))));
  $('#jobs-pending-note').textContent = rows.length ? '' : 'Nothing pending for this thing.';
}

function renderJobs() {
  $('#jobs-current-id').textContent = current?.jobId ?? '—';
  $('#jobs-current-status').textContent = current?.status ?? '—';
  $('#jobs-current-version').textContent = current?.versionNumber === undefined ? '—' : String(current.versionNumber);
  $('#jobs-current-details').textContent = current?.statusDetails ? JSON.stringify(current.statusDetails) : '—';
  $('#jobs-current-timer').textContent = current?.approximateSecondsBeforeTimedOut === undefined || isTerminal(current.status) ? '—'
    : `times out in about ${current.approximateSecondsBeforeTimedOut} s (at the last answer)`;
  const doc = $('#jobs-document');
  doc.hidden = current?.jobDocument === undefined;
  doc.textContent = doc.hidden ? '' : JSON.stringify(current.jobDocument, null, 2);
  const ready = !!jobs && connection.get().phase === 'connected';
  for (const b of document.querySelectorAll('#jobs-list, #jobs-start-next')) b.disabled = !ready;
  $('#jobs-describe').disabled = !ready || !current;
  for (const b of document.querySelectorAll('#jobs-status button[data-status]')) b.disabled = !ready || !current || isTerminal(current.status);
  const admin = $('#jobs-admin');
  for (const b of admin.querySelectorAll('button')) b.disabled = !jobs;
}

// The step timeout typed in: none when empty; the package checks AWS's bounds.
function stepTimeout() {
  const raw = $('#jobs-step-timeout').value.trim();
  return raw === '' ? {} : { stepTimeoutInMinutes: Number(raw) };
}

function closeJobs() {
  const open = jobs;
  jobs = null;
  current = null;
  if (open) open.off();
  renderPending(null);
  $('#jobs-pending-note').textContent = '';
  renderJobs();
}

// A new client (or none) ends the open panel; the phase enables or disables its buttons.
connection.subscribe((now, before) => {
  if (jobs && now.client !== jobs.client) closeJobs();
  else if (now.phase !== before.phase) renderJobs();
});

const jobsError = (e, op) => panelError('#jobs-error', jobsErrorWords, e, op, 'jobs');

// Runs one request of the open panel; its answer is dropped when the panel changed meanwhile.
async function jobsRequest(op, fn) {
  hideInlineError('#jobs-error');
  const open = jobs;
  if (!open) return;
  try {
    await fn(open.j);
    if (jobs !== open) return;
    $('#jobs-last').textContent = `${op} accepted`;
  } catch (e) {
    if (jobs !== open) return;
    $('#jobs-last').textContent = e?.awsCode ? `${op} rejected: ${e.awsCode}` : `${op} failed`;
    // AWS's refusal of an update (VersionMismatch, InvalidStateTransition) carries the execution's
    // state as it is now: the page shows it instead of what it last saw.
    const now = e?.response?.executionState;
    if (now && current) current = { ...current, ...now };
    jobsError(e, op);
  }
  renderJobs();
}

$('#jobs-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  hideInlineError('#jobs-error');
  const thing = ev.target.elements.thing.value.trim();
  const { client } = connection.get();
  if (!client || client.state !== 'connected') { inlineError('#jobs-error', { code: 'not_connected', message: 'connect before opening the jobs of a thing' }, 'jobs'); return; }
  closeJobs();
  $('#jobs-topic').replaceChildren();
  let j;
  try {
    // An invalid thing name is refused here, before anything is sent, with the AWS rule it breaks.
    j = client.jobs(thing);
    await Promise.all([j.watch('notify'), j.watch('notify_next')]);
  } catch (e) { jobsError(e); return; }
  if (client !== connection.get().client) return;
  const onNotify = (m) => {
    const rows = pendingRows(m);
    jobsEvent(`notify: ${rows.length ? rows.map((r) => `${r.jobId} ${r.status}`).join(', ') : 'nothing pending'}`);
    renderPending(m);
  };
  const onNext = (x) => {
    if (x) jobsEvent(`next: ${x.jobId} (${x.status}, version ${x.versionNumber})`, 'warn', x.jobDocument);
    else jobsEvent('next: nothing pending');
  };
  const onError = (e) => { jobsEvent(`error: ${e.message}`, 'bad'); jobsError(e); };
  j.on('notify', onNotify).on('next', onNext).on('error', onError);
  jobs = { j, client, thing, off: () => j.off('notify', onNotify).off('next', onNext).off('error', onError) };
  $('#jobs-topic').replaceChildren('Topics: ', el('code', { text: `$aws/things/${thing}/jobs/…` }));
  jobsEvent(`opened the jobs of ${thing}`);
  renderJobs();
  list();
});

const list = () => jobsRequest('list', async (j) => renderPending(await j.list()));

$('#jobs-list').addEventListener('click', list);
$('#jobs-start-next').addEventListener('click', () => jobsRequest('start next', async (j) => {
  const { execution } = await j.startNext({ statusDetails: statusDetailsFrom($('#jobs-details').value), ...stepTimeout() });
  if (!execution) {
    $('#jobs-pending-note').textContent = 'Nothing pending for this thing: no execution was started.';
    return;
  }
  current = execution;
  jobsEvent(`started ${execution.jobId} (version ${execution.versionNumber})`, '', execution.jobDocument);
  // notify is sent only when an execution joins or leaves the pending list, not for QUEUED ->
  // IN_PROGRESS: read the list again.
  renderPending(await j.list());
}));
$('#jobs-describe').addEventListener('click', () => jobsRequest('describe', async (j) => {
  const { execution } = await j.describe(current.jobId);
  if (execution) current = execution;
}));
for (const b of document.querySelectorAll('#jobs-status button[data-status]')) {
  b.addEventListener('click', () => jobsRequest(`update ${b.dataset.status}`, async (j) => {
    const was = current;
    // expectedVersion: AWS refuses the update (VersionMismatch) when the execution has changed
    // since the page last saw it, e.g. cancelled meanwhile.
    const { executionState } = await j.update(was.jobId, {
      status: b.dataset.status, statusDetails: statusDetailsFrom($('#jobs-details').value),
      expectedVersion: was.versionNumber, includeJobExecutionState: true, ...stepTimeout(),
    });
    // The timer's figure was the previous answer's: Describe reads it again.
    if (current === was && executionState) current = { ...was, ...executionState, approximateSecondsBeforeTimedOut: undefined };
    jobsEvent(`${was.jobId}: ${b.dataset.status} (version ${executionState?.versionNumber ?? '—'})`, isTerminal(b.dataset.status) ? 'ok' : '');
    renderPending(await j.list());
  }));
}

// The stand-in's control plane (AWS's CreateJob / CancelJob are not device calls).
async function jobsAdmin(what, method, path, body) {
  const out = $('#jobs-admin-result');
  try {
    const answer = await adminRequest(method, path, body);
    out.textContent = answer.ok ? what : `${what.split(':')[0]} failed: ${answer.json.error ?? answer.status}`;
    return answer.ok;
  } catch (e) {
    out.textContent = `the stand-in could not be reached: ${e.message}`;
    return false;
  }
}
$('#jobs-create').addEventListener('click', async () => {
  const id = $('#jobs-create-id');
  const jobId = id.value.trim();
  const ok = await jobsAdmin(`${jobId}: created for ${jobs.thing}`, 'PUT', `/jobs/${encodeURIComponent(jobId)}`,
    { targets: [jobs.thing], document: $('#jobs-create-document').value });
  // The next id, so that Create can be pressed again: job-1 -> job-2.
  if (!ok) return;
  lastCreated = jobId;
  id.value = jobId.replace(/(\d*)$/, (n) => String((Number(n) || 1) + 1));
});
$('#jobs-cancel').addEventListener('click', () => {
  const jobId = current?.jobId ?? lastCreated;
  if (!jobId) { $('#jobs-admin-result').textContent = 'Create or start a job first: Cancel cancels the current one.'; return; }
  jobsAdmin(`${jobId}: cancelled (force: an IN_PROGRESS execution too)`, 'PUT', `/jobs/${encodeURIComponent(jobId)}/cancel?force=true`);
});
renderJobs();

/** config.json's thing name; the stand-in's job controls when it has an admin API. */
export function prefillJobs(config, standin) {
  const thing = config?.jobs?.thing ?? config?.shadow?.thing;
  if (thing) $('#jobs-form').elements.thing.value = thing;
  $('#jobs-admin').hidden = !standin;
}
