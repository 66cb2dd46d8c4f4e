// The export buttons download the layer under the current filters: as many features as drawn.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';

import { errorsAfterSignIn, idle, launch, layer, openPage, signIn } from './support.js';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** Records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines). */
function csvRecords(text) {
  let records = 0;
  let quoted = false;
  let fieldStart = true;
  let any = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"' && fieldStart) {
      quoted = true;
    } else if (c === '\n') {
      records += 1;
      any = false;
      fieldStart = true;
      continue;
    }
    any = true;
    fieldStart = c === ',';
  }
  return records + (any ? 1 : 0);
}

const COUNT = {
  geojson: (text) => JSON.parse(text).features.length,
  csv: (text) => csvRecords(text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n')) - 1,
  kml: (text) => (text.match(/<Placemark[\s>]/g) || []).length,
};

async function download(page, id, f) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(`[data-export="${id}:${f}"]`)]);
  const text = await readFile(await file.path(), 'utf8');
  return { name: file.suggestedFilename(), count: COUNT[f](text) };
}

test('exports of a filtered layer hold exactly the features drawn', async () => {
  const { context, page, seen } = await openPage(browser);
  // Key points of 2019 in Bát Xát, without the "crime" category; communes of Bát Xát.
  await signIn(page, 'analyst', '#l=communes,key_points&from=2019-01&to=2019-12&d=082&asof=2020-04-15');
  await page.locator('[data-legend="key_points"] input[data-category="crime"]').uncheck();
  await idle(page);
  for (const id of ['key_points', 'communes']) {
    const drawn = (await layer(page, id)).drawn;
    assert.ok(drawn > 0, `${id}: nothing drawn`);
    for (const f of ['geojson', 'csv', 'kml']) {
      const { name, count } = await download(page, id, f);
      assert.equal(count, drawn, `${id} ${f} (${name}): ${count} features, ${drawn} drawn`);
    }
  }
  assert.ok((await layer(page, 'key_points')).drawn < 3000);
  assert.deepEqual(errorsAfterSignIn(seen), []);
  await context.close();
});
