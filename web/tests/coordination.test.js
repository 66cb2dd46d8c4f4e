// The patrol coordination view against the demo data. January 2020 is covered by the fixtures'
// patrols (fixtures/laocai/patrols.csv: TT-2020-0001 … 0050); 2 January 2020 has three of them
// (TT-2020-0001, 0002, 0003, starting 07:44–08:10 Vietnam time).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiJson, errorsAfterSignIn, idle, launch, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const WINDOW = ['2020-01-01', '2020-01-31'];
const WIDTH = '500';
const DAY = '2020-01-02';
const vi = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 3 });

test('analyst: coverage table and gaps for a window, zoom to a gap, the patrols of a day', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  assert.ok(await page.locator('#coord-section').isVisible(), 'the panel is not offered to an analyst');
  await page.click('#coord-toggle');
  assert.equal(await page.getAttribute('#coord-toggle', 'aria-expanded'), 'true');
  // Days are typed as people write them, dd/mm/yyyy.
  await page.fill('#coord-from', '01/01/2020');
  await page.fill('#coord-to', '31/01/2020');
  await page.fill('#coord-width', WIDTH);
  await page.click('#coord-apply');
  await idle(page);
  await page.waitForSelector('#coord-segments tbody tr');

  // The view is in the URL (shareable): both layers on, with the window and the width.
  const hash = decodeURIComponent(await page.evaluate(() => location.hash));
  for (const id of ['border_coverage', 'coverage_gaps']) {
    assert.ok(hash.includes(`p.${id}.datetime=${WINDOW.join('/')}`), hash);
    assert.ok(hash.includes(`p.${id}.width=${WIDTH}`), hash);
  }

  const q = `datetime=${WINDOW.join('/')}&width=${WIDTH}&limit=10000`;
  const coverage = await apiJson(page, `/api/v1/collections/border_coverage/items?${q}`);
  assert.ok(coverage.numberMatched > 0);
  assert.equal(await page.locator('#coord-segments tbody tr').count(), coverage.numberMatched);
  const one = coverage.features.find((f) => f.properties.share > 0 && f.properties.share < 1) || coverage.features[0];
  const shown = await page.locator(`#coord-segments tr[data-code="${one.properties.code}"] td`).nth(2).textContent();
  assert.equal(shown, `${vi.format(Math.round(one.properties.share * 1000) / 10)} %`);
  // Sorted by share, least patrolled first (the default).
  const shares = await page.locator('#coord-segments td[data-share]').evaluateAll((ts) => ts.map((t) => Number(t.dataset.share)));
  assert.deepEqual(shares, [...shares].sort((a, b) => a - b));
  // Sorted by days since the last patrol, longest first, from the keyboard.
  await page.locator('button[data-sort="days"]').focus();
  await page.keyboard.press('Enter');
  const longest = Math.max(...coverage.features.map((f) => f.properties.days_since_patrolled ?? 0));
  assert.equal(await page.locator('#coord-segments tbody tr').first().locator('td').nth(4).textContent(), vi.format(longest));
  await page.locator('button[data-sort="share"]').click();

  const gaps = await apiJson(page, `/api/v1/collections/coverage_gaps/items?${q}`);
  assert.ok(gaps.numberMatched > 0, 'no gap in the window: choose another');
  assert.equal(await page.locator('#coord-gaps button').count(), gaps.numberMatched);
  const label = await page.locator('#coord-gaps button').first().textContent();
  assert.match(label, / km$/);
  await page.locator('#coord-gaps button').first().focus();
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
  const contained = await page.evaluate((gap) => {
    const bounds = window.antq.map().getBounds();
    return window.L.geoJSON(gap).getBounds().isValid() && bounds.contains(window.L.geoJSON(gap).getBounds());
  }, gaps.features[0]);
  assert.ok(contained, 'the map does not show the gap');

  const tracks = await apiJson(page, `/api/v1/collections/patrol_tracks/items?datetime=${DAY}&limit=1000`);
  assert.ok(tracks.numberMatched > 0);
  await page.fill('#coord-day', '02/01/2020');
  await page.press('#coord-day', 'Enter');
  await page.waitForSelector('#coord-tracks li');
  assert.equal(await page.evaluate(() => window.antq.coordinationTracks()), tracks.numberMatched);
  const listed = await page.locator('#coord-tracks li').evaluateAll((ls) => ls.map((l) => l.dataset.track).sort());
  assert.deepEqual(listed, tracks.features.map((f) => f.properties.patrol_code).sort());
  assert.ok(listed.includes('TT-2020-0001'), listed);
  await screenshot(page, 'coordination');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

// Issue 21: in March 2020 BG-11 (Bản Lầu) was only grazed, 41 m on 19/03 by Nậm Chảy's patrol
// TT-2020-0137; the last patrol covering at least a quarter of it was Bản Lầu's TT-2020-0070 on
// 11/02 (65 %). BG-15's last was on 27/02. The figures are the demo's (tests/api/patrolled.rs).
test('the last patrolled date counts a patrol by its share; opening a segment lists its patrols', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  await page.click('#coord-toggle');
  await page.fill('#coord-from', '01/03/2020');
  await page.fill('#coord-to', '31/03/2020');
  await page.fill('#coord-width', '500');
  assert.equal(await page.inputValue('#coord-min-share'), '25');
  await page.click('#coord-apply');
  await idle(page);
  await page.waitForSelector('#coord-segments tbody tr');
  const cells = (code) => page.locator(`#coord-segments tr[data-code="${code}"] td`).allTextContents();
  const bg11 = await cells('BG-11');
  assert.deepEqual(bg11.slice(3), ['11/02/2020', '49', '19/03/2020 (41 m)']);
  assert.equal((await cells('BG-15'))[3], '27/02/2020');

  await page.locator('button[data-segment="BG-11"]').click();
  await page.waitForSelector('#coord-history tr[data-patrol="TT-2020-0137"]');
  const row = (code) => page.locator(`#coord-history tr[data-patrol="${code}"] td`).allTextContents();
  const graze = await row('TT-2020-0137');
  assert.deepEqual([graze[2], graze[3], graze[5]], ['19/03/2020', '41 m', 'chỉ chạm tới']);
  assert.match(graze[1], /Nậm Chảy/);
  const counted = await row('TT-2020-0070');
  assert.deepEqual([counted[2], counted[5]], ['11/02/2020', 'tính là đã tuần tra (trước khoảng thời gian)']);
  assert.match(counted[4], /^65,2 %$/);
  // The panel shows what the route answers, patrol for patrol.
  const api = await apiJson(page, '/api/v1/analysis/border-segments/BG-11/patrols?datetime=2020-03-01/2020-03-31&width=500&min_share=0.25');
  const listed = await page.locator('#coord-history tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.patrol));
  assert.deepEqual(listed, api.patrols.map((p) => p.code));

  // With no minimum, any touch counts again: BG-11 reads the graze's date.
  await page.fill('#coord-min-share', '0');
  await page.click('#coord-apply');
  await idle(page);
  await page.waitForFunction(() => document.querySelector('#coord-segments tr[data-code="BG-11"] td:nth-child(4)')?.textContent === '19/03/2020');
  await screenshot(page, 'coordination-history');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('a viewer is not offered the coordination panel', async () => {
  const { context, page } = await openPage(browser);
  await signIn(page, 'viewer');
  assert.equal(await page.locator('#coord-section').isVisible(), false);
  await context.close();
});

test('a shared coordination URL reopens the panel with its window; on a phone it lives in the drawer', async () => {
  const { context, page, seen } = await openPage(browser, { width: 390, height: 844 });
  const hash = '#l=border_coverage,coverage_gaps&p.border_coverage.datetime=2020-01-01/2020-01-31'
    + '&p.border_coverage.width=300&p.coverage_gaps.datetime=2020-01-01/2020-01-31&p.coverage_gaps.width=300';
  await signIn(page, 'analyst', hash);
  await page.click('#menu-toggle');
  await page.waitForTimeout(400);
  assert.ok(await page.locator('#coord').isVisible(), 'the panel is not open in the drawer');
  assert.equal(await page.inputValue('#coord-from'), '01/01/2020');
  assert.equal(await page.inputValue('#coord-width'), '300');
  const api = await apiJson(page, '/api/v1/collections/border_coverage/items?datetime=2020-01-01/2020-01-31&width=300&limit=10000');
  assert.equal(await page.locator('#coord-segments tbody tr').count(), api.numberMatched);
  // A wrong day is marked, not sent.
  await page.fill('#coord-to', '31/02/2020');
  await page.press('#coord-to', 'Enter');
  assert.equal(await page.getAttribute('#coord-to', 'aria-invalid'), '');
  await screenshot(page, 'coordination-phone');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
