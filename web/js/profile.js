// A commune's profile in the details panel: its key points by month and by category, counted
// from the key-point layer under the current filters (real features, not a report). The commune
// report of the API slots in here when it exists.

import { getCached, query } from './api.js';
import { el } from './dom.js';
import { categoryColours } from './colours.js';
import { interval, months } from './filters.js';
import { state } from './state.js';
import { currentLang, formatMonth, formatNumber, t } from './i18n.js';

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Bars of `counts` (label -> n), in order, with a title per bar. */
function barChart(entries, { width = 300, height = 90, colour = () => '#8b1a1a' } = {}) {
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const w = width / Math.max(1, entries.length);
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height + 14}`, width: '100%', role: 'img', class: 'chart' });
  entries.forEach(([label, n, key], i) => {
    const h = (n / max) * height;
    const bar = svg('rect', { x: i * w + 1, y: height - h, width: Math.max(1, w - 2), height: h, fill: colour(key ?? label) });
    bar.append(svg('title', {}, `${label}: ${formatNumber(n)}`));
    chart.append(bar);
  });
  if (entries.length) {
    chart.append(svg('text', { x: 0, y: height + 12, 'font-size': 10 }, entries[0][0]));
    chart.append(svg('text', { x: width, y: height + 12, 'font-size': 10, 'text-anchor': 'end' }, entries.at(-1)[0]));
  }
  return chart;
}

/** The layer a commune's profile counts: points with a time and a commune code. */
export const profileSource = (views) => views.find((v) => v.coll.geometryType === 'Point' && v.coll.datetime
  && v.queryables?.properties?.commune_code && v.coll.style?.category_property);

/** Appends the profile of commune `code` (counted from `source`) to `container`. */
export async function showCommuneProfile(container, code, source) {
  const box = el('section', { class: 'profile', 'data-profile': code }, el('p', { class: 'hint' }, t('loading')));
  container.append(box);
  const params = { limit: 10000, commune_code: code, datetime: interval() };
  const data = await getCached(`/api/v1/collections/${source.id}/items${query(params)}`);
  const property = source.coll.style.category_property;
  const time = Object.entries(source.queryables.properties).find(([, s]) => s.format === 'date-time')?.[0];
  const byMonth = new Map();
  const byCategory = new Map();
  const labels = new Map();
  for (const f of data.features) {
    const month = String(f.properties[time] || '').slice(0, 7);
    if (month) byMonth.set(month, (byMonth.get(month) || 0) + 1);
    const category = f.properties[property];
    byCategory.set(category, (byCategory.get(category) || 0) + 1);
    labels.set(category, f.properties[`${property}_${currentLang()}`] || category);
  }
  // Every month of the filtered range (or of the data), empty months included.
  const seen = [...byMonth.keys()].sort();
  const first = state.from || seen[0];
  const last = state.to || seen.at(-1);
  const monthEntries = first && last ? months(first, last).map((m) => [formatMonth(m), byMonth.get(m) || 0]) : [];
  // The legend's colours when the layer is drawn, so a category keeps its colour.
  const colours = source.colours.size ? source.colours : categoryColours(new Set(byCategory.keys()), { first: source.coll.style.color });
  const categoryEntries = [...byCategory].sort((a, b) => b[1] - a[1]).map(([c, n]) => [labels.get(c), n, c]);
  box.replaceChildren(
    el('h3', {}, `${t('profileTitle')} (${formatNumber(data.features.length)})`),
    el('p', { class: 'hint' }, t('profileNote')),
    el('h4', {}, t('byMonth')), barChart(monthEntries),
    el('h4', {}, t('byCategory')),
    el('ul', { class: 'bars' }, categoryEntries.map(([label, n, c]) => {
      const bar = el('span', { class: 'bar' });
      bar.style.width = `${(n / Math.max(1, categoryEntries[0][1])) * 100}%`;
      bar.style.background = colours.get(c) || '#888';
      return el('li', {}, el('span', { class: 'bar-label' }, `${label} (${formatNumber(n)})`), bar);
    })),
  );
}
