// The service worker of the web map (served as /sw.js, after the two lines the server writes:
// SHELL_VERSION and SHELL_FILES). It keeps two caches:
// - the app shell (`antq-shell-<version>`): the page, its modules, styles, icons and Leaflet,
//   fetched whole at install and answered from the cache, so the map opens with no network. A
//   new version installs beside the old one and waits: the page offers it, and only the user's
//   click (never in the middle of a form) lets it take over.
// - the data (`antq-data`): every answer of the API the page read, kept with the time it came
//   (x-antq-synced-at). With the network on, the network answers and the copy is renewed; when
//   it fails (or is slower than SLOW_MS and a copy exists), the copy answers, marked
//   x-antq-from-cache, so the page can say how old what it shows is. Signing out empties it.
// A layer's items with no kept copy and no network come from the area packages the user
// downloaded (`antq-pkg-<id>`, written by web/js/package-store.js), as do the base map's tiles.

/* global SHELL_VERSION, SHELL_FILES */

const SHELL_CACHE = `antq-shell-${SHELL_VERSION}`;
const DATA_CACHE = 'antq-data';
const SHELL = new Set(SHELL_FILES);
// The area packages' names, as web/js/package-store.js writes them (a worker imports no module).
const PKG_PREFIX = 'antq-pkg-';
const PKG_META = '/antq-pkg/meta';
const ITEMS = /^\/api\/v1\/collections\/([^/]+)\/items$/;
// The items route's parameters that are not `property=value` filters.
const NOT_FILTERS = new Set(['limit', 'offset', 'as_of', 'datetime', 'filter', 'filter-lang', 'bbox', 'bbox-crs',
  'f', 'properties', 'sortby', 'precision', 'zoom']);
// On a weak signal a request can hang for minutes: past this, a copy answers (the network's
// answer, when it comes, still renews the copy).
const SLOW_MS = 8000;

self.addEventListener('install', (event) => {
  // `reload`: the files as the server has them now, never an older copy from the HTTP cache.
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SHELL_FILES.map((url) => new Request(url, { cache: 'reload' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('antq-shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    // The first visit's page becomes controlled at once, so what it reads next is kept.
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  const message = event.data || {};
  const reply = (answer) => event.ports[0]?.postMessage(answer);
  if (message.type === 'skip-waiting') self.skipWaiting();
  if (message.type === 'version') reply({ version: SHELL_VERSION });
  if (message.type === 'warm') event.waitUntil(warm(message.urls || []).then(reply));
  if (message.type === 'wipe') event.waitUntil(wipe().then(() => reply({ wiped: true })));
});

/** Deletes every cache of data (the kept answers and the area packages), never the app shell. */
async function wipe() {
  for (const name of await caches.keys()) {
    if (name.startsWith('antq-') && !name.startsWith('antq-shell-')) await caches.delete(name);
  }
}

/** The data URLs the page read before this worker controlled it, fetched again into the cache. */
async function warm(urls) {
  const cache = await caches.open(DATA_CACHE);
  let kept = 0;
  for (const url of urls) {
    if (!isData(new URL(url, self.location.origin))) continue;
    try {
      const response = await fetch(url, { credentials: 'same-origin' });
      if (response.status === 200) {
        await cache.put(url, await stamped(response));
        kept += 1;
      }
    } catch {
      // Offline already: what could not be fetched is simply not kept.
    }
  }
  return { kept };
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && (url.pathname === '/' || url.pathname === '/index.html')) {
    event.respondWith(fromShell('/', request));
  } else if (SHELL.has(url.pathname)) {
    event.respondWith(fromShell(url.pathname, request));
  } else if (isData(url)) {
    event.respondWith(fromData(event, request));
  } else if (url.pathname.startsWith('/basemap/')) {
    event.respondWith(fromBasemap(request, url));
  }
});

/** What the data cache keeps: the API's reads, the signed-in user and the page's settings. */
function isData(url) {
  if (url.pathname === '/auth/me' || url.pathname === '/config.json') return true;
  // Exports and packages are downloads (and `no-store`): never kept.
  return url.pathname.startsWith('/api/v1/') && !url.pathname.endsWith('/export')
    && !url.pathname.startsWith('/api/v1/packages/');
}

async function fromShell(path, request) {
  const cached = await caches.match(path, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

async function fromData(event, request) {
  // The cache is opened only to keep an answer: a wiped phone (signed out, or its session ended
  // on the server) keeps no `antq-data` at all until it reads data again.
  const network = fetch(request).then(async (response) => {
    if (response.status === 200) await (await caches.open(DATA_CACHE)).put(request, await stamped(response.clone()));
    return response;
  });
  event.waitUntil(network.catch(() => null));
  // Any answer of the network wins, a 401 included (never kept, never replaced by a copy): the
  // page must see a session the server ended, and wipe what this device keeps.
  const copy = await caches.match(request, { cacheName: DATA_CACHE });
  const slow = new Promise((resolve) => { setTimeout(() => resolve(null), SLOW_MS); });
  if (!copy) {
    // No kept copy: a layer's items may be in the area packages (read only when needed).
    if (!ITEMS.test(new URL(request.url).pathname)) return network;
    const answer = await Promise.race([network.catch(() => null), slow]);
    return answer || (await fromPackages(new URL(request.url))) || network;
  }
  const answer = await Promise.race([network.catch(() => null), slow]);
  return answer || marked(copy);
}

/** The area packages not expired (the server's `expires_at`), each as `[cache, meta]`. */
async function livePackages() {
  const out = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith(PKG_PREFIX)) continue;
    const cache = await caches.open(name);
    const meta = await (await cache.match(PKG_META))?.json();
    if (meta && !(meta.expires_at && Date.parse(meta.expires_at) <= Date.now())) out.push([cache, meta]);
  }
  return out;
}

/**
 * The items of the layer of `url` from every live package holding it, each feature once, with
 * the request's `property=value` filters applied (the area filter of the map); `null` when no
 * package holds the layer. Marked as a kept copy made when the oldest of them was built.
 */
async function fromPackages(url) {
  const id = decodeURIComponent(ITEMS.exec(url.pathname)[1]);
  const filters = [...url.searchParams].filter(([key]) => !NOT_FILTERS.has(key));
  const seen = new Set();
  const features = [];
  let oldest = null;
  for (const [cache, meta] of await livePackages()) {
    const layer = await cache.match(`/antq-pkg/layers/${encodeURIComponent(id)}`);
    if (!layer) continue;
    if (!oldest || meta.generated_at < oldest) oldest = meta.generated_at;
    for (const feature of (await layer.json()).features) {
      if (seen.has(feature.id) || !filters.every(([key, value]) => holds(feature.properties, key, value))) continue;
      seen.add(feature.id);
      features.push(feature);
    }
  }
  if (!oldest) return null;
  const body = { type: 'FeatureCollection', features, numberMatched: features.length, numberReturned: features.length };
  return new Response(JSON.stringify(body), {
    headers: { 'Content-Type': 'application/geo+json', 'x-antq-from-cache': '1', 'x-antq-from-package': '1', 'x-antq-synced-at': oldest },
  });
}

/** Whether `properties` pass `key=value` as the server reads it (a list holds when one element does). */
function holds(properties, key, value) {
  if (!(key in properties)) return true; // not a property of the layer: the server would have said so
  const v = properties[key];
  return Array.isArray(v) ? v.map(String).includes(value) : String(v) === value;
}

/** A base map tile: the network, else (offline) a package's copy. */
async function fromBasemap(request, url) {
  try {
    return await fetch(request);
  } catch (error) {
    const key = url.pathname.replace(/^\/basemap\//, '/antq-pkg/tiles/');
    for (const [cache] of await livePackages()) {
      const tile = await cache.match(key);
      if (tile) return tile;
    }
    throw error;
  }
}

/** `response` with the time it came, as the cache keeps it. */
async function stamped(response) {
  const headers = new Headers(response.headers);
  // The body is kept decoded: these described the wire, not the copy.
  headers.delete('content-encoding');
  headers.delete('content-length');
  headers.set('x-antq-synced-at', new Date().toISOString());
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

/** A kept copy, marked as such for the page. */
async function marked(copy) {
  const headers = new Headers(copy.headers);
  headers.set('x-antq-from-cache', '1');
  return new Response(await copy.blob(), { status: copy.status, statusText: copy.statusText, headers });
}
