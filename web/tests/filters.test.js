// Filters change what is drawn and the URL; reopening the URL restores the whole view.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, apiJson, errorsAfterSignIn, idle, launch, layer, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const hashOf = (page) => page.evaluate(() => location.hash);

test('date range, category and district filter the map and the URL; the URL reopens the view', async () => {
  const { context, page, seen } = await openPage(browser);
  // As of 2020, when the district level (and its filter) still existed.
  await signIn(page, 'analyst', '#asof=2020-04-15');
  const all = (await layer(page, 'key_points')).drawn;
  const total = await apiJson(page, '/api/v1/collections/key_points/items?limit=1');
  assert.equal(all, total.numberMatched);

  // Date range, with the keyboard: the "from" slider 24 months on (2018-01 → 2020-01).
  await page.locator('#month-from').focus();
  for (let i = 0; i < 24; i += 1) await page.keyboard.press('ArrowRight');
  await idle(page);
  assert.match(await hashOf(page), /from=2020-01/);
  const inRange = await apiJson(page,
    '/api/v1/collections/key_points/items?limit=1&datetime=2020-01-01T00:00:00Z/..');
  const dated = (await layer(page, 'key_points')).drawn;
  assert.equal(dated, inRange.numberMatched);
  assert.ok(dated < all && dated > 0, `${dated} of ${all}`);

  // Category: untick "crime" in the legend.
  await page.locator('[data-legend="key_points"] input[data-category="crime"]').uncheck();
  await idle(page);
  const crime = await apiJson(page,
    '/api/v1/collections/key_points/items?limit=1&category=crime&datetime=2020-01-01T00:00:00Z/..');
  const noCrime = (await layer(page, 'key_points')).drawn;
  assert.equal(noCrime, dated - crime.numberMatched);
  assert.match(await hashOf(page), /cat\.key_points=/);

  // District: Bát Xát (082).
  await page.selectOption('#district', '082');
  await idle(page);
  const communes = await apiJson(page, '/api/v1/collections/communes/items?limit=1&district_code=082&as_of=2020-04-15');
  assert.equal((await layer(page, 'communes')).drawn, communes.numberMatched);
  assert.ok((await layer(page, 'key_points')).drawn < noCrime);
  assert.match(await hashOf(page), /d=082/);
  // The URL follows the map after each move (fitting the district animates): wait until it
  // has caught up before taking it as the view to share.
  await page.waitForFunction(() => {
    const z = new URLSearchParams(window.location.hash.slice(1)).get('z');
    return z !== null && Number(z) === window.antq.map().getZoom();
  }, null, { timeout: 10000 });
  const before = await page.evaluate(() => window.antq.layers());
  const view = await page.evaluate(() => ({ z: window.antq.map().getZoom(), c: window.antq.map().getCenter() }));
  await screenshot(page, 'filtered-view');
  const url = page.url();

  // Reopen the URL in a new tab of the same session.
  const again = await context.newPage();
  await again.goto(url);
  await idle(again);
  assert.deepEqual(await again.evaluate(() => window.antq.layers()), before);
  assert.equal(await again.locator('#district').inputValue(), '082');
  assert.equal(await again.locator('[data-legend="key_points"] input[data-category="crime"]').isChecked(), false);
  assert.equal(await again.locator('#month-from').inputValue(), '24');
  const reopened = await again.evaluate(() => ({ z: window.antq.map().getZoom(), c: window.antq.map().getCenter() }));
  assert.equal(reopened.z, view.z);
  assert.ok(Math.abs(reopened.c.lat - view.c.lat) < 1e-3 && Math.abs(reopened.c.lng - view.c.lng) < 1e-3);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('a shared view URL opened before sign-in is restored after it', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=communes,key_points&from=2019-06&to=2019-12&asof=2020-04-15&z=9&ll=22.50000,104.00000');
  const range = await apiJson(page,
    '/api/v1/collections/key_points/items?limit=1&datetime=2019-06-01T00:00:00Z/2019-12-31T23:59:59Z');
  assert.equal((await layer(page, 'key_points')).drawn, range.numberMatched);
  const asOf = await apiJson(page, '/api/v1/collections/communes/items?limit=1&as_of=2020-04-15');
  assert.equal((await layer(page, 'communes')).drawn, asOf.numberMatched);
  assert.equal((await layer(page, 'districts')).shown, false);
  assert.equal(await page.locator('#as-of').inputValue(), '15/04/2020');
  assert.equal(await page.evaluate(() => window.antq.map().getZoom()), 9);
  assert.match(page.url(), new RegExp(`^${BASE}/#`));
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
