// The filter panel: the month range, the "as of" date, the district and commune, and the
// summary of them all for the printed map. It owns the list of units the area filter offers.

/* global L */

import { getCached, query } from './api.js';
import { $, el, keepFocus, replace } from './dom.js';
import { hasCategoryFilter, months } from './filters.js';
import { formatDate, formatMonth, parseDay, t, title } from './i18n.js';
import { showProvinceReport } from './report.js';
import { state } from './state.js';

/**
 * The panel in `#filters`. `ctx`: `views()` (the layers), `map()`, `refresh()` (reload the map
 * under the new filters).
 */
export function createFilterPanel(ctx) {
  // former: no district is valid at the date (after 01/07/2025), so the districts offered are
  // the former ones of the communes' predecessors (a planner still thinks in them).
  let units = { districts: [], communes: [], former: false };
  const inDistrict = (c, code) => (units.former ? (c.former_district_codes || []).includes(code) : c.district_code === code);
  const views = () => ctx.views();
  const refresh = () => ctx.refresh();

  /** The month range of the time-filtered layers, from their temporal extents. */
  function monthRange() {
    const ends = views().filter((v) => v.coll.datetime).flatMap((v) => v.coll.extent?.temporal?.interval?.[0] || [])
      .filter(Boolean).map((s) => s.slice(0, 7)).sort();
    return ends.length ? months(ends[0], ends.at(-1)) : [];
  }

  function renderFilters() {
    const form = $('#filters');
    const all = monthRange();
    const parts = [];
    if (all.length) {
      const fromIdx = state.from ? Math.max(0, all.indexOf(state.from)) : 0;
      const toIdx = state.to ? Math.max(0, all.indexOf(state.to)) : all.length - 1;
      const out = el('output', { id: 'range-out' });
      const showRange = (a, b) => { out.textContent = `${formatMonth(all[a])} – ${formatMonth(all[b])}`; };
      const slider = (id, value, key) => el('input', {
        type: 'range', id, min: 0, max: all.length - 1, step: 1, value,
        'aria-label': t(key),
        oninput: () => showRange(Number($('#month-from').value), Number($('#month-to').value)),
        onchange: () => {
          let a = Number($('#month-from').value);
          let b = Number($('#month-to').value);
          if (a > b) [a, b] = [b, a];
          state.from = a === 0 ? '' : all[a];
          state.to = b === all.length - 1 ? '' : all[b];
          refresh();
        },
      });
      parts.push(el('fieldset', {}, el('legend', {}, t('dateRange')),
        el('label', { for: 'month-from' }, t('from')), slider('month-from', fromIdx, 'from'),
        el('label', { for: 'month-to' }, t('to')), slider('month-to', toIdx, 'to'), out));
      showRange(fromIdx, toIdx);
    }
    if (views().some((v) => v.coll.asOf)) {
      parts.push(el('label', { for: 'as-of' }, `${t('asOf')} (${t('asOfHint')})`),
        el('input', {
          type: 'text', id: 'as-of', inputmode: 'numeric', placeholder: 'dd/mm/yyyy', pattern: '\\d{1,2}/\\d{1,2}/\\d{4}',
          value: state.asOf ? formatDate(state.asOf) : '',
          onchange: (e) => {
            const typed = parseDay(e.target.value);
            if (typed === null) { e.target.setAttribute('aria-invalid', 'true'); return; }
            e.target.removeAttribute('aria-invalid');
            state.asOf = typed;
            loadUnits().then(() => { keepFocus(renderFilters); return refresh(); });
            if ($('#report-box').open) showProvinceReport($('#report'), state.asOf);
          },
        }));
    }
    if (units.districts.length) {
      const district = el('select', {
        id: 'district',
        onchange: (e) => {
          state.district = e.target.value;
          state.commune = '';
          keepFocus(renderFilters);
          refresh();
          zoomToUnit();
        },
      }, el('option', { value: '' }, t('all')),
      units.districts.map((d) => el('option', { value: d.code, selected: d.code === state.district }, d.name)));
      const communes = units.communes.filter((c) => !state.district || inDistrict(c, state.district));
      const commune = el('select', {
        id: 'commune',
        onchange: (e) => { state.commune = e.target.value; refresh(); zoomToUnit(); },
      }, el('option', { value: '' }, t('all')),
      communes.map((c) => el('option', { value: c.code, selected: c.code === state.commune }, c.name)));
      parts.push(el('label', { for: 'district' }, t(units.former ? 'formerDistrict' : 'district')), district,
        el('label', { for: 'commune' }, t('commune')), commune);
    }
    parts.push(el('button', {
      type: 'button', id: 'reset',
      onclick: () => {
        Object.assign(state, { from: '', to: '', asOf: '', district: '', commune: '', cats: {} });
        loadUnits().then(() => { renderFilters(); refresh(); });
      },
    }, t('reset')));
    replace(form, parts);
    form.onsubmit = (e) => e.preventDefault();
  }

  /** Districts and communes (as of the chosen date) for the area filter, from the layers. */
  async function loadUnits() {
    const find = (pred) => views().find((v) => v.coll.asOf && pred(v.queryables?.properties || {}));
    const districts = find((p) => p.province_code);
    const communes = find((p) => p.district_code);
    const fetchUnits = async (view) => {
      if (!view) return [];
      const url = `/api/v1/collections/${view.id}/items${query({ limit: 10000, as_of: state.asOf })}`;
      const data = await getCached(url);
      return data.features.map((f) => ({ ...f.properties, feature: f }))
        .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
    };
    units = { districts: await fetchUnits(districts), communes: await fetchUnits(communes), former: false };
    if (!units.districts.length && units.communes.some((c) => c.former_district_codes?.length)) {
      const named = new Map();
      for (const c of units.communes) {
        (c.former_district_codes || []).forEach((code, i) => named.set(code, c.former_districts?.[i] ?? code));
      }
      units.districts = [...named].map(([code, name]) => ({ code, name }))
        .sort((a, b) => a.name.localeCompare(b.name, 'vi'));
      units.former = true;
    }
    state.former = units.former;
  }

  function zoomToUnit() {
    const unit = units.communes.find((c) => c.code === state.commune) || units.districts.find((d) => d.code === state.district);
    // A former district has no shape of its own at the date: the communes it went into.
    const shapes = unit?.feature ? [unit.feature]
      : units.communes.filter((c) => unit && inDistrict(c, unit.code)).map((c) => c.feature);
    if (shapes.length) ctx.map().fitBounds(L.geoJSON({ type: 'FeatureCollection', features: shapes }).getBounds());
  }

  function filtersSummary() {
    const parts = [];
    if (state.from || state.to) parts.push(`${t('dateRange')}: ${formatMonth(state.from) || '…'} – ${formatMonth(state.to) || '…'}`);
    if (state.asOf) parts.push(`${t('asOf')}: ${formatDate(state.asOf)}`);
    const district = units.districts.find((d) => d.code === state.district);
    const commune = units.communes.find((c) => c.code === state.commune);
    if (district) parts.push(`${t(units.former ? 'formerDistrict' : 'district')}: ${district.name}`);
    if (commune) parts.push(`${t('commune')}: ${commune.name}`);
    for (const [id, values] of Object.entries(state.cats)) {
      const view = views().find((v) => v.id === id);
      if (view && hasCategoryFilter(view.coll)) {
        parts.push(`${title(view.coll.titles, id)}: ${values.map((v) => view.categoryLabel(v)).join(', ')}`);
      }
    }
    return parts.length ? parts.join(' · ') : t('noFilters');
  }

  return {
    render: renderFilters,
    load: loadUnits,
    loaded: () => units.communes.length > 0,
    /** The communes of the map's date (their properties), for the package panel. */
    communes: () => units.communes,
    summary: filtersSummary,
    /** The codes of the communes of `district` (for the layers' area filter). */
    communesOf: (district) => units.communes.filter((c) => inDistrict(c, district)).map((c) => c.code),
  };
}
