/**
 * The panel's pages and the fragments its live streams send: server-rendered, every value escaped.
 */
import { Option } from "effect"
import type { RunSummary } from "../../../core/db/BacktestRuns"
import type { ServiceReport } from "../LiveSession"
import type { AccountView } from "./board"
import { html, type Markup } from "./html"

const isoTime = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString().replace(".000Z", "Z")

export interface RunFilters {
  readonly strategy?: string | undefined
  readonly from?: string | undefined
  readonly to?: string | undefined
}

export const runsList = (runs: ReadonlyArray<RunSummary>, filters: RunFilters): Markup =>
  html`<form method="get" action="/runs" id="filters">
<label>Strategy <input name="strategy" value="${filters.strategy ?? ""}"></label>
<label>Created from <input name="from" type="date" value="${filters.from ?? ""}"></label>
<label>to <input name="to" type="date" value="${filters.to ?? ""}"></label>
<button>Filter</button></form>
<form method="get" action="/compare" id="compare">
<table id="runs"><thead><tr><th>a</th><th>b</th><th>id</th><th>created</th><th>strategy</th><th>version</th><th>status</th><th>return [%]</th><th>trades</th></tr></thead><tbody>
${runs.map(
  (
    r
  ) => html`<tr data-run="${r.id}"><td><input type="radio" name="a" value="${r.id}"></td><td><input type="radio" name="b" value="${r.id}"></td>
<td><a href="/runs/${r.id}">${r.id}</a></td><td>${isoTime(r.createdAt)}</td><td>${r.strategy}</td><td>${r.strategyVersion}</td><td>${r.status}</td>
<td class="n">${r.returnPct === null ? "-" : r.returnPct.toFixed(2)}</td><td class="n">${r.trades ?? "-"}</td></tr>`
)}</tbody></table>
${runs.length === 0 ? html`<p id="empty">No run matches.</p>` : html`<button>Compare a and b</button>`}</form>`

export const servicesTable = (reports: ReadonlyArray<ServiceReport>): Markup =>
  html`<table id="services"><thead><tr><th>service</th><th>health</th><th>address</th><th>instance</th><th>version</th><th>region</th><th>since</th><th>connections</th><th>lag</th></tr></thead><tbody>
${reports.map((r) =>
  Option.match(r.status, {
    onNone: () =>
      html`<tr data-service="${r.service}" data-health="down"><td>${r.service}</td><td class="down">down</td><td>${r.address}</td><td colspan="6"></td></tr>`,
    onSome: (s) =>
      html`<tr data-service="${r.service}" data-health="up"><td>${r.service}</td><td class="up">up</td><td>${s.address}</td><td>${s.instance}</td><td>${s.version}</td><td>${s.region}</td><td>${s.startedAt}</td>
<td>${s.sessions.map((c) => html`<div>${c.service}/${c.instance} from ${c.remote}</div>`)}${s.peers.map(
        (p) => html`<div>peer ${p.name} ${p.connected ? "connected" : "disconnected"}</div>`
      )}</td>
<td>${s.peers.flatMap((p) => p.following.map((f) => html`<div>${f.topic} at ${f.lastSeq}${f.lag === undefined ? "" : ` (lag ${f.lag})`}</div>`))}</td></tr>`
  })
)}</tbody></table>`

const cell = (value: number) => html`<td class="n">${value}</td>`

/** The accounts as the live page shows them; the cancel control only for those who may cancel (`canCancel`). */
export const accountsView = (accounts: ReadonlyArray<AccountView>, lastSeq: number, canCancel: boolean): Markup =>
  html`<p>Events applied up to sequence <span id="last-seq">${lastSeq}</span>. Quantities in lots, prices in ticks, money in minor units.</p>
${accounts.length === 0 ? html`<p id="no-account">No account event yet.</p>` : ""}
${accounts.map(
  (
    a
  ) => html`<section class="account" data-account="${a.accountId}"><h2>Account ${a.accountId}${a.killSwitch ? " (kill switch on)" : ""}</h2>
<p><a href="/risk">Kill switch and risk limits</a></p>
<p>Realized PnL <span class="pnl">${a.realizedPnl}</span>; cash ${a.cash.map((c) => html`${c.currency} ${c.total} (reserved ${c.reserved}) `)}</p>
<h3>Positions</h3><table class="positions"><thead><tr><th>instrument</th><th>quantity</th><th>open cost</th><th>realized PnL</th></tr></thead><tbody>
${a.positions.map((p) => html`<tr data-instrument="${p.instrumentId}"><td>${p.instrumentId}</td>${cell(p.quantity)}${cell(p.openCost)}${cell(p.realizedPnl)}</tr>`)}</tbody></table>
<h3>Open orders</h3><table class="orders"><thead><tr><th>order</th><th>instrument</th><th>side</th><th>quantity</th><th>filled</th><th>status</th><th></th></tr></thead><tbody>
${a.openOrders.map(
  (
    o
  ) => html`<tr data-order="${o.orderId}"><td>${o.orderId}</td><td>${o.instrumentId}</td><td>${o.side}</td>${cell(o.quantity)}${cell(o.filledQuantity)}<td>${o.status}</td>
<td>${canCancel ? html`<a class="cancel" href="/orders/cancel?account=${encodeURIComponent(a.accountId)}&amp;order=${encodeURIComponent(o.clientOrderId)}">cancel&hellip;</a>` : ""}</td></tr>`
)}</tbody></table>
<h3>Fills (latest first)</h3><table class="fills"><thead><tr><th>time</th><th>order</th><th>instrument</th><th>side</th><th>quantity</th><th>price</th><th>fee</th></tr></thead><tbody>
${a.fills.map((f) => html`<tr><td>${isoTime(f.ts)}</td><td>${f.orderId}</td><td>${f.instrumentId}</td><td>${f.side}</td>${cell(f.quantity)}${cell(f.price)}${cell(f.fee)}</tr>`)}</tbody></table></section>`
)}`

/**
 * The script of a live page: the server's fragments replace `#target`'s content as they arrive (EventSource
 * reconnects by itself after a drop).
 */
export const liveScript = (path: string, target: string): string =>
  `new EventSource(${JSON.stringify(path)}).addEventListener("update", (e) => {` +
  `const t = document.getElementById(${JSON.stringify(target)}); t.innerHTML = e.data; t.dataset.updated = String(Date.now()) })`
