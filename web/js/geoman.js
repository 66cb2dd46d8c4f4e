/**
 * Leaflet-Geoman (drawing and editing on the map), loaded once per page on first use: only the
 * roles that edit or plan ever fetch it, so everyone else's first load stays as it was.
 */
import { el } from './dom.js';

const GEOMAN = '/node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman';
// The minified build: 77 KiB gzipped against 106 KiB for the readable one.

let loading = null;

function load() {
  if (L.PM) return Promise.resolve();
  if (loading) return loading;
  document.head.append(el('link', { rel: 'stylesheet', href: `${GEOMAN}.css` }));
  loading = new Promise((resolve, reject) => {
    const script = el('script', { src: `${GEOMAN}.min.js` });
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => { loading = null; script.remove(); reject(new Error('leaflet-geoman')); });
    document.head.append(script);
  });
  return loading;
}

/**
 * Loads Geoman if needed and equips `map` with it. Geoman equips the maps made after it loads;
 * the page's map was made before, hence `reInitLayer`.
 */
export async function withGeoman(map) {
  await load();
  if (!map.pm) L.PM.reInitLayer(map);
  return map;
}
