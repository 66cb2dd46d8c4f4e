// Offline area packages (#18 item 2): the editor (jurisdiction: the former city of Lào Cai)
// downloads the package of one border commune, Phường Lào Cai (02647), from the map's panel;
// with the kept layer answers removed and the network off, the map draws that commune's key
// points from the package, and none of the rest of the jurisdiction. The package is listed with
// its date, and deleting it (or signing out) removes it from the device.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { inGeometry } from '../js/jurisdiction.js';
import { tilesOver } from '../js/packages.js';
import { apiJson, errorsAfterSignIn, idle, launch, layer, openPage, screenshot, signIn } from './support.js';

const COMMUNE = '02647';
const NAME = 'Phường Lào Cai';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Signs in with the service worker allowed; resolves once it controls the page. */
async function visit(user, hash = '') {
  const opened = await openPage(browser, { serviceWorkers: 'allow' });
  await signIn(opened.page, user, hash);
  await opened.page.evaluate(() => window.antq.offline().ready());
  await opened.page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
  return opened;
}

/**
 * Downloads the package of `code` through the panel (estimate first); resolves with what the
 * panel said: `{size, storage, note}`.
 */
async function downloadPackage(page, code) {
  await page.click('#pkg-toggle');
  await page.selectOption('#pkg-commune', code);
  await page.click('#pkg-add');
  await page.click('#pkg-estimate');
  const size = await page.textContent('#pkg-size');
  await page.waitForFunction(() => /\d/.test(document.querySelector('#pkg-storage')?.textContent || ''));
  const storage = await page.textContent('#pkg-storage');
  await page.click('#pkg-download');
  await page.waitForSelector('#pkg-note[data-busy="0"]:not(:empty)', { timeout: 60_000 });
  return { size, storage, note: await page.textContent('#pkg-note') };
}

/** Deletes the kept answers of every layer's items (`antq-data`), so only packages can answer them. */
const dropKeptItems = (page) => page.evaluate(async () => {
  const cache = await caches.open('antq-data');
  let n = 0;
  for (const request of await cache.keys()) {
    if (/^\/api\/v1\/collections\/[^/]+\/items$/.test(new URL(request.url).pathname)) n += await cache.delete(request) ? 1 : 0;
  }
  return n;
});

/** The names of the caches of the page's origin. */
const cacheNames = (page) => page.evaluate(() => caches.keys());

test('a downloaded package draws its commune offline, is listed with its date and deleted', async () => {
  const { context, page, seen } = await visit('editor');
  const today = new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);
  const ddmmyyyy = today.split('-').reverse().join('/');
  // The commune's key points are those lying in it today (their commune_code is the commune of
  // the day they were recorded: Phường Lào Cai took in several wards on 01/07/2025).
  const { features: [unit] } = await apiJson(page, `/api/v1/collections/communes/items?code=${COMMUNE}&limit=1`);
  const all = (await apiJson(page, '/api/v1/collections/key_points/items?limit=10000')).features;
  const inside = (f) => inGeometry(f.geometry.coordinates, unit.geometry);
  const own = all.filter(inside);
  const online = await layer(page, 'key_points');
  assert.equal(online.drawn, all.length);
  assert.ok(own.length > 0 && all.length > own.length,
    `the jurisdiction's key points (${all.length}) are more than the commune's (${own.length})`);

  const { size, storage, note } = await downloadPackage(page, COMMUNE);
  assert.match(size, /^Dung lượng ước tính: khoảng \d[\d.,]* (KB|MB) \(gói bản đồ [\d.]+ ô, z10–16\)\.$/);
  assert.match(storage, /^Bộ nhớ trình duyệt: đã dùng \d[\d.,]* (KB|MB), còn trống khoảng/);
  assert.match(note, new RegExp(`^Đã lưu gói ${NAME} \\(\\d[\\d.,]* (KB|MB)\\)\\. Trình duyệt (đã|chưa) cho phép giữ dữ liệu lâu dài`));
  const id = `${COMMUNE}_${today}`;
  const listed = page.locator(`#pkg-list li[data-package="${id}"]`);
  // The server's expiry (30 days unless the admin set another) is shown.
  assert.match(await listed.textContent(), new RegExp(`^${NAME}Ngày dữ liệu ${ddmmyyyy} · \\d[\\d.,]* (KB|MB) · tải (vừa xong|1 phút trước) · dùng được đến \\d\\d/\\d\\d/\\d{4}`));
  assert.ok((await cacheNames(page)).includes(`antq-pkg-${id}`));
  await screenshot(page, 'package-panel');

  // Only the package remains for the layers: the kept answers of every layer's items go.
  const dropped = await dropKeptItems(page);
  assert.ok(dropped >= 2, `kept item answers removed: ${dropped}`);
  await context.setOffline(true);
  await page.reload();
  await idle(page);

  const offline = await layer(page, 'key_points');
  assert.equal(offline.error, null);
  assert.equal(offline.drawn, own.length, 'the commune\'s key points, and only them');
  const answered = await page.evaluate(async () => {
    const response = await fetch('/api/v1/collections/key_points/items?limit=10000');
    return { fromPackage: response.headers.get('x-antq-from-package'), features: (await response.json()).features };
  });
  assert.equal(answered.fromPackage, '1');
  assert.deepEqual(answered.features.map((f) => f.id).sort(), own.map((f) => f.id).sort(), 'the commune\'s key points, each once');
  const communes = await layer(page, 'communes');
  assert.ok(communes.drawn >= 1 && communes.drawn < 10, `the commune and its neighbours: ${communes.drawn}`);
  assert.match(await page.textContent('#net-status'), /^Ngoại tuyến · dữ liệu đồng bộ lúc \d\d\/\d\d\/\d{4} \d\d:\d\d \((vừa xong|1 phút trước)\)$/);
  await screenshot(page, 'package-offline');

  // Deleting needs no network.
  await page.click('#pkg-toggle');
  await page.click(`[data-pkg-delete="${id}"]`);
  await page.waitForFunction(() => /^Đã xóa gói/.test(document.querySelector('#pkg-note')?.textContent || ''));
  assert.equal(await page.textContent('#pkg-list'), 'Chưa có gói nào trên máy này.');
  assert.ok(!(await cacheNames(page)).some((n) => n.startsWith('antq-pkg-')));
  assert.deepEqual(errorsAfterSignIn(seen).filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|service worker/.test(e)), []);
  await context.close();
});

test('signing out wipes the packages; a commune outside the jurisdiction is refused by name', async () => {
  const { context, page } = await visit('analyst', '#lang=en');
  await page.click('#pkg-toggle');
  assert.match(await page.textContent('#pkg-body'), /^Before going into the field/);
  await page.click('#pkg-toggle');
  const { note } = await downloadPackage(page, COMMUNE);
  assert.match(note, /^Package Phường Lào Cai kept/);
  assert.ok((await cacheNames(page)).some((n) => n.startsWith('antq-pkg-')));
  await page.click('#signout');
  await page.waitForSelector('#username');
  // The sign-in page reads /config.json again (kept anew); no package and no layer stays.
  const left = await page.evaluate(async () => {
    const kept = [];
    for (const name of await caches.keys()) {
      if (name.startsWith('antq-shell-')) continue;
      for (const request of await (await caches.open(name)).keys()) kept.push(`${name} ${new URL(request.url).pathname}`);
    }
    return kept;
  });
  assert.deepEqual(left.filter((k) => !/^antq-data \/(config\.json|auth\/me)$/.test(k)), []);
  await context.close();

  // The server's refusal, in the panel: a date other than today offers every commune.
  const editor = await visit('editor', '#asof=2026-12-01');
  const { note: refused } = await downloadPackage(editor.page, '02752');
  assert.match(refused, /02752/);
  assert.ok(!(await cacheNames(editor.page)).some((n) => n.startsWith('antq-pkg-')));
  await editor.context.close();
});

test('a stretch of border is kept by its segments; once expired it is shown so and no longer drawn; a download cut short is swept', async () => {
  const { context, page } = await visit('analyst');
  await page.click('#pkg-toggle');
  await page.selectOption('#pkg-kind', 'segments');
  await page.waitForSelector('#pkg-commune option[value="BG-01"]', { state: 'attached' });
  await page.click('#pkg-toggle');
  const { note } = await downloadPackage(page, 'BG-01');
  assert.match(note, /^Đã lưu gói BG-01 \(2 km\) \(/);
  const [meta] = await page.evaluate(async () => {
    const out = [];
    for (const name of await caches.keys()) {
      if (name.startsWith('antq-pkg-')) out.push(await (await (await caches.open(name)).match('/antq-pkg/meta')).json());
    }
    return out;
  });
  assert.deepEqual(meta.segments.map((g) => g.code), ['BG-01']);
  assert.equal(meta.width, 2000);
  assert.ok(meta.layers.find((l) => l.id === 'key_points').count > 0, JSON.stringify(meta.layers));

  // The server's expiry (the admin's setting) passed: rewritten here, as if the days had gone.
  await page.evaluate(async (id) => {
    const cache = await caches.open(`antq-pkg-${id}`);
    const kept = await (await cache.match('/antq-pkg/meta')).json();
    await cache.put('/antq-pkg/meta', new Response(JSON.stringify({ ...kept, expires_at: '2026-01-01T00:00:00Z' })));
  }, meta.id);
  await dropKeptItems(page);
  // And a download cut short (its layers stored, not its meta): never listed, swept at the next load.
  await page.evaluate(async () => {
    await (await caches.open('antq-pkg-half_2026-12-03')).put('/antq-pkg/layers/key_points', new Response('{"features":[]}'));
  });
  await context.setOffline(true);
  await page.reload();
  await idle(page);
  // Swept as the page opens (the panel waits for it before listing).
  await page.waitForFunction(async () => !(await caches.keys()).includes('antq-pkg-half_2026-12-03'), null, { timeout: 10_000 });
  assert.equal((await layer(page, 'key_points')).drawn, 0, 'an expired package is not drawn');
  const answer = await page.evaluate(() => fetch('/api/v1/collections/key_points/items?limit=10000')
    .then((r) => `${r.status}`, (e) => e.name));
  assert.equal(answer, 'TypeError', 'no network and nothing kept: the read fails');
  await page.click('#pkg-toggle');
  const listed = page.locator(`#pkg-list li[data-package="${meta.id}"]`);
  assert.equal(await listed.getAttribute('class'), 'expired');
  assert.match(await listed.textContent(), /hết hạn, không dùng nữa: hãy tải lại/);
  await context.close();
});

// A 1×1 PNG, standing for a base map tile.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

test('a raster base map antq serves: its tiles over the area go into the package and answer offline', async () => {
  // The demo has no --basemap-file: /config.json and the tiles are given here (the worker is
  // blocked in this context, so the page's own requests are the ones routed).
  const { context, page } = await openPage(browser);
  await page.route('**/config.json', (route) => route.fulfill({ json: { basemap: {
    url: '/basemap/{z}/{x}/{y}', attribution: 'thử', format: 'png', vector: false, minzoom: 8, maxzoom: 12 } } }));
  let served = 0;
  await page.route('**/basemap/**', (route) => { served += 1; return route.fulfill({ body: PNG, contentType: 'image/png' }); });
  await signIn(page, 'viewer');
  const before = served;
  const { note } = await downloadPackage(page, COMMUNE);
  assert.match(note, /^Đã lưu gói Phường Lào Cai/);
  const kept = await page.evaluate(async () => {
    const [name] = (await caches.keys()).filter((n) => n.startsWith('antq-pkg-'));
    const cache = await caches.open(name);
    const meta = await (await cache.match('/antq-pkg/meta')).json();
    const tiles = (await cache.keys()).map((r) => new URL(r.url).pathname).filter((p) => p.startsWith('/antq-pkg/tiles/'));
    return { meta, tiles };
  });
  const expected = tilesOver(kept.meta.bbox, 8, 12).map(([z, x, y]) => `/antq-pkg/tiles/${z}/${x}/${y}`);
  assert.deepEqual(kept.tiles.sort(), expected.sort(), 'zooms 8 to 12 (the file\'s) over the area\'s box');
  assert.equal(kept.meta.basemap_tiles, expected.length);
  assert.ok(served - before >= expected.length, `tiles fetched: ${served - before}`);
  await context.close();

  // The worker answers a kept tile with no network, and not once its package has expired.
  const { context: ctx2, page: page2 } = await visit('viewer');
  const tile = async (expires) => {
    await page2.evaluate(async ([bytes, until]) => {
      const { storePackage } = await import('/js/package-store.js');
      const meta = { id: 'thu_2026-12-03', communes: [], as_of: '2026-12-03', generated_at: '2026-12-03T00:00:00Z',
        stored_at: new Date().toISOString(), expires_at: until, layers: [] };
      await storePackage({ layers: [] }, meta, [[10, 807, 446, new Response(new Uint8Array(bytes), { headers: { 'Content-Type': 'image/png' } })]]);
    }, [[...PNG], expires]);
    return page2.evaluate(() => fetch('/basemap/10/807/446').then(async (r) => `${r.status} ${(await r.arrayBuffer()).byteLength}`, (e) => e.name));
  };
  await ctx2.setOffline(true);
  assert.equal(await tile(null), `200 ${PNG.length}`);
  assert.equal(await tile('2026-01-01T00:00:00Z'), 'TypeError');
  await ctx2.close();
});

// The README's field guide shows these three (scripts/update-guide.sh copies them to docs/guide/):
// on a phone, the package panel after a download, the outbox holding a record made offline, and
// the map drawn offline with the top bar's line saying so.
test('phone: the package panel, the outbox and the offline line, as the field guide shows them', async () => {
  const { context, page } = await openPage(browser, { width: 390, height: 844, serviceWorkers: 'allow' });
  await signIn(page, 'admin', '#l=communes,villages,border_segments,key_points&z=13&ll=22.505,103.975');
  await page.evaluate(() => window.antq.offline().ready());
  await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller));
  await page.waitForSelector('#outbox-sync');
  const drawer = async (open) => {
    if ((await page.locator('#side.open').count() > 0) !== open) await page.click('#menu-toggle');
    await page.waitForTimeout(400); // the drawer slides
  };
  await drawer(true);
  const { note } = await downloadPackage(page, COMMUNE);
  assert.match(note, /^Đã lưu gói Phường Lào Cai/);
  await page.locator('#h-packages').evaluate((h) => h.scrollIntoView());
  await screenshot(page, 'package-phone');

  await context.setOffline(true);
  const [lon, lat] = await page.evaluate(() => { const c = window.antq.map().getCenter(); return [c.lng, c.lat]; });
  await page.evaluate(([x, y]) => window.antq.editing().create('key_points',
    { code: `KP-PHONE-${Date.now()}`, category: 'drugs', observed_at: '2026-12-01T02:00:00.000Z', description: 'ghi ngoại tuyến' }, [x, y]), [lon, lat]);
  await page.waitForSelector('#outbox-list li');
  await page.locator('#h-outbox').evaluate((h) => h.scrollIntoView());
  await screenshot(page, 'outbox-phone');

  await dropKeptItems(page);
  await page.reload();
  await idle(page);
  assert.equal(await page.locator('#net-status').getAttribute('data-offline'), 'true');
  await screenshot(page, 'offline-phone');
  // Closed offline: the record never reaches the server, the demo stays as it was.
  await context.close();
});
