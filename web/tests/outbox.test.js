// The outbox never loses a record (#18): key points recorded with no network wait in IndexedDB
// through a reload, go to the server when the signal returns, exactly once each, also when the
// sync is cut after the server took the first one (its Idempotency-Key makes the retry a replay);
// an offline edit that meets a newer version opens the conflict dialog; a refused record stays in
// the outbox with the server's reason in Vietnamese until it is discarded.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, apiJson, cutFirstAnswer, idle, launch, openPage, pointInside, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const RUN = Date.now().toString(36).toUpperCase();

/**
 * A writer signed in once with the network on at a view of a commune, its worker ready. The
 * admin, whose writes no jurisdiction limits: the demo editor's district (080) ended with the
 * district level on 1/7/2025, so today it writes nowhere.
 */
async function editorVisit() {
  const opened = await openPage(browser, { serviceWorkers: 'allow' });
  await signIn(opened.page, 'admin', '#l=');
  const { features: [commune] } = await apiJson(opened.page, '/api/v1/collections/communes/items?limit=1');
  const city = await pointInside(opened.page, 'communes', commune.properties.code);
  await opened.page.goto(`${BASE}/#l=key_points&z=14&ll=${city[1].toFixed(5)},${city[0].toFixed(5)}`);
  await opened.page.reload();
  await idle(opened.page);
  await opened.page.waitForSelector('#outbox-sync');
  await opened.page.evaluate(() => window.antq.offline().ready());
  return { ...opened, city };
}

const outbox = (page) => page.evaluate(() => window.antq.editing().outbox().items());
const record = (page, code, [lon, lat]) => page.evaluate(([c, p]) => window.antq.editing().create('key_points',
  { code: c, category: 'drugs', observed_at: '2026-12-01T02:00:00.000Z', description: 'ghi ngoại tuyến' }, p), [code, [lon, lat]]);
const onServer = async (page, code) => (await apiJson(page, `/api/v1/collections/key_points/items?code=${code}`)).features;

/** Three points recorded offline, the page reloaded offline: all three wait in the outbox. */
async function threeOffline(page, context, city, tag) {
  await context.setOffline(true);
  const codes = [1, 2, 3].map((i) => `KP-OB-${RUN}-${tag}${i}`);
  for (const [i, code] of codes.entries()) {
    assert.match(await record(page, code, [city[0] + i * 0.001, city[1]]), /^$/);
  }
  await page.reload();
  await idle(page);
  await page.waitForSelector('#outbox-list li');
  assert.deepEqual((await outbox(page)).map((i) => [i.label, i.state]), codes.map((c) => [c, 'pending']));
  assert.match(await page.textContent('#outbox-count'), /^3 bản ghi chưa gửi/);
  return codes;
}

test('three points recorded offline survive a reload and reach the server exactly once each', async () => {
  const { context, page, city } = await editorVisit();
  const codes = await threeOffline(page, context, city, 'A');

  await context.setOffline(false);
  await page.waitForFunction(() => document.querySelectorAll('#outbox-list li').length === 0, null, { timeout: 30_000 });

  for (const code of codes) assert.equal((await onServer(page, code)).length, 1, code);
  assert.deepEqual(await outbox(page), []);
  await context.close();
});

test('a sync cut after the server took the first record is retried without a second one', async () => {
  const { context, page, city } = await editorVisit();
  const codes = await threeOffline(page, context, city, 'B');
  // The first POST reaches the server, which writes; its answer never reaches the phone.
  const cut = await cutFirstAnswer(context, '**/api/v1/key-points');
  await context.setOffline(false);
  await page.waitForFunction(() => document.querySelector('#outbox-note')?.textContent.startsWith('Chưa có mạng'), null, { timeout: 30_000 });
  assert.equal(cut(), 1);
  assert.equal((await onServer(page, codes[0])).length, 1, 'the server wrote the first before the cut');
  assert.equal((await outbox(page)).length, 3, 'nothing left the outbox without an answer');

  await page.click('#outbox-sync');
  await page.waitForFunction(() => document.querySelectorAll('#outbox-list li').length === 0, null, { timeout: 30_000 });

  for (const code of codes) assert.equal((await onServer(page, code)).length, 1, code);
  await context.close();
});

test('an offline edit that meets a newer version on the server opens the conflict dialog', async () => {
  const { context, page, city } = await editorVisit();
  const code = `KP-OB-${RUN}-C`;
  await record(page, code, city);
  const [point] = await onServer(page, code);
  // Read once with the network on, as opening its editor does: the copy is what an offline edit starts from.
  await page.evaluate((id) => fetch(`/api/v1/key-points/${id}`), point.id);
  await context.setOffline(true);
  await page.evaluate((id) => window.antq.editing().update('key_points', id, { description: 'sửa khi không có sóng' }), point.id);
  assert.deepEqual((await outbox(page)).map((i) => [i.method, i.ifMatch]), [['PATCH', '"1"']]);
  // Meanwhile someone with signal changes it.
  const me = await apiJson(page, '/auth/me');
  const other = await page.request.fetch(`${BASE}/api/v1/key-points/${point.id}`, {
    method: 'PATCH', data: { description: 'sửa tại trụ sở' }, headers: { 'If-Match': '"1"', 'X-CSRF-Token': me.csrf_token },
  });
  assert.equal(other.status(), 200);

  await context.setOffline(false);
  await page.waitForSelector('#conflict', { timeout: 30_000 });
  assert.match(await page.textContent('#conflict tr[data-conflict-field="description"]'), /sửa khi không có sóng.*sửa tại trụ sở/);
  await page.click('#conflict [data-choice="mine"]');
  await page.waitForFunction(() => document.querySelectorAll('#outbox-list li').length === 0, null, { timeout: 30_000 });

  const now = await apiJson(page, `/api/v1/key-points/${point.id}`);
  assert.equal(now.properties.description, 'sửa khi không có sóng');
  assert.equal(now.properties.version, 3);
  await context.close();
});

test('a record the server refuses stays in the outbox with its reason until discarded', async () => {
  const { context, page, city } = await editorVisit();
  const code = `KP-OB-${RUN}-R`;
  await context.setOffline(true);
  await page.evaluate(([c, p]) => window.antq.editing().create('key_points',
    { code: c, category: 'khong-co-loai-nay', observed_at: '2026-12-01T02:00:00.000Z' }, p), [code, city]);

  await context.setOffline(false);
  await page.waitForSelector('#outbox-list li[data-state="refused"]', { timeout: 30_000 });
  await page.reload();
  await idle(page);
  const item = page.locator('#outbox-list li[data-state="refused"]');
  await item.waitFor();
  assert.match(await item.locator('[data-reason]').textContent(), /^bị từ chối: Dữ liệu không hợp lệ: .*category/);
  assert.equal((await onServer(page, code)).length, 0);

  await item.locator('[data-discard]').click();
  await page.waitForFunction(() => document.querySelectorAll('#outbox-list li').length === 0);
  assert.deepEqual(await outbox(page), []);
  await context.close();
});

test('signing out warns of unsent records, then wipes the kept data and the outbox from the device', async () => {
  const { context, page, city } = await editorVisit();
  await context.setOffline(true);
  await page.evaluate(([c, p]) => window.antq.editing().create('key_points',
    { code: c, category: 'khong-co-loai-nay', observed_at: '2026-12-01T02:00:00.000Z' }, p), [`KP-OB-${RUN}-S`, city]);
  await context.setOffline(false);
  await page.waitForSelector('#outbox-list li[data-state="refused"]', { timeout: 30_000 });
  const kept = () => page.evaluate(async () => ({
    // The sign-in page's worker opens the cache again (empty): what counts is what is in it.
    data: (await (await caches.open('antq-data')).keys()).length > 0,
    outbox: (await indexedDB.databases()).some((d) => d.name === 'antq-field'),
  }));
  assert.deepEqual(await kept(), { data: true, outbox: true });

  await page.click('#signout');
  assert.match(await page.textContent('#signout-pending'), /^Còn 1 bản ghi chưa gửi/);
  assert.equal(await page.locator('#username').count(), 0, 'the first press only warns');
  await page.click('#signout');
  await page.waitForSelector('#username');

  assert.deepEqual(await kept(), { data: false, outbox: false });
  await context.close();
});
