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
  const basemap = config.basemap;
  if (basemap?.url && !basemap.vector) {
    // A file served by antq (--basemap-file) says its zooms: deeper zooms stretch its deepest
    // tiles instead of asking for tiles it does not have.
    const options = { attribution: basemap.attribution || '', maxZoom: 19 };
    if (basemap.maxzoom != null) Object.assign(options, { maxNativeZoom: basemap.maxzoom, minNativeZoom: basemap.minzoom });
    if (basemap.bounds) options.bounds = [[basemap.bounds[1], basemap.bounds[0]], [basemap.bounds[3], basemap.bounds[2]]];
    L.tileLayer(basemap.url, options).addTo(map);
  }
  // A vector base map (MVT) needs a vector renderer Leaflet does not have: its tiles are served
  // (for MapLibre, QGIS, QField) but this page keeps its plain background.
  L.control.scale({ imperial: false }).addTo(map);
  map.fitBounds(LAO_CAI);
  return map;
}

/** The pane a geometry type is drawn in. */
export const paneFor = (geometryType) =>
  /Polygon/.test(geometryType) ? 'polygons' : /Line/.test(geometryType) ? 'lines' : 'points';
