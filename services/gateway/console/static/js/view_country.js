// Country: the 20 regions against the 2030 targets, a sortable table with gaps coloured by how far
// behind they are, and a map of Kazakhstan by any one measure with the agglomerations marked.
import { api } from './api.js';
import { ChartSet, gapClass, registerKazakhstan } from './charts.js';
import { clear, h, option } from './dom.js';
import { agglomerationCentres, t } from './i18n.js';
import { billions, bn, int, num, pct, ratioPct } from './format.js';

const srs = (item, indicator) => item.srs.targets_2030.find((x) => x.indicator === indicator) || {};

// Every measure: its value (a number for sorting and the map), its text, and its gap to target.
export const MEASURES = [
  { key: 'srs_cities', value: (i) => num(srs(i, 'cities_pct').current_pct), text: (i) => pct(srs(i, 'cities_pct').current_pct), gap: (i) => num(srs(i, 'cities_pct').gap_pct) },
  { key: 'srs_rural', value: (i) => num(srs(i, 'rural_pct').current_pct), text: (i) => pct(srs(i, 'rural_pct').current_pct), gap: (i) => num(srs(i, 'rural_pct').gap_pct) },
  { key: 'srs_rural_population', value: (i) => num(srs(i, 'rural_population_pct').current_pct), text: (i) => pct(srs(i, 'rural_population_pct').current_pct), gap: (i) => num(srs(i, 'rural_population_pct').gap_pct) },
  { key: 'own_revenue_share', value: (i) => pctOf(i.fiscal.own_revenue_share), text: (i) => ratioPct(i.fiscal.own_revenue_share), alert: (i) => Boolean(i.fiscal.autonomy_alert) },
  { key: 'transfer_dependency', value: (i) => pctOf(i.fiscal.transfer_dependency), text: (i) => ratioPct(i.fiscal.transfer_dependency) },
  { key: 'committed', value: (i) => billions(i.projects.investment_committed_kzt), text: (i) => bn(i.projects.investment_committed_kzt) },
  { key: 'commissioned', value: (i) => billions(i.projects.investment_commissioned_kzt), text: (i) => bn(i.projects.investment_commissioned_kzt) },
  { key: 'jobs', value: (i) => num(i.projects.jobs_created), text: (i) => `${int(i.projects.jobs_created)} / ${int(i.projects.jobs_planned)}` },
  { key: 'rotations_out', value: (i) => num(i.mobility.rotations_out), text: (i) => int(i.mobility.rotations_out) },
  { key: 'rotations_in', value: (i) => num(i.mobility.rotations_in), text: (i) => int(i.mobility.rotations_in) },
];

function pctOf(ratio) { const n = num(ratio); return n === null ? null : Math.round(n * 10000) / 100; }

function gapTitle(measure, item) {
  const gap = measure.gap ? measure.gap(item) : null;
  return gap === null || gap === undefined ? null : (gap <= 0 ? 'target met' : `${gap.toFixed(1)} points behind`);
}

// A role without the hub's scorecards (an HR officer) still sees the 20 regions as reference data.
function referenceOnly(container, ctx, err) {
  const rows = ctx.regions.map((region) => {
    const label = ctx.regionLabel(region.code);
    return h('tr', { dataset: { region: region.code } },
      h('th', { scope: 'row' }, h('a', { href: `#/region/${region.code}` }, label.en),
        h('span', { class: 'local' }, h('span', { lang: 'ru' }, label.ru), ' · ', h('span', { lang: 'kk' }, label.kk))),
      h('td', {}, region.centre || t('common.none')),
      h('td', {}, (region.agglomerations || []).map((a) => h('span', { class: 'badge aggl', title: t('country.agglomeration') }, `◉ ${t(`agglomeration.${a}`)}`))));
  });
  clear(container, h('h2', {}, t('country.title')),
    h('p', { class: 'message info', id: 'country-not-permitted', dataset: { error: err.error } }, t('error.not_permitted', { message: err.message })),
    h('section', { class: 'card' }, h('h3', {}, t('country.reference', { count: rows.length })),
      h('table', { class: 'grid', id: 'country-table', dataset: { kind: 'reference' } },
        h('thead', {}, h('tr', {}, [t('col.region'), t('col.centre'), t('country.agglomeration')].map((x) => h('th', { scope: 'col' }, x)))),
        h('tbody', {}, rows))));
  return null;
}

export async function countryView(container, ctx) {
  const charts = new ChartSet();
  let data;
  try {
    data = await api('/api/v1/hub/scorecards');
  } catch (err) {
    if (err.status === 403) return referenceOnly(container, ctx, err);
    throw err;
  }
  const items = data.items;
  let sortKey = 'region';
  let ascending = true;
  let mapMeasure = 'srs_cities';

  const tableHolder = h('div', { class: 'table-wrap' });
  const mapEl = h('div', { class: 'chart map', id: 'country-map', role: 'img', 'aria-label': t('country.map') });
  const measureSelect = h('select', { id: 'map-measure', onchange: (e) => { mapMeasure = e.target.value; drawMap(); } },
    MEASURES.map((m) => option(m.key, t(`measure.${m.key}`), m.key === mapMeasure)));
  const demo = items.some((i) => i.srs.recorded && /demo/i.test(i.srs.recorded.source || ''));

  function sorted() {
    const copy = [...items];
    const measure = MEASURES.find((m) => m.key === sortKey);
    copy.sort((a, b) => {
      let x; let y;
      if (!measure) { x = ctx.regionLabel(a.region_code).en; y = ctx.regionLabel(b.region_code).en; }
      else { x = measure.value(a); y = measure.value(b); if (x === null) return 1; if (y === null) return -1; }
      const order = x < y ? -1 : x > y ? 1 : 0;
      return ascending ? order : -order;
    });
    return copy;
  }

  function header(key, label) {
    const active = sortKey === key;
    return h('th', { scope: 'col', 'aria-sort': active ? (ascending ? 'ascending' : 'descending') : 'none' },
      h('button', { type: 'button', class: 'sort', dataset: { sort: key }, onclick: () => {
        if (sortKey === key) ascending = !ascending; else { sortKey = key; ascending = key === 'region'; }
        drawTable();
      } }, label, active ? (ascending ? ' ▲' : ' ▼') : ''));
  }

  function drawTable() {
    const rows = sorted().map((item) => {
      const label = ctx.regionLabel(item.region_code);
      const region = ctx.regionsByCode[item.region_code] || {};
      return h('tr', { dataset: { region: item.region_code } },
        h('th', { scope: 'row' },
          h('a', { href: `#/region/${item.region_code}` }, label.en),
          h('span', { class: 'local' }, h('span', { lang: 'ru' }, label.ru), ' · ', h('span', { lang: 'kk' }, label.kk)),
          (region.agglomerations || []).map((a) => h('span', { class: 'badge aggl', title: t('country.agglomeration') }, `◉ ${t(`agglomeration.${a}`)}`))),
        MEASURES.map((m) => {
          const cls = m.gap ? gapClass(m.gap(item)) : (m.alert && m.alert(item) ? 'gap-3' : '');
          return h('td', { class: `num ${cls}`, dataset: { measure: m.key }, title: gapTitle(m, item) }, m.text(item));
        }));
    });
    clear(tableHolder, h('table', { class: 'grid', id: 'country-table' },
      h('caption', {}, t('country.sort_hint'), ' ', t('country.legend')),
      h('thead', {}, h('tr', {}, header('region', t('col.region')), MEASURES.map((m) => header(m.key, t(`measure.${m.key}`))))),
      h('tbody', {}, rows)));
  }

  let mapChart = null;
  function drawMap() {
    const measure = MEASURES.find((m) => m.key === mapMeasure);
    const values = items.map((i) => ({ name: i.region_code, value: measure.value(i),
                                       label: ctx.regionLabel(i.region_code).en }));
    const known = values.map((v) => v.value).filter((v) => v !== null);
    const agglomerations = Object.entries(agglomerationCentres).filter(([k]) => !k.startsWith('_'))
      .map(([code, lonlat]) => ({ name: t(`agglomeration.${code}`), value: lonlat, code }));
    const option = {
      tooltip: { trigger: 'item', formatter: (p) => (p.seriesType === 'map'
        ? `${(p.data && p.data.label) || p.name}: ${p.value === undefined || Number.isNaN(p.value) ? '—' : p.value}`
        : `${t('country.agglomeration')}: ${p.name}`) },
      visualMap: { min: known.length ? Math.min(...known) : 0, max: known.length ? Math.max(...known) : 1,
                   calculable: true, left: 'left', bottom: 10, seriesIndex: 0, inRange: { color: ['#d73027', '#fee08b', '#1a9850'] } },
      geo: { map: 'kazakhstan', nameProperty: 'code', roam: false, silent: true, top: 10, bottom: 10, itemStyle: { borderColor: '#666' } },
      series: [
        { id: 'measure', type: 'map', map: 'kazakhstan', geoIndex: 0, nameProperty: 'code', data: values },
        { id: 'agglomerations', type: 'scatter', coordinateSystem: 'geo', symbolSize: 12,
          itemStyle: { color: '#1f3b73', borderColor: '#fff', borderWidth: 2 },
          label: { show: true, formatter: '{b}', position: 'right', fontSize: 11, textBorderColor: '#fff', textBorderWidth: 2 }, data: agglomerations },
      ],
    };
    if (mapChart) mapChart.setOption(option, true); else mapChart = charts.make(mapEl, option);
    mapEl.dataset.measure = mapMeasure;
  }

  clear(container,
    h('h2', {}, t('country.title')),
    h('p', { class: 'summary' }, t('country.summary', { count: items.length }),
      demo ? h('span', { class: 'badge demo' }, t('common.demo_values')) : null),
    h('section', { class: 'card' }, h('h3', {}, t('country.table')), tableHolder),
    h('section', { class: 'card' }, h('h3', {}, t('country.map')),
      h('label', { class: 'control' }, `${t('country.measure')} `, measureSelect),
      mapEl, h('p', { class: 'note' }, t('country.agglomerations_marked'))));
  drawTable();
  try {
    await registerKazakhstan();
    drawMap();
  } catch (err) {
    clear(mapEl, h('p', { class: 'message error' }, err.message));
  }
  return () => charts.dispose();
}
