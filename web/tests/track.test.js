// Patrol tracks from the phone (#18, item 5): a patrol user records a patrol's track from emulated
// positions along a border segment (BG-16, Bản Vược, in the patrol user's Bát Xát), with one fix
// too inaccurate to keep, part of it with no network and a reload in the middle; on End, with the
// signal back, the server holds the patrol's track with exactly the kept points, two segments
// (the reload is a gap), once, though the first upload's answer is lost; and the GPX saved on the
// phone holds the same points.
//
// Its phone-sized screenshot (390x844, recording with no signal) is the README's field guide's.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { BASE, PASSWORD, apiJson, cutFirstAnswer, errorsAfterSignIn, idle, launch, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const RUN = Date.now().toString(36).toUpperCase();

async function write(page, method, path, data, headers = {}) {
  const me = await apiJson(page, '/auth/me');
  const response = await page.request.fetch(`${BASE}${path}`, {
    method, data, headers: { 'X-CSRF-Token': me.csrf_token, ...headers },
  });
  return { status: response.status(), body: await response.json().catch(() => null), etag: response.headers().etag };
}

/**
 * Seven positions along the first four vertices of border segment BG-16 (its vertices and the
 * points halfway between them), each moved 0.001° south and west: onto the Vietnamese bank of
 * the river the border follows there, inside the patrol user's jurisdiction.
 */
function alongTheBorder(line) {
  const v = line.slice(0, 4).map(([x, y]) => [x - 0.001, y - 0.001]);
  const mid = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
  return [v[0], mid(v[0], v[1]), v[1], mid(v[1], v[2]), v[2], mid(v[2], v[3]), v[3]]
    .map(([x, y]) => [Number(x.toFixed(6)), Number(y.toFixed(6))]);
}

const at = ([lon, lat], accuracy = 8) => ({ longitude: lon, latitude: lat, accuracy });
const kept = (page) => page.locator('#track-kept').textContent();
const waitKept = (page, n) => page.waitForFunction((k) => document.querySelector('#track-kept')?.textContent === String(k), n, { timeout: 20_000 });
const openMenu = async (page) => {
  if (await page.locator('#menu-toggle').isVisible()) await page.click('#menu-toggle');
};

test('a track recorded from emulated positions, offline in part and reloaded, arrives as the patrol\'s track with those points', async () => {
  const admin = await openPage(browser);
  await signIn(admin.page, 'admin', '#l=');
  const { features: [border] } = await apiJson(admin.page, '/api/v1/collections/border_segments/items?code=BG-16&limit=1');
  const points = alongTheBorder(border.geometry.coordinates);
  const hour = 3600_000;
  const patrol = await write(admin.page, 'POST', '/api/v1/patrols', {
    code: `TT-REC-${RUN}`, kind: 'border', units: ['Đồn Biên phòng Bản Vược'],
    planned_start: new Date(Date.now() - hour).toISOString(), planned_end: new Date(Date.now() + 5 * hour).toISOString(),
    geometry: { type: 'LineString', coordinates: points },
  });
  assert.equal(patrol.status, 201, JSON.stringify(patrol.body));
  const id = patrol.body.id;

  const { context, page, seen } = await openPage(browser, { width: 390, height: 844, serviceWorkers: 'allow' });
  await context.grantPermissions(['geolocation'], { origin: BASE });
  await context.setGeolocation(at(points[0]));
  await signIn(page, 'patrol', '#l=patrol_routes');
  // Once more with the worker in control, as a second visit: the reload offline opens from it.
  await page.reload();
  await idle(page);
  await page.evaluate(() => window.antq.offline().ready());
  await openMenu(page);
  await page.waitForSelector('#track-patrol');
  assert.match(await page.textContent('#track-keep-on'), /^Trong khi ghi, hãy để màn hình sáng và giữ trang này mở/);
  await page.selectOption('#track-patrol', String(id));
  await page.click('#track-start');
  await waitKept(page, 1);
  assert.equal(await page.getAttribute('#track-state', 'data-state'), 'recording');
  // Headless Chromium may or may not grant the lock: either way the page says what holds.
  // Not granted the wake lock (as headless Chromium is by default): the page says to keep the screen on by hand.
  assert.equal(await page.getAttribute('#track-wake', 'data-wake'), 'refused');
  assert.match(await page.textContent('#track-wake'), /^Không giữ được màn hình sáng \(.+\): hãy tự giữ màn hình sáng trong khi ghi\.$/);

  for (const [i, p] of points.slice(1, 3).entries()) {
    await context.setGeolocation(at(p));
    await waitKept(page, i + 2);
  }
  // The signal goes; the recording goes on.
  await context.setOffline(true);
  await context.setGeolocation(at(points[3]));
  await waitKept(page, 4);
  // A fix 250 m off with a 150 m accuracy: dropped and counted, not drawn into the track.
  await context.setGeolocation(at([points[3][0], points[3][1] + 0.00225], 150));
  await page.waitForFunction(() => document.querySelector('#track-dropped')?.textContent === '1');
  assert.equal(await page.textContent('#track-accuracy'), '150 m');
  await context.setGeolocation(at(points[4]));
  await waitKept(page, 5);
  await page.evaluate(() => window.antq.track().written());

  // The tab reloads with no network: nothing is lost, the recording is offered again, paused.
  await page.reload();
  await idle(page);
  await openMenu(page);
  await page.waitForSelector('#track-interrupted');
  assert.equal(await page.getAttribute('#track-state', 'data-state'), 'paused');
  assert.equal(await kept(page), '5');
  assert.equal(await page.textContent('#track-dropped'), '1');
  await context.grantPermissions(['geolocation', 'screen-wake-lock'], { origin: BASE });
  await page.click('#track-resume');
  // Resumed where the phone stands (the last position): a new segment starts there.
  await waitKept(page, 6);
  await page.waitForSelector('#track-wake[data-wake="on"]');
  assert.equal(await page.textContent('#track-wake'), 'Màn hình đang được giữ sáng.');
  assert.equal(await page.textContent('#track-segments'), '2');
  for (const [i, p] of points.slice(5).entries()) {
    await context.setGeolocation(at(p));
    await waitKept(page, i + 7);
  }
  await page.evaluate(() => window.antq.track().written());
  // The README's field guide shows this (scripts/update-guide.sh copies it to docs/guide/).
  await page.locator('#track-section').scrollIntoViewIfNeeded();
  await screenshot(page, 'track-phone');

  // The backup on the phone: every kept point, with its time and accuracy, in two segments.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#track-gpx')]);
  assert.match(download.suggestedFilename(), new RegExp(`^vet-TT-REC-${RUN}-\\d{8}-\\d{4}\\.gpx$`));
  const gpx = await readFile(await download.path(), 'utf8');
  const segments = [...gpx.matchAll(/<trkseg>([\s\S]*?)<\/trkseg>/g)].map((m) => [...m[1]
    .matchAll(/<trkpt lat="([-\d.]+)" lon="([-\d.]+)"><time>[^<]+Z<\/time><extensions><antq:accuracy>8<\/antq:accuracy>/g)]
    .map((p) => [Number(p[2]), Number(p[1])]));
  const expected = [points.slice(0, 5), points.slice(4)];
  assert.deepEqual(segments, expected);
  // Times run forward from the start of the recording (a fix the browser had before is timed at the start).
  const started = gpx.match(/<metadata><name>[^<]+<\/name><time>([^<]+)<\/time>/)[1];
  const times = [...gpx.matchAll(/<trkpt [^>]+><time>([^<]+)<\/time>/g)].map((m) => m[1]);
  assert.equal(times.length, 8);
  assert.deepEqual(times, [...times].sort(), 'in order');
  assert.ok(times[0] >= started, `${times[0]} >= ${started}`);

  await page.click('#track-end');
  await page.waitForSelector('#track-outbox li[data-state="ended"]');
  await page.locator('#track-note').filter({ hasText: /^Chưa có mạng/ }).waitFor({ timeout: 20_000 });
  assert.equal((await apiJson(admin.page, `/api/v1/patrols/${id}`)).properties.tracks, 0, 'nothing reached the server offline');

  // The signal returns, but the first upload's answer is lost after the server stored the track:
  // the retry with the same Idempotency-Key gets the first answer and stores nothing more.
  const cut = await cutFirstAnswer(context, '**/api/v1/patrols/*/tracks');
  await context.setOffline(false);
  await page.waitForFunction(() => !document.querySelector('#track-outbox'), null, { timeout: 40_000 });
  assert.equal(cut(), 1, 'the first upload was cut');
  assert.match(await page.textContent('#track-note'), new RegExp(`^Đã gửi vết của TT-REC-${RUN}: chuyến tuần tra có 2 vết`));

  const stored = await apiJson(admin.page, `/api/v1/patrols/${id}`);
  assert.equal(stored.properties.tracks, 2);
  const tracks = await apiJson(admin.page, `/api/v1/collections/patrol_tracks/items?patrol_code=TT-REC-${RUN}&limit=10`);
  const lines = tracks.features.sort((a, b) => a.id - b.id).map((f) => f.geometry.coordinates);
  assert.equal(lines.length, 2);
  for (const [s, line] of lines.entries()) {
    assert.equal(line.length, expected[s].length, `segment ${s}`);
    for (const [i, [x, y]] of line.entries()) {
      assert.ok(Math.abs(x - expected[s][i][0]) < 1e-6 && Math.abs(y - expected[s][i][1]) < 1e-6, `segment ${s} point ${i}: ${x},${y}`);
    }
  }
  assert.deepEqual(await page.evaluate(() => window.antq.track().recordings()), [], 'nothing left on the phone once sent');
  assert.deepEqual(errorsAfterSignIn(seen).filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_RESET|Failed to fetch/.test(e)), []);
  await context.close();

  const item = await write(admin.page, 'GET', `/api/v1/patrols/${id}`);
  const gone = await write(admin.page, 'DELETE', `/api/v1/patrols/${id}`, undefined, { 'If-Match': item.etag });
  assert.equal(gone.status, 200);
  await admin.context.close();
});

test('a track the server refuses stays on the phone with its reason in Vietnamese, unseen by another user; signing out deletes it', async () => {
  const admin = await openPage(browser);
  await signIn(admin.page, 'admin', '#l=');
  const { features: [border] } = await apiJson(admin.page, '/api/v1/collections/border_segments/items?code=BG-16&limit=1');
  const { features: [far] } = await apiJson(admin.page, '/api/v1/collections/border_segments/items?code=BG-01&limit=1');
  const hour = 3600_000;
  // Planned in Bát Xát (so the patrol user is offered it), walked in Si Ma Cai, outside their area.
  const patrol = await write(admin.page, 'POST', '/api/v1/patrols', {
    code: `TT-OUT-${RUN}`, kind: 'border', units: ['Đồn Biên phòng Bản Vược'],
    planned_start: new Date(Date.now() - hour).toISOString(), planned_end: new Date(Date.now() + hour).toISOString(),
    geometry: { type: 'LineString', coordinates: alongTheBorder(border.geometry.coordinates) },
  });
  assert.equal(patrol.status, 201, JSON.stringify(patrol.body));
  const id = patrol.body.id;

  const { context, page } = await openPage(browser);
  await context.grantPermissions(['geolocation'], { origin: BASE });
  const [a, b] = far.geometry.coordinates;
  await context.setGeolocation(at(a));
  await signIn(page, 'patrol', '#l=');
  await page.waitForSelector('#track-patrol');
  await page.selectOption('#track-patrol', String(id));
  await page.click('#track-start');
  await waitKept(page, 1);
  await context.setGeolocation(at(b));
  await waitKept(page, 2);
  await page.evaluate(() => window.antq.track().written());
  await page.click('#track-end');

  const item = page.locator('#track-outbox li[data-state="refused"]');
  await item.waitFor({ timeout: 20_000 });
  const reason = /^bị từ chối: Bạn không có quyền[^:]*: the tracks leave your jurisdiction$/;
  assert.match(await item.locator('[data-reason]').textContent(), reason);
  await page.reload();
  await idle(page);
  await item.waitFor();
  assert.match(await item.locator('[data-reason]').textContent(), reason, 'kept through a reload');
  assert.equal((await apiJson(admin.page, `/api/v1/patrols/${id}`)).properties.tracks, 0);
  const stored = () => page.evaluate(async () => (await indexedDB.databases()).some((d) => d.name === 'antq-tracks'));
  assert.equal(await stored(), true);

  // The session ends without a sign-out and someone else signs in on this phone: the track is
  // not theirs to see or send (it would go in under their name), and it is not lost either.
  const another = async (user) => {
    await context.clearCookies();
    await page.reload();
    await page.fill('#username', user);
    await page.fill('#password', PASSWORD);
    await page.press('#password', 'Enter');
    await idle(page);
  };
  await another('admin');
  await page.waitForSelector('#track-patrol');
  assert.equal(await page.locator('#track-outbox').count(), 0);
  assert.equal(await stored(), true);
  await another('patrol');
  await item.waitFor();

  await page.click('#signout');
  assert.match(await page.textContent('#signout-pending'), /^Còn 1 bản ghi chưa gửi/);
  await page.click('#signout');
  await page.waitForSelector('#username');
  assert.equal(await stored(), false, 'signing out deleted the recorded track');
  await context.close();

  const now = await write(admin.page, 'GET', `/api/v1/patrols/${id}`);
  const gone = await write(admin.page, 'DELETE', `/api/v1/patrols/${id}`, undefined, { 'If-Match': now.etag });
  assert.equal(gone.status, 200);
  await admin.context.close();
});
