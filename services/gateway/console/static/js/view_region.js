// Region: the investment pipeline as a funnel, revenue plan vs execution by month (own and
// transfer parts) with the forecast from commissioned projects, block budget use, rotations out
// and in with who is due, open initiatives and the 1 April report status. Each panel asks the API
// on its own, so a panel the role may not see says so and the others still show.
import { api } from './api.js';
import { ChartSet } from './charts.js';
import { clear, h, option } from './dom.js';
import { t } from './i18n.js';
import { billions, bn, day, int, num } from './format.js';

const STAGES = ['proposed', 'appraised', 'approved', 'financed', 'under_implementation', 'commissioned', 'evaluated'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function panel(id, title) {
  const body = h('div', { class: 'panel-body' }, h('p', { class: 'loading' }, t('common.loading')));
  return { el: h('section', { class: 'card', id }, h('h3', {}, title), body), body };
}

async function fill(p, work) {
  try {
    await work(p.body);
  } catch (err) {
    const text = err.status === 403 ? t('error.not_permitted', { message: err.message }) : err.message;
    clear(p.body, h('p', { class: `message ${err.status === 403 ? 'info' : 'error'}`, dataset: { error: err.error || 'error' } }, text));
  }
}

// Year-to-date figures as of each month → the month's own amount (differences).
export function monthlyParts(months) {
  const out = { own: [], transfers: [], plan: [] };
  let prev = { own: 0, transfers: 0, plan: 0 };
  for (const m of months) {
    const now = { own: num(m.own_revenue_kzt) || 0, transfers: num(m.transfers_received_kzt) || 0,
                  plan: m.plan_basis === 'period' ? num(m.plan_kzt) || 0 : null };
    out.own.push(billions(now.own - prev.own));
    out.transfers.push(billions(now.transfers - prev.transfers));
    out.plan.push(now.plan === null ? null : billions(now.plan - (prev.plan || 0)));
    prev = now;
  }
  return out;
}

function table(headers, rows, id) {
  return h('table', { class: 'grid compact', id },
    h('thead', {}, h('tr', {}, headers.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length }, t('common.no_data')))));
}

export async function regionView(container, ctx, code) {
  const charts = new ChartSet();
  const codes = ctx.visibleRegions.map((r) => r.code);
  const region = code && codes.includes(code) ? code : (code || ctx.me.region || codes[0]);
  const label = ctx.regionLabel(region);
  const today = new Date();
  let year = today.getUTCFullYear();

  const picker = h('select', { id: 'region-picker', onchange: (e) => { window.location.hash = `#/region/${e.target.value}`; } },
    ctx.visibleRegions.map((r) => option(r.code, `${r.name} (${r.code})`, r.code === region)));
  const pipeline = panel('panel-pipeline', t('region.pipeline'));
  const revenue = panel('panel-revenue', t('region.revenue'));
  const forecast = panel('panel-forecast', t('region.forecast'));
  const blocks = panel('panel-blocks', t('region.blocks'));
  const rotations = panel('panel-rotations', t('region.rotations'));
  const initiatives = panel('panel-initiatives', t('region.initiatives'));
  const report = panel('panel-report', t('region.report'));
  const yearSelect = h('select', { id: 'revenue-year', onchange: (e) => { year = Number(e.target.value); drawRevenue(); drawBlocks(); } },
    [year - 1, year].map((y) => option(y, y, y === year)));

  clear(container,
    h('div', { class: 'title-row' },
      h('h2', { id: 'region-title', dataset: { region } }, label.en, ' ',
        h('span', { class: 'local', lang: 'ru' }, label.ru), h('span', { class: 'local', lang: 'kk' }, label.kk)),
      h('label', { class: 'control' }, `${t('region.choose')} `, picker),
      h('label', { class: 'control' }, `${t('common.year')} `, yearSelect)),
    h('div', { class: 'panels' }, pipeline.el, revenue.el, forecast.el, blocks.el, rotations.el, initiatives.el, report.el));

  const revenueChart = h('div', { class: 'chart', id: 'chart-revenue' });
  async function drawRevenue() {
    await fill(revenue, async (body) => {
      const data = await api(`/api/v1/budgets/regions/${region}/indicators/${year}/months`);
      const parts = monthlyParts(data.months);
      clear(body, h('p', { class: 'note' }, t('region.revenue_note'), ` (${t('common.bn_kzt')})`), revenueChart);
      revenueChart.dataset.year = year;
      charts.make(revenueChart, {
        tooltip: { trigger: 'axis' }, legend: { top: 0 },
        grid: { left: 60, right: 20, top: 40, bottom: 30 },
        xAxis: { type: 'category', data: MONTHS }, yAxis: { type: 'value', name: t('common.bn_kzt') },
        series: [
          { id: 'own', name: t('region.own'), type: 'bar', stack: 'executed', data: parts.own, itemStyle: { color: '#2b7bb9' } },
          { id: 'transfers', name: t('region.transfers'), type: 'bar', stack: 'executed', data: parts.transfers, itemStyle: { color: '#f0a030' } },
          { id: 'plan', name: t('region.plan'), type: 'line', data: parts.plan, itemStyle: { color: '#333' } },
        ],
      });
    });
  }

  async function drawPipeline() {
    await fill(pipeline, async (body) => {
      const card = await api(`/api/v1/hub/scorecards/${region}`);
      const byStage = card.projects.by_stage;
      const el = h('div', { class: 'chart', id: 'chart-pipeline' });
      clear(body, el, h('p', { class: 'note' },
        t('region.pipeline_other', { suspended: byStage.suspended || 0, cancelled: byStage.cancelled || 0 }),
        ` · ${t('measure.committed')}: ${bn(card.projects.investment_committed_kzt)}`,
        ` · ${t('measure.jobs')}: ${int(card.projects.jobs_created)} / ${int(card.projects.jobs_planned)}`));
      const counts = STAGES.map((s) => byStage[s] || 0);
      charts.make(el, {
        tooltip: { trigger: 'item', formatter: '{b}: {c}' },
        series: [{ id: 'pipeline', type: 'funnel', sort: 'none', left: '10%', width: '80%', gap: 2,
                   min: 0, max: Math.max(1, ...counts), minSize: '12%', maxSize: '100%',
                   label: { show: true, position: 'inside', formatter: '{b}: {c}' },
                   data: STAGES.map((s, i) => ({ name: t(`stage.${s}`), value: counts[i], stage: s })) }],
      });
    });
  }

  async function drawForecast() {
    await fill(forecast, async (body) => {
      const data = await api(`/api/v1/budgets/regions/${region}/forecast`);
      const years = Object.keys(data.totals_kzt || {}).sort();
      if (!years.length) { clear(body, h('p', {}, t('common.no_data'))); return; }
      const base = years.map((y) => billions((data.base_kzt || {})[y] || 0));
      const projects = years.map((y, i) => Math.round((billions(data.totals_kzt[y]) - base[i]) * 100) / 100);
      const el = h('div', { class: 'chart small', id: 'chart-forecast' });
      clear(body, el);
      charts.make(el, {
        tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 60, right: 20, top: 40, bottom: 30 },
        xAxis: { type: 'category', data: years }, yAxis: { type: 'value', name: t('common.bn_kzt') },
        series: [{ id: 'base', name: t('region.forecast_base'), type: 'bar', stack: 'f', data: base, itemStyle: { color: '#9ecae1' } },
                 { id: 'projects', name: t('region.forecast_projects'), type: 'bar', stack: 'f', data: projects, itemStyle: { color: '#1a9850' } }],
      });
    });
  }

  async function drawBlocks() {
    await fill(blocks, async (body) => {
      const data = await api(`/api/v1/budgets/regions/${region}/blocks`, { params: { fiscal_year: year } });
      const items = data.items || [];
      if (!items.length) { clear(body, h('p', {}, t('common.no_data'))); return; }
      const el = h('div', { class: 'chart small', id: 'chart-blocks' });
      clear(body, el);
      charts.make(el, {
        tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 200, right: 20, top: 40, bottom: 30 },
        yAxis: { type: 'category', data: items.map((b) => b.spending_body) }, xAxis: { type: 'value', name: t('common.bn_kzt') },
        series: [{ id: 'limit', name: t('region.block_limit'), type: 'bar', data: items.map((b) => billions(b.limit_kzt)), itemStyle: { color: '#ccc' } },
                 { id: 'allocated', name: t('region.block_allocated'), type: 'bar', data: items.map((b) => billions(b.allocated_kzt)), itemStyle: { color: '#2b7bb9' } },
                 { id: 'executed', name: t('region.block_executed'), type: 'bar', data: items.map((b) => billions(b.executed_kzt)), itemStyle: { color: '#1a9850' } }],
      });
    });
  }

  async function drawRotations() {
    await fill(rotations, async (body) => {
      const [list, due] = await Promise.all([
        api('/api/v1/personnel/rotations', { params: { region, page_size: 200 } }),
        api('/api/v1/personnel/due-rotations', { params: { region } })]);
      const row = (r) => h('tr', { dataset: { rotation: r.rotation_id } }, h('td', {}, r.servant_id), h('td', {}, r.from_region || r.from_org_id),
        h('td', {}, r.to_region || r.to_org_id), h('td', {}, t(`rotation.${r.status}`)),
        h('td', {}, day(r.actual_start || r.planned_start)), h('td', {}, day(r.actual_end || r.planned_end)));
      const heads = [t('col.servant'), t('col.from'), t('col.to'), t('col.status'), t('col.start'), t('col.end')];
      const dueItems = due.items || [];
      clear(body,
        h('h4', {}, t('region.rotations_out')), table(heads, list.items.filter((r) => r.from_region === region).slice(0, 15).map(row), 'rotations-out'),
        h('h4', {}, t('region.rotations_in')), table(heads, list.items.filter((r) => r.to_region === region).slice(0, 15).map(row), 'rotations-in'),
        h('h4', {}, t('region.due'), ' ', h('span', { class: 'badge' }, t('region.due_count', { count: dueItems.length }))),
        table([t('col.servant'), t('col.due_date'), t('col.years_in_post')],
          dueItems.slice(0, 10).map((d) => h('tr', { dataset: { servant: d.servant_id } }, h('td', {}, d.servant_id), h('td', {}, day(d.due_date)), h('td', {}, int(d.years_in_post)))), 'rotations-due'));
    });
  }

  async function drawInitiatives() {
    await fill(initiatives, async (body) => {
      const [open, progress] = await Promise.all(['open', 'in_progress'].map((status) =>
        api('/api/v1/hub/initiatives', { params: { region, status, limit: 100 } })));
      const items = [...open.items, ...progress.items];
      clear(body, table([t('col.title'), t('col.kind'), t('col.status'), t('col.due_date')],
        items.map((i) => h('tr', {}, h('td', {}, i.title), h('td', {}, t(`kind.${i.kind}`)), h('td', {}, t(`status.${i.status}`)), h('td', {}, day(i.due_date)))),
        'region-initiatives'));
    });
  }

  async function drawReport() {
    await fill(report, async (body) => {
      const reportingYear = today.getUTCFullYear() - 1;
      const data = await api('/api/v1/hub/reporting-calendar', { params: { year: reportingYear } });
      const entry = data.items.find((i) => i.region_code === region);
      clear(body, entry
        ? h('p', { class: `report-status ${entry.status}`, id: 'report-status', dataset: { status: entry.status } },
          t('region.report_status', { year: reportingYear, status: t(`report.${entry.status}`) }), ` · ${t('col.due_date')}: ${day(entry.due_date)}`)
        : h('p', {}, t('common.no_data')));
    });
  }

  await Promise.all([drawPipeline(), drawRevenue(), drawForecast(), drawBlocks(), drawRotations(), drawInitiatives(), drawReport()]);
  return () => charts.dispose();
}
