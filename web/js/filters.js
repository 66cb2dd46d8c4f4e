// Filters: the date range (a slider over months), the "as of" date for boundaries, district and
// commune, and per-layer categories. Which filter applies to which layer is read from the
// registry (`asOf`, `datetime`, the layer's queryables), never from a list of layer ids.

import { state } from './state.js';

/** The CQL2 text literal of a value (quotes doubled). */
const literal = (value) => `'${String(value).replaceAll("'", "''")}'`;

const lastDay = (month) => {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
};

/** The datetime interval of the month range, or '' when no range is set. */
export function interval() {
  if (!state.from && !state.to) return '';
  const start = state.from ? `${state.from}-01T00:00:00Z` : '..';
  const end = state.to ? `${lastDay(state.to)}T23:59:59Z` : '..';
  return `${start}/${end}`;
}

/** Whether a layer's features carry categories that can be filtered (points with a category). */
export const hasCategoryFilter = (coll) =>
  coll.geometryType === 'Point' && Boolean(coll.style?.category_property);

/**
 * The query parameters of `coll` under the current filters, as the server applies them (items
 * and export alike). `communesOf(district)` lists the commune codes of a district.
 */
export function paramsFor(coll, queryables, communesOf, { withCategories = true } = {}) {
  const props = queryables?.properties || {};
  const params = {};
  const cql = [];
  if (coll.asOf && state.asOf) params.as_of = state.asOf;
  if (coll.datetime && interval()) params.datetime = interval();
  if (state.commune && props.commune_code) {
    params.commune_code = state.commune;
  } else if (state.district && state.former && props.former_district_codes) {
    params.former_district_codes = state.district;
  } else if (state.district && !state.former && props.district_code) {
    params.district_code = state.district;
  } else if (state.district && props.commune_code) {
    const codes = communesOf(state.district);
    if (codes.length) cql.push(`commune_code IN (${codes.map(literal).join(',')})`);
  }
  const categories = state.cats[coll.id];
  const property = coll.style?.category_property;
  if (withCategories && categories && hasCategoryFilter(coll) && props[property]) {
    cql.push(categories.length ? `${property} IN (${categories.map(literal).join(',')})` : `${property} IS NULL`);
  }
  if (cql.length) params.filter = cql.join(' AND ');
  return params;
}

/** Whether a feature passes the category filter (applied in the page, so toggling is instant). */
export function passesCategory(coll, feature) {
  const categories = state.cats[coll.id];
  if (!categories || !hasCategoryFilter(coll)) return true;
  return categories.includes(String(feature.properties[coll.style.category_property]));
}

/** Months from `first` to `last` inclusive, as 'YYYY-MM'. */
export function months(first, last) {
  const out = [];
  let [y, m] = first.split('-').map(Number);
  const [ly, lm] = last.split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}
