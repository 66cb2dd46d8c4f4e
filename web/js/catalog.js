// The layer catalog: every layer the signed-in user may read, as GET /api/v1/collections lists
// it, loaded as GeoJSON with the current filters and drawn by its registry style (colour, fill,
// category property, clustering). Nothing here names a layer.

/* global L */

import { lineEmphasis, numericStyle, parameterValues } from './analysis.js';
import { getCached, query } from './api.js';
import { categoryColours } from './colours.js';
import { hasCategoryFilter, paramsFor, passesCategory } from './filters.js';
import { currentLang } from './i18n.js';
import { paneFor } from './map.js';
import { el } from './dom.js';
import { state } from './state.js';

const API = '/api/v1/collections';

/** One layer on the map. */
export class LayerView {
  constructor(coll, queryables) {
    this.coll = coll;
    this.queryables = queryables;
    this.group = null;
    this.features = [];
    this.drawn = 0;
    this.matched = null;
    this.colours = new Map();
    this.counts = new Map();
    this.error = null;
    this.numeric = null;
  }

  get id() {
    return this.coll.id;
  }

  get isPolygon() {
    return /Polygon/.test(this.coll.geometryType);
  }

  /** The property colouring this layer (choropleth or categories), if any. */
  get colourProperty() {
    if (this.isPolygon && this.coll.style?.category_property) {
      return state.colourBy[this.id] || this.coll.style.category_property;
    }
    return this.coll.style?.category_property || null;
  }

  /** Properties a polygon layer can be coloured by: yes/no ones and those with a few values. */
  colourChoices() {
    if (!this.isPolygon || !this.coll.style?.category_property) return [];
    const props = this.queryables?.properties || {};
    return Object.entries(props).filter(([name, schema]) => {
      if (schema.type === 'boolean') return true;
      if (schema.type !== 'string' || /code|name/.test(name)) return false;
      const values = new Set(this.features.map((f) => f.properties[name]));
      return values.size > 1 && values.size <= 6;
    }).map(([name, schema]) => ({ name, title: currentLang() === 'vi' ? schema.title : schema.description }));
  }

  /** The items URL under the current filters (categories are applied in the page). */
  itemsUrl(communesOf) {
    const params = paramsFor(this.coll, this.queryables, communesOf, { withCategories: false });
    return `${API}/${encodeURIComponent(this.id)}/items${query({ limit: 10000, ...params, ...parameterValues(this.coll) })}`;
  }

  /** The export URL of format `f` under every current filter, categories included. */
  exportUrl(f, communesOf) {
    const params = paramsFor(this.coll, this.queryables, communesOf);
    return `${API}/${encodeURIComponent(this.id)}/export${query({ f, ...params, ...parameterValues(this.coll) })}`;
  }

  /** The features under the current filters (not yet kept: a newer refresh may overtake). */
  fetch(communesOf) {
    return getCached(this.itemsUrl(communesOf));
  }

  setData(data) {
    this.features = data.features || [];
    this.matched = data.numberMatched ?? this.features.length;
    this.numeric = numericStyle(this);
  }

  /** (Re)draws the loaded features on `map`; `onSelect(view, feature, layer)` on click. */
  draw(map, onSelect) {
    if (this.group) map.removeLayer(this.group);
    // An analysis property (Gi* bins, coverage share, rates) colours the layer instead of categories.
    const property = this.numeric ? null : this.colourProperty;
    const shown = this.features.filter((f) => passesCategory(this.coll, f));
    const values = new Set(this.features.map((f) => categoryValue(f, property)));
    const { fill, color } = this.coll.style;
    this.colours = property ? categoryColours(values, { fill, first: this.isPolygon ? null : color }) : new Map();
    this.counts = new Map();
    for (const f of shown) {
      const v = categoryValue(f, property);
      this.counts.set(v, (this.counts.get(v) || 0) + 1);
    }
    const pane = paneFor(this.coll.geometryType);
    const style = this.coll.style || {};
    const colourOf = (f) => (this.numeric ? this.numeric.colour(f)
      : property ? this.colours.get(categoryValue(f, property)) : null);
    const emphasis = lineEmphasis(this);
    const geo = L.geoJSON({ type: 'FeatureCollection', features: shown }, {
      pane,
      // Leaflet applies `style` to point markers too: they keep their own (pointToLayer).
      style: (f) => (f.geometry?.type === 'Point' ? {} : {
        color: this.isPolygon ? style.color : colourOf(f) || style.color,
        weight: this.isPolygon ? 1 : 3,
        opacity: 0.9,
        fill: this.isPolygon && (Boolean(style.fill) || Boolean(this.numeric)),
        fillColor: colourOf(f) || style.fill,
        fillOpacity: property || this.numeric ? 0.6 : 0.35,
        ...emphasis,
      }),
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        pane,
        radius: 6,
        color: '#ffffff',
        weight: 1,
        fillColor: colourOf(f) || style.color,
        fillOpacity: 0.95,
      }),
      onEachFeature: (f, layer) => {
        layer.feature = f;
        layer.on('click', () => onSelect(this, f, layer));
        const label = f.properties.name || f.properties.code || f.properties.number || f.properties.patrol_code;
        if (label) layer.bindTooltip(String(label), { sticky: true });
      },
    });
    this.drawn = shown.length;
    if (style.cluster && L.markerClusterGroup) {
      this.group = L.markerClusterGroup({
        clusterPane: pane,
        showCoverageOnHover: false,
        maxClusterRadius: 50,
        // At street level every point is its own marker (and clickable).
        disableClusteringAtZoom: 16,
        iconCreateFunction: (cluster) => clusterIcon(cluster, property, this.colours),
      });
      this.group.addLayers(geo.getLayers());
    } else {
      this.group = geo;
    }
    this.group.addTo(map);
  }

  remove(map) {
    if (this.group) map.removeLayer(this.group);
    this.group = null;
    this.drawn = 0;
  }

  /** The label of a category value: the feature's own `<property>_vi/_en` text when it has one. */
  categoryLabel(value) {
    const property = this.colourProperty;
    const sample = this.features.find((f) => categoryValue(f, property) === value);
    const localised = sample?.properties[`${property}_${currentLang()}`];
    return localised || value;
  }
}

const categoryValue = (feature, property) => (property ? feature.properties[property] ?? null : null);

/** A cluster drawn as a pie of its categories (CSS conic gradient), with its count. */
function clusterIcon(cluster, property, colours) {
  const counts = new Map();
  for (const marker of cluster.getAllChildMarkers()) {
    const v = categoryValue(marker.feature, property);
    counts.set(v, (counts.get(v) || 0) + 1);
  }
  const total = cluster.getChildCount();
  let at = 0;
  const stops = [...counts].map(([v, n]) => {
    const start = (at / total) * 360;
    at += n;
    return `${colours.get(v) || '#888'} ${start}deg ${(at / total) * 360}deg`;
  });
  const size = total < 10 ? 30 : total < 100 ? 36 : 44;
  const pie = el('div', { class: 'cluster-pie' }, el('span', {}, String(total)));
  pie.style.background = `conic-gradient(${stops.join(', ')})`;
  return L.divIcon({ html: pie, className: 'cluster', iconSize: L.point(size, size) });
}

/** Every layer the caller may read, with its queryables. */
export async function loadCatalog() {
  const { collections } = await getCached(API);
  return Promise.all(collections.map(async (coll) => {
    const queryables = await getCached(`${API}/${encodeURIComponent(coll.id)}/queryables`).catch(() => null);
    return new LayerView(coll, queryables);
  }));
}

export { hasCategoryFilter };
