// Recording on the map, for the roles that may write (editors, admins): place a key point or a
// model site by clicking the map, move it by dragging (Leaflet-Geoman, loaded only for these
// roles), fill its form (built from GET /api/v1/forms/{kind}), move a key point along its status
// workflow, read its history. Places outside the user's jurisdiction are not offered; the server
// checks again and its refusal is shown. A 412 opens the conflict dialog: never a silent overwrite.

/* global L */

import { ApiError, clearCache, get, send } from './api.js';
import { currentUser, hasPermission } from './auth.js';
import { showConflict } from './conflict.js';
import { el, replace } from './dom.js';
import { withGeoman } from './geoman.js';
import { buildForm, display, label, problems } from './form.js';
import { historyTable } from './history.js';
import { errorText, t } from './i18n.js';
import { jurisdictionTest } from './jurisdiction.js';
import { createOutbox, newItem } from './outbox.js';

/** The editable layers: their form and write route. */
const KINDS = {
  key_points: { form: 'key-points', base: '/api/v1/key-points', add: 'editAddKeyPoint' },
  model_sites: { form: 'model-sites', base: '/api/v1/model-sites', add: 'editAddModelSite' },
};

/** An outbox item's Feature as the conflict dialog compares it. */
const mineOf = (feature) => ({ properties: feature.properties, coordinates: feature.geometry?.coordinates || null });

/**
 * The recording panel in `container` (the side bar) and the editor in the details panel.
 * `ctx`: `me`, `map()`, `panel()` (opens and returns the details container), `refresh()`.
 */
export function createEditing(container, ctx) {
  let ready = false; // render() waits for start()
  const offered = hasPermission(ctx.me, 'write');
  const forms = {};
  let inside = () => true;
  let message = null;
  let draft = null; // {kind, marker} while placing or editing
  const outbox = ctx.outbox ? createOutbox(ctx.outbox, {
    send,
    beforeSync: currentUser,
    conflict: (item, error) => showConflict(forms[item.layer], mineOf(item.body), error),
    fix: (item) => fixQueued(item),
    synced: () => changed(),
  }) : null;

  const say = (text, error = false) => {
    if (!message) return;
    message.textContent = text;
    message.className = error ? 'error' : 'hint';
  };

  async function start() {
    if (!offered) return;
    await withGeoman(ctx.map());
    for (const [layer, kind] of Object.entries(KINDS)) forms[layer] = await get(`/api/v1/forms/${kind.form}`);
    inside = await jurisdictionTest(ctx.me);
    ctx.map().on('pm:create', (e) => placed(e.layer));
    // Escape drops a marker being placed or moved (the conflict dialog handles its own Escape).
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && draft && !document.querySelector('dialog[open]')) { clearDraft(); say(''); }
    });
    ready = true;
    render();
    if (outbox) {
      await outbox.render();
      if (navigator.onLine) outbox.sync();
    }
  }

  function render() {
    if (!offered || !ready) return;
    message = el('p', { class: 'hint', role: 'status', id: 'edit-message' });
    replace(container,
      Object.entries(KINDS).map(([layer, kind]) => el('button', {
        type: 'button', 'data-add': layer, onclick: () => arm(layer),
      }, t(kind.add))),
      message);
  }

  function clearDraft() {
    ctx.map().pm?.disableDraw();
    if (draft?.marker) draft.marker.remove();
    draft = null;
  }

  /** Waits for a click on the map that places a new feature of `layer`. */
  function arm(layer) {
    clearDraft();
    draft = { layer, marker: null };
    say(t('editClickMap'));
    ctx.map().pm.enableDraw('Marker', { continueDrawing: false });
    // Without a pointer: pan the map (arrow keys) and place the point at its centre.
    message.append(' ', el('button', {
      type: 'button', id: 'edit-at-centre',
      onclick: () => { ctx.map().pm.disableDraw(); placed(L.marker(ctx.map().getCenter()).addTo(ctx.map())); },
    }, t('editAtCentre')));
  }

  function placed(marker) {
    if (!draft || draft.marker) { marker.remove(); return; }
    const { lat, lng } = marker.getLatLng();
    if (!inside([lng, lat])) {
      marker.remove();
      const layer = draft.layer;
      draft = null;
      say(t('editOutside'), true);
      ctx.map().pm.disableDraw();
      // The test and a keyboard user can try again at once.
      container.querySelector(`[data-add="${layer}"]`)?.focus();
      return;
    }
    draft.marker = marker;
    marker.pm.enableLayerDrag();
    say(t('editDragHint'));
    openForm(draft.layer, null);
  }

  /**
   * The form for a new feature (`current` null) or for `current` ({feature, etag}); `queued`: an
   * outbox item being fixed (its values fill the form, and saving replaces it).
   */
  function openForm(layer, current, queued = null) {
    const spec = forms[layer];
    const creating = !current;
    const body = ctx.panel();
    const errorBox = el('div', { class: 'error', role: 'alert', id: 'edit-error' });
    const form = buildForm(spec, queued?.body.properties || current?.feature.properties || {}, creating);
    const where = el('p', { class: 'hint', id: 'edit-where' });
    const showWhere = () => {
      const p = draft?.marker?.getLatLng();
      where.textContent = p ? `${t('editLocation')}: ${p.lat.toFixed(6)}, ${p.lng.toFixed(6)}` : '';
    };
    draft?.marker?.on('pm:dragend', showWhere);
    showWhere();
    const submit = async (event) => {
      event.preventDefault();
      replace(errorBox);
      const properties = form.read();
      const p = draft?.marker?.getLatLng();
      const coordinates = p ? [p.lng, p.lat] : null;
      if (coordinates && !inside(coordinates)) { replace(errorBox, t('editOutside')); return; }
      await save(layer, current, { properties, coordinates }, errorBox, current?.etag, queued);
    };
    replace(body,
      el('h3', {}, `${label(spec)}${current ? ` ${current.feature.properties.code}` : ''}`),
      el('form', { id: 'edit-form', class: 'edit-form', onsubmit: submit },
        form.node, where,
        el('div', { class: 'buttons' },
          el('button', { type: 'submit', id: 'edit-save' }, t('editSave')),
          el('button', { type: 'button', onclick: () => { clearDraft(); say(''); ctx.close(); } }, t('editCancel'))),
        errorBox));
    body.querySelector('input:not([disabled]), select, textarea')?.focus();
  }

  /**
   * Sends a create or an edit; a 412 opens the conflict dialog with both versions. With no
   * network (or when the send fails on the way), the write goes to the outbox instead.
   */
  async function save(layer, current, mine, errorBox, ifMatch = current?.etag, queued = null) {
    const kind = KINDS[layer];
    const feature = {
      type: 'Feature',
      geometry: mine.coordinates ? { type: 'Point', coordinates: mine.coordinates } : null,
      properties: mine.properties,
    };
    const item = {
      ...(queued || newItem({})),
      layer,
      method: current ? 'PATCH' : 'POST',
      path: current ? `${kind.base}/${current.feature.id}` : kind.base,
      body: feature,
      ifMatch: current ? ifMatch : undefined,
      label: mine.properties.code || current?.feature.properties.code || '',
    };
    if (outbox && (queued || !navigator.onLine)) return queue(item);
    try {
      const done = await send(item.method, item.path, feature, { ifMatch: item.ifMatch, key: item.id });
      clearDraft();
      say(t('editSaved'));
      await changed();
      await openEditor(layer, done.data.id);
    } catch (error) {
      // Lost on the way (the signal went): the outbox sends it again under the same key.
      if (!(error instanceof ApiError) && outbox) return queue(item);
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 412) {
        const choice = await showConflict(forms[layer], mine, error);
        if (choice === 'mine') return save(layer, current, mine, errorBox, `"${error.body.current_version}"`);
        clearDraft();
        await changed();
        return openEditor(layer, current.feature.id);
      }
      replace(errorBox, errorText(error), problems(error));
    }
    return null;
  }

  /** Puts `item` in the outbox, and says so. */
  async function queue(item) {
    clearDraft();
    await outbox.add(item);
    ctx.close();
    say(t('outboxQueued'));
    return null;
  }

  /** A refused outbox item back in its form, its marker where it was. */
  function fixQueued(item) {
    clearDraft();
    const [lon, lat] = item.body.geometry?.coordinates || [];
    const marker = lon === undefined ? null : L.marker([lat, lon]).addTo(ctx.map());
    marker?.pm.enableLayerDrag();
    draft = { layer: item.layer, marker };
    // An edit stays an edit of its record, on the version it was based on.
    const current = item.method === 'PATCH'
      ? { feature: { id: item.path.split('/').pop(), properties: item.body.properties, geometry: item.body.geometry }, etag: item.ifMatch }
      : null;
    openForm(item.layer, current, item);
  }

  async function changed() {
    clearCache();
    await ctx.refresh();
  }

  /** The editor of an existing feature: its current version (ETag), actions, status, history. */
  async function openEditor(layer, id) {
    const kind = KINDS[layer];
    const spec = forms[layer];
    const done = await send('GET', `${kind.base}/${id}`);
    const current = { feature: done.data, etag: done.etag };
    const body = ctx.panel();
    const errorBox = el('div', { class: 'error', role: 'alert', id: 'edit-error' });
    const parts = [el('h3', {}, `${label(spec)} ${current.feature.properties.code}`)];
    parts.push(el('table', { class: 'props' }, el('tbody', {}, [...spec.fields.map((f) => f.name), 'status']
      .filter((n) => n in current.feature.properties && (n !== 'status' || spec.workflow))
      .map((n) => {
        const field = n === 'status' ? { ...spec.workflow, title_vi: t('editStatus'), title_en: t('editStatus') } : spec.fields.find((f) => f.name === n);
        return el('tr', {}, el('th', { scope: 'row' }, label(field)), el('td', { 'data-prop': n }, display(field, current.feature.properties[n])));
      }))));
    parts.push(el('div', { class: 'buttons' },
      el('button', { type: 'button', id: 'edit-open', onclick: () => startEdit(layer, current) }, t('editEdit')),
      el('button', { type: 'button', onclick: () => { clearDraft(); ctx.close(); } }, t('close'))));
    if (spec.workflow) parts.push(statusButtons(layer, current, errorBox));
    parts.push(errorBox);
    replace(body, parts);
    if (spec.workflow) body.append(await historyTable(spec, id));
  }

  function statusButtons(layer, current, errorBox) {
    const spec = forms[layer];
    const now = current.feature.properties.status;
    const next = spec.workflow.next[now] || [];
    const title = (value) => label(spec.workflow.choices.find((c) => c.value === value) || { value });
    return el('div', { class: 'status-actions' },
      el('span', {}, `${t('editStatus')}: ${title(now)}. `),
      next.length ? next.map((to) => el('button', {
        type: 'button', 'data-status': to,
        onclick: () => save(layer, current, { properties: { status: to }, coordinates: null }, errorBox),
      }, `${t('editStatusTo')}: ${title(to)}`)) : el('span', {}, t('editStatusLast')));
  }

  /** The form of `current` with a draggable marker at its place. */
  function startEdit(layer, current) {
    clearDraft();
    const [lon, lat] = current.feature.geometry.coordinates;
    const marker = L.marker([lat, lon]).addTo(ctx.map());
    marker.pm.enableLayerDrag();
    draft = { layer, marker };
    say(t('editDragHint'));
    openForm(layer, current);
  }

  /** Under the details of `feature` of layer `view`: the way into its editor, when offered. */
  function decorate(node, view, feature) {
    if (!offered || !KINDS[view.id] || !forms[view.id]) return;
    const coords = feature.geometry?.coordinates;
    if (!coords || !inside(coords)) {
      node.append(el('p', { class: 'hint', 'data-edit': 'not-here' }, t('editNotHere')));
      return;
    }
    node.append(el('button', {
      type: 'button', 'data-edit': view.id, onclick: () => openEditor(view.id, feature.id).catch(shown),
    }, t('editEdit')));
  }

  const shown = (error) => say(error instanceof ApiError ? errorText(error) : String(error), true);

  return {
    offered: () => offered,
    outbox: () => outbox,
    start,
    render,
    decorate,
    /** For tests and a console: the same write path as the form, without the client's checks. */
    create: (layer, properties, coordinates) => {
      const box = el('div');
      message?.after(box);
      return save(layer, null, { properties, coordinates }, box).then(() => box.textContent);
    },
    /** For tests: an edit of `id` as the form sends it, on the version read now. */
    update: async (layer, id, properties) => {
      const done = await send('GET', `${KINDS[layer].base}/${id}`);
      const box = el('div');
      message?.after(box);
      await save(layer, { feature: done.data, etag: done.etag }, { properties, coordinates: null }, box);
      return box.textContent;
    },
  };
}
