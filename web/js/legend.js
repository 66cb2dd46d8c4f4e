// The legend: one entry per layer shown, with its symbol and, for a coloured layer, each value
// with its colour and count. For point layers with categories, each entry is also the category
// filter (a checkbox), so the legend and the filter never disagree.

import { el, replace } from './dom.js';
import { formatNumber, formatValue, t, title } from './i18n.js';
import { hasCategoryFilter } from './filters.js';
import { state } from './state.js';

function swatch(view, colour) {
  const kind = view.isPolygon ? 'polygon' : /Line/.test(view.coll.geometryType) ? 'line' : 'point';
  const node = el('span', { class: `swatch ${kind}`, 'aria-hidden': 'true' });
  if (kind === 'line') node.style.borderTopColor = colour;
  else {
    node.style.background = colour;
    if (kind === 'polygon') node.style.borderColor = view.coll.style.color;
  }
  return node;
}

/** Renders the legend of `views` (those shown) into `container`; `onChange()` after a toggle. */
export function renderLegend(container, views, onChange) {
  const entries = views.map((view) => {
    const heading = el('h3', {}, title(view.coll.titles, view.id), ' ',
      el('span', { class: 'count', 'data-count': view.id }, `(${formatNumber(view.drawn)})`));
    if (view.numeric) {
      return el('li', { 'data-legend': view.id, 'data-legend-property': view.numeric.property }, heading,
        el('div', { class: 'hint' }, view.numeric.heading),
        view.numeric.rows().map(([colour, label, value]) => el('div', { class: 'legend-row', 'data-value': String(value) },
          swatch(view, colour), ' ', label)));
    }
    const property = view.colourProperty;
    if (!property) {
      return el('li', { 'data-legend': view.id }, heading,
        el('div', { class: 'legend-row' }, swatch(view, view.coll.style.fill || view.coll.style.color)));
    }
    const filterable = hasCategoryFilter(view.coll);
    const rows = [...view.colours].map(([value, colour]) => {
      const label = typeof value === 'boolean' ? formatValue(value) : view.categoryLabel(value) ?? t('none');
      const count = view.counts.get(value) || 0;
      if (!filterable) {
        return el('div', { class: 'legend-row' }, swatch(view, colour), ' ', label, ' ',
          el('span', { class: 'count' }, `(${formatNumber(count)})`));
      }
      const chosen = state.cats[view.id];
      const box = el('input', {
        type: 'checkbox',
        checked: !chosen || chosen.includes(String(value)),
        'data-category': String(value),
        onchange: () => {
          const all = [...view.colours.keys()].map(String);
          const current = new Set(state.cats[view.id] || all);
          if (box.checked) current.add(String(value)); else current.delete(String(value));
          if (current.size === all.length) delete state.cats[view.id];
          else state.cats[view.id] = all.filter((v) => current.has(v));
          onChange(view);
        },
      });
      return el('label', { class: 'legend-row' }, box, swatch(view, colour), ' ', label, ' ',
        el('span', { class: 'count' }, `(${formatNumber(count)})`));
    });
    // A designation read through a merge is not a decision about the new unit: say what it is.
    const inherited = /_inherited$/.test(property)
      ? el('p', { class: 'hint', 'data-legend-note': 'inherited' }, t('legendInherited')) : null;
    return el('li', { 'data-legend': view.id }, heading, rows, inherited);
  });
  replace(container, entries.length ? el('ul', { class: 'legend' }, entries) : '');
}
