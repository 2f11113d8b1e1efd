// Charts are Apache ECharts (vendored under static/vendor/echarts, see THIRD_PARTY.md). Each view
// keeps the charts it made in a ChartSet and disposes them when it is left.
export class ChartSet {
  constructor() { this.charts = []; this.onResize = () => this.charts.forEach((c) => c.resize()); window.addEventListener('resize', this.onResize); }

  make(el, option) {
    // SVG renders crisply in print and keeps the page text selectable
    const old = window.echarts.getInstanceByDom(el);
    if (old) { old.dispose(); this.charts = this.charts.filter((c) => c !== old); }
    const chart = window.echarts.init(el, null, { renderer: 'svg' });
    chart.setOption(option);
    el.dataset.chart = 'ready';
    this.charts.push(chart);
    return chart;
  }

  dispose() {
    window.removeEventListener('resize', this.onResize);
    this.charts.forEach((c) => c.dispose());
    this.charts = [];
  }
}

let mapRegistered = null;
export async function registerKazakhstan() {
  if (!mapRegistered) {
    mapRegistered = fetch('/console/static/geo/kz-adm1.geojson').then((r) => {
      if (!r.ok) throw new Error(`region shapes: ${r.status}`);
      return r.json();
    }).then((geojson) => { window.echarts.registerMap('kazakhstan', geojson); });
  }
  return mapRegistered;
}

// Gap to a 2030 target in percentage points → class for colouring (0 met … 3 far behind).
export function gapClass(gap) {
  if (gap === null || gap === undefined || Number.isNaN(gap)) return 'gap-none';
  if (gap <= 0) return 'gap-0';
  if (gap <= 5) return 'gap-1';
  if (gap <= 15) return 'gap-2';
  return 'gap-3';
}
