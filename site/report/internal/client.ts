/**
 * The script a report page runs in the browser, after the inlined charting library: it reads the page's data (a
 * JSON script element) and draws it with lightweight-charts in one chart of stacked panes sharing a time axis.
 * Plain ES2020 for any browser of the last years; it marks the chart element `data-ready` once drawn and
 * `data-markers` with the markers the library holds, which the browser tests read.
 */
export const clientScript = `
(function () {
  "use strict";
  var LC = window.LightweightCharts;
  var page = JSON.parse(document.getElementById("meridian-report-data").textContent);
  var element = document.getElementById("chart");
  var colors = ["#2962ff", "#ff6d00", "#00897b", "#8e24aa"];
  var UP = "#26a69a";
  var DOWN = "#ef5350";
  var chart = LC.createChart(element, {
    autoSize: true,
    layout: { background: { color: "#ffffff" }, textColor: "#333", panes: { separatorColor: "#d0d4dc" } },
    grid: { vertLines: { color: "#f0f3fa" }, horzLines: { color: "#f0f3fa" } },
    // Thousands of samples across a screen: bars narrower than a pixel, so the whole run fits.
    timeScale: { timeVisible: page.intraday, secondsVisible: false, borderColor: "#d0d4dc", minBarSpacing: 0.01 },
    rightPriceScale: { borderColor: "#d0d4dc" }
  });
  function points(line) {
    var out = new Array(line.time.length);
    for (var i = 0; i < line.time.length; i++) out[i] = { time: line.time[i], value: line.value[i] };
    return out;
  }
  function money(decimals) {
    return { type: "price", precision: decimals, minMove: Math.pow(10, -decimals) };
  }
  function markersOf(chartData, onPrice) {
    return chartData.markers.map(function (m) {
      var buy = m.side === "buy";
      var marker = {
        time: m.time,
        position: onPrice ? (buy ? "atPriceBottom" : "atPriceTop") : buy ? "belowBar" : "aboveBar",
        color: buy ? UP : DOWN,
        shape: buy ? "arrowUp" : "arrowDown",
        size: 0.6
      };
      if (onPrice) marker.price = m.price;
      return marker;
    });
  }
  var pane = 0;
  var marked = 0;
  var runs = page.runs;
  var first = runs[0].chart;
  if (runs.length === 1 && first.price) {
    var price = chart.addSeries(LC.LineSeries, { color: "#131722", lineWidth: 1, title: first.price.instrumentId }, pane);
    price.setData(points(first.price));
    marked += LC.createSeriesMarkers(price, markersOf(first, true)).markers().length;
    pane++;
  }
  var equityPane = pane;
  runs.forEach(function (run, i) {
    var equity = chart.addSeries(
      LC.LineSeries,
      { color: colors[i % colors.length], lineWidth: 2, title: runs.length > 1 ? run.label : "equity", priceFormat: money(run.decimals) },
      equityPane
    );
    equity.setData(points(run.chart.equity));
    if (runs.length === 1 && run.chart.markersOf === "round trips") {
      marked += LC.createSeriesMarkers(equity, markersOf(run.chart, false)).markers().length;
    }
  });
  var drawdownPane = equityPane + 1;
  runs.forEach(function (run, i) {
    var color = runs.length > 1 ? colors[i % colors.length] : DOWN;
    var drawdown = chart.addSeries(
      LC.AreaSeries,
      {
        lineColor: color,
        topColor: "rgba(239, 83, 80, 0.05)",
        bottomColor: runs.length > 1 ? "rgba(0, 0, 0, 0)" : "rgba(239, 83, 80, 0.35)",
        invertFilledArea: true,
        lineWidth: 1,
        title: runs.length > 1 ? run.label + " drawdown %" : "drawdown %",
        priceFormat: { type: "price", precision: 2, minMove: 0.01 }
      },
      drawdownPane
    );
    drawdown.setData(points(run.chart.drawdownPct));
  });
  var panes = chart.panes();
  var stretch = panes.length === 3 ? [0.45, 0.35, 0.2] : [0.65, 0.35];
  panes.forEach(function (p, i) { p.setStretchFactor(stretch[i]); });
  chart.timeScale().fitContent();
  element.setAttribute("data-markers", String(marked));
  element.setAttribute("data-panes", String(panes.length));
  element.setAttribute("data-ready", "1");
})();
`
