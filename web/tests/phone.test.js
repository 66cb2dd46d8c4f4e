// A commune police officer's phone (390×844): the map fills the screen, the panels are a drawer
// whose layer list works, the search box and the zoom stay reachable. And the printed page: map,
// legend, filters, the date (dd/mm/yyyy) and who printed it.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { errorsAfterSignIn, idle, launch, layer, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const box = (page, selector) => page.locator(selector).boundingBox();

test('phone: the map fills the screen, the drawer\'s layer list and the search are usable', async () => {
  const { context, page, seen } = await openPage(browser, { width: 390, height: 844 });
  await signIn(page, 'patrol');
  const map = await box(page, '#map');
  assert.ok(map.width >= 380 && map.height >= 600, `map ${JSON.stringify(map)}`);
  // The drawer is closed: off screen, so the map is not covered.
  const closed = await box(page, '#side');
  assert.ok(closed.x + closed.width <= 1, `drawer on screen: ${JSON.stringify(closed)}`);
  const search = await box(page, '#search-input');
  assert.ok(search.x >= 0 && search.x + search.width <= 390, `search ${JSON.stringify(search)}`);

  const toggle = page.locator('#menu-toggle');
  assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
  await toggle.click();
  await page.locator('#side.open').waitFor();
  assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
  await page.waitForTimeout(400); // the drawer slides in
  const open = await box(page, '#side');
  assert.ok(open.x >= 0 && open.x + open.width <= 390, `drawer ${JSON.stringify(open)}`);
  // A layer turned on from the drawer, by its label.
  const [id] = await page.locator('#layers input[data-layer]:not(:checked)').evaluateAll((b) => b.map((x) => x.dataset.layer));
  assert.ok(id, 'no layer to turn on');
  await page.locator(`label[for="layer-${id}"]`).click();
  await idle(page);
  assert.equal((await layer(page, id)).shown, true);
  await screenshot(page, 'phone-drawer');
  await toggle.click();
  await page.waitForTimeout(400);
  assert.ok((await box(page, '#side')).x < 0);
  // The map still answers: zoom in with its control.
  const before = await page.evaluate(() => window.antq.map().getZoom());
  await page.locator('.leaflet-control-zoom-in').click();
  await page.waitForFunction((z) => window.antq.map().getZoom() > z, before);
  await screenshot(page, 'phone-map');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('print: the map with its legend, the filters, the date dd/mm/yyyy and the user', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#from=2019-01&to=2019-06');
  assert.ok(await page.locator('#print-button').isVisible());
  await page.emulateMedia({ media: 'print' });
  const meta = await page.locator('#print-meta').textContent();
  const today = new Date().toISOString().slice(0, 10).split('-').reverse().join('/');
  assert.ok(meta.includes(today), `${meta} lacks ${today}`);
  assert.match(meta, /analyst/);
  assert.match(await page.locator('#print-filters').textContent(), /01\/2019 – 06\/2019/);
  assert.ok(await page.locator('#print-title').isVisible());
  assert.ok(await page.locator('#legend [data-legend]').first().isVisible());
  assert.ok(await page.locator('#map').isVisible());
  assert.ok(!(await page.locator('.topbar').isVisible()), 'the top bar is printed');
  assert.ok(!(await page.locator('#filters').isVisible()), 'the filter controls are printed');
  await screenshot(page, 'print-page', { fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
