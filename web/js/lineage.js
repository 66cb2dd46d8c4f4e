// A unit's history in its details: the versions of its code, the units it was formed from and
// the units it became, each with its dates, the kind of change and its basis (GET
// /api/v1/units/{code}/lineage). A planner reading a 2025 commune sees the communes its figures
// come from; one reading a 2020 commune sees what it is today.

import { getCached } from './api.js';
import { el } from './dom.js';
import { formatDate, t, tf } from './i18n.js';

/** The layers whose features are administrative units with a code. */
export const UNIT_LAYERS = new Set(['provinces', 'districts', 'communes', 'villages']);

// valid_to is the first day the version no longer holds: the last day shown is the one before.
function lastDay(validTo) {
  const d = new Date(`${validTo}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return formatDate(d.toISOString().slice(0, 10));
}

function span(u) {
  return u.valid_to ? tf('lineageSpan', { from: formatDate(u.valid_from), to: lastDay(u.valid_to) })
    : tf('lineageSince', { from: formatDate(u.valid_from) });
}

function change(c, side, current) {
  const unit = `${c.name} (${c.code}, ${span(c)})`;
  const how = [t(`change_${c.change}`), formatDate(c.changed_on), c.basis].filter(Boolean).join(' · ');
  // A predecessor that went into another unit first (or into an earlier version under another
  // name) says which.
  const via = side === 'from' && c.into_name !== current ? ` → ${c.into_name}` : '';
  return el('li', { 'data-code': c.code, 'data-depth': String(c.depth) }, `${unit}${via} — ${how}`);
}

/** The lineage section of unit `code` (appended to `container`); nothing when it cannot be read. */
export async function showLineage(container, code) {
  const lineage = await getCached(`/api/v1/units/${encodeURIComponent(code)}/lineage`).catch(() => null);
  if (!lineage || !container.isConnected) return;
  // Villages moved with their commune are not news to a planner: only changes of the unit itself.
  const keep = (c) => c.change !== 'continue' || c.code !== code;
  const from = lineage.predecessors.filter(keep);
  const current = lineage.versions.at(-1)?.name;
  const into = lineage.successors.filter(keep);
  const section = el('section', { id: 'lineage', class: 'lineage' },
    el('h4', {}, t('lineageTitle')),
    el('p', { class: 'hint' }, `${t('lineageVersions')}: `,
      lineage.versions.map((v) => `${v.name} (${span(v)})`).join('; ')),
    from.length ? [el('h5', {}, t('lineageFrom')), el('ul', { id: 'lineage-from' }, from.map((c) => change(c, 'from', current)))] : null,
    into.length ? [el('h5', {}, t('lineageInto')), el('ul', { id: 'lineage-into' }, into.map((c) => change(c, 'into', current)))] : null,
    from.length || into.length ? null : el('p', { class: 'hint' }, t('lineageNone')));
  container.querySelector('#lineage')?.remove();
  container.append(section);
}
