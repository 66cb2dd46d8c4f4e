// Recording in the web map (#11): an editor places a key point by clicking the map, edits it and
// moves its status on; the API and the audit log hold the changes. Two sessions editing one point:
// the second gets the conflict dialog and each choice does what it says. Outside the editor's
// jurisdiction (the city of Lào Cai, 080) nothing is offered, and the server's refusal is shown.
// A patrol user previews a GPX file (the server's dry run), cancels, then saves one.
//
// Every point made here has a unique code and is archived at the end, so the demo's counts that
// other tests read (3.000 key points) stay as they were; the GPX track is dated inside the demo's
// time range (March 2020), so the month sliders of the later tests keep their range.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, apiJson, errorsAfterSignIn, idle, launch, openPage, pointInside, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const RUN = Date.now().toString(36).toUpperCase();
const made = [];
const madeSites = [];

/** A write with the page's session (its CSRF token from /auth/me). */
async function write(page, method, path, data, headers = {}) {
  const me = await apiJson(page, '/auth/me');
  const response = await page.request.fetch(`${BASE}${path}`, {
    method, data, headers: { 'X-CSRF-Token': me.csrf_token, ...headers },
  });
  return { status: response.status(), body: await response.json().catch(() => null), etag: response.headers().etag };
}

const mapCentre = async (page) => {
  const box = await page.locator('#map').boundingBox();
  return [box.x + box.width / 2, box.y + box.height / 2];
};

/** Opens the editor of key point `id` from a shared view (#sel=…), as a second person would. */
async function openEditorOf(page, id) {
  await page.waitForSelector(`[data-edit="key_points"]`);
  await page.click('[data-edit="key_points"]');
  await page.waitForSelector('#edit-open');
  return id;
}

let city; // a point inside the editor's jurisdiction
let batXat; // one outside it (the border district of Bát Xát, 082)

test('editor: place a key point by clicking the map, edit it, move its status; the API and the audit log agree', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'editor', '#l=');
  // The districts as they were in 2020: the editor's jurisdiction still names the former city
  // (080), read today through its successors (the district level ended on 1/7/2025).
  city = await pointInside(page, 'districts', '080', '2020-04-15');
  batXat = await pointInside(page, 'districts', '082', '2020-04-15');
  await page.goto(`${BASE}/#l=&z=16&ll=${city[1].toFixed(5)},${city[0].toFixed(5)}`);
  await page.reload();
  await idle(page);
  await page.waitForSelector('[data-add="key_points"]');
  assert.ok(await page.locator('#gpx-section').isHidden(), 'GPX upload is for patrol users and admins');

  await page.click('[data-add="key_points"]');
  const [x, y] = await mapCentre(page);
  await page.mouse.click(x, y);
  await page.waitForSelector('#edit-form');
  const code = `KP-E2E-${RUN}-1`;
  // The choices come from the API (GET /api/v1/forms/key-points), labelled in Vietnamese.
  const options = await page.locator('#f-category option').allTextContents();
  assert.ok(options.includes('Ma túy'), options.join(', '));
  await page.fill('#f-code', code);
  await page.selectOption('#f-category', 'drugs');
  await page.fill('#f-severity', '3');
  await page.fill('#f-observed_at', '2026-11-20T09:30');
  await page.fill('#f-description', 'Nghi vấn tụ điểm sử dụng ma túy');
  await screenshot(page, 'edit-form');
  await page.click('#edit-save');
  await page.waitForSelector('#edit-open');
  const { features: [created] } = await apiJson(page, `/api/v1/collections/key_points/items?code=${code}`);
  made.push(created.id);
  assert.equal(created.properties.status, 'reported');
  assert.equal(created.properties.observed_at.slice(0, 16), '2026-11-20T02:30', '09:30 in Vietnam is 02:30 UTC');
  const [lon, lat] = created.geometry.coordinates;
  assert.ok(Math.abs(lon - city[0]) < 0.001 && Math.abs(lat - city[1]) < 0.001, `placed at ${lon},${lat}, clicked ${city}`);

  // Edit and move: the marker dragged 60 px east.
  await page.click('#edit-open');
  await page.fill('#f-severity', '4');
  await page.fill('#f-description', 'Đã xác định đối tượng');
  const marker = page.locator('.leaflet-marker-icon').last();
  const m = await marker.boundingBox();
  await page.mouse.move(m.x + m.width / 2, m.y + m.height - 4);
  await page.mouse.down();
  await page.mouse.move(m.x + m.width / 2 + 30, m.y + m.height - 4, { steps: 5 });
  await page.mouse.move(m.x + m.width / 2 + 60, m.y + m.height - 4, { steps: 5 });
  await page.mouse.up();
  await page.click('#edit-save');
  await page.locator('td[data-prop="severity"]').filter({ hasText: '4' }).waitFor();

  // Only the next step of the workflow is offered.
  assert.deepEqual(await page.locator('[data-status]').evaluateAll((b) => b.map((x) => x.dataset.status)), ['verified']);
  await page.click('[data-status="verified"]');
  await page.locator('td[data-prop="status"]').filter({ hasText: 'Đã xác minh' }).waitFor();
  assert.deepEqual(await page.locator('[data-status]').evaluateAll((b) => b.map((x) => x.dataset.status)), ['active']);
  await page.waitForSelector('table.history tr[data-version="3"]');
  assert.equal(await page.locator('table.history tbody tr').count(), 3);
  await screenshot(page, 'edit-history');

  const now = await apiJson(page, `/api/v1/key-points/${created.id}`);
  assert.equal(now.properties.severity, 4);
  assert.equal(now.properties.status, 'verified');
  assert.equal(now.properties.description, 'Đã xác định đối tượng');
  assert.ok(now.geometry.coordinates[0] > lon + 0.0001, `moved east: ${now.geometry.coordinates} from ${lon}`);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();

  const admin = await openPage(browser);
  await signIn(admin.page, 'admin', '#l=');
  const audit = await apiJson(admin.page, '/audit?action=key_point.&user=editor&limit=1000');
  const mine = audit.filter((r) => r.target === `key_point:${created.id}`).map((r) => r.action).sort();
  assert.deepEqual(mine, ['key_point.create', 'key_point.update', 'key_point.update']);
  await admin.context.close();
});

test('editor, in English: a model site placed on the map, its form and choices from the API in English', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'editor', `#l=&lang=en&z=16&ll=${city[1].toFixed(5)},${city[0].toFixed(5)}`);
  await page.waitForSelector('[data-add="model_sites"]');
  // From the keyboard: the map centre instead of a click.
  await page.focus('[data-add="model_sites"]');
  await page.keyboard.press('Enter');
  await page.focus('#edit-at-centre');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#edit-form');
  assert.equal(await page.locator('label[for="f-type_code"]').textContent(), 'Model type *');
  assert.ok((await page.locator('#f-host_kind option').allTextContents()).includes('Residential group'));
  assert.equal(await page.locator('#f-effectiveness').inputValue(), 'unrated');
  // A required field left empty: the server's refusal, its meaning in English first.
  const code = `MS-E2E-${RUN}`;
  await page.fill('#f-code', code);
  await page.fill('#f-name', 'Tổ tự quản an ninh trật tự');
  await page.selectOption('#f-host_kind', 'residential_group');
  await page.locator('#f-type_code').evaluate((s) => { s.required = false; });
  await page.click('#edit-save');
  await page.locator('#edit-error').filter({ hasText: /^A value is not valid: .*type_code/ }).waitFor();
  const type = await page.locator('#f-type_code option').nth(1).getAttribute('value');
  await page.selectOption('#f-type_code', type);
  await page.click('#edit-save');
  await page.waitForSelector('#edit-open');
  const { features: [site] } = await apiJson(page, `/api/v1/collections/model_sites/items?code=${code}`);
  assert.deepEqual([site.properties.type_code, site.properties.host_kind, site.properties.effectiveness], [type, 'residential_group', 'unrated']);
  madeSites.push(site.id);
  assert.deepEqual(errorsAfterSignIn(seen).filter((e) => !/422/.test(e)), []);
  await context.close();
});

test('two sessions edit one point: the second sees the conflict, and each choice does what it says', async () => {
  const a = await openPage(browser);
  const b = await openPage(browser);
  await signIn(a.page, 'editor', '#l=');
  const created = await write(a.page, 'POST', '/api/v1/key-points', {
    type: 'Feature', geometry: { type: 'Point', coordinates: city },
    properties: { code: `KP-E2E-${RUN}-2`, category: 'dispute', severity: 2, observed_at: '2026-11-21T01:00:00Z', description: 'Tranh chấp đất' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.id;
  made.push(id);
  for (const s of [a, b]) {
    if (s === b) await signIn(b.page, 'editor', `#l=&sel=key_points/${id}`);
    else { await a.page.goto(`${BASE}/#l=&sel=key_points/${id}`); await a.page.reload(); await idle(a.page); }
    await openEditorOf(s.page, id);
    await s.page.click('#edit-open');
  }
  // A saves first; B, still on version 1, saves after.
  await a.page.fill('#f-severity', '5');
  await a.page.click('#edit-save');
  await a.page.locator('td[data-prop="severity"]').filter({ hasText: '5' }).waitFor();
  await b.page.fill('#f-description', 'Bản của B');
  await b.page.click('#edit-save');
  await b.page.waitForSelector('dialog#conflict[open]');
  const differs = await b.page.locator('#conflict tr.differs').evaluateAll((r) => r.map((x) => x.dataset.conflictField));
  assert.deepEqual(differs.sort(), ['description', 'severity']);
  await screenshot(b.page, 'edit-conflict');
  await b.page.click('#conflict [data-choice="theirs"]');
  await b.page.locator('td[data-prop="severity"]').filter({ hasText: '5' }).waitFor();
  let now = await apiJson(b.page, `/api/v1/key-points/${id}`);
  assert.deepEqual([now.properties.severity, now.properties.description, now.properties.version], [5, 'Tranh chấp đất', 2]);

  // Again, and this time B applies its version over A's.
  await b.page.click('#edit-open');
  await a.page.click('#edit-open');
  await a.page.fill('#f-severity', '1');
  await a.page.click('#edit-save');
  await a.page.locator('td[data-prop="severity"]').filter({ hasText: '1' }).waitFor();
  await b.page.fill('#f-description', 'Bản của B, ghi đè');
  await b.page.click('#edit-save');
  await b.page.waitForSelector('dialog#conflict[open]');
  await b.page.click('#conflict [data-choice="mine"]');
  await b.page.locator('td[data-prop="description"]').filter({ hasText: 'ghi đè' }).waitFor();
  now = await apiJson(b.page, `/api/v1/key-points/${id}`);
  assert.deepEqual([now.properties.severity, now.properties.description, now.properties.version], [5, 'Bản của B, ghi đè', 4]);
  const { versions } = await apiJson(b.page, `/api/v1/key-points/${id}/history`);
  assert.deepEqual(versions.map((v) => v.data.severity), [2, 5, 1, 5], 'every version is kept');
  for (const s of [a, b]) {
    assert.deepEqual(errorsAfterSignIn(s.seen).filter((e) => !/412/.test(e)), []);
    await s.context.close();
  }
});

test('outside the jurisdiction: not offered in the map, and the server refusal is shown in Vietnamese', async () => {
  const { context, page } = await openPage(browser);
  await signIn(page, 'editor', `#l=&z=15&ll=${batXat[1].toFixed(5)},${batXat[0].toFixed(5)}`);
  await page.waitForSelector('[data-add="key_points"]');
  await page.click('[data-add="key_points"]');
  const [x, y] = await mapCentre(page);
  await page.mouse.click(x, y);
  await page.locator('#edit-message').filter({ hasText: 'ngoài địa bàn' }).waitFor();
  assert.equal(await page.locator('#edit-form').count(), 0, 'no form for a place outside');
  // The same write path without the client's check: the server's 403, in the user's language.
  const code = `KP-E2E-${RUN}-OUT`;
  const shown = await page.evaluate(([c, at]) => window.antq.editing().create('key_points',
    { code: c, category: 'crime', observed_at: '2026-11-22T00:00:00Z' }, at), [code, batXat]);
  assert.match(shown, /^Bạn không có quyền.*: .*jurisdiction/, shown);
  await context.close();
  const admin = await openPage(browser);
  await signIn(admin.page, 'admin', '#l=');
  const found = await apiJson(admin.page, `/api/v1/collections/key_points/items?code=${code}`);
  assert.equal(found.numberMatched, 0);
  // Archive what the tests made: the demo's layers count as before.
  for (const path of [...made.map((id) => `/api/v1/key-points/${id}`), ...madeSites.map((id) => `/api/v1/model-sites/${id}`)]) {
    const item = await write(admin.page, 'GET', path);
    const gone = await write(admin.page, 'DELETE', path, undefined, { 'If-Match': item.etag });
    assert.equal(gone.status, 200, JSON.stringify(gone.body));
  }
  await admin.context.close();
});


test('patrol user: a GPX file previewed on the map, cancelled, then another saved to the patrol', async () => {
  const admin = await openPage(browser);
  await signIn(admin.page, 'admin', '#l=');
  const [x0, y0] = batXat;
  const route = [[x0, y0], [x0 + 0.004, y0 + 0.002]];
  const patrol = await write(admin.page, 'POST', '/api/v1/patrols', {
    code: `TT-E2E-${RUN}`, kind: 'commune', units: ['Công an xã'], planned_start: '2020-03-01T00:00:00Z',
    planned_end: '2020-03-01T04:00:00Z', geometry: { type: 'LineString', coordinates: route },
  });
  assert.equal(patrol.status, 201, JSON.stringify(patrol.body));
  const id = patrol.body.id;
  const point = (i, time) => `<trkpt lat="${(y0 + i * 0.0005).toFixed(6)}" lon="${(x0 + i * 0.001).toFixed(6)}">${time ? `<time>2020-03-01T0${i}:15:00Z</time>` : ''}</trkpt>`;
  const gpx = (time) => `<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><trk><name>Sáng</name>`
    + `<trkseg>${[0, 1, 2].map((i) => point(i, time)).join('')}</trkseg><trkseg>${[3, 4].map((i) => point(i, time)).join('')}</trkseg></trk></gpx>`;

  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'patrol', '#l=');
  await page.waitForSelector('#gpx-patrol');
  assert.equal(await page.locator('[data-add]').count(), 0, 'patrol users do not edit key points');
  await page.selectOption('#gpx-patrol', String(id));
  await page.setInputFiles('#gpx-file', { name: 'khong-gio.gpx', mimeType: 'application/gpx+xml', buffer: Buffer.from(gpx(false)) });
  await page.waitForSelector('#gpx-preview');
  assert.match(await page.locator('#gpx-preview tbody tr').first().textContent(), /không rõ thời gian/);
  await page.click('#gpx-cancel');
  assert.equal(await page.locator('#gpx-preview').count(), 0);
  await page.setInputFiles('#gpx-file', { name: 'tuan-tra.gpx', mimeType: 'application/gpx+xml', buffer: Buffer.from(gpx(true)) });
  await page.waitForSelector('#gpx-preview');
  const rows = await page.locator('#gpx-preview tbody tr').evaluateAll((r) => r.map((x) => [...x.cells].map((c) => c.textContent)));
  assert.equal(rows.length, 2);
  assert.deepEqual(rows.map((r) => r[2]), ['3', '2']);
  assert.equal(rows[0][4], '01/03/2020 07:15–09:15');
  await screenshot(page, 'gpx-preview');
  let stored = await apiJson(page, `/api/v1/patrols/${id}`);
  assert.equal(stored.properties.tracks, 0, 'the preview wrote nothing');
  await page.click('#gpx-save');
  await page.locator('#gpx-saved').filter({ hasText: '2' }).waitFor();
  stored = await apiJson(page, `/api/v1/patrols/${id}`);
  assert.equal(stored.properties.tracks, 2);
  // A file that is not GPX: the server's message, in Vietnamese first.
  await page.setInputFiles('#gpx-file', { name: 'hong.gpx', mimeType: 'application/gpx+xml', buffer: Buffer.from('<gpx><trk>') });
  await page.locator('#gpx-result .error').filter({ hasText: /^Yêu cầu không hợp lệ: line/ }).waitFor();
  assert.deepEqual(errorsAfterSignIn(seen).filter((e) => !/400/.test(e)), []);
  await context.close();

  const item = await write(admin.page, 'GET', `/api/v1/patrols/${id}`);
  const gone = await write(admin.page, 'DELETE', `/api/v1/patrols/${id}`, undefined, { 'If-Match': item.etag });
  assert.equal(gone.status, 200);
  await admin.context.close();
});
