// Shared set-up of the browser tests: the stand-in, the assembled site on a free port, and
// Debian's Chromium through playwright-core with a fresh profile. Missing prerequisites (the
// wasm package build, Chromium) throw: the tests fail, they never skip.
import { promises as fs, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startStandin } from '../../standin/standin.mjs';
import { assembleSite, configFromStandin, startStaticServer, checkPackage } from '../../scripts/demo_server.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PACKAGE_DIR = process.env.IOTLITE_WASM_PACKAGE_DIR || path.join(REPO, 'build/wasm/wasm/package');
export const ARTIFACTS = process.env.IOTLITE_WEB_ARTIFACTS || path.join(REPO, 'test-artifacts/web');
export const CHROMIUM = process.env.IOTLITE_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function checkPrerequisites() {
  await checkPackage(PACKAGE_DIR);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt install chromium, or set IOTLITE_CHROMIUM)`);
}

/** Debian's Chromium with a fresh profile in `dir`, headless, with the flags every browser test uses. */
export const launchChromium = (dir, extra = {}) => chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ...extra });

/** A new page of `context` at `url`, once its body says data-ready; page.errors collects its uncaught errors. */
export async function openPage(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 10000 });
  page.errors = errors;
  return page;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits (polling every 50 ms) until fn() is truthy; throws naming `what` after `ms`. */
export async function until(what, fn, ms = 15000) {
  for (const end = Date.now() + ms; !(await fn());) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A one-page site for a suite's own test page: the package under iotlite/, `page` as index.html and
 * a config.json naming the stand-in's WebSocket door and test credentials. Returns the static server.
 */
export async function serveTestPage(dir, page, endpoints) {
  await fs.cp(PACKAGE_DIR, path.join(dir, 'iotlite'), { recursive: true });
  await fs.writeFile(path.join(dir, 'index.html'), page);
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ endpoint: endpoints.wsUrl, region: endpoints.region, credentials: endpoints.testCredentials }));
  return startStaticServer({ root: dir, port: 0 });
}

/** Starts everything; returns {standin, server, context, newPage(), shot(page, name), stop()}. */
export async function startEnvironment(label, { standinLog } = {}) {
  await checkPrerequisites();
  await fs.mkdir(ARTIFACTS, { recursive: true });
  for (const f of await fs.readdir(ARTIFACTS)) if (f.startsWith(`${label}-`) && f.endsWith('.png')) await fs.rm(path.join(ARTIFACTS, f));
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), `iotlite-web-${label}-`));
  const stops = [];
  const stop = async () => {
    for (const fn of stops.reverse()) { try { await fn(); } catch { /* keep stopping the rest */ } }
    await fs.rm(tmp, { recursive: true, force: true });
  };
  try {
    const standin = await startStandin(standinLog ? { log: standinLog } : {});
    stops.push(() => standin.stop());
    const site = await assembleSite({ packageDir: PACKAGE_DIR, outDir: path.join(tmp, 'site'), config: configFromStandin(standin.endpoints) });
    const server = await startStaticServer({ root: site, port: 0 });
    stops.push(() => server.stop());
    const context = await launchChromium(path.join(tmp, 'profile'), { viewport: { width: 1400, height: 1000 } });
    stops.push(() => context.close());
    const consoleErrors = [];
    const failedResponses = []; // "status path" of every HTTP answer >= 400 the pages got
    const requests = [];        // path of every request the pages made
    const newPage = async (url = server.url) => {
      const page = await context.newPage();
      page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`console: ${m.text()}`); });
      page.on('response', (r) => { if (r.status() >= 400) failedResponses.push(`${r.status()} ${new URL(r.url()).pathname}`); });
      page.on('request', (r) => { if (/^https?:/.test(r.url())) requests.push(new URL(r.url()).pathname); });
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10000 });
      return page;
    };
    // Another copy of the site, e.g. without config.json (as on a static host).
    const serveSite = async (name, config) => {
      const root = await assembleSite({ packageDir: PACKAGE_DIR, outDir: path.join(tmp, name), config });
      const extra = await startStaticServer({ root, port: 0 });
      stops.push(() => extra.stop());
      return extra.url;
    };
    let n = 0;
    const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, `${label}-${String(++n).padStart(2, '0')}-${name}.png`), fullPage: true });
    return { standin, server, context, newPage, serveSite, shot, stop, consoleErrors, failedResponses, requests };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** POST to the stand-in's admin API. */
export async function admin(standin, route, body = {}) {
  const r = await fetch(`${standin.endpoints.adminUrl}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`admin ${route}: HTTP ${r.status} ${await r.text()}`);
  return r.json();
}
