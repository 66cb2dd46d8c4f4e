// A key point's history (GET /api/v1/key-points/{id}/history): every version, who made it and
// when, and which fields changed from the one before.

import { get } from './api.js';
import { el } from './dom.js';
import { formatDate, t } from './i18n.js';
import { display, label, same } from './form.js';

/** The history of key point `id` as a table, the fields titled from the form `spec`. */
export async function historyTable(spec, id) {
  const { versions } = await get(`/api/v1/key-points/${id}/history`);
  const fields = [...spec.fields, { name: 'status', ...spec.workflow, title_vi: t('editStatus'), title_en: t('editStatus') }];
  // The row as the database stored it: its location as GeoJSON (PostGIS's cast to JSON).
  const at = (d) => d.location?.coordinates || [];
  const moved = (a, b) => at(a).join() !== at(b).join();
  const rows = versions.map((v, i) => {
    const before = versions[i - 1]?.data;
    const changes = before
      ? fields.filter((f) => !same(f, before[f.name], v.data[f.name]))
        .map((f) => `${label(f)}: ${display(f, before[f.name])} → ${display(f, v.data[f.name])}`)
      : [t('editCreated')];
    if (before && moved(before, v.data)) changes.push(`${t('editLocation')}: ${at(v.data).slice().reverse().map((c) => c.toFixed(6)).join(', ')}`);
    return el('tr', { 'data-version': v.version },
      el('td', {}, String(v.version)), el('td', {}, formatDate(v.changed_at)),
      el('td', {}, v.changed_by_name || t('none')), el('td', {}, changes.join('; ')));
  });
  return el('table', { class: 'history' },
    el('caption', {}, t('editHistory')),
    el('thead', {}, el('tr', {}, ['editVersion', 'editChangedAt', 'editChangedBy', 'editChanges'].map((k) => el('th', { scope: 'col' }, t(k))))),
    el('tbody', {}, rows.reverse()));
}
