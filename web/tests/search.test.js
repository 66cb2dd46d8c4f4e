// The search box: typed without diacritics, a result picked with the keyboard, the map zooms to
// it; the listbox follows the ARIA combobox pattern; typed markup stays text.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiJson, errorsAfterSignIn, idle, launch, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const COMMUNE = 'Xã Bản Vược, Huyện Bát Xát';

test('"ban vuoc" typed, the commune picked with the keyboard: the map zooms to it', async () => {
  const { context, page, seen } = await openPage(browser);
  // As of 2020: Xã Bản Vược of Huyện Bát Xát (merged on 1/7/2025, when districts ended).
  await signIn(page, 'analyst', '#asof=2020-04-15');
  const zoomBefore = await page.evaluate(() => window.antq.map().getZoom());
  const input = page.locator('#search-input');
  assert.equal(await input.getAttribute('role'), 'combobox');
  await input.focus();
  await page.keyboard.type('ban vuoc');
  const options = page.locator('#search-list [role="option"]');
  await options.first().waitFor();
  assert.equal(await input.getAttribute('aria-expanded'), 'true');
  const labels = await options.locator('.search-label').allTextContents();
  const at = labels.indexOf(COMMUNE);
  assert.ok(at >= 0, `${COMMUNE} not among ${labels}`);
  // Down to the commune; the active option is named by aria-activedescendant and aria-selected.
  for (let i = 0; i <= at; i += 1) await page.keyboard.press('ArrowDown');
  const activeId = await input.getAttribute('aria-activedescendant');
  assert.equal(await page.locator(`#${activeId} .search-label`).textContent(), COMMUNE);
  assert.equal(await page.locator(`#${activeId}`).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('#search').dataset.picked);
  assert.equal(await input.getAttribute('aria-expanded'), 'false');
  assert.equal(await input.inputValue(), COMMUNE);
  await page.waitForTimeout(400); // the zoom animation
  await idle(page);

  const hit = (await apiJson(page, `/api/v1/search?q=${encodeURIComponent('ban vuoc')}&as_of=2020-04-15`)).results
    .find((h) => h.label === COMMUNE);
  const [west, south, east, north] = hit.bbox;
  const view = await page.evaluate(() => {
    const m = window.antq.map();
    const b = m.getBounds();
    return { zoom: m.getZoom(), west: b.getWest(), south: b.getSouth(), east: b.getEast(), north: b.getNorth() };
  });
  assert.ok(view.zoom > zoomBefore, `zoom ${zoomBefore} -> ${view.zoom}`);
  assert.ok(view.west <= west && view.south <= south && view.east >= east && view.north >= north,
    `map ${JSON.stringify(view)} does not hold the commune ${hit.bbox}`);
  // Highlighted: the outline is on the map, and the commune's details are open.
  assert.equal(await page.evaluate(() => document.querySelector('#search').dataset.picked), `communes/${hit.id}`);
  await page.locator('#details-panel:not([hidden])').waitFor();
  assert.match(await page.locator('#details').textContent(), /Bản Vược/);
  await screenshot(page, 'search-picked');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});

test('Escape closes the list; typed markup is shown as text and opens no dialog', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'viewer');
  const input = page.locator('#search-input');
  await input.focus();
  await page.keyboard.type('<img src=x onerror=alert(1)>');
  await page.locator('#search-list .search-empty').waitFor();
  assert.match(await page.locator('#search-list').textContent(), /<img src=x onerror=alert\(1\)>/);
  assert.equal(await page.locator('#search-list img').count(), 0);
  await page.keyboard.press('Escape');
  assert.equal(await input.getAttribute('aria-expanded'), 'false');
  assert.ok(await page.locator('#search-list').isHidden());
  await page.keyboard.press('Escape');
  assert.equal(await input.inputValue(), '');
  // English: the field's name follows the language.
  await page.locator('#lang-toggle').click();
  assert.equal(await input.getAttribute('aria-label'), 'Search');
  assert.deepEqual(seen.dialogs, []);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
