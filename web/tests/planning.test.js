// The patrol planning view against the demo data. The plans made here lie in March 2031, far
// from the demo's own plans (fixtures/laocai/planned_patrols.csv, the weeks after the day the
// demo was loaded) and from every other test's data; their codes carry the run's time, so a
// second run against the same demo plans anew.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiJson, errorsAfterSignIn, idle, launch, openPage, screenshot, signIn } from './support.js';

const { joinLines, planColour, vnInstant } = await import('../js/planning.js');

test('segments join into one route, each turned to start where the last one stopped', () => {
  // Two segments meeting at [1, 1], the second stored the other way round, and a third apart.
  assert.deepEqual(joinLines([[[0, 0], [1, 1]], [[2, 2], [1, 1]]]), [[0, 0], [1, 1], [2, 2]]);
  assert.deepEqual(joinLines([[[1, 1], [0, 0]], [[1, 1], [2, 2]]]), [[1, 1], [0, 0], [1, 1], [2, 2]]);
  assert.deepEqual(joinLines([[[0, 0], [1, 0]], [[5, 0], [3, 0]]]), [[0, 0], [1, 0], [3, 0], [5, 0]]);
  assert.deepEqual(joinLines([]), []);
});

test('forecast colours and Vietnamese hours', () => {
  assert.equal(planColour({ gap: true, conflicts: 0, share: 0 }), '#d7191c');
  assert.equal(planColour({ gap: false, conflicts: 1, share: 1 }), '#7b3294');
  assert.equal(planColour({ gap: false, conflicts: 0, share: 0.5 }), '#1a9641');
  assert.equal(planColour({ gap: false, conflicts: 0, share: 0.49 }), '#fdae61');
  assert.equal(new Date(vnInstant('2031-03-04', '07:00')).toISOString(), '2031-03-04T00:00:00.000Z');
});

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const RUN = Date.now().toString(36).toUpperCase();
const A = `KH-T${RUN}-A`;
const B = `KH-T${RUN}-B`;
const SEGMENT = 'BG-16';

/** Fills the plan form and saves it; resolves when the panel says so. */
async function plan(page, { code, kind, units, start, end }) {
  await page.fill('#plan-code', code);
  await page.selectOption('#plan-kind', kind);
  await page.fill('#plan-day', '04/03/2031');
  await page.fill('#plan-start', start);
  await page.fill('#plan-end', end);
  await page.selectOption('#plan-units', units);
  await page.fill('#plan-members', 'Đại úy Vàng A Sình\nThượng úy Lò Văn Chiến');
  // The route snapped to a border segment.
  await page.selectOption('#plan-snap', [SEGMENT]);
  await page.click('#plan-use-segments');
  assert.match(await page.textContent('#plan-route-status'), /Đã có tuyến/);
  if (code === A) await screenshot(page, 'plan-form');
  await page.click('#plan-save');
  await page.waitForFunction((c) => document.querySelector('#plan-message')?.textContent.includes(c), code);
}

test('admin plans two patrols on one segment and sees the conflict, the plans and a gap ahead', async () => {
  const { context, page, seen } = await openPage(browser, { width: 1400, height: 900 });
  await signIn(page, 'admin', '#l=');
  assert.ok(await page.locator('#plan-section').isVisible(), 'the planning panel is not offered to an admin');
  await page.click('#plan-toggle');
  assert.equal(await page.getAttribute('#plan-toggle', 'aria-expanded'), 'true');
  // The default window: the next 4 weeks from today, with the demo's plans and their conflict.
  await page.waitForSelector('#plan-segments tbody tr');
  assert.ok(await page.locator('#plan-conflicts li[data-conflict="KH-DEMO-03/KH-DEMO-02"], #plan-conflicts li[data-conflict="KH-DEMO-02/KH-DEMO-03"]').count() === 1,
    'the demo conflict on BG-16 is not listed');

  // The commune police of the commune responsible for the segment today: BG-16 was recorded
  // against Xã Bản Vược, which Nghị quyết 1673/NQ-UBTVQH15 (khoản 52) merged into Xã Bát Xát on
  // 01/07/2025; the form offers the communes of today.
  const [segment] = (await apiJson(page, `/api/v1/collections/border_segments/items?code=${SEGMENT}`)).features;
  assert.equal(segment.properties.recorded_commune_code, '02710');
  const police = `Công an ${segment.properties.commune_name}`;
  assert.equal(police, 'Công an Xã Bát Xát');
  await plan(page, { code: A, kind: 'border', units: ['Đồn Biên phòng Bản Vược'], start: '07:00', end: '12:00' });
  await plan(page, { code: B, kind: 'commune', units: [police], start: '09:00', end: '14:00' });

  // The view of the week of 03/03/2031, typed as people write dates.
  await page.fill('#plan-from', '03/03/2031');
  await page.fill('#plan-weeks', '1');
  await page.click('#plan-apply');
  await page.waitForFunction((b) => document.querySelector('#plan-segments')?.textContent.includes(b), B);
  await idle(page);
  const row = page.locator(`#plan-segments tr[data-code="${SEGMENT}"]`);
  assert.match(await row.textContent(), new RegExp(`${A}.*${B}`));
  assert.equal(await row.locator('td').nth(2).textContent(), '100 %');
  assert.match(await page.textContent('#plan-segments caption'), /03\/03\/2031 – 09\/03\/2031/);

  // The conflict, with both plans: codes, units, the overlap 09:00–12:00 and the shared stretch.
  const conflict = page.locator(`#plan-conflicts li[data-conflict="${A}/${B}"]`);
  assert.equal(await conflict.count(), 1, await page.textContent('#plan'));
  const text = await conflict.textContent();
  for (const part of ['Đồn Biên phòng Bản Vược', police, '04/03/2031 09:00 – 12:00', 'đoạn trùng']) {
    assert.ok(text.includes(part), `${part} not in ${text}`);
  }

  // A gap ahead: a segment no plan of the week reaches; clicking it zooms the map to it.
  const api = await apiJson(page, '/api/v1/analysis/plan-coverage?from=2031-03-03&weeks=1');
  assert.ok(api.gaps.some((g) => g.code === 'BG-01'), 'BG-01 should be a gap');
  assert.equal(await page.locator('#plan-gaps button').count(), api.gaps.length);
  const zoomBefore = await page.evaluate(() => window.antq.map().getZoom());
  await page.click('#plan-gaps button[data-gap="BG-01"]');
  await page.waitForFunction((z) => window.antq.map().getZoom() !== z, zoomBefore);
  assert.ok(await page.evaluate(() => window.antq.planSegments()) > 0, 'no segment drawn');

  // What the form saved, through the API: the Vietnamese hours as instants.
  const saved = await apiJson(page, `/api/v1/collections/patrol_routes/items?code=${A}`);
  assert.equal(saved.features[0].properties.planned_start, '2031-03-04T00:00:00Z');
  assert.equal(saved.features[0].properties.units, 'Đồn Biên phòng Bản Vược');

  // The picture for the user guide: the segments around the conflict, coloured by forecast.
  await page.click(`#plan-segments tr[data-code="${SEGMENT}"] button`);
  await page.evaluate(() => window.antq.map().setZoom(11, { animate: false }));
  await idle(page);
  await page.locator('#plan-conflicts').scrollIntoViewIfNeeded();
  await screenshot(page, 'planning');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

// Issue 21 in the planning view: a gap ahead says how long it has waited by the coordination
// panel's rule. From 01/04/2020 BG-11 (Bản Lầu) was last patrolled on 11/02/2020 by its own post
// (65 %), 50 days before; Nậm Chảy's 41 m graze of 19/03/2020 is not its last patrol
// (tests/api/patrolled.rs measures the same on the demo). No demo plan lies in April 2020.
test('a gap ahead gives its last patrol by the share rule, not a neighbour\'s graze', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  await page.click('#plan-toggle');
  // The panel opens on the coming weeks; typing before that answer is drawn would be overwritten.
  await page.waitForSelector('#plan-segments tbody tr');
  await page.fill('#plan-from', '01/04/2020');
  await page.fill('#plan-weeks', '1');
  await page.click('#plan-apply');
  await page.waitForFunction(() => /01\/04\/2020/.test(document.querySelector('#plan-segments caption')?.textContent || ''));
  const last = page.locator('#plan-gaps li:has(button[data-gap="BG-11"]) .gap-last');
  assert.equal(await last.getAttribute('data-last'), '2020-02-11');
  assert.equal(await last.textContent(), ' — Tuần tra gần nhất 11/02/2020 (50 ngày)');
  const api = await apiJson(page, '/api/v1/analysis/plan-coverage?from=2020-04-01&weeks=1');
  const bg11 = api.gaps.find((g) => g.code === 'BG-11');
  assert.deepEqual([bg11.last_patrolled, bg11.days_since_patrolled, bg11.last_touched, Math.round(bg11.last_touched_m)],
    ['2020-02-11', 50, '2020-03-19', 41]);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('an analyst sees the planning view without the form; a viewer is not offered it', async () => {
  const { context, page } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  await page.click('#plan-toggle');
  await page.waitForSelector('#plan-segments tbody tr');
  assert.equal(await page.locator('#plan-new').count(), 0);
  await context.close();
  const viewer = await openPage(browser);
  await signIn(viewer.page, 'viewer', '#l=');
  assert.equal(await viewer.page.locator('#plan-section').isVisible(), false);
  await viewer.context.close();
});

test('the route is drawn on the map with Leaflet-Geoman, loaded once', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'admin', '#l=');
  await page.click('#plan-toggle');
  await page.waitForSelector('#plan-new');
  for (let round = 0; round < 2; round += 1) {
    await page.click('#plan-draw');
    await page.waitForFunction(() => window.antq.map().pm?.globalDrawModeEnabled());
    const box = await page.locator('#map').boundingBox();
    const at = (dx, dy) => [box.x + box.width / 2 + dx, box.y + box.height / 2 + dy];
    for (const [dx, dy] of [[-120, -60], [0, 20], [140, 60]]) await page.mouse.click(...at(dx, dy));
    // Clicking the last vertex again finishes the line.
    await page.mouse.click(...at(140, 60));
    await page.waitForFunction(() => /3 điểm/.test(document.querySelector('#plan-route-status')?.textContent || ''));
  }
  assert.equal(await page.locator('script[src*="leaflet-geoman"]').count(), 1);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
