// Wires the page: session, catalog, map, filters, legend, details and the URL. Each concern
// lives in its own module; this one only connects them.

/* global L */

import { parameterControls } from './analysis.js';
import { clearCache, get, getCached, whenSessionEnded, whenSignedOut } from './api.js';
import { currentUser, endedByServer, hasPermission, signIn, signOut, signOutLater } from './auth.js';
import { loadCatalog } from './catalog.js';
import { createCoordination } from './coordination.js';
import { createFilterPanel } from './filterpanel.js';
import { clearDetails, showDetails } from './details.js';
import { $, el, keepFocus, replace } from './dom.js';
import { errorText, formatDate, formatNumber, setLang, t, tf, title } from './i18n.js';
import { renderLegend } from './legend.js';
import { UNIT_LAYERS, showLineage } from './lineage.js';
import { createMap } from './map.js';
import { createOffline } from './offline.js';
import { createPackages } from './packages.js';
import { createPlanning } from './planning.js';
import { profileSource, showCommuneProfile } from './profile.js';
import { showProvinceReport } from './report.js';
import { createSearch } from './search.js';
import { readHash, state, writeHash } from './state.js';

const EXPORT_FORMATS = [['geojson', 'GeoJSON'], ['csv', 'CSV'], ['kml', 'KML']];

let me = null;
let map = null;
let views = [];
let filters = null;
let busy = 1;
let refreshes = 0;
let highlighted = null;
let search = null;
let coordination = null;
let planning = null;
let editing = null;
let gpx = null;
let track = null;
let packages = null;
const offline = createOffline({
  status: $('#net-status'),
  banner: $('#update-banner'),
  // An update reloads the page: never while something is being written.
  formOpen: () => Boolean(document.querySelector('#edit-form, #plan form, dialog[open]')),
  onOnline: async () => {
    await editing?.outbox()?.sync();
    await track?.sync();
    clearCache();
    if (map) await refresh();
  },
});

// From the very first request (the check of who is signed in): an admin ended the session or
// disabled the user, so the device is wiped at once.
whenSessionEnded(endedByServer);

const setBusy = (delta) => {
  busy += delta;
  document.body.dataset.busy = String(busy);
};

const visible = (view) => (state.layers ? state.layers.has(view.id) : view.coll.style?.visible);
const shownViews = () => views.filter(visible);
const communesOf = (district) => filters.communesOf(district);

async function start() {
  readHash();
  setLang(state.lang);
  me = await currentUser();
  if (!me) me = await signIn($('#signin'));
  performance.mark('antq-signed-in');
  // An expired session: back to the sign-in form, keeping the view in the URL.
  whenSignedOut(() => location.reload());
  $('#app').hidden = false;
  const config = await get('/config.json');
  map = createMap($('#map'), config);
  search = createSearch($('#search'), {
    map: () => map,
    asOf: () => state.asOf,
    layerTitle: (id) => title(views.find((v) => v.id === id)?.coll.titles, id),
    onPick: showHit,
  });
  if (state.centre && state.zoom !== null) map.setView(state.centre, state.zoom);
  map.on('moveend', () => {
    state.zoom = map.getZoom();
    const c = map.getCenter();
    state.centre = [c.lat, c.lng];
    writeHash();
  });
  views = await loadCatalog();
  filters = createFilterPanel({ views: () => views, map: () => map, refresh });
  coordination = createCoordination($('#coord'), { map: () => map, views: () => views, refresh });
  if (coordination.offered() && coordination.chosen()) $('#coord').hidden = false;
  planning = createPlanning($('#plan'), { map: () => map, may: (p) => hasPermission(me, p), onSaved: refresh });
  packages = createPackages($('#packages'), { me, asOf: () => state.asOf, communes: () => filters.communes(), config: () => config });
  const recording = startRecording();
  renderChrome();
  await refresh();
  performance.mark('antq-first-map');
  // A shared selection gets its edit button once the forms are loaded.
  await recording;
  await restoreSelection();
  // After the first map: the worker's install downloads the whole app shell.
  offline.start();
}

/**
 * Editing and GPX upload: their modules (and Leaflet-Geoman) load only for the roles that may
 * use them, so the other roles' first load is unchanged.
 */
function startRecording() {
  const panel = () => {
    $('#details-panel').hidden = false;
    return $('#details');
  };
  const modules = [
    ['#edit-section', 'write', async () => {
      const { createEditing } = await import('./edit.js');
      $('#outbox-section').hidden = false;
      editing = createEditing($('#edit'), { me, map: () => map, panel, close: closeDetails, refresh, outbox: $('#outbox') });
      return editing;
    }],
    ['#gpx-section', 'upload_tracks', async () => {
      const { createGpxUpload } = await import('./gpx.js');
      gpx = createGpxUpload($('#gpx'), { me, map: () => map, refresh });
      return gpx;
    }],
    ['#track-section', 'upload_tracks', async () => {
      const { createTrackRecorder } = await import('./track.js');
      track = createTrackRecorder($('#track'), { me, map: () => map, refresh, beforeSync: currentUser });
      return track;
    }],
  ];
  return Promise.all(modules.filter(([, permission]) => hasPermission(me, permission)).map(async ([section, , load]) => {
    $(section).hidden = false;
    try {
      await (await load()).start();
    } catch (error) {
      replace($(section), el('p', { class: 'error', role: 'alert' }, errorText(error)));
    }
  }));
}

/** Everything whose text depends on the language and the catalog. */
function renderChrome() {
  document.title = t('appTitle');
  $('#app-title').textContent = t('appTitle');
  $('#app-subtitle').textContent = t('appSubtitle');
  $('#user-name').textContent = `${t('signedInAs')}: ${me.display_name || me.username} (${me.role})`;
  const lang = $('#lang-toggle');
  lang.textContent = t('language');
  lang.setAttribute('aria-label', t('languageLabel'));
  $('#print-button').textContent = t('print');
  offline.render();
  search?.render();
  $('#signout').textContent = t('signOut');
  $('#menu-toggle').textContent = `☰ ${t('menu')}`;
  for (const [id, key] of [['h-layers', 'layers'], ['h-filters', 'filters'], ['h-legend', 'legend'],
    ['h-details', 'details'], ['h-report', 'report'], ['report-summary', 'showReport']]) {
    $(`#${id}`).textContent = t(key);
  }
  renderCoordination();
  renderPlanning();
  $('#h-edit').textContent = t('editTitle');
  $('#h-gpx').textContent = t('gpxTitle');
  $('#h-track').textContent = t('trackTitle');
  track?.render();
  $('#h-outbox').textContent = t('outboxTitle');
  $('#h-packages').textContent = t('pkgTitle');
  packages?.render();
  editing?.outbox()?.render();
  editing?.render();
  gpx?.render();
  renderLayerList();
  filters?.render();
  if (!state.selected) clearDetails($('#details'));
}

/** The patrol coordination panel: offered only to those who read the border coverage. */
function renderCoordination() {
  const open = !$('#coord').hidden;
  $('#coord-section').hidden = !coordination?.offered();
  $('#h-coord').textContent = t('coordTitle');
  const toggle = $('#coord-toggle');
  toggle.textContent = open ? t('coordClose') : t('coordOpen');
  toggle.setAttribute('aria-expanded', String(open));
  coordination?.render();
}

/** The patrol planning panel: offered to those who may analyse (and its form to those who may write). */
function renderPlanning() {
  const open = !$('#plan').hidden;
  $('#plan-section').hidden = !planning?.offered();
  $('#h-plan').textContent = t('planTitle');
  const toggle = $('#plan-toggle');
  toggle.textContent = open ? t('planClose') : t('planOpen');
  toggle.setAttribute('aria-expanded', String(open));
  planning?.render();
}

function renderLayerList() {
  const items = views.map((view) => {
    const box = el('input', {
      type: 'checkbox', id: `layer-${view.id}`, 'data-layer': view.id, checked: Boolean(visible(view)),
      onchange: () => {
        state.layers = new Set(shownViews().map((v) => v.id));
        if (box.checked) state.layers.add(view.id); else state.layers.delete(view.id);
        refresh();
      },
    });
    const children = [
      el('label', { for: `layer-${view.id}` }, box, ' ', title(view.coll.titles, view.id), ' ',
        el('span', { class: 'count', 'data-layer-count': view.id })),
    ];
    const choices = view.colourChoices();
    if (choices.length && visible(view)) {
      const select = el('select', {
        'aria-label': `${t('colourBy')}: ${title(view.coll.titles, view.id)}`, 'data-colour-by': view.id,
        onchange: () => { state.colourBy[view.id] = select.value; redraw(view); },
      }, choices.map((c) => el('option', { value: c.name, selected: c.name === view.colourProperty }, c.title)));
      children.push(el('div', { class: 'sub' }, el('span', {}, `${t('colourBy')}: `), select));
    }
    if (visible(view)) children.push(...parameterControls(view.coll, refresh));
    if (visible(view) && hasPermission(me, 'export')) {
      children.push(el('div', { class: 'sub exports' }, `${t('export')}: `,
        EXPORT_FORMATS.map(([f, label]) => el('a', {
          href: view.exportUrl(f, communesOf), download: '', class: 'button', 'data-export': `${view.id}:${f}`,
          'aria-label': `${t('export')} ${title(view.coll.titles, view.id)} ${label}`,
        }, label))));
    }
    return el('li', {}, children);
  });
  replace($('#layers'), items.length ? items : el('li', {}, t('notOffered')));
  updateCounts();
}

function updateCounts() {
  for (const view of views) {
    const node = document.querySelector(`[data-layer-count="${view.id}"]`);
    if (!node) continue;
    node.textContent = visible(view) && view.group ? `(${formatNumber(view.drawn)})` : '';
    if (view.error) {
      node.textContent = `(${t('error')}: ${view.error.message})`;
      node.classList.add('error');
    } else {
      node.classList.remove('error');
    }
  }
}

/** Loads and draws every shown layer under the current filters, then the legend and the URL. */
async function refresh() {
  setBusy(1);
  try {
    if (!filters.loaded()) await filters.load();
    if (!$('#district')) filters.render();
    // A newer refresh (a slider dragged on) may finish first: only the latest one draws.
    const generation = ++refreshes;
    const loaded = await Promise.all(views.map(async (view) => {
      if (!visible(view)) return [view, null, null];
      try {
        return [view, await view.fetch(communesOf), null];
      } catch (error) {
        return [view, null, error];
      }
    }));
    if (generation !== refreshes) return;
    for (const [view, data, error] of loaded) {
      view.error = error;
      if (error) console.error(view.id, error);
      if (data) {
        view.setData(data);
        view.draw(map, select);
      } else {
        view.remove(map);
      }
    }
    afterDraw();
  } finally {
    setBusy(-1);
  }
}

function redraw(view) {
  view.draw(map, select);
  afterDraw();
}

function afterDraw() {
  keepFocus(() => {
    renderLayerList();
    renderLegend($('#legend'), shownViews().filter((v) => v.group), (view) => redraw(view));
  });
  coordination?.render();
  packages?.render();
  renderPrintHeader();
  writeHash();
}

function select(view, feature, layer) {
  if (highlighted) highlighted.layer.setStyle({ weight: highlighted.weight });
  highlighted = null;
  state.selected = `${view.id}/${feature.id}`;
  writeHash();
  showDetails($('#details'), view, feature, closeDetails);
  editing?.decorate($('#details'), view, feature);
  $('#details-panel').hidden = false;
  if (UNIT_LAYERS.has(view.id) && feature.properties.code) {
    showLineage($('#details'), feature.properties.code).catch((error) => console.error(error));
  }
  // A commune (a unit with a district): its key points by month and category, when readable.
  const source = profileSource(views);
  if (source && view.isPolygon && view.queryables?.properties?.district_code && feature.properties.code) {
    showCommuneProfile($('#details'), feature.properties.code, source).catch((error) => console.error(error));
  }
  if (layer?.setStyle && !(layer instanceof L.CircleMarker)) {
    highlighted = { layer, weight: layer.options.weight };
    layer.setStyle({ weight: 4 });
  }
}

/** A search hit picked: its details, when its layer is one this user reads. */
async function showHit(hit) {
  const view = views.find((v) => v.id === hit.layer);
  if (!view) return;
  // At the map's date: a unit closed by a reorganisation is found in its version of that date.
  const at = state.asOf ? `?as_of=${state.asOf}` : '';
  const feature = await getCached(`/api/v1/collections/${hit.layer}/items/${hit.id}${at}`).catch(() => null);
  if (feature) select(view, feature, null);
}

function closeDetails() {
  state.selected = '';
  writeHash();
  clearDetails($('#details'));
  $('#details-panel').hidden = true;
  if (highlighted) highlighted.layer.setStyle({ weight: highlighted.weight });
  highlighted = null;
}

/** Reopens the details of the feature named in the URL. */
async function restoreSelection() {
  if (!state.selected) return;
  const [id, fid] = state.selected.split('/');
  const view = views.find((v) => v.id === id);
  if (!view) return;
  const feature = view.features.find((f) => String(f.id) === fid)
    || await getCached(`/api/v1/collections/${id}/items/${fid}`).catch(() => null);
  if (!feature) return;
  select(view, feature, null);
  // A shared selection outside the shared view: bring it into sight.
  const bounds = L.geoJSON(feature).getBounds();
  if (bounds.isValid() && !map.getBounds().intersects(bounds)) map.fitBounds(bounds, { maxZoom: 15 });
}

function renderPrintHeader() {
  const now = new Date().toISOString().slice(0, 10);
  $('#print-title').textContent = t('appTitle');
  $('#print-meta').textContent = `${t('printedAt')}: ${formatDate(now)} · ${t('printedBy')}: ${me.username} (${me.role})`;
  $('#print-filters').textContent = `${t('filtersApplied')}: ${filters.summary()}`;
}

function toggleMenu(close) {
  const side = $('#side');
  const open = close === true ? false : !side.classList.contains('open');
  side.classList.toggle('open', open);
  $('#menu-toggle').setAttribute('aria-expanded', String(open));
}

function wireHeader() {
  $('#menu-toggle').addEventListener('click', () => toggleMenu());
  $('#lang-toggle').addEventListener('click', () => {
    state.lang = state.lang === 'vi' ? 'en' : 'vi';
    setLang(state.lang);
    renderChrome();
    for (const view of views) if (view.group) view.draw(map, select);
    afterDraw();
    restoreSelection();
    if ($('#report-box').open) showProvinceReport($('#report'), state.asOf);
  });
  $('#print-button').addEventListener('click', () => window.print());
  $('#coord-toggle').addEventListener('click', () => {
    $('#coord').hidden = !$('#coord').hidden;
    renderCoordination();
  });
  $('#plan-toggle').addEventListener('click', () => {
    $('#plan').hidden = !$('#plan').hidden;
    renderPlanning();
    if (!$('#plan').hidden) planning?.open();
  });
  document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && state.selected) closeDetails(); });
  // The printed map has another size: let Leaflet redraw for it (and back).
  window.matchMedia('print').addEventListener('change', () => map?.invalidateSize());
  $('#signout').addEventListener('click', async () => {
    // Records not yet sent are deleted with the rest: the first press says so, the second does it.
    const waiting = ((await editing?.outbox()?.items())?.length || 0) + (track?.waiting() || 0);
    if (waiting && !$('#signout').dataset.confirm) {
      $('#signout').dataset.confirm = '1';
      document.body.append(el('p', { class: 'error', role: 'alert', id: 'signout-pending' }, tf('signOutPending', { n: waiting })));
      return;
    }
    const heard = await signOut();
    await offline.wipe();
    if (!heard) signOutLater();
    location.reload();
  });
  $('#report-box').addEventListener('toggle', (e) => {
    if (e.target.open) showProvinceReport($('#report'), state.asOf);
  });
}

window.antq = {
  /** For tests and diagnostics: what each layer drew. */
  layers: () => views.map((v) => ({
    id: v.id, shown: Boolean(visible(v)), drawn: v.drawn, matched: v.matched,
    mapped: v.group ? v.group.getLayers().length : 0, error: v.error ? String(v.error.message) : null,
  })),
  map: () => map,
  coordinationTracks: () => coordination?.drawnTracks() ?? 0,
  planSegments: () => planning?.drawnSegments() ?? 0,
  editing: () => editing,
  offline: () => offline,
  track: () => track,
};

wireHeader();
start().then(() => setBusy(-1)).catch((error) => {
  setBusy(-1);
  console.error(error);
  document.body.append(el('p', { class: 'error', role: 'alert' }, `${t('error')}: ${error.message}`));
});
