// The real analysis layers (merged from the analysis and coverage branches): hot spots drawn in
// the diverging red-blue of their Gi* bins with the legend, border coverage coloured by share.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { apiJson, errorsAfterSignIn, launch, layer, openPage, screenshot, setLayer, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const GI = ['#2166ac', '#67a9cf', '#d1e5f0', '#eeeeee', '#fddbc7', '#ef8a62', '#b2182b'];

test('hot spots: Gi* bins in red-blue with their legend; border coverage coloured by share', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  await setLayer(page, 'hotspots', true);
  const hot = await layer(page, 'hotspots');
  assert.equal(hot.error, null, hot.error);
  assert.ok(hot.drawn > 0, 'no hot spot cell drawn');
  const legend = await page.locator('[data-legend="hotspots"]').textContent();
  for (const text of ['Điểm nóng (Gi*)', 'Điểm nóng 99 %', 'Điểm lạnh 99 %']) assert.ok(legend.includes(text), legend);
  const fills = await page.locator('.leaflet-polygons-pane path').evaluateAll((ps) => ps.map((p) => p.getAttribute('fill')));
  assert.ok(fills.length > 0 && fills.every((f) => GI.includes(f)), `fills outside the Gi* palette: ${[...new Set(fills)]}`);
  await setLayer(page, 'hotspots', false);

  await setLayer(page, 'border_coverage', true);
  const coverage = await layer(page, 'border_coverage');
  assert.equal(coverage.error, null, coverage.error);
  const api = await apiJson(page, '/api/v1/collections/border_coverage/items?limit=1000');
  assert.equal(coverage.drawn, api.numberMatched);
  assert.match(await page.locator('[data-legend="border_coverage"]').textContent(), /Tỷ lệ được tuần tra/);
  const strokes = await page.locator('.leaflet-lines-pane path').evaluateAll((ps) => ps.map((p) => p.getAttribute('stroke')));
  // Not the registry's one colour: as many colours as distinct shares (within rounding).
  const shares = new Set(api.features.map((f) => Math.round(f.properties.share * 100)));
  assert.ok(new Set(strokes).size >= Math.min(2, shares.size), `strokes ${[...new Set(strokes)]} for shares ${[...shares]}`);
  await screenshot(page, 'border-coverage');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
