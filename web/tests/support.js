// Shared by the browser tests: the service under test (ANTQ_WEB_URL, started by scripts/test.sh),
// headless Debian Chromium through playwright-core (never a downloaded browser), sign-in, and a
// watch on every console message, dialog and request of a page.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { inGeometry } from '../js/jurisdiction.js';

export const BASE = (process.env.ANTQ_WEB_URL || '').replace(/\/$/, '');
if (!BASE) throw new Error('ANTQ_WEB_URL is not set: run the browser tests through scripts/test.sh');
export const ORIGIN = new URL(BASE).origin;
export const PASSWORD = 'antq-demo-2026';
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

const CHROMIUM = process.env.ANTQ_CHROMIUM || '/usr/bin/chromium';

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/**
 * A fresh context and page (`serviceWorkers: 'allow'` to let the page install its worker) whose console errors, page errors, dialogs, requests and
 * Content-Security-Policy violations are kept. Closing the context fails the test when the page
 * broke the service's policy anywhere (`seen.violations`): whatever the page ships must run under
 * it, so a test that wants to see a violation (security.test.js) empties the list itself.
 */
export async function openPage(browser, { width = 1280, height = 800, serviceWorkers = 'block' } = {}) {
  // The service worker is opt-in (the offline tests): Playwright's page.route, which other tests
  // use to shape answers, does not see the requests a worker answers.
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, locale: 'vi-VN', serviceWorkers });
  const seen = { errors: [], dialogs: [], requests: [], violations: [] };
  // Every frame reports its violations before any of the page's own scripts run.
  await context.exposeBinding('__antqCspViolation', (_source, v) => {
    seen.violations.push(v);
    seen.errors.push(`CSP violation: ${JSON.stringify(v)}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__antqCspViolation({
        directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample,
      });
    });
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') seen.errors.push(`${m.text()} @ ${m.location().url}`); });
  page.on('pageerror', (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on('dialog', async (d) => { seen.dialogs.push(d.message()); await d.dismiss(); });
  context.on('request', (r) => seen.requests.push(r.url()));
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    assert.deepEqual(seen.violations, [], 'the page broke the Content-Security-Policy');
  };
  return { context, page, seen };
}

/** Waits until the page has drawn what it was loading. */
export async function idle(page) {
  await page.waitForFunction(() => document.body.dataset.busy === '0', null, { timeout: 60_000 });
}

/** Opens `hash` (a view URL) and signs in as `user`; resolves when the map is drawn. */
export async function signIn(page, user, hash = '') {
  await page.goto(`${BASE}/${hash}`);
  await page.fill('#username', user);
  await page.fill('#password', PASSWORD);
  await page.press('#password', 'Enter');
  await idle(page);
}

/** Console errors after sign-in (the first GET /auth/me is answered 401 by design). */
export const errorsAfterSignIn = (seen) => seen.errors.filter((e) => !/401 \(Unauthorized\)/.test(e));

/** What each layer drew, read back from the map. */
export const layers = (page) => page.evaluate(() => window.antq.layers());
export const layer = async (page, id) => (await layers(page)).find((l) => l.id === id);

/** Saves a screenshot under web/tests/artifacts and prints its path. */
export async function screenshot(page, name, options = {}) {
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, ...options });
  console.log(`screenshot: ${path}`);
  return path;
}

/** GET a JSON API path with the page's own session. */
export async function apiJson(page, path) {
  const response = await page.request.get(`${BASE}${path}`);
  if (!response.ok()) throw new Error(`${path}: ${response.status()}`);
  return response.json();
}

/** Turns layer `id` on or off through its checkbox (as a person would) and waits for the map. */
export async function setLayer(page, id, on) {
  const box = page.locator(`input[data-layer="${id}"]`);
  if ((await box.isChecked()) !== on) {
    await box.click();
  }
  await idle(page);
}

/** A point well inside the unit `code` of `layer` as of `asOf` (default today; a grid search of its bounding box). */
export async function pointInside(page, layer, code, asOf = '') {
  const at = asOf ? `&as_of=${asOf}` : '';
  const { features: [unit] } = await apiJson(page, `/api/v1/collections/${layer}/items?code=${code}&limit=1${at}`);
  const ring = unit.geometry.type === 'Polygon' ? unit.geometry.coordinates[0] : unit.geometry.coordinates[0][0];
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const d = 0.01;
  for (let i = 1; i < 20; i += 1) {
    for (let j = 1; j < 20; j += 1) {
      const p = [x0 + ((x1 - x0) * i) / 20, y0 + ((y1 - y0) * j) / 20];
      const around = [[0, 0], [d, 0], [-d, 0], [0, d], [0, -d]].map(([a, b]) => [p[0] + a, p[1] + b]);
      if (around.every((q) => inGeometry(q, unit.geometry))) return p;
    }
  }
  throw new Error(`no inner point in ${code}`);
}

/**
 * Lets the first POST matching `pattern` reach the server, then cuts the connection before its
 * answer reaches the page (the server wrote; the phone never heard), as a signal lost mid-sync
 * does; later requests pass. Returns how many were cut so far.
 */
export async function cutFirstAnswer(context, pattern) {
  let cut = 0;
  await context.route(pattern, async (route) => {
    if (route.request().method() === 'POST' && cut === 0) {
      cut += 1;
      await route.fetch();
      await route.abort('connectionreset');
    } else {
      await route.continue();
    }
  });
  return () => cut;
}
