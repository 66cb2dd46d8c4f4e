// In the field with no signal (#18): after one signed-in visit the map opens and works with the
// network off (Chromium's offline emulation, which also holds the service worker's own fetches),
// drawing the data kept on the first visit and saying in the top bar that it is offline and how
// old that data is. The page is installable: its manifest and worker are in place.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, errorsAfterSignIn, idle, launch, layers, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Signs in with the worker allowed and waits until it keeps what the first visit read. */
export async function visitOnce(browser, user, hash = '') {
  const opened = await openPage(browser, { serviceWorkers: 'allow' });
  await signIn(opened.page, user, hash);
  await opened.page.evaluate(() => window.antq.offline().ready());
  await opened.page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
  return opened;
}

test('after one signed-in visit the map opens offline, with the data kept and its age', async () => {
  const { context, page, seen } = await visitOnce(browser, 'analyst');
  const online = (await layers(page)).filter((l) => l.shown && l.drawn > 0);
  assert.ok(online.length >= 2, `layers drawn online: ${JSON.stringify(online)}`);
  assert.match(await page.textContent('#net-status'), /^Trực tuyến · dữ liệu đồng bộ lúc \d\d\/\d\d\/\d{4} \d\d:\d\d \(vừa xong\)$/);
  const manifest = await page.getAttribute('link[rel="manifest"]', 'href');
  assert.equal(manifest, '/manifest.webmanifest');

  await context.setOffline(true);
  await page.reload();
  await idle(page);

  const offline = (await layers(page)).filter((l) => l.shown && l.drawn > 0);
  assert.deepEqual(offline.map((l) => [l.id, l.drawn]), online.map((l) => [l.id, l.drawn]),
    'the same layers with the same features as online');
  assert.equal(await page.evaluate(() => navigator.onLine), false);
  assert.ok(await page.evaluate(() => window.antq.offline().oldestCopy()), 'the data came from the kept copies');
  const status = page.locator('#net-status');
  assert.equal(await status.getAttribute('data-offline'), 'true');
  assert.match(await status.textContent(), /^Ngoại tuyến · dữ liệu đồng bộ lúc \d\d\/\d\d\/\d{4} \d\d:\d\d \((vừa xong|1 phút trước)\)$/);
  assert.ok(await page.locator('#user-name').textContent(), 'signed in from the kept session');
  await screenshot(page, 'offline-map');
  // The network back: everything is read afresh and the line says so.
  await context.setOffline(false);
  await page.waitForFunction(() => window.antq.offline().fresh(), null, { timeout: 40_000 });
  await idle(page);
  assert.match(await status.textContent(), /^Trực tuyến/);
  assert.deepEqual(errorsAfterSignIn(seen).filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|service worker/.test(e)), []);
  await context.close();
});

test('an English reader gets the offline line in English', async () => {
  const { context, page } = await visitOnce(browser, 'viewer', '#lang=en');
  await context.setOffline(true);
  await page.reload();
  await idle(page);
  assert.match(await page.textContent('#net-status'), /^Offline · data synced \d\d\/\d\d\/\d{4} \d\d:\d\d \((just now|1 min ago)\)$/);
  await context.close();
});

test('the age of kept data reads as people say it', async () => {
  const { context, page } = await openPage(browser);
  await page.goto(`${BASE}/`);
  const ages = await page.evaluate(async () => {
    const { ageText } = await import('/js/offline.js');
    const now = Date.parse('2026-12-03T10:00:00Z');
    return ['2026-12-03T09:59:30Z', '2026-12-03T09:15:00Z', '2026-12-03T05:00:00Z', '2026-11-28T10:00:00Z']
      .map((at) => ageText(at, now));
  });
  assert.deepEqual(ages, ['vừa xong', '45 phút trước', '5 giờ trước', '5 ngày trước']);
  await context.close();
});
