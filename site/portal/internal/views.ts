/**
 * The portal's pages and statements: every value escaped, money rendered from integer minor units here only.
 */
import type { CashRequest } from "../../../core/db/CashRequests"
import type { NavFlow } from "../../../core/db/NavHistory"
import { csrfField, html, type Markup, raw } from "../../panel/internal/html"
import type { ChartLibrary } from "../../report/ReportPage"
import { grouped, percent, plain } from "./money"
import type { Performance } from "./performance"

export const isoTime = (micros: number): string =>
  new Date(Math.floor(micros / 1000)).toISOString().replace(/\.\d{3}Z$/, "Z")
const isoDay = (micros: number): string => isoTime(micros).slice(0, 10)

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

const signed = (ratio: number | undefined) =>
  html`<span class="${ratio === undefined ? "" : ratio >= 0 ? "up" : "down"}">${percent(ratio)}</span>`

/** What an account's summary shows: its NAV now (live, else the last sample) and its performance. */
export interface AccountSummary {
  readonly accountId: string
  readonly currency: string
  readonly decimals: number
  readonly nav: number | undefined
  readonly asOf: number | undefined
  readonly performance: Performance
}

export const accountsList = (accounts: ReadonlyArray<AccountSummary>): Markup =>
  html`<table id="accounts"><thead><tr><th>account</th><th class="n">NAV</th><th>currency</th><th class="n">since inception</th><th>as of</th></tr></thead><tbody>
${accounts.map(
  (a) =>
    html`<tr data-account="${a.accountId}"><td><a href="/accounts/${a.accountId}">${a.accountId}</a></td><td class="n">${a.nav === undefined ? "–" : grouped(a.nav, a.decimals)}</td><td>${a.currency}</td><td class="n">${signed(a.performance.inception)}</td><td>${a.asOf === undefined ? "–" : isoTime(a.asOf)}</td></tr>`
)}</tbody></table>${accounts.length === 0 ? html`<p id="empty">No account is bound to you yet: ask your operator.</p>` : ""}`

const monthlyTable = (p: Performance): Markup =>
  html`<table id="monthly"><thead><tr><th>year</th>${MONTHS.map((m) => html`<th class="n">${m}</th>`)}<th class="n">year</th></tr></thead><tbody>
${p.monthly.map(
  (y) =>
    html`<tr data-year="${y.year}"><td>${y.year}</td>${y.months.map((m) => html`<td class="n">${m === undefined ? "" : signed(m)}</td>`)}<td class="n">${signed(y.total)}</td></tr>`
)}</tbody></table>`

const requestsTable = (requests: ReadonlyArray<CashRequest>): Markup =>
  html`<table id="requests"><thead><tr><th>requested</th><th>kind</th><th class="n">amount</th><th>currency</th><th>status</th><th>decided</th><th>outcome</th></tr></thead><tbody>
${requests.map(
  (r) =>
    html`<tr data-request="${r.id}" data-status="${r.status}"><td>${isoTime(r.requestedAt)}</td><td>${r.kind}</td><td class="n">${grouped(r.amount, r.decimals)}</td><td>${r.currency}</td><td class="status">${r.status}</td><td>${r.decidedAt === null ? "" : isoTime(r.decidedAt)}</td><td>${r.outcome ?? ""}</td></tr>`
)}</tbody></table>`

/** The chart's data: seconds (the library's time unit), one point per second at most. */
const chartData = (p: Performance, decimals: number) => {
  const time: Array<number> = []
  const nav: Array<number> = []
  const drawdown: Array<number> = []
  for (const point of p.points) {
    const t = Math.floor(point.ts / 1_000_000)
    if (time.at(-1) === t) {
      time.pop()
      nav.pop()
      drawdown.pop()
    }
    time.push(t)
    nav.push(point.nav / 10 ** decimals)
    drawdown.push(-point.drawdownPct)
  }
  return { time, nav, drawdown, decimals }
}

const CHART_SCRIPT = `(function () {
  var d = JSON.parse(document.getElementById("nav-data").textContent);
  var el = document.getElementById("chart");
  var LC = window.LightweightCharts;
  var chart = LC.createChart(el, { autoSize: true, layout: { background: { color: "#fff" }, textColor: "#333" },
    timeScale: { timeVisible: true, secondsVisible: false } });
  function pts(values) { return d.time.map(function (t, i) { return { time: t, value: values[i] }; }); }
  chart.addSeries(LC.LineSeries, { color: "#123b5e", lineWidth: 2, title: "NAV",
    priceFormat: { type: "price", precision: d.decimals, minMove: Math.pow(10, -d.decimals) } }, 0).setData(pts(d.nav));
  chart.addSeries(LC.AreaSeries, { lineColor: "#ef5350", topColor: "rgba(239,83,80,0.05)", bottomColor: "rgba(239,83,80,0.35)",
    invertFilledArea: true, lineWidth: 1, title: "drawdown %", priceFormat: { type: "price", precision: 2, minMove: 0.01 } }, 1).setData(pts(d.drawdown));
  chart.panes().forEach(function (p, i) { p.setStretchFactor(i === 0 ? 0.7 : 0.3); });
  chart.timeScale().fitContent();
  el.setAttribute("data-points", String(d.time.length));
  el.setAttribute("data-ready", "1");
})();`

/** JSON inside a script element: `<` escaped so no value can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c")

export interface AccountPage {
  readonly summary: AccountSummary
  readonly cash: ReadonlyArray<{ readonly currency: string; readonly total: number; readonly free: number }>
  readonly decimalsOf: (currency: string) => number
  readonly requests: ReadonlyArray<CashRequest>
  readonly live: boolean
  readonly csrfToken: string
  readonly message?: string | undefined
}

export const accountPage = (library: ChartLibrary, a: AccountPage): { body: Markup; head: string } => {
  const s = a.summary
  const p = s.performance
  const today = s.asOf === undefined ? "" : isoDay(s.asOf)
  const body = html`<div class="figures" id="figures">
<div>NAV <span id="nav">${s.nav === undefined ? "–" : `${grouped(s.nav, s.decimals)} ${s.currency}`}</span></div>
<div>Day <span id="r-day">${signed(p.day)}</span></div><div>Month <span id="r-month">${signed(p.month)}</span></div>
<div>Year <span id="r-year">${signed(p.year)}</span></div><div>Since inception <span id="r-inception">${signed(p.inception)}</span></div>
<div>Max drawdown <span id="max-dd">${p.maxDrawdownPct.toFixed(2)}%</span></div></div>
<p>As of ${s.asOf === undefined ? "–" : isoTime(s.asOf)}${a.live ? "" : " (no running session: the last recorded values)"}.
Returns are net of deposits and withdrawals (time-weighted).</p>
<div id="chart"></div>
<h2>Monthly returns</h2>${monthlyTable(p)}
<h2>Cash</h2><table id="cash"><thead><tr><th>currency</th><th class="n">total</th><th class="n">available</th></tr></thead><tbody>
${a.cash.map((c) => html`<tr data-currency="${c.currency}"><td>${c.currency}</td><td class="n">${grouped(c.total, a.decimalsOf(c.currency))}</td><td class="n">${grouped(c.free, a.decimalsOf(c.currency))}</td></tr>`)}</tbody></table>
<h2>Deposit or withdraw</h2>
${a.message === undefined ? "" : html`<p class="error" id="message">${a.message}</p>`}
<form method="post" action="/accounts/${s.accountId}/cash-requests" id="cash-request">${csrfField(a.csrfToken)}
<select name="kind"><option value="deposit">deposit</option><option value="withdrawal">withdrawal</option></select>
<input name="amount" inputmode="decimal" placeholder="amount, e.g. 250.00" required>
<input name="currency" value="${s.currency}" size="5" required>
<button>Request</button></form>
<p>An operator approves each request before cash moves.</p>
<h2>Requests</h2>${requestsTable(a.requests)}
<h2>Statement</h2>
<form method="get" action="/accounts/${s.accountId}/statement" id="statement">
<label>From <input name="from" type="date" value="${today.slice(0, 8)}01" required></label>
<label>to <input name="to" type="date" value="${today}" required></label>
<button name="format" value="html">Printable page</button> <button name="format" value="csv">CSV</button></form>
<script type="application/json" id="nav-data">${raw(scriptJson(chartData(p, s.decimals)))}</script>`
  return {
    body,
    head: `<script>${library.source}</script><script defer>${"window.addEventListener('DOMContentLoaded',function(){"}${CHART_SCRIPT}})</script>`
  }
}

/** A statement of one account over a period: opening and closing NAV, the flows between, the result and return. */
export interface Statement {
  readonly accountId: string
  readonly currency: string
  readonly decimals: number
  readonly from: string
  readonly to: string
  readonly opening: number
  readonly closing: number
  readonly flows: ReadonlyArray<NavFlow>
  readonly requests: ReadonlyArray<CashRequest>
  readonly periodReturn: number | undefined
}

/** Opening + flows + result = closing, exactly: the result is what is left once the flows are netted. */
const resultOf = (s: Statement) => s.closing - s.opening - s.flows.reduce((sum, f) => sum + f.amount, 0)

export const statementPage = (s: Statement): Markup =>
  html`<p>Account <strong>${s.accountId}</strong>, ${s.from} to ${s.to} (UTC), amounts in ${s.currency}.</p>
<table id="statement-lines"><thead><tr><th>date</th><th>description</th><th class="n">amount</th></tr></thead><tbody>
<tr><td>${s.from}</td><td>Opening NAV</td><td class="n">${grouped(s.opening, s.decimals)}</td></tr>
${s.flows.map((f) => html`<tr class="flow"><td>${isoDay(f.ts)}</td><td>${f.amount >= 0 ? "Deposit" : "Withdrawal"}</td><td class="n">${grouped(f.amount, f.decimals)}</td></tr>`)}
<tr><td>${s.to}</td><td>Investment result</td><td class="n">${grouped(resultOf(s), s.decimals)}</td></tr>
<tr><td>${s.to}</td><td><strong>Closing NAV</strong></td><td class="n" id="closing"><strong>${grouped(s.closing, s.decimals)}</strong></td></tr>
</tbody></table>
<p>Return over the period, net of deposits and withdrawals: <strong id="period-return">${percent(s.periodReturn)}</strong></p>
<h2>Requests in the period</h2>${requestsTable(s.requests)}
<p class="noprint"><button onclick="window.print()">Print</button></p>`

const csvCell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value)

export const statementCsv = (s: Statement): string => {
  const rows: Array<ReadonlyArray<string>> = [
    ["date", "description", "currency", "amount"],
    [s.from, "opening NAV", s.currency, plain(s.opening, s.decimals)],
    ...s.flows.map((f) => [
      isoDay(f.ts),
      f.amount >= 0 ? "deposit" : "withdrawal",
      f.currency,
      plain(f.amount, f.decimals)
    ]),
    [s.to, "investment result", s.currency, plain(resultOf(s), s.decimals)],
    [s.to, "closing NAV", s.currency, plain(s.closing, s.decimals)]
  ]
  return `${rows.map((r) => r.map(csvCell).join(",")).join("\n")}\n`
}
