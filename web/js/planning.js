// Patrol planning (issue 11): the planned coverage of the border for the next N weeks (per
// segment the plans and forecast share coloured on the map, the gaps ahead and the conflicts
// listed, each zooming to its place), and, for those who may write, a form that plans a patrol:
// day and hours, units, members, kind, and a route drawn on the map (Leaflet-Geoman) or built
// from border segments, saved through POST /api/v1/patrols.
//
// The units offered are the border's own: each border-guard post (border_posts), and the police
// and militia of each commune a border segment belongs to (border_segments → communes), named as
// the recorded patrols name them ("Đồn Biên phòng Lào Cai", "Công an Phường Lào Cai"). They come
// from the layers the caller already reads, so a new post or a merged commune appears without a
// separate list to keep; a unit not listed can still be typed.

/* global L */

import { get, getCached, post, query } from './api.js';
import { el, replace } from './dom.js';
import { withGeoman } from './geoman.js';
import { formatDate, formatNumber, parseDay, t } from './i18n.js';
import { communeNote, formatKm, formatShare } from './coordination.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const KINDS = ['border', 'joint', 'commune'];

/** `YYYY-MM-DD` of a time in Vietnam (UTC+7, no daylight saving); the window's end is exclusive. */
const vnDay = (ms) => new Date(ms + 7 * 3600 * 1000).toISOString().slice(0, 10);

/** An instant from a Vietnamese day and `HH:MM`, as RFC 3339. */
export const vnInstant = (day, time) => `${day}T${time}:00+07:00`;

/**
 * A route through `lines` (arrays of [lon, lat]) in the order given, each turned so that it
 * starts at the end nearer to where the previous one stopped.
 */
export function joinLines(lines) {
  const out = [];
  for (const line of lines) {
    if (!line.length) continue;
    const last = out[out.length - 1];
    const d = (p) => (last ? (p[0] - last[0]) ** 2 + (p[1] - last[1]) ** 2 : 0);
    const part = last && d(line[line.length - 1]) < d(line[0]) ? [...line].reverse() : line;
    out.push(...(last && d(part[0]) === 0 ? part.slice(1) : part));
  }
  return out;
}

/** The colour of a segment by its forecast: a gap red, a conflict purple, else by share. */
export function planColour(p) {
  if (p.gap) return '#d7191c';
  if (p.conflicts > 0) return '#7b3294';
  return p.share >= 0.5 ? '#1a9641' : '#fdae61';
}

const span = (a, b) => `${formatDate(a)} – ${formatDate(b).slice(-5)}`;

/** The panel in `root`: `ctx` gives `map()`, `may(permission)` and `onSaved()` (reload the map's layers). */
export function createPlanning(root, ctx) {
  let from = vnDay(Date.now());
  let weeks = 4;
  let answer = null;
  let error = '';
  let group = null;
  let segments = [];
  let units = { posts: [], communes: [] };
  let route = null;
  let routeLayer = null;
  let message = '';
  let saving = false;

  const planned = () => group;

  async function loadChoices() {
    if (segments.length) return;
    const [segs, posts, communes] = await Promise.all([
      getCached(`/api/v1/collections/border_segments/items${query({ limit: 10000 })}`),
      getCached(`/api/v1/collections/border_posts/items${query({ limit: 10000 })}`),
      getCached(`/api/v1/collections/communes/items${query({ limit: 10000 })}`).catch(() => ({ features: [] })),
    ]);
    segments = segs.features.sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
    const border = new Set(segments.map((f) => f.properties.commune_code));
    units = {
      posts: posts.features.map((f) => f.properties.name).sort((a, b) => a.localeCompare(b, 'vi')),
      communes: communes.features.filter((f) => border.has(f.properties.code)).map((f) => f.properties.name)
        .sort((a, b) => a.localeCompare(b, 'vi')),
    };
  }

  async function apply() {
    error = '';
    try {
      const q = query({ from, weeks });
      const [data, layer] = await Promise.all([
        get(`/api/v1/analysis/plan-coverage${q}`),
        get(`/api/v1/collections/plan_coverage/items${query({ from, weeks, limit: 10000 })}`),
      ]);
      answer = data;
      if (group) ctx.map().removeLayer(group);
      group = L.geoJSON(layer, {
        style: (f) => ({ color: planColour(f.properties), weight: f.properties.conflicts > 0 ? 7 : 5, opacity: 0.9,
          dashArray: f.properties.gap ? '8 6' : null }),
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name}: ${formatShare(f.properties.share)}`
          + `${f.properties.patrol_codes ? ` — ${f.properties.patrol_codes}` : ''}`, { sticky: true }),
      }).addTo(ctx.map());
    } catch (e) {
      error = e.message;
    }
    render();
  }

  const zoom = (bbox) => ctx.map().fitBounds([[bbox[1], bbox[0]], [bbox[3], bbox[2]]], { maxZoom: 14 });

  function windowForm() {
    return el('form', {
      class: 'filters', id: 'plan-window',
      onsubmit: (e) => {
        e.preventDefault();
        const day = parseDay(e.target.querySelector('#plan-from').value);
        const w = e.target.querySelector('#plan-weeks');
        e.target.querySelector('#plan-from').toggleAttribute('aria-invalid', !DAY.test(day || ''));
        w.toggleAttribute('aria-invalid', !w.checkValidity());
        if (!DAY.test(day || '') || !w.checkValidity()) return;
        from = day;
        weeks = Number(w.value);
        apply();
      },
    },
    el('label', { for: 'plan-from' }, `${t('planFrom')} (dd/mm/yyyy)`),
    el('input', { type: 'text', id: 'plan-from', inputmode: 'numeric', placeholder: 'dd/mm/yyyy', value: formatDate(from), size: 10, required: true }),
    el('label', { for: 'plan-weeks' }, t('planWeeks')),
    el('input', { type: 'number', id: 'plan-weeks', min: 1, max: 26, step: 1, value: weeks, required: true }),
    el('button', { type: 'submit', id: 'plan-apply' }, t('planShow')));
  }

  function results() {
    if (error) return el('p', { class: 'error', role: 'alert' }, `${t('error')}: ${error}`);
    if (!answer) return el('p', {}, t('planNotShown'));
    const plansOf = (s) => (s.plans.length ? s.plans.map((p) => p.code).join(', ') : t('none'));
    const table = el('table', { id: 'plan-segments', class: 'coord-table' },
      el('caption', {}, `${t('planSegments')} ${formatDate(vnDay(Date.parse(answer.window_start)))} – `
        + `${formatDate(vnDay(Date.parse(answer.window_end) - 1))}`),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('coordSegment')), el('th', { scope: 'col' }, t('planPlans')),
        el('th', { scope: 'col' }, t('planShare')))),
      el('tbody', {}, answer.segments.map((s) => el('tr', { 'data-code': s.code, class: s.gap ? 'gap' : null },
        el('td', {}, el('button', { type: 'button', class: 'link', onclick: () => zoom(s.bbox) }, s.name ?? s.code),
          communeNote(s)),
        el('td', {}, plansOf(s)), el('td', { class: 'num', 'data-share': s.share }, formatShare(s.share))))));
    // How long each gap ahead has waited, by the coordination panel's rule (a patrol counts when it
    // covered at least min_share of the segment), so a neighbour's graze does not make it look walked.
    const waited = (g) => (g.last_patrolled
      ? `${t('coordLast')} ${formatDate(String(g.last_patrolled).slice(0, 10))} (${formatNumber(g.days_since_patrolled)} ${t('planDays')})`
      : `${t('coordLast')}: ${t('coordNever')}`);
    const gaps = answer.gaps.map((g) => el('li', {}, el('button', { type: 'button', 'data-gap': g.code, onclick: () => zoom(g.bbox) },
      `${g.name ?? g.code} — ${formatKm(g.length_m)}`), el('span', { class: 'gap-last', 'data-last': g.last_patrolled ?? '' }, ` — ${waited(g)}`)));
    const plan = (p) => `${p.code} (${p.units.join(', ') || t('none')}, ${span(p.planned_start, p.planned_end)})`;
    const conflicts = answer.conflicts.map((c) => el('li', { 'data-conflict': `${c.a.code}/${c.b.code}` },
      el('button', { type: 'button', onclick: () => zoom(c.bbox) }, `${c.segment_name ?? c.segment_code}: `
        + `${plan(c.a)} ↔ ${plan(c.b)}; ${t('planOverlap')} ${span(c.overlap_start, c.overlap_end)}, `
        + `${t('planShared')} ${formatNumber(Math.round(c.shared_m))} m`)));
    return [table,
      el('h3', {}, `${t('planGaps')} (${formatNumber(gaps.length)})`),
      gaps.length ? el('ul', { id: 'plan-gaps', class: 'coord-list' }, gaps) : el('p', {}, t('coordNoGaps')),
      el('h3', {}, `${t('planConflicts')} (${formatNumber(conflicts.length)})`),
      conflicts.length ? el('ul', { id: 'plan-conflicts', class: 'coord-list' }, conflicts) : el('p', {}, t('planNoConflicts'))];
  }

  function showRoute(coordinates) {
    route = coordinates.length >= 2 ? { type: 'LineString', coordinates } : null;
    if (routeLayer) ctx.map().removeLayer(routeLayer);
    routeLayer = route ? L.geoJSON(route, { style: { color: '#0571b0', weight: 4, dashArray: '2 6' } }).addTo(ctx.map()) : null;
    if (routeLayer) ctx.map().fitBounds(routeLayer.getBounds(), { maxZoom: 14 });
  }

  async function draw() {
    const map = await withGeoman(ctx.map());
    map.once('pm:create', (e) => {
      const line = e.layer.toGeoJSON().geometry.coordinates;
      map.removeLayer(e.layer);
      showRoute(line);
      render();
    });
    map.pm.enableDraw('Line', { snappable: true });
  }

  async function save(f) {
    const value = (id) => f.querySelector(`#${id}`).value.trim();
    const day = parseDay(value('plan-day'));
    const [start, end] = [value('plan-start'), value('plan-end')];
    const picked = [...f.querySelectorAll('#plan-units option:checked')].map((o) => o.value);
    const chosen = [...picked, ...value('plan-other').split(',').map((u) => u.trim()).filter(Boolean)];
    const checks = [['plan-code', value('plan-code') !== ''], ['plan-day', DAY.test(day || '')],
      ['plan-start', TIME.test(start)], ['plan-end', TIME.test(end)], ['plan-units', chosen.length > 0]];
    for (const [id, ok] of checks) f.querySelector(`#${id}`).toggleAttribute('aria-invalid', !ok);
    if (checks.some(([, ok]) => !ok)) { message = t('planInvalid'); render(); return; }
    if (!route) { message = t('planNoRoute'); render(); return; }
    // An end before the start is the next morning (a night patrol).
    const next = end <= start ? new Date(Date.parse(`${day}T00:00:00Z`) + 86400000).toISOString().slice(0, 10) : day;
    const body = {
      type: 'Feature', geometry: route,
      properties: {
        code: value('plan-code'), kind: value('plan-kind'), units: chosen,
        members: value('plan-members').split('\n').map((m) => m.trim()).filter(Boolean),
        planned_start: vnInstant(day, start), planned_end: vnInstant(next, end),
      },
    };
    saving = true;
    render();
    try {
      await post('/api/v1/patrols', body);
      message = `${t('planSaved')}: ${body.properties.code}`;
      showRoute([]);
      await ctx.onSaved?.();
      if (answer) await apply();
    } catch (e) {
      message = `${t('error')}: ${e.message}`;
    } finally {
      saving = false;
      render();
    }
  }

  function planForm() {
    if (!ctx.may('write')) return [];
    const option = (v, label = v) => el('option', { value: v }, label);
    const unitGroup = (label, names) => el('optgroup', { label }, names.map((n) => option(n)));
    return [el('h3', {}, t('planNew')), el('form', {
      id: 'plan-new', class: 'filters',
      onsubmit: (e) => { e.preventDefault(); if (!saving) save(e.target); },
    },
    el('label', { for: 'plan-code' }, t('planCode')),
    el('input', { type: 'text', id: 'plan-code', required: true, maxlength: 64, placeholder: 'KH-2026-0001' }),
    el('label', { for: 'plan-kind' }, t('planKind')),
    el('select', { id: 'plan-kind' }, KINDS.map((k) => option(k, t(`planKind_${k}`)))),
    el('label', { for: 'plan-day' }, `${t('planDay')} (dd/mm/yyyy)`),
    el('input', { type: 'text', id: 'plan-day', inputmode: 'numeric', placeholder: 'dd/mm/yyyy', size: 10, required: true }),
    el('label', { for: 'plan-start' }, t('planStart')),
    el('input', { type: 'time', id: 'plan-start', value: '07:30', required: true }),
    el('label', { for: 'plan-end' }, t('planEnd')),
    el('input', { type: 'time', id: 'plan-end', value: '13:30', required: true }),
    el('label', { for: 'plan-units' }, t('planUnits')),
    el('select', { id: 'plan-units', multiple: true, size: 6 },
      unitGroup(t('planPosts'), units.posts),
      unitGroup(t('planPolice'), units.communes.map((c) => `Công an ${c}`)),
      unitGroup(t('planMilitia'), units.communes.map((c) => `Dân quân ${c}`))),
    el('label', { for: 'plan-other' }, t('planOther')),
    el('input', { type: 'text', id: 'plan-other' }),
    el('label', { for: 'plan-members' }, t('planMembers')),
    el('textarea', { id: 'plan-members', rows: 3 }),
    el('fieldset', {}, el('legend', {}, t('planRoute')),
      el('button', { type: 'button', id: 'plan-draw', onclick: () => draw().catch((e) => { message = e.message; render(); }) }, t('planDraw')),
      el('label', { for: 'plan-snap' }, t('planSnap')),
      el('select', { id: 'plan-snap', multiple: true, size: 5 }, segments.map((s) => option(s.properties.code, s.properties.name))),
      el('button', {
        type: 'button', id: 'plan-use-segments',
        onclick: (e) => {
          const codes = [...e.target.form.querySelectorAll('#plan-snap option:checked')].map((o) => o.value);
          showRoute(joinLines(codes.map((c) => segments.find((s) => s.properties.code === c).geometry.coordinates)));
          render();
        },
      }, t('planUseSegments')),
      el('p', { id: 'plan-route-status' }, route ? `${t('planRouteReady')} (${formatNumber(route.coordinates.length)} ${t('planVertices')})` : t('planNoRoute'))),
    el('button', { type: 'submit', id: 'plan-save', disabled: saving }, t('planSave')),
    message ? el('p', { id: 'plan-message', role: 'status' }, message) : null)];
  }

  function render() {
    if (root.hidden) return;
    const values = {};
    for (const input of root.querySelectorAll('#plan-new input, #plan-new textarea, #plan-new select:not([multiple])')) values[input.id] = input.value;
    const selected = {};
    for (const s of root.querySelectorAll('#plan-new select[multiple]')) selected[s.id] = [...s.selectedOptions].map((o) => o.value);
    const focused = document.activeElement?.id;
    replace(root, windowForm(), results(), planForm());
    // The panel is rebuilt after each change: what was typed stays.
    for (const [id, v] of Object.entries(values)) { const n = root.querySelector(`#${id}`); if (n) n.value = v; }
    for (const [id, vs] of Object.entries(selected)) {
      for (const o of root.querySelectorAll(`#${id} option`)) o.selected = vs.includes(o.value);
    }
    if (focused) document.getElementById(focused)?.focus();
  }

  return {
    /** Offered to callers who may read the planned coverage (an analysis). */
    offered: () => ctx.may('analyse'),
    /** Opens the panel: the choices, then the default window. */
    async open() {
      await loadChoices().catch((e) => { error = e.message; });
      render();
      if (!answer) await apply();
    },
    render,
    /** Segments drawn by the panel (for tests). */
    drawnSegments: () => (planned() ? planned().getLayers().length : 0),
  };
}
