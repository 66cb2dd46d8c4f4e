// The search box in the top bar: GET /api/v1/search as the user types, results in a listbox
// (the ARIA 1.2 combobox pattern: the focus stays in the field, the active option is named by
// aria-activedescendant), ↑/↓ to move, Enter to pick, Escape to close then clear. Picking zooms
// to the hit and outlines it. Labels and the typed text only ever go in as text.

/* global L */

import { getCached, query } from './api.js';
import { $, el, replace } from './dom.js';
import { t } from './i18n.js';

const DELAY_MS = 200;
const LIMIT = 8;

/**
 * Wires the search box inside `root` (a node in the top bar).
 * `options`: map() the Leaflet map; asOf() the boundaries' date ('' for today);
 * layerTitle(id) a layer's title; onPick(hit) after the map moved (opens the details).
 */
export function createSearch(root, options) {
  const input = el('input', {
    type: 'search', id: 'search-input', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': 'search-list',
  });
  const list = el('ul', { id: 'search-list', role: 'listbox', class: 'search-list', hidden: true });
  const status = el('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  replace(root, el('label', { for: 'search-input', class: 'visually-hidden', id: 'search-label' }), input, list, status);
  let hits = [];
  let active = -1;
  let timer = null;
  let asked = 0;
  let outline = null;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };

  const setActive = (index) => {
    active = index;
    for (const [i, node] of [...list.children].entries()) node.setAttribute('aria-selected', String(i === index));
    const node = list.children[index];
    if (node?.id) {
      input.setAttribute('aria-activedescendant', node.id);
      node.scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  };

  const show = (text) => {
    if (!hits.length) {
      replace(list, el('li', { class: 'search-empty', role: 'option', 'aria-disabled': 'true' },
        `${t('searchNone')}: "${text}"`));
    } else {
      replace(list, hits.map((hit, i) => el('li', {
        id: `search-opt-${i}`, role: 'option', 'aria-selected': 'false', 'data-hit': `${hit.layer}/${hit.id}`,
        // mousedown, not click: the field must not lose its focus (and close the list) first.
        onmousedown: (e) => { e.preventDefault(); pick(i); },
      }, el('span', { class: 'search-label' }, hit.label), ' ',
      el('span', { class: 'search-layer' }, options.layerTitle(hit.layer)))));
    }
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    status.textContent = hits.length ? `${hits.length} ${t('searchResults')}` : t('searchNone');
    setActive(-1);
  };

  const ask = async () => {
    const text = input.value.trim();
    const mine = ++asked;
    if (!text) { close(); return; }
    try {
      const data = await getCached(`/api/v1/search${query({ q: text, limit: LIMIT, as_of: options.asOf() })}`);
      if (mine !== asked) return; // a newer question was typed meanwhile
      hits = data.results;
      show(text);
    } catch (error) {
      if (mine !== asked) return;
      hits = [];
      replace(list, el('li', { class: 'search-empty error', role: 'option', 'aria-disabled': 'true' },
        `${t('error')}: ${error.message}`));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
    }
  };

  const pick = (index) => {
    const hit = hits[index];
    if (!hit) return;
    input.value = hit.label;
    close();
    const map = options.map();
    const [west, south, east, north] = hit.bbox;
    outline?.remove();
    if (west === east && south === north) {
      map.setView([south, west], Math.max(map.getZoom(), 15));
      outline = L.circleMarker([south, west], { radius: 14, color: '#ffbf00', weight: 4, fill: false, interactive: false });
    } else {
      const bounds = L.latLngBounds([south, west], [north, east]);
      // The details panel opens on the right of a wide screen: keep the hit clear of it.
      const panel = window.innerWidth > 700 ? 360 : 0;
      map.fitBounds(bounds, { maxZoom: 16, paddingTopLeft: [20, 20], paddingBottomRight: [20 + panel, 20] });
      outline = L.rectangle(bounds, { color: '#ffbf00', weight: 4, fill: false, dashArray: '6 4', interactive: false });
    }
    outline.addTo(map);
    root.dataset.picked = `${hit.layer}/${hit.id}`;
    options.onPick(hit);
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY_MS);
  });
  input.addEventListener('keydown', (e) => {
    const open = !list.hidden && hits.length > 0;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (list.hidden && input.value.trim()) { ask(); return; }
      if (!open) return;
      const step = e.key === 'ArrowDown' ? 1 : -1;
      setActive((active + step + hits.length) % hits.length);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (open) pick(active >= 0 ? active : 0);
    } else if (e.key === 'Escape') {
      // Escape closes the list; a second one clears the field (the ARIA pattern's habit).
      e.stopPropagation();
      if (!list.hidden) close(); else input.value = '';
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));

  return {
    /** Texts in the current language. */
    render() {
      $('#search-label', root).textContent = t('search');
      input.placeholder = t('searchPlaceholder');
      input.setAttribute('aria-label', t('search'));
    },
  };
}
