// The patrol coordination view: the border's coverage for a chosen window and sight width (the
// `border_coverage` and `coverage_gaps` layers, asked through the layer parameters so the URL
// carries the view), the segments as a sortable table, the gaps as buttons that zoom to them,
// and the patrols of one Vietnamese day drawn on their own map group and listed. A patrol counts
// as patrolling a segment only when it covered at least the chosen share of it (issue 21): the
// table shows that date beside the last patrol that merely touched the segment, and opening a
// segment lists its patrols (the history route) so the date can be checked.

/* global L */

import { get, getCached, query } from './api.js';
import { el, replace } from './dom.js';
import { formatDate, formatNumber, parseDay, t } from './i18n.js';
import { state } from './state.js';

const COVERAGE = 'border_coverage';
const GAPS = 'coverage_gaps';
const TRACKS = 'patrol_tracks';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` of a time in Vietnam (UTC+7, no daylight saving). */
const vnDay = (ms) => new Date(ms + 7 * 3600 * 1000).toISOString().slice(0, 10);

/** The window [from, to] chosen in the URL, else the last 30 days. */
export function windowOf(params, now = Date.now()) {
  const m = /^(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})$/.exec(params?.datetime || '');
  return m ? [m[1], m[2]] : [vnDay(now - 29 * 86400 * 1000), vnDay(now)];
}

/** A day field typed as dd/mm/yyyy (the users' habit), holding `iso` ('YYYY-MM-DD' or ''). */
const dayInput = (id, iso, attrs) => el('input', {
  type: 'text', id, inputmode: 'numeric', placeholder: 'dd/mm/yyyy', pattern: '\\d{1,2}/\\d{1,2}/\\d{4}',
  value: iso ? formatDate(iso) : '', size: 10, ...attrs,
});

/** A share 0..1 as a Vietnamese percentage, `42,5 %`. */
/**
 * The commune responsible for a segment on the window's last day (through a merge, the unit it
 * went into), under its name in the coordination and planning tables.
 */
export const communeNote = (segment) => (segment.commune_name
  ? el('div', { class: 'hint', 'data-commune': segment.commune_code }, segment.commune_name) : null);

export const formatShare = (share) => (share === null || share === undefined ? t('none')
  : `${formatNumber(Math.round(Number(share) * 1000) / 10)} %`);

/** Metres as kilometres with Vietnamese separators, `1.234,56 km`. */
export const formatKm = (m) => `${formatNumber(Math.round(Number(m) / 10) / 100)} km`;

/**
 * The panel in `root`: `ctx` gives `map()`, `views()` (the loaded layer views), and
 * `refresh()` (reloads the shown layers; resolves when drawn).
 */
export function createCoordination(root, ctx) {
  let sortBy = 'share';
  let day = '';
  let tracks = [];
  let group = null;
  let dayError = '';
  let opened = null;
  let history = null;
  let historyError = '';

  const view = (id) => ctx.views().find((v) => v.id === id);
  const params = () => state.params?.[COVERAGE] || {};

  async function apply(from, to, width, minShare) {
    const datetime = `${from}/${to}`;
    state.params ??= {};
    for (const id of [COVERAGE, GAPS]) state.params[id] = { ...state.params[id], datetime, width: String(width) };
    // Only the coverage layer takes min_share (the stretches of coverage_gaps do not depend on it).
    state.params[COVERAGE].min_share = String(minShare);
    opened = null;
    history = null;
    state.layers = new Set([...(state.layers || ctx.views().filter((v) => v.coll.style?.visible).map((v) => v.id)), COVERAGE, GAPS]);
    await ctx.refresh();
    render();
  }

  async function showDay(value) {
    day = value;
    tracks = [];
    if (group) ctx.map().removeLayer(group);
    group = null;
    dayError = '';
    if (DAY.test(day) && view(TRACKS)) {
      const data = await getCached(`/api/v1/collections/${TRACKS}/items${query({ datetime: day, limit: 10000 })}`)
        .catch((error) => { dayError = error.message; return { features: [] }; });
      tracks = data.features || [];
      group = L.geoJSON({ type: 'FeatureCollection', features: tracks }, {
        style: { color: '#6a3d9a', weight: 4, opacity: 0.95 },
        onEachFeature: (f, layer) => layer.bindTooltip(String(f.properties.patrol_code || f.id), { sticky: true }),
      }).addTo(ctx.map());
      if (tracks.length) ctx.map().fitBounds(group.getBounds(), { maxZoom: 14 });
    }
    render();
  }

  /** Opens a segment's patrol history for the window, width and minimum share in force. */
  async function openSegment(code) {
    opened = code;
    history = null;
    historyError = '';
    render();
    const p = params();
    const q = query({ datetime: p.datetime, width: p.width, min_share: p.min_share });
    try {
      history = await get(`/api/v1/analysis/border-segments/${encodeURIComponent(code)}/patrols${q}`);
    } catch (error) {
      historyError = error.message;
    }
    render();
  }

  function form() {
    const [from, to] = windowOf(params());
    const width = params().width || '500';
    const minShare = String(Math.round(Number(params().min_share ?? 0.25) * 10000) / 100);
    const date = (id, value, key) => [el('label', { for: id }, `${t(key)} (dd/mm/yyyy)`), dayInput(id, value, { required: true })];
    return el('form', {
      class: 'filters', id: 'coord-form',
      onsubmit: (e) => {
        e.preventDefault();
        const f = e.target;
        const a = parseDay(f.querySelector('#coord-from').value);
        const b = parseDay(f.querySelector('#coord-to').value);
        const w = f.querySelector('#coord-width');
        const m = f.querySelector('#coord-min-share');
        const bad = [[f.querySelector('#coord-from'), !DAY.test(a || '')], [f.querySelector('#coord-to'), !DAY.test(b || '') || a > b],
          [w, !w.checkValidity()], [m, !m.checkValidity()]];
        for (const [input, wrong] of bad) input.toggleAttribute('aria-invalid', wrong);
        if (bad.some(([, wrong]) => wrong)) return;
        apply(a, b, Number(w.value), Number(m.value) / 100);
      },
    }, date('coord-from', from, 'coordFrom'), date('coord-to', to, 'coordTo'),
    el('label', { for: 'coord-width' }, t('coordWidth')),
    el('input', { type: 'number', id: 'coord-width', min: 1, max: 10000, step: 1, value: width, required: true, inputmode: 'numeric' }),
    el('label', { for: 'coord-min-share', title: t('coordMinShareHelp') }, t('coordMinShare')),
    el('input', { type: 'number', id: 'coord-min-share', min: 0, max: 100, step: 0.01, value: minShare, required: true, inputmode: 'decimal' }),
    el('button', { type: 'submit', id: 'coord-apply' }, t('coordApply')));
  }

  function segmentTable() {
    const cov = view(COVERAGE);
    if (!cov?.group) return el('p', {}, t('coordNotApplied'));
    const rows = [...cov.features].sort((a, b) => (sortBy === 'share'
      ? (a.properties.share ?? -1) - (b.properties.share ?? -1)
      : (b.properties.days_since_patrolled ?? Infinity) - (a.properties.days_since_patrolled ?? Infinity)));
    const sortButton = (key, label) => el('button', {
      type: 'button', class: 'link', 'data-sort': key, 'aria-pressed': String(sortBy === key),
      onclick: () => { sortBy = key; render(); },
    }, label);
    // Six columns are wider than the side panel: the table scrolls sideways rather than cutting.
    return el('div', { class: 'coord-scroll' }, el('table', { id: 'coord-segments', class: 'coord-table' },
      el('caption', {}, t('coordSegments')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('coordSegment')), el('th', { scope: 'col' }, t('coordPost')),
        el('th', { scope: 'col', 'aria-sort': sortBy === 'share' ? 'ascending' : 'none' }, sortButton('share', t('coordShare'))),
        el('th', { scope: 'col' }, t('coordLast')),
        el('th', { scope: 'col', 'aria-sort': sortBy === 'days' ? 'descending' : 'none' }, sortButton('days', t('coordDays'))),
        el('th', { scope: 'col' }, t('coordTouched')))),
      el('tbody', {}, rows.map((f) => {
        const p = f.properties;
        return el('tr', { 'data-code': p.code, class: opened === p.code ? 'opened' : null },
          el('td', {}, el('button', {
            type: 'button', class: 'link', 'data-segment': p.code, 'aria-expanded': String(opened === p.code),
            title: t('coordHistoryOpen'), onclick: () => openSegment(p.code),
          }, p.name ?? p.code)),
          el('td', {}, p.post_name ?? t('none'), communeNote(p)),
          el('td', { class: 'num', 'data-share': p.share }, formatShare(p.share)),
          el('td', {}, p.last_patrolled ? formatDate(String(p.last_patrolled).slice(0, 10)) : t('coordNever')),
          el('td', { class: 'num' }, p.days_since_patrolled === null || p.days_since_patrolled === undefined ? '—' : formatNumber(p.days_since_patrolled)),
          el('td', { 'data-touched': p.last_touched ?? '' }, p.last_touched
            ? `${formatDate(String(p.last_touched).slice(0, 10))} (${formatNumber(Math.round(p.last_touched_m))} m)` : '—'));
      }))));
  }

  /** The opened segment's patrols: why its last patrolled date is what it is. */
  function historyTable() {
    if (!opened) return [];
    if (historyError) return el('p', { class: 'error', role: 'alert' }, `${t('error')}: ${historyError}`);
    if (!history) return el('p', { 'aria-live': 'polite' }, t('loading'));
    const rows = history.patrols.map((p) => el('tr', { 'data-patrol': p.code, class: p.counts ? 'counts' : 'touch' },
      el('td', {}, p.code), el('td', {}, (p.units || []).join(', ')),
      el('td', {}, formatDate(p.date)),
      el('td', { class: 'num' }, `${formatNumber(Math.round(p.covered_m))} m`),
      el('td', { class: 'num' }, formatShare(p.share)),
      el('td', {}, `${p.counts ? t('coordCounts') : t('coordTouchOnly')}${p.in_window ? '' : ` (${t('coordBefore')})`}`)));
    return el('div', { class: 'coord-scroll' }, el('table', { id: 'coord-history', class: 'coord-table', 'data-segment': opened },
      el('caption', {}, `${t('coordHistory')} ${history.name ?? opened} — ${t('coordMinShare')} ${formatShare(history.min_share)}`),
      el('thead', {}, el('tr', {}, ...['coordPatrol', 'coordUnits', 'coordDate', 'coordMetres', 'coordShare', 'coordCounted']
        .map((k) => el('th', { scope: 'col' }, t(k))))),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 6 }, t('coordNoPatrols'))))));
  }

  function gapList() {
    const gaps = view(GAPS);
    if (!gaps?.group) return [];
    const items = gaps.features.map((f, i) => el('li', {}, el('button', {
      type: 'button', 'data-gap': i,
      onclick: () => ctx.map().fitBounds(L.geoJSON(f).getBounds(), { maxZoom: 16 }),
    }, `${f.properties.segment_name ?? f.properties.segment_code} — ${formatKm(f.properties.length_m)}`)));
    return [el('h3', {}, `${t('coordGaps')} (${formatNumber(items.length)})`),
      items.length ? el('ul', { id: 'coord-gaps', class: 'coord-list' }, items) : el('p', {}, t('coordNoGaps'))];
  }

  function dayPicker() {
    if (!view(TRACKS)) return [];
    const listed = tracks.map((f) => el('li', { 'data-track': f.properties.patrol_code ?? f.id },
      `${f.properties.patrol_code ?? f.id}${f.properties.started_at ? ` — ${formatDate(f.properties.started_at)}` : ''}`));
    return [el('h3', {}, t('coordDay')),
      el('label', { for: 'coord-day' }, t('coordDayLabel')), ' ',
      dayInput('coord-day', day, {
        onchange: (e) => {
          const typed = parseDay(e.target.value);
          e.target.toggleAttribute('aria-invalid', typed === null);
          if (typed !== null) showDay(typed);
        },
      }),
      dayError ? el('p', { class: 'error', role: 'alert' }, `${t('error')}: ${dayError}`) : null,
      DAY.test(day) ? el('p', { id: 'coord-day-count' }, `${formatDate(day)}: ${formatNumber(tracks.length)} ${t('coordPatrols')}`) : null,
      listed.length ? el('ul', { id: 'coord-tracks', class: 'coord-list' }, listed) : null];
  }

  function render() {
    if (root.hidden) return;
    const focused = document.activeElement?.id;
    replace(root, form(), segmentTable(), historyTable(), gapList(), dayPicker());
    if (focused) document.getElementById(focused)?.focus();
  }

  return {
    /** Offered only to callers who read the coverage layer. */
    offered: () => Boolean(view(COVERAGE)),
    /** A shared URL carries a chosen window: the panel opens with it. */
    chosen: () => Boolean(params().datetime),
    render,
    /** The day's tracks drawn by the panel (for tests). */
    drawnTracks: () => (group ? group.getLayers().length : 0),
  };
}
