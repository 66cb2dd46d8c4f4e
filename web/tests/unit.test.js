// The page's pure functions, without a browser: local formats and the filters sent to the API.

import assert from 'node:assert/strict';
import { test } from 'node:test';

globalThis.document ??= { documentElement: {} };

const { formatDate, formatNumber, formatValue, formatMonth, setLang } = await import('../js/i18n.js');
const { interval, months, paramsFor } = await import('../js/filters.js');
const { state } = await import('../js/state.js');

test('dates are dd/mm/yyyy (times in Vietnam), numbers use Vietnamese separators', () => {
  setLang('en');
  assert.equal(formatDate('2020-04-15'), '15/04/2020');
  assert.equal(formatDate('2020-01-02T00:44:00Z'), '02/01/2020 07:44');
  assert.equal(formatNumber(6383.97), '6.383,97');
  assert.equal(formatMonth('2020-06'), '06/2020');
  assert.equal(formatValue(2019, 'rated_year'), '2019');
  assert.equal(formatValue(true), 'Yes');
  setLang('vi');
  assert.equal(formatValue(false), 'Không');
  assert.equal(formatValue(null), '(không có)');
});

test('months and the datetime interval cover whole months', () => {
  assert.deepEqual(months('2019-11', '2020-02'), ['2019-11', '2019-12', '2020-01', '2020-02']);
  Object.assign(state, { from: '2020-01', to: '2020-02' });
  assert.equal(interval(), '2020-01-01T00:00:00Z/2020-02-29T23:59:59Z');
  Object.assign(state, { from: '', to: '2019-06' });
  assert.equal(interval(), '../2019-06-30T23:59:59Z');
});

test('filters apply per layer as the registry says, with CQL2 literals quoted', () => {
  const points = { id: 'kp', geometryType: 'Point', datetime: true, asOf: false, style: { category_property: 'category' } };
  const communes = { id: 'c', geometryType: 'MultiPolygon', datetime: false, asOf: true, style: { category_property: 'key_security' } };
  const q = (...names) => ({ properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])) });
  Object.assign(state, { from: '', to: '', asOf: '2020-04-15', district: '082', commune: '', cats: { kp: ["o'brien", 'crime'] } });
  const communesOf = (d) => (d === '082' ? ['02683', '02686'] : []);
  assert.deepEqual(paramsFor(points, q('category', 'commune_code'), communesOf), {
    filter: "commune_code IN ('02683','02686') AND category IN ('o''brien','crime')",
  });
  assert.deepEqual(paramsFor(points, q('category', 'commune_code'), communesOf, { withCategories: false }), {
    filter: "commune_code IN ('02683','02686')",
  });
  assert.deepEqual(paramsFor(communes, q('district_code', 'key_security'), communesOf), {
    as_of: '2020-04-15', district_code: '082',
  });
  state.cats.kp = [];
  assert.equal(paramsFor(points, q('category'), communesOf).filter, 'category IS NULL');
});

const { giColour, numericStyle, parameterValues, quintiles, shareColour } = await import('../js/analysis.js');
const { readHash } = await import('../js/state.js');

test('analysis styles: Gi* bins diverge blue to red, coverage share runs red to green', () => {
  // ColorBrewer RdBu, 7 classes: cold -3 darkest blue, hot +3 darkest red, 0 light grey.
  assert.equal(giColour(-3), '#2166ac');
  assert.equal(giColour(0), '#eeeeee');
  assert.equal(giColour(3), '#b2182b');
  assert.equal(giColour(4), null);
  assert.equal(shareColour(0), '#d7191c');
  assert.equal(shareColour(1), '#1a9641');
  assert.equal(shareColour(7), '#1a9641');
  assert.equal(shareColour(null), null);
  assert.deepEqual(quintiles([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]), [3, 5, 7, 9]);
  setLang('vi');
  const hot = numericStyle({ queryables: { properties: { gi_bin: {} } }, features: [] });
  assert.equal(hot.heading, 'Điểm nóng (Gi*)');
  assert.deepEqual(hot.rows().map(([, label]) => label).filter((l) => /99/.test(l)), ['Điểm nóng 99 %', 'Điểm lạnh 99 %']);
  assert.equal(hot.colour({ properties: { gi_bin: -2 } }), '#67a9cf');
  // No analysis property: no numeric style (the layers keep their registry colours).
  assert.equal(numericStyle({ queryables: { properties: { name: {} } }, features: [{ properties: { code: 'x' } }] }), null);
});

test('a layer\'s parameters go to its requests and to the URL, only those it declares', () => {
  readHash('#p.border_coverage.width=500&p.border_coverage.window=2020-01-01%2F2020-03-31'
    + '&p.border_coverage.days=%3Cb%3E&p.border_coverage.x=1&p.other.days=9');
  const coll = {
    id: 'border_coverage',
    parameters: [{ name: 'width', type: 'integer' }, { name: 'days', type: 'integer' }, { name: 'window', type: 'string', format: 'interval' }],
  };
  // Markup in the URL is dropped; a parameter the layer does not declare is not sent.
  assert.deepEqual(parameterValues(coll), { width: '500', window: '2020-01-01/2020-03-31' });
  assert.deepEqual(parameterValues({ id: 'communes' }), {});
});

test('coordination: dd/mm/yyyy days, shares as Vietnamese percentages, gaps in km, the default window', async () => {
  const { parseDay } = await import('../js/i18n.js');
  const { formatKm, formatShare, windowOf } = await import('../js/coordination.js');
  assert.equal(parseDay('2/1/2020'), '2020-01-02');
  assert.equal(parseDay('31/02/2020'), null);
  assert.equal(parseDay(''), '');
  assert.equal(formatShare(0.9531), '95,3 %');
  assert.equal(formatShare(1), '100 %');
  assert.equal(formatKm(1234.5), '1,23 km');
  assert.equal(formatKm(123456), '123,46 km');
  assert.deepEqual(windowOf({ datetime: '2020-01-01/2020-01-31' }), ['2020-01-01', '2020-01-31']);
  // The last 30 days in Vietnam: 27/11/2026 08:00 in Vietnam is still 27/11 there.
  assert.deepEqual(windowOf({}, Date.parse('2026-11-27T01:00:00Z')), ['2026-10-29', '2026-11-27']);
  assert.deepEqual(windowOf({}, Date.parse('2026-11-27T18:00:00Z')), ['2026-10-30', '2026-11-28']);
});

test('the jurisdiction test: inside the outer ring, not in a hole, either part of a MultiPolygon', async () => {
  const { inGeometry } = await import('../js/jurisdiction.js');
  const square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]];
  const hole = [[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]];
  const withHole = { type: 'Polygon', coordinates: [square, hole] };
  assert.equal(inGeometry([3, 3], withHole), true);
  assert.equal(inGeometry([1.5, 1.5], withHole), false);
  assert.equal(inGeometry([5, 1], withHole), false);
  const two = { type: 'MultiPolygon', coordinates: [[square], [[[10, 10], [11, 10], [11, 11], [10, 10]]]] };
  assert.equal(inGeometry([10.8, 10.2], two), true);
  assert.equal(inGeometry([3, 3], null), false);
});

test('form values compare times as instants and show choices by their label', async () => {
  const { display, same } = await import('../js/form.js');
  setLang('vi');
  const field = { name: 'category', choices: [{ value: 'drugs', title_vi: 'Ma túy', title_en: 'Drugs' }] };
  assert.equal(display(field, 'drugs'), 'Ma túy');
  setLang('en');
  assert.equal(display(field, 'drugs'), 'Drugs');
  const when = { type: 'date-time' };
  assert.equal(same(when, '2026-01-02T03:04:05Z', '2026-01-02T10:04:05+07:00'), true);
  assert.equal(same(when, '2026-01-02T03:04:05Z', '2026-01-02T03:04:06Z'), false);
  assert.equal(same({}, '', null), true);
  setLang('vi');
});

test('track recorder: metres on the mean-radius sphere, GPX segments with times and accuracy, escaped names', async () => {
  const { clock, metres, recordedMs, segmentsOf, toGpx } = await import('../js/trackstore.js');
  const spans = [{ from: '2026-12-03T01:00:00Z', to: '2026-12-03T02:30:05Z' }, { from: '2026-12-03T03:00:00Z', to: null }];
  // 1 h 30 min 5 s, then 10 min of the open stretch (the pause between them does not count).
  assert.equal(clock(recordedMs({ spans }, Date.parse('2026-12-03T03:10:00Z'))), '1:40:05');
  // One degree of a great circle is R·π/180 with R = 6 371 008.8 m (the IUGG mean radius): 111 195.08 m.
  assert.equal(Math.round(metres({ lat: 0, lon: 0 }, { lat: 1, lon: 0 }) * 100) / 100, 111195.08);
  assert.equal(Math.round(metres({ lat: 0, lon: 0 }, { lat: 0, lon: 1 }) * 100) / 100, 111195.08);
  const fix = (segment, lat, time) => ({ segment, lat, lon: 103.8, time, accuracy: 7.25 });
  const fixes = [fix(0, 22.5, '2026-12-03T01:00:00.000Z'), fix(0, 22.6, '2026-12-03T01:01:00.000Z'), fix(2, 22.7, '2026-12-03T02:00:00.000Z')];
  assert.deepEqual(segmentsOf(fixes).map((s) => s.length), [2, 1]);
  const rec = { patrolCode: 'TT <A&B>', createdAt: '2026-12-03T01:00:00.000Z' };
  const all = toGpx(rec, fixes);
  assert.equal((all.match(/<trkseg>/g) || []).length, 2);
  assert.match(all, /<trk><name>TT &#60;A&#38;B&#62;<\/name>/);
  assert.match(all, /<trkpt lat="22.5000000" lon="103.8000000"><time>2026-12-03T01:00:00.000Z<\/time><extensions><antq:accuracy>7.3<\/antq:accuracy><\/extensions><\/trkpt>/);
  // The upload leaves out a segment of one point: the server stores each segment as a line.
  assert.equal((toGpx(rec, fixes, { minPoints: 2 }).match(/<trkpt /g) || []).length, 2);
});

test('packages: base map tiles over a box by the XYZ scheme, sizes in KB and MB, ids by area and date', async () => {
  const { formatBytes, tilesOver } = await import('../js/packages.js');
  const { packageId } = await import('../js/package-store.js');
  // By the scheme's definition (OSM "Slippy map tilenames"): zoom 0 is one tile; at zoom 1 the
  // point (0°, 0°) is the corner of the four tiles, so a box just east and south of it is tile (1, 1).
  assert.deepEqual(tilesOver([-10, -10, 10, 10], 0, 0), [[0, 0, 0]]);
  assert.deepEqual(tilesOver([0.1, -10, 10, -0.1], 1, 1), [[1, 1, 1]]);
  assert.deepEqual(tilesOver([-10, -10, 10, 10], 1, 1), [[1, 0, 0], [1, 0, 1], [1, 1, 0], [1, 1, 1]]);
  // Phường Lào Cai's box (the demo): one tile at zoom 10, four at zoom 12; the cap holds.
  const box = [103.934258, 22.450703, 104.059686, 22.571037];
  assert.deepEqual(tilesOver(box, 10, 10), [[10, 807, 446]]);
  assert.equal(tilesOver(box, 12, 12).length, 4);
  assert.equal(tilesOver(box, 8, 18).length, 1500);
  setLang('vi');
  assert.deepEqual([formatBytes(640415), formatBytes(3326967), formatBytes(200 * 1024 * 1024)], ['625 KB', '3,2 MB', '200 MB']);
  assert.equal(packageId(['02752', '02647'], '2026-12-03'), '02647-02752_2026-12-03');
  assert.equal(packageId(['BG-06', 'BG-05'], '2026-12-03', 2000), 'BG-05-BG-06_w2000_2026-12-03');
});
