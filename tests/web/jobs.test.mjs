// The demo page's Jobs panel in Chromium against the stand-in's AWS IoT Jobs service: the page
// plays the device through the package's Jobs client (iotlite/services). Jobs are made with the
// panel's stand-in controls (CreateJob / CancelJob); what the stand-in recorded is read back from
// its control plane (GET /admin/things/{thing}/jobs/{jobId}), independently of the page, and a
// second device (the `mqtt` npm package on the stand-in's broker) changes an execution behind the
// page's back.
// Screenshots: IOTLITE_WEB_ARTIFACTS/jobs-*.png.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import mqtt from 'mqtt';
import { startEnvironment, admin } from './harness.mjs';

const STEP = { timeout: 30000 };
const THING = 'web-jobs-thing';

describe('demo page Jobs panel in Chromium against the stand-in', () => {
  let env;
  let page;

  before(async () => { env = await startEnvironment('jobs'); });
  after(async () => { if (env) await env.stop(); });

  const text = (sel) => page.locator(sel).first().textContent();
  // The execution as the stand-in's control plane has it.
  const execution = async (jobId) => {
    const r = await fetch(`${env.standin.endpoints.adminUrl}/things/${THING}/jobs/${jobId}`);
    assert.equal(r.status, 200, `GET execution ${jobId}`);
    return (await r.json()).execution;
  };
  const eventTexts = () => page.locator('#jobs-events li > span.topic').allTextContents();

  test('Jobs_InvalidThingName_RuleNamedNothingOpened', STEP, async () => {
    page = await env.newPage();
    assert.equal(await page.inputValue('#jobs-form input[name=thing]'), 'demo-thing', 'prefilled from config.json');
    assert.equal(await page.isVisible('#jobs-admin'), true, 'the stand-in controls are shown');
    await page.click('#connect-button');
    await page.waitForSelector('#status[data-state="connected"]', { timeout: 15000 });
    await page.fill('#jobs-form input[name=thing]', 'web jobs thing');
    await page.click('#jobs-form button[type=submit]');
    await page.waitForSelector('#jobs-error[data-code="invalid_argument"]:not([hidden])');
    assert.match(await text('#jobs-error'), /^These jobs cannot be opened: the thing name has a character outside \[a-zA-Z0-9:_-\] at offset 3\.$/);
    assert.equal(await page.isDisabled('#jobs-start-next'), true);
    assert.equal(await page.isDisabled('#jobs-create'), true);
  });

  test('Jobs_CreateStartReportSucceed_StandinRecordsEveryStep', STEP, async () => {
    await page.fill('#jobs-form input[name=thing]', THING);
    await page.click('#jobs-form button[type=submit]');
    await page.waitForSelector('#jobs-pending-note:has-text("Nothing pending")');
    assert.equal(await page.isHidden('#jobs-error'), true);
    assert.match(await text('#jobs-topic'), new RegExp(`\\$aws/things/${THING}/jobs/…`));

    await page.fill('#jobs-create-document', '{"operation": "reboot", "delay": "5s"}');
    await page.click('#jobs-create');
    await page.waitForSelector('#jobs-admin-result:has-text("job-1: created for web-jobs-thing")');
    assert.equal(await page.inputValue('#jobs-create-id'), 'job-2', 'the next id is ready');
    // notify and notify-next arrive as the Jobs client's events.
    await page.waitForSelector('#jobs-events li:has-text("next: job-1 (QUEUED, version 1)")');
    await page.waitForSelector('#jobs-pending tr[data-job="job-1"]');
    assert.deepEqual(await page.locator('#jobs-pending tr[data-job="job-1"] td').allTextContents(), ['job-1', 'QUEUED', '1', '1']);
    assert.match(await page.locator('#jobs-events li:has-text("next: job-1") pre').textContent(), /"operation": "reboot"/);

    await page.fill('#jobs-details', '{"step": "downloading"}');
    await page.click('#jobs-start-next');
    await page.waitForFunction(() => document.querySelector('#jobs-current-status').textContent === 'IN_PROGRESS');
    assert.equal(await text('#jobs-current-id'), 'job-1');
    assert.equal(await text('#jobs-current-version'), '2');
    assert.equal(await text('#jobs-current-details'), '{"step":"downloading"}');
    assert.deepEqual(JSON.parse(await text('#jobs-document')), { operation: 'reboot', delay: '5s' });
    assert.deepEqual((await execution('job-1')).statusDetails, { step: 'downloading' });
    await page.waitForFunction(() => document.querySelector('#jobs-pending tr[data-job="job-1"] td:nth-child(2)')?.textContent === 'IN_PROGRESS');
    assert.deepEqual(await page.locator('#jobs-pending tr[data-job="job-1"] td').allTextContents(), ['job-1', 'IN_PROGRESS', '2', '1']);
    await env.shot(page, 'started');

    await page.fill('#jobs-details', '{"progress": "50%"}');
    await page.click('#jobs-status button[data-status="IN_PROGRESS"]');
    await page.waitForFunction(() => document.querySelector('#jobs-current-version').textContent === '3');
    assert.deepEqual((await execution('job-1')).statusDetails, { progress: '50%' });
    // Describe reads the execution back (DescribeJobExecution).
    await page.evaluate(() => { document.querySelector('#jobs-current-details').textContent = 'stale'; });
    await page.click('#jobs-describe');
    await page.waitForFunction(() => document.querySelector('#jobs-current-details').textContent === '{"progress":"50%"}');
    assert.match(await text('#jobs-last'), /^describe accepted$/);

    await page.fill('#jobs-details', '');
    await page.click('#jobs-status button[data-status="SUCCEEDED"]');
    await page.waitForFunction(() => document.querySelector('#jobs-current-status').textContent === 'SUCCEEDED');
    assert.equal(await text('#jobs-current-version'), '4');
    const done = await execution('job-1');
    assert.equal(done.status, 'SUCCEEDED');
    assert.deepEqual(done.statusDetails, { progress: '50%' }, 'no statusDetails sent: AWS keeps the previous ones');
    // A terminal execution takes no more updates: its buttons are off.
    assert.equal(await page.isDisabled('#jobs-status button[data-status="FAILED"]'), true);
    await page.waitForSelector('#jobs-events li:has-text("next: nothing pending")');
    await page.waitForSelector('#jobs-pending-note:has-text("Nothing pending")');
    assert.equal(await page.locator('#jobs-pending tbody tr').count(), 0);
    assert.equal(await page.isHidden('#jobs-error'), true);
    await env.shot(page, 'succeeded');
  });

  test('Jobs_StatusDetailsBreakingAwsRule_RuleNamedNothingSent', STEP, async () => {
    await page.click('#jobs-create');  // job-2
    await page.waitForSelector('#jobs-events li:has-text("next: job-2 (QUEUED, version 1)")');
    await page.fill('#jobs-details', '{"progress": 50');
    await page.click('#jobs-start-next');
    await page.waitForSelector('#jobs-error:not([hidden])');
    assert.match(await text('#jobs-error'), /^start next: the status details are not valid JSON/);
    // Core's statusDetails rules, as the package refuses them before anything is published.
    await page.fill('#jobs-details', '{"bad key!": "x"}');
    await page.click('#jobs-start-next');
    await page.waitForSelector('#jobs-error:has-text("statusDetails key \'bad key!\' has a character outside [a-zA-Z0-9:_-]")');
    assert.equal((await execution('job-2')).status, 'QUEUED', 'nothing reached the service');
  });

  test('Jobs_CancelledWhileInProgress_UpdateAndDescribeRefusedInWords', STEP, async () => {
    await page.fill('#jobs-details', '');
    await page.click('#jobs-start-next');
    await page.waitForFunction(() => document.querySelector('#jobs-current-id').textContent === 'job-2'
      && document.querySelector('#jobs-current-status').textContent === 'IN_PROGRESS');
    await page.click('#jobs-cancel');
    await page.waitForSelector('#jobs-admin-result:has-text("job-2: cancelled")');
    assert.equal((await execution('job-2')).status, 'CANCELED');
    await page.waitForFunction(() => [...document.querySelectorAll('#jobs-events li > span.topic')].filter((s) => s.textContent === 'next: nothing pending').length >= 2);
    // Nothing leaves a terminal state: AWS refuses the update by its state machine.
    await page.click('#jobs-status button[data-status="SUCCEEDED"]');
    await page.waitForSelector('#jobs-error:not([hidden])');
    assert.match(await text('#jobs-error'), /^update SUCCEEDED: AWS IoT Jobs does not allow this change from CANCELED\. \(jobs update rejected: InvalidStateTransition /);
    assert.match(await text('#jobs-last'), /^update SUCCEEDED rejected: InvalidStateTransition$/);
    assert.equal((await execution('job-2')).status, 'CANCELED', 'the refused update changed nothing');
    // The refusal carried the execution's state: the page shows it ended and offers no more updates.
    assert.equal(await text('#jobs-current-status'), 'CANCELED');
    assert.equal(await page.isDisabled('#jobs-status button[data-status="FAILED"]'), true);
    // Describe: AWS answers TerminalStateReached for an execution that has ended.
    await page.click('#jobs-describe');
    await page.waitForSelector('#jobs-error:has-text("this execution has ended")');
    assert.match(await text('#jobs-error'), /^describe: this execution has ended; nothing can change it any more\. \(jobs describe rejected: TerminalStateReached /);
    assert.deepEqual((await eventTexts()).filter((t) => /^error/.test(t)), [], 'no stream error');
    await env.shot(page, 'cancelled');
  });

  test('Jobs_ExecutionMovedOnElsewhere_VersionMismatchShowsItAndRetrySucceeds', STEP, async () => {
    await page.click('#jobs-create');  // job-3
    await page.waitForSelector('#jobs-events li:has-text("next: job-3 (QUEUED, version 1)")');
    await page.click('#jobs-start-next');
    await page.waitForFunction(() => document.querySelector('#jobs-current-id').textContent === 'job-3');
    assert.equal(await text('#jobs-current-version'), '2');
    // Another client of the thing (an independent MQTT client on the stand-in's broker) reports
    // progress: the execution is at version 3 now, which the page has not seen.
    const other = await mqtt.connectAsync(`mqtt://127.0.0.1:${env.standin.endpoints.brokerTcpPort}`, {
      clientId: 'web-jobs-other-device', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000,
    });
    try {
      const base = `$aws/things/${THING}/jobs/job-3/update`;
      await other.subscribeAsync(`${base}/accepted`, { qos: 1 });
      const accepted = new Promise((resolve) => other.once('message', resolve));
      await other.publishAsync(base, JSON.stringify({ status: 'IN_PROGRESS', statusDetails: { by: 'other' } }), { qos: 1 });
      await accepted;
    } finally {
      await other.endAsync(true).catch(() => {});
    }
    assert.equal((await execution('job-3')).versionNumber, 3);
    await page.click('#jobs-status button[data-status="SUCCEEDED"]');
    await page.waitForSelector('#jobs-error[data-code="conflict"]:not([hidden])');
    assert.match(await text('#jobs-error'), /^update SUCCEEDED: the execution has moved on \(it is at version 3, IN_PROGRESS\); try again if the change still applies\. \(jobs update rejected: VersionMismatch /);
    assert.equal((await execution('job-3')).status, 'IN_PROGRESS', 'the stale update changed nothing');
    // The refusal carried the execution as it is now: the page shows it.
    assert.equal(await text('#jobs-current-version'), '3');
    assert.equal(await text('#jobs-current-details'), '{"by":"other"}');
    await env.shot(page, 'version-mismatch');
    await page.click('#jobs-status button[data-status="SUCCEEDED"]');
    await page.waitForFunction(() => document.querySelector('#jobs-current-status').textContent === 'SUCCEEDED');
    assert.equal((await execution('job-3')).status, 'SUCCEEDED');
    assert.equal(await page.isHidden('#jobs-error'), true, 'the retry cleared the error');
    assert.equal(await text('#jobs-current-version'), '4');
  });

  test('Jobs_StepTimerRunsOut_TimedOutAndUpdateRefused', STEP, async () => {
    await page.click('#jobs-create');  // job-4
    await page.waitForSelector('#jobs-events li:has-text("next: job-4 (QUEUED, version 1)")');
    // AWS's bounds for a step timeout, as the package refuses them before anything is sent.
    await page.fill('#jobs-step-timeout', '0');
    await page.click('#jobs-start-next');
    await page.waitForSelector('#jobs-error:not([hidden])');
    assert.match(await text('#jobs-error'), /^start next: .*stepTimeoutInMinutes.*1.*10080/);
    assert.equal((await execution('job-4')).status, 'QUEUED');
    await page.fill('#jobs-step-timeout', '1');
    await page.click('#jobs-start-next');
    await page.waitForFunction(() => document.querySelector('#jobs-current-id').textContent === 'job-4');
    assert.match(await text('#jobs-current-timer'), /^times out in about (59|60) s \(at the last answer\)$/);
    const nothingPending = () => page.locator('#jobs-events li > span.topic', { hasText: /^next: nothing pending$/ }).count();
    const before = await nothingPending();
    // Two minutes later on the stand-in's clock, the step timer has run out.
    await admin(env.standin, '/clock', { skewSeconds: 120 });
    try {
      const end = Date.now() + 5000;
      while ((await execution('job-4')).status !== 'TIMED_OUT' && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      assert.equal((await execution('job-4')).status, 'TIMED_OUT');
      await page.waitForFunction((n) => [...document.querySelectorAll('#jobs-events li > span.topic')].filter((x) => x.textContent === 'next: nothing pending').length > n, before);
      await page.fill('#jobs-step-timeout', '');
      await page.click('#jobs-status button[data-status="IN_PROGRESS"]');
      await page.waitForSelector('#jobs-error:has-text("InvalidStateTransition")');
      assert.match(await text('#jobs-error'), /^update IN_PROGRESS: AWS IoT Jobs does not allow this change from TIMED_OUT\. /);
      assert.equal(await text('#jobs-current-status'), 'TIMED_OUT');
      assert.equal(await text('#jobs-current-timer'), '—');
      assert.equal(await page.isDisabled('#jobs-status button[data-status="SUCCEEDED"]'), true);
      await env.shot(page, 'timed-out');
    } finally {
      await admin(env.standin, '/clock', { skewSeconds: 0 });
    }
  });

  test('Jobs_NoConsoleErrors', STEP, async () => {
    assert.deepEqual(env.consoleErrors, []);
  });
});
