// The offline area package panel (#18 item 2): before going into the field a user chooses the
// communes of the map's date, or a stretch of border (segments and a width), sees the package's estimated size and the browser's storage, asks
// the browser to keep the data for good (`navigator.storage.persist()`), and downloads
// `GET /api/v1/packages/area.json` (the layers the role reads, restricted records within that
// area) into Cache Storage (js/package-store.js). With no network the service worker draws
// the map's layers from the packages. Packages are listed with their date, size and age, and can
// be refreshed (downloaded again) or deleted; one the server gave an expiry is shown expired and
// no longer used once it passes.

import { ApiError, getCached, query } from './api.js';
import { el, keepFocus, replace } from './dom.js';
import { errorText, formatDate, formatNumber, t, tf } from './i18n.js';
import { ageText } from './offline.js';
import { deletePackage, expired, listPackages, packageId, storePackage, sweepUnfinished } from './package-store.js';

/** The most base map tiles one package keeps (about 15 MB of 10 KB tiles). */
const MAX_BASEMAP_TILES = 1500;
/** The widths offered for a stretch of border, metres either side (the server's default 2,000). */
const WIDTHS = [1000, 2000, 5000];
const SEGMENTS = '/api/v1/collections/border_segments/items?limit=10000&properties=code,name,commune_name';

/** `bytes` as people read it: 820 KB, 1,4 MB. */
export function formatBytes(bytes) {
  if (!(bytes >= 0)) return '?';
  if (bytes < 1024 * 1024) return `${formatNumber(Math.max(1, Math.round(bytes / 1024)))} KB`;
  const mb = bytes / (1024 * 1024);
  return `${formatNumber(Math.round(mb * (mb < 100 ? 10 : 1)) / (mb < 100 ? 10 : 1))} MB`;
}

/** Today in Vietnam (UTC+7) as YYYY-MM-DD: the date the server reads when none is given. */
const today = () => new Date(Date.now() + 7 * 3600 * 1000).toISOString().slice(0, 10);

/**
 * The panel in `container`. `ctx`: `me` (GET /auth/me), `asOf()` (the map's date, '' for today),
 * `communes()` (the communes of the map's date: `{code, name, district_code}`), `config()`
 * (GET /config.json), `onChange()` (after a package was stored or deleted).
 */
export function createPackages(container, ctx) {
  const supported = 'caches' in window;
  // Before any download of this page: what a closed tab or a crash left half stored.
  const swept = supported ? sweepUnfinished().catch(() => {}) : Promise.resolve();
  let open = false;
  let kind = 'communes'; // or 'segments': what the codes chosen are
  let chosen = [];
  let width = 2000;
  let segments = []; // the border segments offered: {code, name, commune_name}
  let estimate = null; // {text} or {error}
  let storage = '';
  let note = '';
  let busy = '';
  let list = [];

  /** The communes offered: a user bound to a jurisdiction gets those of today's jurisdiction. */
  function offered() {
    const all = ctx.communes();
    const own = ctx.me.jurisdiction_today || [];
    if (!ctx.me.jurisdiction_bound || ctx.asOf()) return all;
    return all.filter((c) => own.includes(c.code) || own.includes(c.district_code));
  }

  async function render() {
    await swept;
    list = supported ? await listPackages() : [];
    const toggle = el('button', {
      type: 'button', id: 'pkg-toggle', 'aria-expanded': String(open), 'aria-controls': 'pkg-body',
      onclick: () => { open = !open; if (open) showStorage(); render(); },
    }, open ? t('pkgClose') : t('pkgOpen'));
    if (!open) {
      replace(container, toggle, list.length ? el('p', { class: 'hint' }, listSummary()) : null);
      return;
    }
    const choices = kind === 'segments'
      ? segments.map((g) => ({ code: g.code, name: `${g.code} ${g.name}` }))
      : offered();
    const name = (code) => choices.find((c) => c.code === code)?.name || code;
    const select = el('select', { id: 'pkg-commune', 'aria-label': t(kind === 'segments' ? 'pkgSegment' : 'pkgCommune') },
      choices.filter((c) => !chosen.includes(c.code)).map((c) => el('option', { value: c.code }, c.name)));
    const kinds = el('select', { id: 'pkg-kind', onchange: (e) => choose(e.target.value) },
      el('option', { value: 'communes', selected: kind === 'communes' }, t('pkgByCommunes')),
      el('option', { value: 'segments', selected: kind === 'segments' }, t('pkgBySegments')));
    const widths = kind === 'segments' ? [el('label', { for: 'pkg-width' }, t('pkgWidth')),
      el('select', { id: 'pkg-width', onchange: (e) => { width = Number(e.target.value); estimate = null; render(); } },
        WIDTHS.map((w) => el('option', { value: w, selected: w === width }, `${formatNumber(w / 1000)} km`)))] : [];
    const body = el('div', { id: 'pkg-body', class: 'packages-body' },
      el('p', { class: 'hint' }, t('pkgIntro')),
      el('p', {}, tf('pkgDate', { date: formatDate(ctx.asOf() || today()) })),
      el('label', { for: 'pkg-kind' }, t('pkgKind')), kinds,
      el('label', { for: 'pkg-commune' }, t(kind === 'segments' ? 'pkgSegment' : 'pkgCommune')),
      el('div', { class: 'row' }, select,
        el('button', { type: 'button', id: 'pkg-add', onclick: () => add(select.value) }, t('pkgAdd'))),
      ...widths,
      el('p', {}, `${t('pkgChosen')}: `, chosen.length ? chosen.map((code) => el('span', { class: 'chip', 'data-pkg-chosen': code },
        name(code), ' ', el('button', {
          type: 'button', class: 'link', 'aria-label': tf('pkgRemove', { name: name(code) }),
          onclick: () => { chosen = chosen.filter((c) => c !== code); estimate = null; render(); },
        }, '✕'))) : t('pkgNoneChosen')),
      el('div', { class: 'row' },
        el('button', { type: 'button', id: 'pkg-estimate', disabled: !chosen.length || Boolean(busy), onclick: runEstimate }, t('pkgEstimate')),
        el('button', { type: 'button', id: 'pkg-download', class: 'primary', disabled: !chosen.length || Boolean(busy), onclick: () => download(area(), ctx.asOf()) }, t('pkgDownload'))),
      estimate ? el('p', { id: 'pkg-size', class: estimate.error ? 'error' : '' }, estimate.text) : null,
      el('p', { id: 'pkg-storage', class: 'hint' }, storage),
      el('p', { id: 'pkg-note', role: 'status', 'data-busy': busy ? '1' : '0' }, busy || note),
      el('h3', {}, t('pkgList')),
      list.length ? el('ul', { id: 'pkg-list', class: 'packages' }, list.map(item)) : el('p', { id: 'pkg-list' }, t('pkgEmpty')));
    keepFocus(() => replace(container, toggle, supported ? body : el('p', { class: 'error' }, t('pkgNoCaches'))));
  }

  const listSummary = () => list.map((p) => `${names(p)} (${formatDate(p.as_of)})`).join('; ');
  // A stretch of border is named by its segments (and width), communes by their names.
  const names = (meta) => (meta.segments?.length
    ? `${meta.segments.map((g) => g.code).join(', ')} (${formatNumber(meta.width / 1000)} km)`
    : meta.communes.map((c) => c.name).join(', '));
  /** The area chosen, as the package routes' parameters. */
  const area = () => (kind === 'segments' ? { segments: chosen.join(','), width } : { communes: chosen.join(',') });
  /** A stored package's area, to download it again. */
  const areaOf = (meta) => (meta.segments?.length
    ? { segments: meta.segments.map((g) => g.code).join(','), width: meta.width }
    : { communes: meta.communes.map((c) => c.code).join(',') });

  function item(meta) {
    const old = expired(meta);
    return el('li', { 'data-package': meta.id, class: old ? 'expired' : '' },
      el('strong', {}, names(meta)), el('br'),
      tf('pkgItem', { date: formatDate(meta.as_of), size: formatBytes(meta.bytes), age: ageText(meta.stored_at) }),
      meta.expires_at ? el('span', { class: old ? 'error' : 'hint' }, ` · ${old ? t('pkgExpired') : tf('pkgExpires', { date: formatDate(meta.expires_at) })}`) : null,
      el('div', { class: 'row' },
        el('button', { type: 'button', 'data-pkg-refresh': meta.id, disabled: Boolean(busy), onclick: () => download(areaOf(meta), meta.as_of) }, t('pkgRefresh')),
        el('button', { type: 'button', 'data-pkg-delete': meta.id, disabled: Boolean(busy), onclick: () => remove(meta) }, t('pkgDelete'))));
  }

  /** Chooses communes or segments (the server takes one or the other), loading the segments once. */
  async function choose(next) {
    kind = next;
    chosen = [];
    estimate = null;
    if (kind === 'segments' && !segments.length) {
      segments = (await getCached(SEGMENTS).catch(() => ({ features: [] }))).features.map((f) => f.properties);
    }
    render();
  }

  function add(code) {
    if (code && !chosen.includes(code)) chosen = [...chosen, code];
    estimate = null;
    render();
  }

  async function showStorage() {
    if (!navigator.storage?.estimate) { storage = t('pkgNoStorage'); return; }
    const { usage = 0, quota = 0 } = await navigator.storage.estimate();
    storage = tf('pkgStorage', { used: formatBytes(usage), free: formatBytes(Math.max(0, quota - usage)) });
    render();
  }

  /** The server's estimate (of the same area's vector tile package: the data the JSON holds). */
  async function runEstimate() {
    busy = t('pkgEstimating');
    render();
    try {
      const e = await getCached(`/api/v1/packages/estimate${query({ ...area(), as_of: ctx.asOf() })}`);
      estimate = { text: tf('pkgSize', { size: formatBytes(e.bytes_estimate), tiles: formatNumber(e.tiles), min: e.minzoom, max: e.maxzoom }) };
    } catch (error) {
      estimate = { error: true, text: `${t('pkgNoEstimate')}: ${errorText(error)}` };
    }
    busy = '';
    await showStorage();
  }

  /** Downloads and keeps the package of `chosenArea` at `asOf` ('' for today), replacing an older copy. */
  async function download(chosenArea, asOf) {
    if (!navigator.onLine) { note = t('pkgOffline'); render(); return; }
    // Asked on the user's press, as browsers want; Chromium answers from the site's engagement.
    const persisted = navigator.storage?.persist ? await navigator.storage.persist().catch(() => false) : false;
    try {
      busy = tf('pkgDownloading', { size: formatBytes(0) });
      render();
      const response = await fetch(`/api/v1/packages/area.json${query({ ...chosenArea, as_of: asOf })}`,
        { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
      const text = await readAll(response, (n) => {
        busy = tf('pkgDownloading', { size: formatBytes(n) });
        const line = container.querySelector('#pkg-note');
        if (line) line.textContent = busy;
      });
      const pkg = JSON.parse(text);
      const tiles = await basemapTiles(pkg.bbox);
      const meta = {
        id: packageId(pkg.segments?.length ? pkg.segments.map((g) => g.code) : pkg.communes.map((c) => c.code), pkg.as_of, pkg.width),
        communes: pkg.communes,
        segments: pkg.segments || [],
        width: pkg.width || null,
        as_of: pkg.as_of,
        bbox: pkg.bbox,
        generated_at: pkg.generated_at,
        expires_at: pkg.expires_at || null,
        stored_at: new Date().toISOString(),
        bytes: new Blob([text]).size + tiles.bytes,
        layers: pkg.layers.map((l) => ({ id: l.name, count: l.features.length })),
        basemap_tiles: tiles.list.length,
      };
      await storePackage(pkg, meta, tiles.list);
      note = `${tf('pkgStored', { name: names(meta), size: formatBytes(meta.bytes) })} ${persisted ? t('pkgPersisted') : t('pkgNotPersisted')}`;
      chosen = [];
      estimate = null;
    } catch (error) {
      note = errorText(error);
    }
    busy = '';
    await showStorage();
    ctx.onChange?.();
  }

  /** The base map's tiles over `bbox` when this installation serves a raster one itself. */
  async function basemapTiles(bbox) {
    const basemap = ctx.config()?.basemap;
    const out = { list: [], bytes: 0 };
    if (!basemap?.url?.startsWith('/basemap/') || basemap.vector) return out;
    const coords = tilesOver(bbox, Math.max(basemap.minzoom ?? 0, 8), Math.min(basemap.maxzoom ?? 16, 16));
    for (const [z, x, y] of coords) {
      const response = await fetch(`/basemap/${z}/${x}/${y}`, { credentials: 'same-origin' }).catch(() => null);
      if (response?.status !== 200) continue;
      const blob = await response.blob();
      out.bytes += blob.size;
      out.list.push([z, x, y, new Response(blob, { headers: { 'Content-Type': response.headers.get('Content-Type') || 'image/png' } })]);
      if (out.list.length % 50 === 0) {
        const line = container.querySelector('#pkg-note');
        if (line) line.textContent = tf('pkgTiles', { n: formatNumber(out.list.length) });
      }
    }
    return out;
  }

  async function remove(meta) {
    await deletePackage(meta.id);
    note = tf('pkgDeleted', { name: names(meta) });
    await showStorage();
    ctx.onChange?.();
  }

  return { render };
}

/** The body of `response` as text, calling `progress(bytes)` as chunks arrive. */
async function readAll(response, progress) {
  const reader = response.body.getReader();
  const chunks = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    progress(received);
  }
  return new TextDecoder().decode(await new Blob(chunks).arrayBuffer());
}

/** The XYZ tiles over `bbox` (west, south, east, north) from zoom `min` to `max`, at most MAX_BASEMAP_TILES. */
export function tilesOver([west, south, east, north], min, max) {
  const out = [];
  const column = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
  const row = (lat, z) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  };
  for (let z = min; z <= max; z += 1) {
    for (let x = column(west, z); x <= column(east, z); x += 1) {
      for (let y = row(north, z); y <= row(south, z); y += 1) {
        if (out.length >= MAX_BASEMAP_TILES) return out;
        out.push([z, x, y]);
      }
    }
  }
  return out;
}
