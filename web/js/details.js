// The details panel: a clicked feature's properties, titled from the layer's queryables and
// formatted for people. Every value is inserted as text (textContent), never as HTML.

import { el, replace } from './dom.js';
import { currentLang, formatValue, t, title } from './i18n.js';

/** Shows `feature` of `view` in `container`. */
export function showDetails(container, view, feature, onClose) {
  const schema = view.queryables?.properties || {};
  const rows = Object.entries(feature.properties || {}).map(([name, value]) => {
    const prop = schema[name];
    const label = prop ? (currentLang() === 'vi' ? prop.title : prop.description) : t(name);
    return el('tr', {}, el('th', { scope: 'row' }, label), el('td', { 'data-prop': name }, formatValue(value, name)));
  });
  replace(container,
    el('h3', {}, title(view.coll.titles, view.id)),
    el('table', { class: 'props' }, el('tbody', {}, rows)),
    el('button', { type: 'button', onclick: onClose }, t('close')));
  container.hidden = false;
}

export function clearDetails(container) {
  replace(container, el('p', { class: 'hint' }, t('noSelection')));
}
