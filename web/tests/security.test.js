// A key point whose description is markup shows as text and runs nothing; every request the
// page makes goes to its own origin.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, ORIGIN, apiJson, errorsAfterSignIn, launch, openPage, screenshot, setLayer, signIn } from './support.js';

const MARKUP = '<img src=x onerror=alert(1)>';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Creates a key point as the editor (cookie + CSRF token, as the web map would), inside its city. */
async function createMarkupKeyPoint(browser) {
  const { context, page } = await openPage(browser);
  const login = await page.request.post(`${BASE}/auth/login`, { data: { username: 'editor', password: 'antq-demo-2026' } });
  assert.equal(login.status(), 200);
  const { csrf_token: csrf } = await login.json();
  // A place inside the editor's jurisdiction (the city of Lào Cai, 080): an existing key point there.
  const city = await apiJson(page, '/api/v1/collections/communes/items?limit=100&district_code=080&as_of=2020-04-15');
  const codes = city.features.map((f) => `'${f.properties.code}'`).join(',');
  const there = await apiJson(page,
    `/api/v1/collections/key_points/items?limit=1&filter=${encodeURIComponent(`commune_code IN (${codes})`)}`);
  // 30 m off it, so the new point is not stacked on the old one in a cluster.
  const [x, y] = there.features[0].geometry.coordinates;
  const [lon, lat] = [x + 0.0003, y];
  const created = await page.request.post(`${BASE}/api/v1/key-points`, {
    headers: { 'X-CSRF-Token': csrf },
    data: { code: `KP-XSS-${Date.now()}`, category: 'crime', observed_at: '2020-06-01T03:00:00Z', lon, lat, description: MARKUP },
  });
  assert.equal(created.status(), 201, await created.text());
  const body = await created.json();
  await context.close();
  return body.id;
}

test('a description that is markup is shown as text and opens no dialog', async () => {
  const id = await createMarkupKeyPoint(browser);
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'editor', `#l=communes,key_points&sel=key_points/${id}`);
  const cell = page.locator('#details td[data-prop="description"]');
  await cell.waitFor();
  assert.equal(await cell.textContent(), MARKUP);
  assert.equal(await page.locator('#details img').count(), 0);
  // Close (Escape), then click the point itself, zoomed in so it is not in a cluster.
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#details-panel').isHidden(), true);
  const at = await page.evaluate(async (fid) => {
    const map = window.antq.map();
    const response = await fetch(`/api/v1/collections/key_points/items/${fid}`);
    const [lon, lat] = (await response.json()).geometry.coordinates;
    map.setView([lat, lon], 18, { animate: false });
    await new Promise((resolve) => { setTimeout(resolve, 800); });
    const point = map.latLngToContainerPoint([lat, lon]);
    const box = map.getContainer().getBoundingClientRect();
    return { x: box.left + point.x, y: box.top + point.y };
  }, id);
  await page.mouse.click(at.x, at.y);
  await cell.waitFor();
  assert.equal(await cell.textContent(), MARKUP);
  await screenshot(page, 'details-markup-as-text');
  assert.deepEqual(seen.dialogs, []);
  assert.equal(await page.locator('img[src="x"]').count(), 0);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('every request of a full session goes to the page own origin', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'admin');
  for (const id of ['villages', 'border_markers', 'model_sites', 'patrol_tracks']) await setLayer(page, id, true);
  await page.locator('#report-box summary').click();
  await page.locator('[data-figure="population"]').waitFor();
  await page.locator('#lang-toggle').click();
  const foreign = seen.requests.filter((url) => new URL(url).origin !== ORIGIN && !/^(data|blob):/.test(url));
  assert.ok(seen.requests.length > 10, `only ${seen.requests.length} requests seen`);
  assert.deepEqual(foreign, []);
  await screenshot(page, 'all-layers');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('the page and the API page carry the policy and run under it', async () => {
  const { context, page, seen } = await openPage(browser);
  const response = await page.goto(`${BASE}/`);
  const policy = response.headers()['content-security-policy'] || '';
  assert.match(policy, /default-src 'self'/);
  assert.doesNotMatch(policy, /unsafe/);
  assert.equal(response.headers()['x-content-type-options'], 'nosniff');
  // The API page's table is drawn by its own script file: nothing inline is left to block.
  await page.goto(`${BASE}/api/v1/api.html`);
  await page.locator('#paths h2').first().waitFor();
  assert.ok(await page.locator('#paths table').count() > 10);
  // An inline script, as an injected one would be, is refused and reported.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__ran = true;';
    document.body.append(s);
  });
  await page.waitForFunction(() => true);
  await new Promise((resolve) => { setTimeout(resolve, 300); });
  assert.equal(await page.evaluate(() => window.__ran === true), false);
  assert.equal(seen.violations.length, 1, JSON.stringify(seen.violations));
  assert.equal(seen.violations[0].directive, 'script-src-elem');
  seen.violations.length = 0;
  await context.close();
});
