// Map setup: Leaflet on a plain background, with an online base map only when the installation
// configured one (GET /config.json), so by default no request leaves this origin.

/* global L */

const LAO_CAI = [[21.91, 103.52], [22.83, 104.6]];

export function createMap(container, config) {
  const map = L.map(container, { zoomControl: true, maxZoom: 18, minZoom: 6, attributionControl: Boolean(config.basemap) });
  // One pane per kind of geometry, so redrawing a layer never buries points under polygons.
  for (const [name, z] of [['polygons', 410], ['lines', 420], ['points', 430]]) {
    map.createPane(name).style.zIndex = String(z);
  }
  if (config.basemap?.url) {
    L.tileLayer(config.basemap.url, { attribution: config.basemap.attribution || '', maxZoom: 19 }).addTo(map);
  }
  L.control.scale({ imperial: false }).addTo(map);
  map.fitBounds(LAO_CAI);
  return map;
}

/** The pane a geometry type is drawn in. */
export const paneFor = (geometryType) =>
  /Polygon/.test(geometryType) ? 'polygons' : /Line/.test(geometryType) ? 'lines' : 'points';
