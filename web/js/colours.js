// Colours for categories: a fixed qualitative palette (ColorBrewer Set1/Dark2 and two of D3, readable on a
// light background and in print), assigned to values in sorted order so a value keeps its colour.

const PALETTE = ['#e41a1c', '#377eb8', '#4daf4a', '#984ea3', '#ff7f00', '#a65628', '#f781bf',
  '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#17becf', '#bcbd22', '#666666'];

/**
 * value -> colour for the values of one property: for yes/no, true is the strong colour and false
 * the layer's `fill`; other values take the palette, led by the layer's own `first` colour if any.
 */
export function categoryColours(values, { fill, first } = {}) {
  const sorted = [...values].sort((a, b) => String(a).localeCompare(String(b)));
  const colours = new Map();
  if (sorted.every((v) => typeof v === 'boolean')) {
    colours.set(true, '#c0392b');
    colours.set(false, fill || '#f4f1e8');
    return colours;
  }
  // A point layer's registry colour goes to its first value (model sites: "effective" in green).
  // (palette colours too close to it are left out, so two categories never look alike).
  const palette = first ? [first, ...PALETTE.filter((c) => distance(c, first) > 80)] : PALETTE;
  sorted.forEach((value, i) => colours.set(value, value === null ? '#bbbbbb' : palette[i % palette.length]));
  return colours;
}

const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/** Euclidean distance of two `#rrggbb` colours in RGB. */
function distance(a, b) {
  const [x, y] = [rgb(a), rgb(b)];
  return Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);
}
