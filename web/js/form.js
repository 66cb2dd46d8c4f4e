// An edit form built from the API's description of it (GET /api/v1/forms/{kind}): one input per
// field, typed and limited as the server says, choices with their labels in the UI language.
// Nothing about the fields is written here, so a new category or field needs no change in JS.

import { el } from './dom.js';
import { currentLang, formatDate, t } from './i18n.js';

/** A field's or a choice's label in the UI language. */
export const label = (item) => (currentLang() === 'en' ? item.title_en : item.title_vi) || item.value || item.name;

// Vietnam is UTC+7 all year: the form shows and takes local times.
const OFFSET_MS = 7 * 3600 * 1000;

/** An RFC 3339 time as a `datetime-local` value in Vietnam's time. */
function toLocalInput(value) {
  const when = new Date(value);
  if (Number.isNaN(when.getTime())) return '';
  return new Date(when.getTime() + OFFSET_MS).toISOString().slice(0, 16);
}

/** A value of `field` as people read it (choices by label, times in local habits). */
export function display(field, value) {
  if (value === null || value === undefined || value === '') return t('none');
  const choice = field?.choices?.find((c) => c.value === value);
  if (choice) return label(choice);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return formatDate(value);
  return String(value);
}

/** Whether two values of `field` mean the same (times compared as instants). */
export function same(field, a, b) {
  const empty = (v) => v === null || v === undefined || v === '';
  if (empty(a) || empty(b)) return empty(a) && empty(b);
  if (field?.type === 'date-time') return new Date(a).getTime() === new Date(b).getTime();
  return String(a) === String(b);
}

function input(field, value, creating) {
  const attrs = { id: `f-${field.name}`, name: field.name, 'data-field': field.name, required: field.required };
  if (field.choices) {
    const blank = field.required && creating ? [el('option', { value: '' }, '—')] : [];
    return el('select', attrs, blank, field.choices.map((c) => el('option', { value: c.value, selected: c.value === value }, label(c))));
  }
  if (field.type === 'text') return el('textarea', { ...attrs, rows: 3 }, value ?? '');
  const typed = {
    integer: { type: 'number', step: 1, min: field.minimum, max: field.maximum },
    'date-time': { type: 'datetime-local' },
    date: { type: 'date' },
  }[field.type] || { type: 'text', maxlength: field.max_length };
  const shown = field.type === 'date-time' && value ? toLocalInput(value) : value;
  return el('input', { ...attrs, ...typed, value: shown ?? '', disabled: field.create_only && !creating });
}

/**
 * The form of `spec` filled with `values` (a Feature's properties); `creating` enables the
 * create-only fields. `read()` gives the properties to send (empty optional fields left out).
 */
export function buildForm(spec, values, creating) {
  const defaults = creating ? Object.fromEntries(spec.fields.filter((f) => f.default !== undefined).map((f) => [f.name, f.default])) : {};
  const filled = { ...defaults, ...values };
  const rows = spec.fields.map((field) => el('div', { class: 'field' },
    el('label', { for: `f-${field.name}` }, label(field), field.required ? el('span', { class: 'req', title: t('editRequired') }, ' *') : null),
    input(field, filled[field.name], creating)));
  const node = el('div', { class: 'edit-fields' }, rows);
  const read = () => {
    const out = {};
    for (const field of spec.fields) {
      if (field.create_only && !creating) continue;
      const raw = node.querySelector(`[data-field="${field.name}"]`).value.trim();
      if (raw === '') continue;
      if (field.type === 'integer') out[field.name] = Number(raw);
      else if (field.type === 'date-time') out[field.name] = new Date(`${raw}:00+07:00`).toISOString();
      else out[field.name] = raw;
    }
    return out;
  };
  return { node, read };
}

/** The problems of a refused file or batch (index, field, reason), when the server listed them. */
export function problems(error) {
  const list = error.body?.errors;
  if (!Array.isArray(list) || !list.length) return null;
  return el('ul', { class: 'problems', 'aria-label': t('errorProblems') },
    list.map((p) => el('li', {}, [p.index ?? '', p.field, p.reason].filter((x) => x !== '' && x !== undefined).join(' · '))));
}
