// Turn each layer on: its features are drawn (read back from the map and counted in the SVG),
// as many as the API matches; its legend appears; the console stays clean. Also the print view
// and the phone width.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
  apiJson, errorsAfterSignIn, idle, launch, layer, openPage, screenshot, setLayer, signIn,
} from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('each layer, turned on alone, draws every feature the API matches, with its legend', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'admin', '#l=');
  const ids = await page.locator('#layers input[data-layer]').evaluateAll((b) => b.map((x) => x.dataset.layer));
  assert.equal(ids.length, 20);
  for (const id of ids) {
    await setLayer(page, id, true);
    const drawn = await layer(page, id);
    const api = await apiJson(page, `/api/v1/collections/${id}/items?limit=1`);
    assert.equal(drawn.error, null, `${id}: ${drawn.error}`);
    assert.equal(drawn.drawn, api.numberMatched, `${id}: drawn ${drawn.drawn}, API matched ${api.numberMatched}`);
    assert.equal(drawn.mapped, api.numberMatched, `${id}: the map holds ${drawn.mapped}`);
    // Something is on screen: paths in the layer's pane, or cluster icons.
    const onScreen = await page.evaluate(() => document.querySelectorAll(
      '.leaflet-polygons-pane path, .leaflet-lines-pane path, .leaflet-points-pane path, .cluster').length);
    if (api.numberMatched > 0) assert.ok(onScreen > 0, `${id}: nothing drawn on screen`);
    const legend = page.locator(`[data-legend="${id}"]`);
    assert.equal(await legend.count(), 1, `${id}: no legend entry`);
    assert.ok((await legend.textContent()).trim().length > 0);
    await setLayer(page, id, false);
    assert.equal(await page.locator(`[data-legend="${id}"]`).count(), 0, `${id}: legend stays after turning off`);
  }
  assert.deepEqual(errorsAfterSignIn(seen), []);
  assert.deepEqual(seen.dialogs, []);
  await context.close();
});

test('the main view: communes by designation, border, posts, key points clustered; print and phone', async () => {
  const { context, page, seen } = await openPage(browser);
  // As of 2020: old Lào Cai's 152 communes (and old Yên Bái's beside them), with the key security
  // communes decided for them.
  await signIn(page, 'analyst', '#asof=2020-04-15');
  const communes = await layer(page, 'communes');
  const all = (await apiJson(page, '/api/v1/collections/communes/items?limit=1&as_of=2020-04-15')).numberMatched;
  assert.ok(all >= 152, `${all}`);
  assert.equal(communes.drawn, all);
  // The choropleth's legend names the designation and counts the communes of each class.
  const legend = await page.locator('[data-legend="communes"]').textContent();
  const keySecurity = await apiJson(page, '/api/v1/collections/communes/items?key_security=true&limit=1&as_of=2020-04-15');
  assert.match(legend, new RegExp(`Có \\(${keySecurity.numberMatched}\\)`), legend);
  assert.match(legend, new RegExp(`Không \\(${all - keySecurity.numberMatched}\\)`), legend);
  await page.selectOption('select[data-colour-by="communes"]', 'region');
  await page.waitForFunction(() => /\bIII\b/.test(document.querySelector('[data-legend="communes"]').textContent));
  assert.match(await page.evaluate(() => location.hash), /by\.communes=region/);
  await screenshot(page, 'main-view');
  await page.emulateMedia({ media: 'print' });
  assert.match(await page.locator('#print-meta').textContent(), /analyst/);
  await screenshot(page, 'print-view', { fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 390, height: 800 });
  await page.locator('#menu-toggle').click();
  await page.locator('#side.open').waitFor();
  await page.waitForTimeout(400); // the drawer slides in
  await screenshot(page, 'phone-menu');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('the interface switches to English and back; dates and numbers keep Vietnamese habits', async () => {
  const { context, page } = await openPage(browser);
  // The province report as of 2020: old Lào Cai's 705,000 people (the 2019 census in the demo).
  await signIn(page, 'analyst', '#asof=2020-04-15');
  assert.equal(await page.locator('#h-layers').textContent(), 'Lớp bản đồ');
  const total = (await apiJson(page, '/api/v1/collections/key_points/items?limit=1')).numberMatched;
  assert.ok(total >= 1000);
  const vi = total.toLocaleString('vi-VN'); // 3.900: a dot between thousands
  assert.ok((await page.locator('[data-layer-count="key_points"]').textContent()).includes(vi), vi);
  await page.locator('#lang-toggle').click();
  assert.equal(await page.locator('#h-layers').textContent(), 'Layers');
  assert.match(await page.locator('label[for="layer-key_points"]').textContent(), /Key points/);
  assert.match(await page.evaluate(() => location.hash), /lang=en/);
  await page.locator('#report-box summary').click();
  await page.locator('[data-figure="population"]').waitFor();
  assert.equal(await page.locator('[data-figure="population"]').textContent(), '705.000');
  assert.equal(await page.locator('tr:has([data-figure="population"]) th').textContent(), 'Population');
  await page.locator('#lang-toggle').click();
  assert.equal(await page.locator('#h-layers').textContent(), 'Lớp bản đồ');
  await page.locator('tr:has([data-figure="population"]) th', { hasText: 'Dân số' }).waitFor();
  await context.close();
});

test('a commune opens its profile: key points by month and category, counted as the API counts', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#from=2019-01&to=2019-12');
  const points = await apiJson(page, '/api/v1/collections/key_points/items?limit=10000&datetime=2019-01-01T00:00:00Z/2019-12-31T23:59:59Z');
  const busiest = Object.entries(points.features.reduce((acc, f) => {
    acc[f.properties.commune_code] = (acc[f.properties.commune_code] || 0) + 1;
    return acc;
  }, {})).sort((a, b) => b[1] - a[1])[0];
  const communes = await apiJson(page, `/api/v1/collections/communes/items?limit=1&code=${busiest[0]}`);
  const fid = communes.features[0].id;
  await page.evaluate((hash) => { location.hash = hash; }, `${await page.evaluate(() => location.hash)}&sel=communes/${fid}`);
  await page.reload();
  await idle(page);
  const profile = page.locator(`[data-profile="${busiest[0]}"] h3`);
  await profile.waitFor();
  assert.match(await profile.textContent(), new RegExp(`\\(${busiest[1].toLocaleString('vi-VN')}\\)`));
  assert.ok(await page.locator('[data-profile] svg rect').count() > 0);
  await screenshot(page, 'commune-profile');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();

  // A viewer may not read key points: no profile is offered.
  const viewer = await openPage(browser);
  await signIn(viewer.page, 'viewer', `#sel=communes/${fid}`);
  await viewer.page.locator('#details td[data-prop="code"]').waitFor();
  assert.equal(await viewer.page.locator('[data-profile]').count(), 0);
  await viewer.context.close();
});

test('keyboard: a layer and a category toggle with Space, and the focus stays on the control', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst');
  await page.locator('#layer-villages').focus();
  await page.keyboard.press('Space');
  await idle(page);
  assert.equal((await layer(page, 'villages')).shown, true);
  assert.ok((await layer(page, 'villages')).drawn > 1000);
  assert.equal(await page.evaluate(() => document.activeElement.id), 'layer-villages');
  await page.keyboard.press('Space');
  await idle(page);
  assert.equal((await layer(page, 'villages')).shown, false);
  const allPoints = (await layer(page, 'key_points')).drawn;
  const crime = page.locator('[data-legend="key_points"] input[data-category="crime"]');
  await crime.focus();
  await page.keyboard.press('Space');
  await idle(page);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.category), 'crime');
  assert.ok((await layer(page, 'key_points')).drawn < allPoints);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
