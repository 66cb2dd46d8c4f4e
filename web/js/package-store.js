// Where offline area packages live on the device, shared by the page (js/packages.js) and the
// service worker (sw/worker.js imports nothing, so it repeats the few names below; keep them in
// step). One package is one Cache Storage cache named `antq-pkg-<id>` (the shared contract:
// every `antq-` cache but the app shell is data, wiped at sign-out), holding:
// - `/antq-pkg/layers/<layer id>`: the layer's features, one GeoJSON FeatureCollection;
// - `/antq-pkg/tiles/<z>/<x>/<y>`: base map tiles, when the installation serves its own;
// - `/antq-pkg/meta`: what the package is (written last: a cache without it is an unfinished
//   download, which nothing reads and the next page load deletes).

export const PREFIX = 'antq-pkg-';
export const META = '/antq-pkg/meta';
export const layerKey = (id) => `/antq-pkg/layers/${encodeURIComponent(id)}`;
export const tileKey = (z, x, y) => `/antq-pkg/tiles/${z}/${x}/${y}`;

/**
 * A package's id: its communes (or segments and width) and date, so a refresh of the same area
 * and date replaces it.
 */
export const packageId = (codes, asOf, width) => `${[...codes].sort().join('-')}${width ? `_w${width}` : ''}_${asOf}`;

/** Whether package `meta` has expired at `now` (the server's `expires_at`, when it sets one). */
export const expired = (meta, now = Date.now()) => Boolean(meta.expires_at) && Date.parse(meta.expires_at) <= now;

const json = (value) => new Response(JSON.stringify(value), { headers: { 'Content-Type': 'application/json' } });

/** Every stored package's meta, newest first (a download being stored is not one yet). */
export async function listPackages() {
  if (!('caches' in self)) return [];
  const out = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith(PREFIX)) continue;
    const meta = await (await caches.open(name)).match(META);
    if (meta) out.push(await meta.json());
  }
  return out.sort((a, b) => b.stored_at.localeCompare(a.stored_at));
}

/**
 * Deletes what a download cut short left (a package cache without its meta). Run when the page
 * opens, never while a download is being stored (it would look unfinished, and be lost).
 */
export async function sweepUnfinished() {
  if (!('caches' in self)) return;
  for (const name of await caches.keys()) {
    if (name.startsWith(PREFIX) && !(await (await caches.open(name)).match(META))) await caches.delete(name);
  }
}

/**
 * Stores `pkg` (the parsed area.json document) as package `meta.id`, replacing any older copy:
 * the layers, then `tiles` (`[[z, x, y, Response]]`), then the meta.
 */
export async function storePackage(pkg, meta, tiles = []) {
  const name = PREFIX + meta.id;
  await caches.delete(name);
  const cache = await caches.open(name);
  for (const layer of pkg.layers) {
    await cache.put(layerKey(layer.name), json({ type: 'FeatureCollection', features: layer.features }));
  }
  for (const [z, x, y, response] of tiles) await cache.put(tileKey(z, x, y), response);
  await cache.put(META, json(meta));
}

export const deletePackage = (id) => caches.delete(PREFIX + id);
