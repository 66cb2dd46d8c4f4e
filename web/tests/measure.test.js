// Measures what a planner waits for: the time from pressing "sign in" to the first drawn map,
// and the bytes the page downloads on first load (an empty cache), read from Playwright's
// request sizes (headers and bodies as transferred), and holds them to a budget: the first map
// within 3 s and the first load under FIRST_LOAD_BUDGET_BYTES with the demo data (docs/performance.md gives the
// measured figures). Writes artifacts/measure.json.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { ARTIFACTS, BASE, PASSWORD, idle, launch, openPage } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const FIRST_MAP_BUDGET_MS = 3_000;
// 400 KiB for the 2020 demo (309 KiB measured); 450 KiB since the demo runs through 2026
// (3,900 key points and the 2025 province: 419 KiB measured on 03/12/2026); 480 KiB since the
// field work of issue 18 loads for every role (the area package panel, the phone's wipe, the
// IndexedDB helper and their strings: 455 KiB measured the same day, 74 requests). Next, if it
// grows again: load the package panel's module when the panel is first opened.
const FIRST_LOAD_BUDGET_BYTES = 480 * 1024;

test('the first map is drawn within 3 s of sign-in and the first load stays within its budget', async () => {
  const { context, page } = await openPage(browser);
  const finished = [];
  page.on('requestfinished', (r) => finished.push(r));
  await page.goto(`${BASE}/`);
  await page.fill('#username', 'analyst');
  await page.fill('#password', PASSWORD);
  const start = Date.now();
  await page.press('#password', 'Enter');
  await idle(page);
  const firstMapMs = Date.now() - start;
  const inPage = await page.evaluate(() => {
    const [signed] = performance.getEntriesByName('antq-signed-in');
    const [drawn] = performance.getEntriesByName('antq-first-map');
    return { signedInToDrawnMs: Math.round(drawn.startTime - signed.startTime) };
  });
  let bytes = 0;
  const byType = {};
  for (const request of finished) {
    const sizes = await request.sizes();
    const n = sizes.requestHeadersSize + sizes.requestBodySize + sizes.responseHeadersSize + sizes.responseBodySize;
    bytes += n;
    const type = request.resourceType();
    byType[type] = (byType[type] || 0) + n;
  }
  const drawn = await page.evaluate(() => window.antq.layers().filter((l) => l.shown).map((l) => `${l.id}:${l.drawn}`));
  const figures = { firstMapMs, ...inPage, requests: finished.length, bytes, byType, drawn };
  await writeFile(join(ARTIFACTS, 'measure.json'), JSON.stringify(figures, null, 2));
  console.log(`first drawn map after sign-in: ${firstMapMs} ms (in page: ${inPage.signedInToDrawnMs} ms)`);
  console.log(`first load: ${finished.length} requests, ${(bytes / 1024).toFixed(0)} KiB`, JSON.stringify(byType));
  assert.ok(drawn.some((d) => !d.endsWith(':0')), `the map drew features: ${drawn}`);
  assert.ok(firstMapMs <= FIRST_MAP_BUDGET_MS, `first map after ${firstMapMs} ms; the budget is ${FIRST_MAP_BUDGET_MS} ms`);
  assert.ok(bytes < FIRST_LOAD_BUDGET_BYTES, `first load ${(bytes / 1024).toFixed(0)} KiB; the budget is ${FIRST_LOAD_BUDGET_BYTES / 1024} KiB`);
  await context.close();
});
