// GPX upload for a patrol (patrol users and admins: permission `upload_tracks`): choose the patrol
// and a file, see the tracks the server would save (a dry run: segments, points, length, time
// span or "times unknown", or the server's list of bad points), then save or cancel.

/* global L */

import { ApiError, clearCache, get, query, send } from './api.js';
import { hasPermission } from './auth.js';
import { el, replace } from './dom.js';
import { problems } from './form.js';
import { errorText, formatDate, formatNumber, t, tf } from './i18n.js';

const GPX = 'application/gpx+xml';

/** The upload panel in `container`; `ctx`: `me`, `map()`, `refresh()`. */
export function createGpxUpload(container, ctx) {
  let ready = false; // render() waits for start()
  const offered = hasPermission(ctx.me, 'upload_tracks');
  let patrols = [];
  let preview = null; // {layer, text, patrol}

  async function start() {
    if (!offered) return;
    const data = await get(`/api/v1/collections/patrol_routes/items${query({ limit: 1000, sortby: '-planned_start' })}`);
    patrols = data.features.map((f) => ({ id: f.id, code: f.properties.code, start: f.properties.planned_start }));
    ready = true;
    render();
  }

  function clearPreview() {
    preview?.layer.remove();
    preview = null;
  }

  function render() {
    if (!offered || !ready) return;
    clearPreview();
    const result = el('div', { id: 'gpx-result', 'aria-live': 'polite' });
    const select = el('select', { id: 'gpx-patrol' },
      patrols.map((p) => el('option', { value: p.id }, p.start ? `${p.code} (${formatDate(p.start)})` : p.code)));
    const file = el('input', {
      type: 'file', id: 'gpx-file', accept: '.gpx,application/gpx+xml,application/xml',
      onchange: async () => {
        const chosen = file.files?.[0];
        if (!chosen) return;
        await showPreview(Number(select.value), await chosen.text(), result, () => { file.value = ''; });
      },
    });
    replace(container, patrols.length
      ? [el('label', { for: 'gpx-patrol' }, t('gpxPatrol')), select, el('label', { for: 'gpx-file' }, t('gpxFile')), file, result]
      : el('p', { class: 'hint' }, t('gpxNoPatrols')));
  }

  async function showPreview(patrol, text, result, reset) {
    clearPreview();
    let data;
    try {
      ({ data } = await send('POST', `/api/v1/patrols/${patrol}/tracks?dry_run=true`, text, { type: GPX }));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      replace(result, el('div', { class: 'error', role: 'alert' }, errorText(error), problems(error)));
      return;
    }
    const layer = L.geoJSON(data, { style: { color: '#8e44ad', weight: 4, dashArray: '6 4' } }).addTo(ctx.map());
    preview = { layer, text, patrol };
    if (layer.getBounds().isValid()) ctx.map().fitBounds(layer.getBounds(), { maxZoom: 15 });
    const span = (p) => {
      if (!p.started_at) return t('gpxNoTimes');
      const [from, to] = [formatDate(p.started_at), formatDate(p.ended_at)];
      // One day: its date once ("01/01/2001 07:15–09:15").
      return from.slice(0, 10) === to.slice(0, 10) ? `${from}–${to.slice(11)}` : `${from} – ${to}`;
    };
    const rows = data.features.map((f) => el('tr', { 'data-segment': f.id },
      el('td', {}, String(f.id)), el('td', {}, f.properties.name || t('none')),
      el('td', {}, formatNumber(f.properties.points)), el('td', {}, formatNumber(f.properties.length_m / 1000)),
      el('td', {}, span(f.properties))));
    const message = el('p', { role: 'status' });
    const save = async () => {
      try {
        const done = await send('POST', `/api/v1/patrols/${patrol}/tracks`, text, { type: GPX });
        clearPreview();
        reset();
        replace(result, el('p', { class: 'hint', role: 'status', id: 'gpx-saved' }, tf('gpxSaved', { tracks: done.data.properties.tracks })));
        clearCache();
        await ctx.refresh();
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        replace(message, el('span', { class: 'error', role: 'alert' }, errorText(error)), problems(error));
      }
    };
    replace(result,
      el('table', { class: 'props gpx-preview', id: 'gpx-preview' },
        el('caption', {}, `${t('gpxPreview')}: ${data.features.length} ${t('gpxSegments')}`),
        el('thead', {}, el('tr', {}, ['gpxSegment', 'gpxName', 'gpxPoints', 'gpxLength', 'gpxSpan'].map((k) => el('th', { scope: 'col' }, t(k))))),
        el('tbody', {}, rows)),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', id: 'gpx-save', onclick: save }, t('gpxSave')),
        el('button', { type: 'button', id: 'gpx-cancel', onclick: () => { clearPreview(); reset(); replace(result); } }, t('editCancel'))),
      message);
  }

  return { offered: () => offered, start, render };
}
