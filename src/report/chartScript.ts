/**
 * The page's own script: reads the charts (charts.ts) from the JSON inlined in the page and
 * draws each with uPlot, inlined before it. It is plain JavaScript kept as text, since it runs in
 * the reader's browser, not in Node; the browser test runs it.
 */
export const CHART_SCRIPT = `
(function () {
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var formats = {
    money: function (v) { return v.toLocaleString('en', { maximumFractionDigits: 0 }); },
    pct: function (v) { return +(v * 100).toFixed(2) + '%'; },
    price: function (v) { return String(+v.toPrecision(6)); },
    loss: function (v) { return v.toFixed(3); },
  };
  function series(s, format) {
    var out = { label: s.label, stroke: s.color, width: 1.5, value: function (u, v) { return v == null ? '–' : format(v); } };
    if (s.dash) out.dash = s.dash;
    if (s.fill) out.fill = s.color + '33';
    if (s.markers) {
      out.paths = function () { return null; };
      out.points = { show: true, size: 9, width: 1, stroke: s.color, fill: s.color };
    }
    return out;
  }
  window.reportCharts = report.charts.map(function (chart) {
    var element = document.getElementById(chart.id);
    var format = formats[chart.y];
    var options = {
      title: chart.title,
      width: Math.max(320, Math.min(element.clientWidth || 960, 1100)),
      height: 260,
      scales: { x: { time: chart.x === 'time' } },
      series: [{ label: chart.x === 'time' ? 'time' : 'epoch' }].concat(chart.series.map(function (s) { return series(s, format); })),
      axes: [{}, { size: 72, values: function (u, ticks) { return ticks.map(format); } }],
      legend: { live: true },
    };
    return new uPlot(options, chart.data, element);
  });
  // A printed page is narrower than a screen: the charts take its width while it prints, then their own again.
  var sizes = window.reportCharts.map(function (u) { return { width: u.width, height: u.height }; });
  window.addEventListener('beforeprint', function () {
    window.reportCharts.forEach(function (u) { u.setSize({ width: 680, height: 220 }); });
  });
  window.addEventListener('afterprint', function () {
    window.reportCharts.forEach(function (u, i) { u.setSize(sizes[i]); });
  });
})();
`;
