// The map on both sides of the 2025 reorganisation (issue 16, item 9). Known answers from
// ../shared/data/reorg2025 (changes_2020_2025.csv, units_2025.csv): Xã Tà Chải (02872) went into
// Thị trấn Bắc Hà (02839) on 01/11/2024 (Nghị quyết 1197/NQ-UBTVQH15), which with four more
// communes became Xã Bắc Hà (02839 again) on 01/07/2025 (Nghị quyết 1673/NQ-UBTVQH15, khoản 73).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiJson, errorsAfterSignIn, idle, launch, layer, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Types `typed` in the search box, picks the first option whose label starts with `label`. */
async function pick(page, typed, label) {
  await page.locator('#search-input').fill(typed);
  const option = page.locator('#search-list [role="option"]', { has: page.locator('.search-label', { hasText: label }) }).first();
  await option.waitFor();
  await option.click();
  await page.locator('#details-panel:not([hidden])').waitFor();
}

test('a 2020 commune\'s details say what it became, with the dates and the resolutions', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#asof=2020-04-15');
  await pick(page, 'ta chai', 'Xã Tà Chải');
  const into = page.locator('#lineage-into li');
  await into.first().waitFor();
  const lines = await into.allTextContents();
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^Thị trấn Bắc Hà \(02839, .*\) — sáp nhập · 01\/11\/2024 · Nghị quyết 1197\/NQ-UBTVQH15$/);
  assert.match(lines[1], /^Xã Bắc Hà \(02839, từ 01\/07\/2025\) — sáp nhập · 01\/07\/2025 · Nghị quyết 1673\/NQ-UBTVQH15, khoản 73$/);
  assert.equal(await page.locator('#lineage-from').count(), 0, 'Tà Chải was formed from nothing in the data');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('a 2025 commune\'s details list the units it was formed from, two changes back', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#asof=2026-12-02');
  await pick(page, 'bac ha', 'Xã Bắc Hà');
  const from = page.locator('#lineage-from li');
  await from.first().waitFor();
  const api = await apiJson(page, '/api/v1/units/02839/lineage');
  assert.equal(await from.count(), api.predecessors.length);
  // Tà Chải went into Thị trấn Bắc Hà first; each change is listed once.
  assert.match(await page.locator('#lineage-from li[data-code="02872"]').textContent(),
    /^Xã Tà Chải \(02872, .* – 31\/10\/2024\) → Thị trấn Bắc Hà — sáp nhập · 01\/11\/2024 · Nghị quyết 1197\/NQ-UBTVQH15$/);
  const merged = (await from.allTextContents()).filter((l) => l.includes('01/07/2025 ·'));
  // Khoản 73: Thị trấn Bắc Hà and the communes Bản Phố, Hoàng Thu Phố, Na Hối, Nậm Mòn, Thải Giàng Phố.
  assert.equal(merged.length, 6, merged.join('\n'));
  assert.ok(merged.every((l) => l.endsWith('01/07/2025 · Nghị quyết 1673/NQ-UBTVQH15, khoản 73')), merged.join('\n'));
  assert.match(await page.locator('#lineage').textContent(), /Các thời kỳ: .*Xã Bắc Hà \(từ 01\/07\/2025\)/);
  await screenshot(page, 'lineage-2025');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('coloured by inherited key security, the legend says what inherited means and counts the units', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#asof=2026-12-02');
  await page.selectOption('select[data-colour-by="communes"]', 'key_security_inherited');
  await idle(page);
  const entry = page.locator('li[data-legend="communes"]');
  assert.match(await entry.locator('[data-legend-note="inherited"]').textContent(), /^Kế thừa: .*01\/07\/2025.*không phải quyết định mới/);
  // 43 of the 99 units took in at least one key security commune (tests/api/reorg_layers.rs).
  const { features } = await apiJson(page, '/api/v1/collections/communes/items?as_of=2026-12-02&limit=1000');
  const inheriting = features.filter((f) => f.properties.key_security_inherited).length;
  assert.equal(inheriting, 43);
  assert.match(await entry.textContent(), new RegExp(`Có \\(${inheriting}\\)`));
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('after 01/07/2025 the area filter groups the 99 units by former district; before, by district', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#asof=2026-12-02');
  assert.equal(await page.textContent('label[for="district"]'), 'Huyện cũ (trước 01/07/2025)');
  // Huyện Bắc Hà (085): the 2025 units holding any of its communes (NQ 1673 khoản 70–75).
  const api = await apiJson(page, '/api/v1/collections/communes/items?as_of=2026-12-02&former_district_codes=085&limit=1000');
  assert.ok(api.features.length >= 4, `${api.features.length} units from Bắc Hà`);
  await page.selectOption('#district', '085');
  await idle(page);
  const offered = (await page.locator('#commune option').allTextContents()).slice(1);
  assert.deepEqual([...offered].sort(), api.features.map((f) => f.properties.name).sort());
  assert.equal((await layer(page, 'communes')).drawn, api.features.length);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();

  const before = await openPage(browser);
  await signIn(before.page, 'analyst', '#asof=2020-04-15');
  assert.equal(await before.page.textContent('label[for="district"]'), 'Huyện, thị xã, thành phố');
  const districts = (await before.page.locator('#district option').allTextContents()).slice(1);
  // Old Lào Cai's 9 and old Yên Bái's 9 (in the demo from 01/03/2020).
  const listed = await apiJson(before.page, '/api/v1/collections/districts/items?as_of=2020-04-15&limit=100');
  assert.equal(listed.numberMatched, 18);
  assert.deepEqual([...districts].sort(), listed.features.map((f) => f.properties.name).sort());
  await before.context.close();
});

test('the coordination panel names the commune responsible for a segment on each side of the change', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  await page.click('#coord-toggle');
  // BG-02 was recorded against Xã Sán Chải (02812), in Xã Si Ma Cai (02809) from 01/07/2025 (NQ 1673 khoản 80).
  for (const [from, to, code, name] of [['01/06/2025', '30/06/2025', '02812', 'Xã Sán Chải'], ['01/07/2025', '31/07/2025', '02809', 'Xã Si Ma Cai']]) {
    await page.fill('#coord-from', from);
    await page.fill('#coord-to', to);
    await page.click('#coord-apply');
    await idle(page);
    const cell = page.locator('#coord-segments tr[data-code="BG-02"] [data-commune]');
    await page.waitForFunction((c) => document.querySelector(`#coord-segments tr[data-code="BG-02"] [data-commune="${c}"]`), code);
    assert.equal(await cell.textContent(), name);
  }
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('the planning view names the commune responsible for a segment in the weeks shown', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  await page.click('#plan-toggle');
  await page.waitForSelector('#plan-segments tbody tr');
  // BG-02: Xã Sán Chải (02812) until 30/06/2025, then Xã Si Ma Cai (02809) (NQ 1673 khoản 80).
  for (const [from, code, name] of [['02/06/2025', '02812', 'Xã Sán Chải'], ['07/07/2025', '02809', 'Xã Si Ma Cai']]) {
    await page.fill('#plan-from', from);
    await page.fill('#plan-weeks', '1');
    await page.click('#plan-apply');
    await page.waitForFunction((c) => document.querySelector(`#plan-segments tr[data-code="BG-02"] [data-commune="${c}"]`), code);
    assert.equal(await page.locator('#plan-segments tr[data-code="BG-02"] [data-commune]').textContent(), name);
  }
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
