// Colours for categories: a fixed qualitative palette (ColorBrewer Set1/Dark2, readable on a
// light background and in print), assigned to values in sorted order so a value keeps its colour.

const PALETTE = ['#e41a1c', '#377eb8', '#4daf4a', '#984ea3', '#ff7f00', '#a65628', '#f781bf',
  '#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#666666'];

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
  const palette = first ? [first, ...PALETTE] : PALETTE;
  sorted.forEach((value, i) => colours.set(value, value === null ? '#bbbbbb' : palette[i % palette.length]));
  return colours;
}
