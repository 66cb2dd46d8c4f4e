// The styling contract of the analysis layers, before those layers exist in this build: the
// collection list is answered with three extra collections shaped as the contract says
// (`hotspots` with gi_bin, `border_coverage` with share and days_since_patrolled and parameters,
// `coverage_gaps`), their items drawn from the real border segments. The page must colour them
// by those properties, show their legends, and send a parameter the user sets. Replace the
// stand-ins with the real layers once they are merged (see the note in the report).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, apiJson, errorsAfterSignIn, idle, launch, openPage, screenshot, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const collection = (id, geometryType, vi, en, extra = {}) => ({
  id, geometryType, title: vi, titles: { vi, en }, itemType: 'feature', asOf: false, datetime: false,
  sensitivity: 'restricted', style: { category_property: null, cluster: false, color: '#555555', fill: null, visible: false },
  ...extra,
});

const FAKES = [
  collection('hotspots', 'Polygon', 'Điểm nóng', 'Hot spots'),
  collection('border_coverage', 'LineString', 'Mức độ tuần tra biên giới', 'Border patrol coverage', {
    parameters: [
      { name: 'width', type: 'integer', minimum: 50, maximum: 2000, default: 250, title: 'Bề rộng quan sát (m)', titles: { vi: 'Bề rộng quan sát (m)', en: 'Sight width (m)' } },
      { name: 'days', type: 'integer', minimum: 1, maximum: 365, default: 30, title: 'Số ngày', titles: { vi: 'Số ngày', en: 'Days' } },
    ],
  }),
  collection('coverage_gaps', 'LineString', 'Khoảng trống tuần tra', 'Coverage gaps'),
];

const square = (lon, lat, d = 0.05) => ({
  type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]],
});

/** Answers the fake collections' queryables and items; the rest goes to the server. */
async function fake(page, segments, asked) {
  await page.route(`${BASE}/api/v1/collections`, async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    // The stand-ins replace the real analysis collections of the same ids (now served too).
    const fakeIds = new Set(FAKES.map((f) => f.id));
    body.collections = body.collections.filter((c) => !fakeIds.has(c.id)).concat(FAKES);
    await route.fulfill({ response, json: body });
  });
  const items = {
    hotspots: [-3, -2, -1, 0, 1, 2, 3].map((bin, i) => ({
      type: 'Feature', id: i + 1, geometry: square(103.9 + i * 0.06, 22.3), properties: { gi_bin: bin, z: bin * 1.1 },
    })),
    border_coverage: segments.map((f, i) => ({
      type: 'Feature', id: i + 1, geometry: f.geometry, properties: { code: f.properties.code, share: i % 2, days_since_patrolled: i },
    })),
    coverage_gaps: segments.slice(0, 3).map((f, i) => ({ type: 'Feature', id: i + 1, geometry: f.geometry, properties: {} })),
  };
  for (const [id, features] of Object.entries(items)) {
    await page.route(new RegExp(`/api/v1/collections/${id}/queryables`), (route) => route.fulfill({
      json: { type: 'object', properties: Object.fromEntries(Object.keys(features[0].properties).map((k) => [k, { type: 'number', title: k }])) },
    }));
    await page.route(new RegExp(`/api/v1/collections/${id}/items`), (route) => {
      asked.push(route.request().url());
      return route.fulfill({
        contentType: 'application/geo+json',
        json: { type: 'FeatureCollection', features, numberMatched: features.length, numberReturned: features.length },
      });
    });
  }
}

test('hot spots in red-blue with their legend, coverage by share, gaps dashed, parameters sent', async () => {
  const { context, page, seen } = await openPage(browser);
  await signIn(page, 'analyst', '#l=');
  const segments = (await apiJson(page, '/api/v1/collections/border_segments/items?limit=6')).features;
  const asked = [];
  await fake(page, segments, asked);
  await page.goto(`${BASE}/#l=hotspots,border_coverage,coverage_gaps`);
  await page.reload();
  await idle(page);

  const legend = await page.locator('[data-legend="hotspots"]').textContent();
  for (const text of ['Điểm nóng (Gi*)', 'Điểm nóng 99 %', 'Điểm lạnh 99 %', 'Không có ý nghĩa thống kê']) {
    assert.ok(legend.includes(text), `hot spot legend lacks ${text}: ${legend}`);
  }
  const fills = await page.locator('.leaflet-polygons-pane path').evaluateAll((ps) => ps.map((p) => p.getAttribute('fill')));
  assert.ok(fills.includes('#b2182b') && fills.includes('#2166ac'), `hot spot fills ${fills}`);
  const strokes = await page.locator('.leaflet-lines-pane path').evaluateAll((ps) => ps.map((p) => [p.getAttribute('stroke'), p.getAttribute('stroke-dasharray')]));
  assert.ok(strokes.some(([s]) => s === '#d7191c'), `no red (share 0) line: ${strokes}`);
  assert.ok(strokes.some(([s]) => s === '#1a9641'), `no green (share 1) line: ${strokes}`);
  assert.equal(strokes.filter(([, dash]) => dash === '10 6').length, 3, 'coverage gaps are dashed');
  assert.match(await page.locator('[data-legend="border_coverage"]').textContent(), /Tỷ lệ được tuần tra.*100 %.*0 %/s);

  // A parameter: the sight width, from the layer list to the request and the URL.
  const width = page.locator('[data-param="border_coverage.width"]');
  assert.equal(await width.getAttribute('min'), '50');
  await width.fill('500');
  await width.blur();
  await idle(page);
  assert.ok(asked.some((u) => /border_coverage\/items\?.*width=500/.test(u)), asked.join('\n'));
  assert.match(await page.evaluate(() => location.hash), /p\.border_coverage\.width=500/);
  await screenshot(page, 'analysis-styles');
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
