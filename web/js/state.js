// The view as a URL: layers, filters, colouring, language, centre and zoom live in the hash, so a
// view can be shared and reopened (after sign-in too: the hash survives the sign-in form).

export const state = {
  layers: null, // Set of layer ids shown; null: each layer's registry default
  from: '', // 'YYYY-MM' or ''
  to: '',
  asOf: '', // 'YYYY-MM-DD' or '' (today)
  district: '', // a district's code, or a former district's when `former`
  former: false, // no district is valid at the date: `district` names a former one (not in the URL)
  commune: '',
  cats: {}, // layer id -> array of category values shown (absent: all)
  colourBy: {}, // polygon layer id -> property
  params: {}, // layer id -> {parameter name -> value} (an analysis layer's parameters)
  lang: 'vi',
  zoom: null,
  centre: null, // [lat, lon]
  selected: '', // 'layer/fid' shown in the details panel
};

const MONTH = /^\d{4}-\d{2}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const CODE = /^[\w.-]{1,40}$/;

/** Reads the state from `location.hash`, keeping only well-formed values. */
export function readHash(hash = location.hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  state.layers = p.has('l') ? new Set(p.get('l').split(',').filter(Boolean)) : null;
  state.from = MONTH.test(p.get('from') || '') ? p.get('from') : '';
  state.to = MONTH.test(p.get('to') || '') ? p.get('to') : '';
  state.asOf = DAY.test(p.get('asof') || '') ? p.get('asof') : '';
  state.district = CODE.test(p.get('d') || '') ? p.get('d') : '';
  state.commune = CODE.test(p.get('c') || '') ? p.get('c') : '';
  state.lang = p.get('lang') === 'en' ? 'en' : 'vi';
  state.cats = {};
  state.colourBy = {};
  state.params = {};
  for (const [key, value] of p) {
    const param = /^p\.([\w-]+)\.(\w+)$/.exec(key);
    if (param && /^[\w.:/+-]{1,60}$/.test(value)) state.params[param[1]] = { ...state.params[param[1]], [param[2]]: value };
    if (key.startsWith('cat.')) state.cats[key.slice(4)] = value ? value.split('|') : [];
    if (key.startsWith('by.')) state.colourBy[key.slice(3)] = value;
  }
  const zoom = p.has('z') ? Number(p.get('z')) : NaN;
  state.zoom = Number.isInteger(zoom) && zoom >= 0 && zoom <= 20 ? zoom : null;
  const centre = (p.get('ll') || '').split(',').map(Number);
  state.centre = centre.length === 2 && centre.every(Number.isFinite) ? centre : null;
  state.selected = /^[\w-]+\/\d+$/.test(p.get('sel') || '') ? p.get('sel') : '';
  return state;
}

/** Writes the state to the hash without adding a history entry per pan or click. */
export function writeHash() {
  const p = new URLSearchParams();
  if (state.layers) p.set('l', [...state.layers].join(','));
  if (state.from) p.set('from', state.from);
  if (state.to) p.set('to', state.to);
  if (state.asOf) p.set('asof', state.asOf);
  if (state.district) p.set('d', state.district);
  if (state.commune) p.set('c', state.commune);
  for (const [id, values] of Object.entries(state.cats)) p.set(`cat.${id}`, values.join('|'));
  for (const [id, prop] of Object.entries(state.colourBy)) p.set(`by.${id}`, prop);
  for (const [id, values] of Object.entries(state.params)) {
    for (const [name, value] of Object.entries(values)) if (value !== '') p.set(`p.${id}.${name}`, value);
  }
  if (state.lang !== 'vi') p.set('lang', state.lang);
  if (state.zoom !== null) p.set('z', String(state.zoom));
  if (state.centre) p.set('ll', state.centre.map((v) => v.toFixed(5)).join(','));
  if (state.selected) p.set('sel', state.selected);
  const hash = `#${p.toString()}`;
  if (hash !== location.hash) history.replaceState(null, '', hash);
}
