// Styles of the analysis layers, chosen by the properties their features carry (never by a list
// of layer ids), so they apply as soon as the registry lists such a layer and cost nothing when it
// does not: `gi_bin` (Getis-Ord Gi* bins, -3..+3) in the conventional diverging red-blue, `share`
// (patrol coverage of a border stretch, 0..1) from red to green, `rate_per_1000` (a commune
// rate) as a sequential choropleth; `coverage_gaps` lines in a strong dashed colour. Also the
// controls of a layer's `parameters` (collection metadata), passed to it as query parameters.

import { el } from './dom.js';
import { currentLang, formatNumber, title } from './i18n.js';
import { state } from './state.js';

// ColorBrewer RdBu (7 classes), cold -3 … hot +3; 0 (not significant) light grey.
const GI_COLOURS = { '-3': '#2166ac', '-2': '#67a9cf', '-1': '#d1e5f0', 0: '#eeeeee', 1: '#fddbc7', 2: '#ef8a62', 3: '#b2182b' };
const CONFIDENCE = { 3: '99 %', 2: '95 %', 1: '90 %' };

/** The colour of a Gi* bin (null for a value outside -3..+3). */
export const giColour = (bin) => GI_COLOURS[String(Math.trunc(Number(bin)))] ?? null;

function giLabel(bin) {
  const vi = currentLang() === 'vi';
  if (bin === 0) return vi ? 'Không có ý nghĩa thống kê' : 'Not significant';
  const hot = bin > 0;
  const word = vi ? (hot ? 'Điểm nóng' : 'Điểm lạnh') : (hot ? 'Hot spot' : 'Cold spot');
  return `${word} ${CONFIDENCE[Math.abs(bin)]}`;
}

// Red (nobody patrolled) through amber to green (patrolled all along), by share 0..1.
const SHARE_STOPS = [[0, [215, 25, 28]], [0.5, [253, 174, 97]], [1, [26, 150, 65]]];

/** The colour of a coverage share (0..1), clamped; null when not a number. */
export function shareColour(share) {
  const x = Number(share);
  if (share === null || share === undefined || Number.isNaN(x)) return null;
  const v = Math.min(1, Math.max(0, x));
  const i = v <= SHARE_STOPS[1][0] ? 0 : 1;
  const [[a, ca], [b, cb]] = [SHARE_STOPS[i], SHARE_STOPS[i + 1]];
  const f = (v - a) / (b - a);
  const c = ca.map((x0, k) => Math.round(x0 + (cb[k] - x0) * f));
  return `#${c.map((n) => n.toString(16).padStart(2, '0')).join('')}`;
}

// ColorBrewer YlOrRd (5 classes) for rates, classes by quintiles of the values drawn.
const RATE_COLOURS = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];

/** Class limits (upper bounds of the first four classes) of `values` by quintiles. */
export function quintiles(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return [];
  return [0.2, 0.4, 0.6, 0.8].map((q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
}

const rateClass = (limits, v) => {
  const i = limits.findIndex((limit) => v <= limit);
  return i < 0 ? limits.length : i;
};

/**
 * The numeric styles, by the property that drives them: `colour(value, limits)`, the legend's
 * `rows(view)` as [colour, label] pairs, and for rates the class limits of the values drawn.
 */
const STYLES = [
  {
    property: 'gi_bin',
    heading: () => (currentLang() === 'vi' ? 'Điểm nóng (Gi*)' : 'Hot spots (Gi*)'),
    colour: (v) => giColour(v),
    rows: () => [3, 2, 1, 0, -1, -2, -3].map((b) => [GI_COLOURS[String(b)], giLabel(b), b]),
  },
  {
    property: 'share',
    heading: () => (currentLang() === 'vi' ? 'Tỷ lệ được tuần tra' : 'Share patrolled'),
    colour: (v) => shareColour(v),
    rows: () => [1, 0.75, 0.5, 0.25, 0].map((s) => [shareColour(s), `${formatNumber(s * 100)} %`, s]),
  },
  {
    property: 'rate_per_1000',
    heading: () => (currentLang() === 'vi' ? 'Tỷ lệ trên 1.000 dân' : 'Rate per 1,000 people'),
    colour: (v, limits) => (Number.isFinite(v) ? RATE_COLOURS[rateClass(limits, v)] : null),
    rows: (limits) => RATE_COLOURS.map((c, i) => {
      const low = i === 0 ? null : limits[i - 1];
      const high = limits[i];
      const text = low === null ? `≤ ${formatNumber(high)}` : high === undefined ? `> ${formatNumber(low)}` : `${formatNumber(low)} – ${formatNumber(high)}`;
      return [c, text, i];
    }).filter((_, i) => i <= limits.length),
  },
];

/** The numeric style of a layer whose features carry one of the properties above, else null. */
export function numericStyle(view) {
  const props = view.queryables?.properties || {};
  const sample = view.features[0]?.properties || {};
  const style = STYLES.find((s) => s.property in props || s.property in sample);
  if (!style) return null;
  const limits = style.property === 'rate_per_1000'
    ? quintiles(view.features.map((f) => Number(f.properties.rate_per_1000))) : [];
  return {
    property: style.property,
    heading: style.heading(),
    colour: (f) => style.colour(f.properties[style.property], limits),
    rows: () => style.rows(limits),
  };
}

/** Extra path options of a layer: coverage gaps stand out, thick and dashed. */
export const lineEmphasis = (view) => (view.id === 'coverage_gaps'
  ? { color: '#d7191c', weight: 5, dashArray: '10 6', opacity: 1 } : {});

/**
 * A layer's parameters (collection metadata), each {name, type, minimum, maximum, default, enum,
 * format, title, titles: {vi, en}}; a `format: 'interval'` string is a time window "start/end".
 */
export const parametersOf = (coll) => (Array.isArray(coll.parameters) ? coll.parameters.filter((p) => p?.name) : []);

/** The query parameters a layer is asked with: the chosen values, else none (the server's defaults). */
export function parameterValues(coll) {
  const chosen = state.params?.[coll.id] || {};
  const out = {};
  for (const p of parametersOf(coll)) {
    if (chosen[p.name] !== undefined && chosen[p.name] !== '') out[p.name] = chosen[p.name];
  }
  return out;
}

/** Controls for a layer's parameters; `onChange()` after a valid change. */
export function parameterControls(coll, onChange) {
  return parametersOf(coll).map((p) => {
    const id = `param-${coll.id}-${p.name}`;
    const label = title(p.titles || (typeof p.title === 'object' ? p.title : null), p.title || p.name);
    const value = state.params?.[coll.id]?.[p.name] ?? p.default ?? '';
    const set = (v) => {
      state.params ??= {};
      state.params[coll.id] = { ...state.params[coll.id], [p.name]: v };
      onChange();
    };
    let input;
    if (Array.isArray(p.enum)) {
      input = el('select', { id, 'data-param': `${coll.id}.${p.name}`, onchange: (e) => set(e.target.value) },
        p.enum.map((v) => el('option', { value: String(v), selected: String(v) === String(value) }, String(v))));
    } else {
      const numeric = p.type === 'number' || p.type === 'integer';
      input = el('input', {
        id, type: numeric ? 'number' : 'text', 'data-param': `${coll.id}.${p.name}`, value: String(value),
        placeholder: p.format === 'interval' ? 'yyyy-mm-dd/yyyy-mm-dd' : null,
        min: p.minimum, max: p.maximum, step: p.type === 'integer' ? 1 : 'any', inputmode: numeric ? 'decimal' : null,
        onchange: (e) => {
          if (!e.target.checkValidity()) { e.target.setAttribute('aria-invalid', 'true'); return; }
          e.target.removeAttribute('aria-invalid');
          set(e.target.value);
        },
      });
    }
    const range = p.minimum !== undefined && p.maximum !== undefined
      ? ` (${formatNumber(p.minimum)}–${formatNumber(p.maximum)})` : '';
    return el('div', { class: 'sub param' }, el('label', { for: id }, `${label}${range}: `), input);
  });
}

