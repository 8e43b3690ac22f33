/**
 * The backtest pages' markup: the launch form (strategy, parameters, instruments and range of the history), the
 * backtests launched here, and one backtest's progress (the fragment its live stream sends).
 */
import { csrfField, html, type Markup } from "../internal/html"
import type { HistorySeries, InstalledStrategy } from "../Research"
import { pluginName } from "./strategiesViews"

/** A backtest launched from the panel, as its pages show it. */
export interface Launched {
  readonly id: string
  /** Its plugin and version. */
  readonly strategy: string
  readonly params: Readonly<Record<string, string>>
  readonly instruments: ReadonlyArray<string>
  /** µs, `to` exclusive. */
  readonly from: number
  readonly to: number
  readonly state: "running" | "completed" | "failed"
  /** Events replayed of `total`. */
  readonly done: number
  readonly total: number
  readonly runId: string | undefined
  readonly error: string | undefined
}

const day = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString().slice(0, 10)

export const launchForm = (
  strategies: ReadonlyArray<InstalledStrategy>,
  chosen: InstalledStrategy,
  params: Markup,
  history: ReadonlyArray<HistorySeries>,
  csrfToken: string,
  launched: ReadonlyArray<Launched>
): Markup => {
  const first = history[0]
  return html`<form method="get" action="/backtests" id="choose"><label>Strategy <select name="plugin">${strategies.map(
    (p) => html`<option value="${pluginName(p)}"${p === chosen ? html` selected` : ""}>${pluginName(p)}</option>`
  )}</select></label> <button>Choose</button></form>
<h2>History</h2>${
    history.length === 0
      ? html`<p id="no-history">The history holds nothing yet (meridian data import, or a session's replay).</p>`
      : html`<table id="history"><thead><tr><th>instrument</th><th>kind</th><th>from</th><th>to</th><th>rows</th></tr></thead><tbody>${history.map(
          (h) =>
            html`<tr><td>${h.instrument}</td><td>${h.kind}</td><td>${day(h.firstTs)}</td><td>${day(h.lastTs)}</td><td class="n">${h.rows}</td></tr>`
        )}</tbody></table>`
  }
<h2>Launch ${pluginName(chosen)}</h2>
<form method="post" action="/backtests" id="launch">${csrfField(csrfToken)}<input type="hidden" name="plugin" value="${pluginName(chosen)}">
<p><label>Instruments <input name="instruments" required value="${first?.instrument ?? ""}"></label> <small>comma-separated, from the history</small></p>
<p><label>From <input name="from" type="date" required value="${first === undefined ? "" : day(first.firstTs)}"></label>
<label>to <input name="to" type="date" required value="${first === undefined ? "" : day(first.lastTs)}"></label> <small>inclusive, UTC</small></p>
<p><label>Cash <input name="cash" required value="100000"></label></p>
${params}
<p><button>Launch</button></p></form>
<h2>Launched here</h2>${
    launched.length === 0
      ? html`<p id="none-launched">None yet.</p>`
      : html`<table id="launched"><thead><tr><th>backtest</th><th>strategy</th><th>instruments</th><th>state</th><th>run</th></tr></thead><tbody>${[
          ...launched
        ]
          .reverse()
          .map(
            (j) =>
              html`<tr><td><a href="/backtests/${j.id}">${j.id}</a></td><td>${j.strategy}</td><td>${j.instruments.join(", ")}</td><td>${j.state}</td><td>${
                j.runId === undefined ? "-" : html`<a href="/runs/${j.runId}">${j.runId}</a>`
              }</td></tr>`
          )}</tbody></table>`
  }`
}

export const progressView = (job: Launched): Markup => {
  const share = job.total === 0 ? 0 : Math.min(1, job.done / job.total)
  return html`<div id="progress" data-state="${job.state}">
<p>${job.instruments.join(", ")} from ${day(job.from)} to ${day(job.to - 1)}; parameters ${
    Object.entries(job.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ") || "(defaults)"
  }</p>
<p><progress max="1" value="${share}"></progress> <span id="percent">${(share * 100).toFixed(0)}%</span> (${job.done.toLocaleString("en-US")} of ${
    job.total === 0 ? "?" : job.total.toLocaleString("en-US")
  } events) <strong class="state">${job.state}</strong></p>
${job.error === undefined ? "" : html`<p class="error" id="failure">${job.error}</p>`}
${job.runId === undefined ? "" : html`<p><a id="report" href="/runs/${job.runId}">Open the report of run ${job.runId}</a></p>`}</div>`
}
