// The 412 dialog: someone else saved the item after it was read. Both versions side by side, the
// fields that differ marked, and a choice; nothing is written until the user chooses.

import { el } from './dom.js';
import { t, tf } from './i18n.js';
import { display, label, same } from './form.js';

const place = (coords) => (coords ? `${coords[1].toFixed(6)}, ${coords[0].toFixed(6)}` : t('none'));

/**
 * Shows the conflict between `mine` (the properties and coordinates being sent) and `error.body`
 * (the 412: versions and the current Feature); resolves 'theirs' or 'mine'.
 */
export function showConflict(spec, mine, error) {
  const theirs = error.body?.current || {};
  const props = theirs.properties || {};
  const fields = [...spec.fields];
  if (spec.workflow) fields.push({ name: 'status', ...spec.workflow, title_vi: t('editStatus'), title_en: t('editStatus') });
  const rows = fields.filter((f) => f.name in mine.properties).map((field) => {
    const a = mine.properties[field.name];
    const b = props[field.name];
    return el('tr', { class: same(field, a, b) ? '' : 'differs', 'data-conflict-field': field.name },
      el('th', { scope: 'row' }, label(field)), el('td', {}, display(field, a)), el('td', {}, display(field, b)));
  });
  if (mine.coordinates) {
    const b = theirs.geometry?.coordinates;
    const moved = !b || mine.coordinates.some((v, i) => Math.abs(v - b[i]) > 1e-7);
    rows.push(el('tr', { class: moved ? 'differs' : '', 'data-conflict-field': 'location' },
      el('th', { scope: 'row' }, t('editLocation')), el('td', {}, place(mine.coordinates)), el('td', {}, place(b))));
  }
  return new Promise((resolve) => {
    const choose = (choice) => () => { dialog.close(); dialog.remove(); resolve(choice); };
    const dialog = el('dialog', { class: 'conflict', id: 'conflict', 'aria-labelledby': 'conflict-title' },
      el('h2', { id: 'conflict-title' }, t('conflictTitle')),
      el('p', {}, tf('conflictText', { sent: error.body?.sent_version, current: error.body?.current_version })),
      el('table', { class: 'props conflict-table' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, t('conflictField')),
          el('th', { scope: 'col' }, t('conflictMine')), el('th', { scope: 'col' }, t('conflictTheirs')))),
        el('tbody', {}, rows)),
      el('div', { class: 'buttons' },
        el('button', { type: 'button', 'data-choice': 'theirs', onclick: choose('theirs') }, t('conflictKeepTheirs')),
        el('button', { type: 'button', 'data-choice': 'mine', onclick: choose('mine') }, t('conflictApplyMine'))));
    // Escape would close it without a choice: it counts as keeping theirs (nothing written).
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); choose('theirs')(); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
