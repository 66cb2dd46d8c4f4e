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

/* global SHELL_VERSION, SHELL_FILES */

const SHELL_CACHE = `antq-shell-${SHELL_VERSION}`;
const DATA_CACHE = 'antq-data';
const SHELL = new Set(SHELL_FILES);
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
  if (message.type === 'wipe') event.waitUntil(caches.delete(DATA_CACHE).then(() => reply({ wiped: true })));
});

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
  }
});

/** What the data cache keeps: the API's reads, the signed-in user and the page's settings. */
function isData(url) {
  if (url.pathname === '/auth/me' || url.pathname === '/config.json') return true;
  // Exports are downloads (and `no-store`): never kept.
  return url.pathname.startsWith('/api/v1/') && !url.pathname.endsWith('/export');
}

async function fromShell(path, request) {
  const cached = await caches.match(path, { cacheName: SHELL_CACHE });
  return cached || fetch(request);
}

async function fromData(event, request) {
  const cache = await caches.open(DATA_CACHE);
  const network = fetch(request).then(async (response) => {
    if (response.status === 200) await cache.put(request, await stamped(response.clone()));
    return response;
  });
  event.waitUntil(network.catch(() => null));
  const copy = await cache.match(request);
  if (!copy) return network;
  const slow = new Promise((resolve) => { setTimeout(() => resolve(null), SLOW_MS); });
  const answer = await Promise.race([network.catch(() => null), slow]);
  return answer || marked(copy);
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
