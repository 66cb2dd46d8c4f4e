// The province figures panel, from GET /api/v1/reports/province as of the chosen date. Commune
// profiles and analyses slot in beside it when the API offers them.

import { getCached, query } from './api.js';
import { el, replace } from './dom.js';
import { formatValue, reportLabel, t } from './i18n.js';

export async function showProvinceReport(container, asOf) {
  replace(container, el('p', { class: 'hint' }, t('loading')));
  try {
    const report = await getCached(`/api/v1/reports/province${query({ as_of: asOf })}`);
    const rows = Object.entries(report).map(([key, value]) => {
      const shown = value && typeof value === 'object'
        ? Object.entries(value).map(([k, v]) => `${k}: ${formatValue(v)}`).join('; ')
        : formatValue(value, key);
      return el('tr', {}, el('th', { scope: 'row' }, reportLabel(key)), el('td', { 'data-figure': key }, shown));
    });
    replace(container, el('table', { class: 'props report' }, el('tbody', {}, rows)));
  } catch (error) {
    replace(container, el('p', { class: 'error', role: 'alert' }, `${t('error')}: ${error.message}`));
  }
}
