// Reporting calendar: the 1 April deadline of each region's annual report, per reporting year,
// overdue ones highlighted.
import { api, errorText } from './api.js';
import { clear, h, option } from './dom.js';
import { t } from './i18n.js';
import { day, time } from './format.js';

export async function calendarView(container, ctx) {
  const thisYear = new Date().getUTCFullYear();
  const years = [thisYear - 3, thisYear - 2, thisYear - 1, thisYear];
  let year = thisYear - 1;
  const body = h('div', { class: 'table-wrap' });
  const select = h('select', { id: 'calendar-year', onchange: (e) => { year = Number(e.target.value); draw(); } },
    years.map((y) => option(y, y, y === year)));

  async function draw() {
    try {
      const data = await api('/api/v1/hub/reporting-calendar', { params: { year } });
      const counts = Object.entries(data.by_status || {}).map(([s, n]) => h('span', { class: `badge report-${s}` }, `${t(`report.${s}`)}: ${n}`));
      clear(body, h('p', { class: 'summary' }, t('calendar.summary', { year: data.reporting_year, date: day(data.due_date) }), ' ', counts),
        h('table', { class: 'grid compact', id: 'calendar-table' },
          h('thead', {}, h('tr', {}, [t('col.region'), t('col.due_date'), t('col.status'), t('col.generated')].map((x) => h('th', { scope: 'col' }, x)))),
          h('tbody', {}, data.items.map((item) => h('tr', { class: item.status === 'overdue' ? 'overdue' : '', dataset: { region: item.region_code, status: item.status } },
            h('th', { scope: 'row' }, h('a', { href: `#/region/${item.region_code}` }, ctx.regionLabel(item.region_code).en)),
            h('td', {}, day(item.due_date)), h('td', { class: `report-${item.status}` }, t(`report.${item.status}`)),
            h('td', {}, item.last_generated_at ? time(item.last_generated_at) : t('common.none')))))));
    } catch (err) {
      clear(body, h('p', { class: `message ${err.status === 403 ? 'info' : 'error'}` }, errorText(err)));
    }
  }

  clear(container, h('h2', {}, t('calendar.title')),
    h('section', { class: 'card' }, h('label', { class: 'control' }, `${t('calendar.year')} `, select), body));
  await draw();
}
