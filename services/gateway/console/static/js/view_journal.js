// Journal: every event the hub received, newest first, refreshed by polling while on screen.
// Filters: source, event type, region; a correlation id follows one request across services.
import { api, errorText } from './api.js';
import { clear, h, option } from './dom.js';
import { t } from './i18n.js';
import { time } from './format.js';

const POLL_SECONDS = 3;
const SOURCES = ['investments', 'budgets', 'personnel'];

function summary(item) {
  const p = item.payload || {};
  const keys = ['project_id', 'rotation_id', 'servant_id', 'report_id', 'block_id', 'stage', 'to_stage', 'status', 'fiscal_year', 'reporting_year', 'year', 'due_date'];
  return keys.filter((k) => p[k] !== undefined && p[k] !== null).map((k) => `${k}: ${p[k]}`).join(' · ');
}

export async function journalView(container, ctx) {
  const filters = { source: '', type: '', region: '', correlation_id: '' };
  let timer = null;
  let stopped = false;
  const list = h('div', { class: 'table-wrap', id: 'journal-list' });
  const status = h('p', { class: 'note', id: 'journal-status' });
  const source = h('select', { id: 'journal-source' }, option('', t('common.all')), SOURCES.map((s) => option(s, s)));
  const type = h('input', { id: 'journal-type', type: 'text', placeholder: 'project_registered', size: 24 });
  const region = h('select', { id: 'journal-region' }, option('', t('common.all')),
    ctx.visibleRegions.map((r) => option(r.code, `${r.name} (${r.code})`)));
  const correlation = h('input', { id: 'journal-correlation', type: 'text', size: 38 });
  const following = h('p', { class: 'note', id: 'journal-following' });

  function readFilters() {
    filters.source = source.value; filters.type = type.value.trim(); filters.region = region.value;
    filters.correlation_id = correlation.value.trim();
    following.textContent = filters.correlation_id ? t('journal.following', { id: filters.correlation_id }) : '';
  }

  function follow(id) { correlation.value = id; readFilters(); refresh(); }

  // Only the newest request may draw: an answer to an older one (a poll that was in flight when
  // the filters changed) is dropped, and one timer runs at a time.
  let generation = 0;
  async function refresh() {
    clearTimeout(timer);
    const mine = ++generation;
    const stale = () => stopped || mine !== generation;
    try {
      const page = await api('/api/v1/hub/journal', { params: { ...filters, limit: 50 } });
      if (stale()) return;
      const rows = page.items.map((item) => h('tr', { dataset: { eventId: item.event_id, type: item.event_type, occurred: item.occurred_at, correlation: item.correlation_id || '' } },
        h('td', { class: 'nowrap' }, time(item.occurred_at)), h('td', {}, item.source), h('td', {}, item.event_type),
        h('td', {}, item.region_code ? ctx.regionLabel(item.region_code).en : t('common.none')),
        h('td', {}, item.correlation_id
          ? h('button', { type: 'button', class: 'link', title: t('journal.follow'), onclick: () => follow(item.correlation_id) }, item.correlation_id)
          : t('common.none')),
        h('td', { class: 'details' }, summary(item))));
      clear(list, h('table', { class: 'grid compact', id: 'journal-table', dataset: { total: page.total } },
        h('thead', {}, h('tr', {}, ['col.time', 'col.source', 'col.type', 'col.region', 'col.correlation', 'col.summary'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 6 }, t('common.no_data'))))));
      status.textContent = `${t('journal.live', { seconds: POLL_SECONDS })} · ${t('common.updated', { time: new Date().toISOString().slice(11, 19) })} · ${t('common.total', { count: page.total })}`;
      ctx.showMessage(null);
    } catch (err) {
      if (stale()) return;
      if (err.status === 401) { stopped = true; return; } // signed out: the sign-in form says why
      ctx.showMessage(errorText(err));
    }
    if (!stale()) timer = setTimeout(refresh, POLL_SECONDS * 1000);
  }

  const form = h('form', { class: 'filters', id: 'journal-filters', onsubmit: (e) => { e.preventDefault(); readFilters(); refresh(); } },
    h('label', {}, `${t('journal.source')} `, source), h('label', {}, `${t('journal.type')} `, type),
    h('label', {}, `${t('common.region')} `, region), h('label', {}, `${t('journal.correlation')} `, correlation),
    h('button', { type: 'submit', id: 'journal-apply' }, t('common.apply')),
    h('button', { type: 'button', onclick: () => { source.value = ''; type.value = ''; region.value = ''; correlation.value = ''; readFilters(); refresh(); } }, t('common.clear')));
  clear(container, h('h2', {}, t('journal.title')), h('section', { class: 'card' }, form, following, status, list));
  await refresh();
  return () => { stopped = true; clearTimeout(timer); };
}
