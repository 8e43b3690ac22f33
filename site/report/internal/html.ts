/**
 * The HTML of the report pages: one file with its style, the charting library, the data as JSON and the script
 * that draws it, so that the page opens from disk with no network.
 */

import { ranFields } from "../../../core/db/BacktestRuns"
import { formatTimestamp, timestamp } from "../../../core/domain/Units"
import { type BacktestReport, statLabel, statText } from "../../../core/report/Report"
import { type ReportChart, reportChart } from "../../../core/report/ReportChart"
import type { ChartLibrary, ReportRun, StatComparison } from "../ReportPage"
import { clientScript } from "./client"

/** Text for HTML element content and attribute values. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * JSON for a `<script>` element: `<` escaped, so no `</script>` or `<!--` in a value can end or change the element.
 */
export const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c")

/** The library's source inside a `<script>` element: its own text is checked not to close it. */
const scriptSource = (source: string): string => source.replace(/<\/script/gi, "<\\/script")

const time = (micros: number): string => formatTimestamp(timestamp(micros))

const STYLE = `
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1e222d; }
  header, main { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
  header { padding-top: 18px; }
  h1 { font-size: 20px; margin: 0 0 6px; }
  h2 { font-size: 16px; margin: 26px 0 8px; }
  .meta { color: #50535e; margin: 0; }
  .meta span { margin-right: 18px; white-space: nowrap; }
  #chart { height: 640px; border: 1px solid #e0e3eb; margin-top: 14px; }
  .note { color: #50535e; font-size: 13px; margin: 6px 0 0; }
  .legend span { margin-right: 16px; }
  .swatch { display: inline-block; width: 12px; height: 3px; vertical-align: middle; margin-right: 4px; }
  table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { padding: 3px 12px 3px 0; border-bottom: 1px solid #f0f3fa; text-align: left; }
  td.n { text-align: right; }
  tr.differs td { background: #fff8e1; }
  .columns { display: flex; flex-wrap: wrap; gap: 40px; }
  code { font-size: 12px; }
`

const COLORS = ["#2962ff", "#ff6d00"]

const document = (title: string, library: ChartLibrary, body: string, data: unknown): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Meridian; charts: TradingView Lightweight Charts ${escapeHtml(library.version)}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<script type="application/json" id="meridian-report-data">${scriptJson(data)}</script>
<script>${scriptSource(library.source)}</script>
<script>${clientScript}</script>
</body>
</html>
`

/** Whether the curve's samples are less than a day apart: the time axis then shows times of day. */
const intraday = (report: BacktestReport): boolean => {
  const ts = report.equity.ts
  return ts.length > 1 && (ts[ts.length - 1]! - ts[0]!) / (ts.length - 1) < 86_400_000_000
}

const count = (n: number): string => n.toLocaleString("en-US")

/** What the chart shows, in a sentence or two below it. */
const chartNotes = (chart: ReportChart): ReadonlyArray<string> => {
  const notes: Array<string> = []
  if (chart.price !== undefined) {
    notes.push(
      chart.markers.length === chart.markable
        ? `${count(chart.markable)} fills of ${chart.price.instrumentId} marked on its price (▲ buy, ▼ sell).`
        : `${count(chart.markers.length)} of ${count(chart.markable)} fills of ${chart.price.instrumentId} marked on its price, spread evenly (▲ buy, ▼ sell).`
    )
    if (chart.otherFills > 0) notes.push(`${count(chart.otherFills)} fills of other instruments are not charted.`)
  } else {
    notes.push(
      `A stored run keeps no price series or fills: the ${count(chart.markers.length)} markers are its round trips' entries and exits, on the equity curve (▲ buy, ▼ sell).`
    )
  }
  return notes
}

const sampleNote = (charts: ReadonlyArray<ReportChart>): string => {
  const shown = charts.map((c) => `${count(c.equity.time.length)} of ${count(c.samples)}`)
  return charts.some((c) => c.equity.time.length < c.samples)
    ? `Curves: ${shown.join(" and ")} samples drawn (each stretch's high, low and deepest drawdown kept).`
    : ""
}

const paragraph = (text: string): string => (text === "" ? "" : `<p class="note">${escapeHtml(text)}</p>`)

const numeric = (text: string): boolean => /^-?[\d.]+$/.test(text)

const cell = (text: string): string => `<td${numeric(text) ? ' class="n"' : ""}>${escapeHtml(text)}</td>`

const statisticsTable = (report: BacktestReport): string => {
  const rows = (Object.keys(report.stats) as Array<keyof BacktestReport["stats"]>).map(
    (key) =>
      `<tr data-stat="${key}"><th>${escapeHtml(statLabel(key))}</th>${cell(statText(key, report.stats[key]))}</tr>`
  )
  return `<table id="statistics">${rows.join("")}</table>`
}

/** Trades shown in the table: a page of a run with many more links to nothing, the CSV (`--out`) has them all. */
const MAX_TRADE_ROWS = 1_000

const tradesTable = (report: BacktestReport): string => {
  const trades = report.trades
  if (trades.length === 0) return `<p class="note">No closed trades.</p>`
  const header = ["instrument", "side", "lots", "entry", "entry price", "exit", "exit price", "pnl", "return [%]"]
  const rows = trades
    .slice(0, MAX_TRADE_ROWS)
    .map(
      (t) =>
        `<tr>${[t.instrumentId, t.side, String(t.quantity), time(t.entryTs), t.entryPrice, time(t.exitTs), t.exitPrice, t.pnl, statText("returnPct", t.returnPct)].map(cell).join("")}</tr>`
    )
  const more =
    trades.length > MAX_TRADE_ROWS
      ? paragraph(
          `The first ${count(MAX_TRADE_ROWS)} of ${count(trades.length)} trades (all of them: --out trades.csv).`
        )
      : ""
  return `<table id="trades"><tr>${header.map((h) => `<th>${h}</th>`).join("")}</tr>${rows.join("")}</table>${more}`
}

const runTitle = (run: ReportRun): string =>
  `${run.id === undefined ? "Backtest" : `Backtest run ${run.id}`}: ${run.strategy} ${run.strategyVersion}`

const runLabel = (run: ReportRun, fallback: string): string => run.id ?? fallback

/** The page of one run: price and fills, equity, drawdown, statistics, what ran and the trades. */
export const runPage = (library: ChartLibrary, run: ReportRun): string => {
  const chart = reportChart(run.report, run.recorded)
  const title = runTitle(run)
  const parameters = Object.entries(run.parameters)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ")
  const ran = [...ranFields(run)].map(([field, value]) => `<tr><th>${escapeHtml(field)}</th>${cell(value)}</tr>`)
  const body = `<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta"><span>${escapeHtml(run.data.sources.join(", "))}</span><span>${escapeHtml(`${run.report.stats.start} to ${run.report.stats.end}`)}</span><span>${escapeHtml(parameters)}</span></p>
</header>
<main>
<div id="chart" role="img" aria-label="${escapeHtml(`Price with fills, equity and drawdown of ${title}`)}"></div>
${chartNotes(chart).map(paragraph).join("")}${paragraph(sampleNote([chart]))}
<div class="columns">
<section><h2>Statistics</h2>${statisticsTable(run.report)}</section>
<section><h2>What ran</h2><table id="ran">${ran.join("")}</table></section>
</div>
<h2>Trades</h2>
${tradesTable(run.report)}
</main>`
  const data = {
    intraday: intraday(run.report),
    runs: [{ label: runLabel(run, "run"), decimals: run.report.currencyDecimals, chart }]
  }
  return document(title, library, body, data)
}

/** Two runs: their equity curves and drawdowns overlaid, what ran and the statistics side by side. */
export const comparePage = (
  library: ChartLibrary,
  a: ReportRun,
  b: ReportRun,
  statistics: ReadonlyArray<StatComparison>
): string => {
  const labelA = runLabel(a, "a")
  const labelB = runLabel(b, "b")
  const charts = [reportChart(a.report, a.recorded), reportChart(b.report, b.recorded)]
  const title = `Backtest runs ${labelA} and ${labelB} compared`
  const fieldsA = ranFields(a)
  const fieldsB = ranFields(b)
  const ran = [...new Set([...fieldsA.keys(), ...fieldsB.keys()])].map((field) => {
    const va = fieldsA.get(field) ?? "-"
    const vb = fieldsB.get(field) ?? "-"
    return `<tr${va === vb ? "" : ' class="differs"'}><th>${escapeHtml(field)}</th>${cell(va)}${cell(vb)}</tr>`
  })
  const stats = statistics.map(
    (s) =>
      `<tr data-stat="${s.statistic}"><th>${escapeHtml(statLabel(s.statistic))}</th>${[s.a, s.b, s.difference].map((v) => cell(statText(s.statistic, v))).join("")}</tr>`
  )
  const legend = [labelA, labelB]
    .map((label, i) => `<span><i class="swatch" style="background:${COLORS[i]}"></i>${escapeHtml(label)}</span>`)
    .join("")
  const head = (extra: string) =>
    `<tr><th>${extra}</th><th>${escapeHtml(labelA)}</th><th>${escapeHtml(labelB)}</th></tr>`
  const body = `<header>
<h1>${escapeHtml(title)}</h1>
<p class="meta"><span>${escapeHtml(`${labelA}: ${a.strategy} ${a.strategyVersion}`)}</span><span>${escapeHtml(`${labelB}: ${b.strategy} ${b.strategyVersion}`)}</span></p>
</header>
<main>
<div id="chart" role="img" aria-label="${escapeHtml(`Equity and drawdown of ${labelA} and ${labelB}`)}"></div>
<p class="note legend">${legend}</p>${paragraph(sampleNote(charts))}
<div class="columns">
<section><h2>Statistics</h2><table id="statistics"><tr><th>statistic</th><th>${escapeHtml(labelA)}</th><th>${escapeHtml(labelB)}</th><th>difference</th></tr>${stats.join("")}</table></section>
<section><h2>What ran</h2><p class="note">Rows that differ are highlighted.</p><table id="ran">${head("")}${ran.join("")}</table></section>
</div>
</main>`
  const data = {
    intraday: intraday(a.report) || intraday(b.report),
    runs: [
      { label: labelA, decimals: a.report.currencyDecimals, chart: charts[0] },
      { label: labelB, decimals: b.report.currencyDecimals, chart: charts[1] }
    ]
  }
  return document(title, library, body, data)
}
