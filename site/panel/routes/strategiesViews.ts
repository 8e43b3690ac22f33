/**
 * The strategies pages' markup: installed plugins, a deployment's form, and the instances' table (the fragment the
 * live stream sends), every value escaped.
 */
import { Either, Option } from "effect"
import type { DeploymentRefused, DeploymentView } from "../../../core/live/strategies/Deployments"
import { csrfField, html, type Markup, type Viewer } from "../internal/html"
import type { InstalledStrategy } from "../Research"

/** A plugin as forms name it: `<id>@<version>`. */
export const pluginName = (p: InstalledStrategy): string => `${p.id}@${p.version}`

export const pluginOf = (list: ReadonlyArray<InstalledStrategy>, name: string): Option.Option<InstalledStrategy> =>
  Option.fromNullable(list.find((p) => pluginName(p) === name))

const time = (micros: number): string =>
  micros === 0 ? "-" : new Date(Math.floor(micros / 1000)).toISOString().replace(".000Z", "Z")

export const installedTable = (list: ReadonlyArray<InstalledStrategy>, canDeploy: boolean, known: boolean): Markup =>
  known
    ? html`<h2>Installed strategies</h2><table id="installed"><thead><tr><th>plugin</th><th>version</th><th>kind</th><th>description</th><th>parameters</th><th></th></tr></thead><tbody>
${list.map(
  (
    p
  ) => html`<tr data-plugin="${pluginName(p)}"><td>${p.id}</td><td>${p.version}</td><td>${p.kind}</td><td>${p.description}</td>
<td>${Object.keys((p.params as { properties?: object } | undefined)?.properties ?? {}).join(", ")}</td>
<td>${canDeploy ? html`<a class="deploy" href="/strategies/deploy?plugin=${encodeURIComponent(pluginName(p))}">Deploy</a>` : ""}</td></tr>`
)}</tbody></table>`
    : html`<p id="no-plugins">The installed plugins are not known to this panel.</p>`

export const deployForm = (
  p: InstalledStrategy,
  params: Markup,
  csrfToken: string,
  like: DeploymentView | undefined
): Markup =>
  html`<form method="post" action="/strategies/deploy" id="deploy">${csrfField(csrfToken)}
<input type="hidden" name="plugin" value="${pluginName(p)}">
<p><label>Instance id <input name="id" required pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,47}"></label> <small>its orders' strategy id; a new version of a stopped instance keeps it</small></p>
<p><label>Account <input name="account" required value="${like?.account ?? ""}"></label></p>
<p><label>Instruments <input name="instruments" value="${like?.instruments.join(", ") ?? ""}"></label> <small>comma-separated; empty: every instrument of the static data</small></p>
${params}
<p><button>Deploy</button> <small>a deployed instance is stopped until an operator starts it</small></p></form>`

const actions = (d: DeploymentView, viewer: Viewer): Markup =>
  html`${["start", "stop"]
    .filter((a) => (a === "start" ? d.state === "stopped" || d.state === "failed" : d.state !== "stopped"))
    .map(
      (a) =>
        html`<form class="inline ${a}" method="post" action="/strategies/${encodeURIComponent(d.id)}/${a}">${csrfField(viewer.csrfToken)}<button>${a === "start" ? "Start" : "Stop"}</button></form>`
    )}`

/** The instances' table, or the one line saying why it could not be read. */
export const deploymentsTable = (
  answer: Either.Either<ReadonlyArray<DeploymentView>, DeploymentRefused>,
  viewer: Viewer,
  operates: boolean
): Markup =>
  Either.match(answer, {
    onLeft: (e) => html`<p class="error" id="deployments-error">${e.message}</p>`,
    onRight: (list) =>
      html`<table id="deployments"><thead><tr><th>instance</th><th>strategy</th><th>account</th><th>state</th><th>orders sent</th><th>last event</th><th></th></tr></thead><tbody>
${list.map(
  (d) => html`<tr data-deployment="${d.id}" data-state="${d.state}"><td>${d.id}</td>
<td>${d.origin === "config" ? "(configuration)" : html`${d.strategy.split(/[/\\]/).at(-1)} ${d.version}`}</td><td>${d.account}</td>
<td class="state">${d.state}${d.error === undefined ? "" : html` <span class="error">${d.error}</span>`}</td><td class="n orders">${d.ordersSent}</td>
<td class="last">${d.lastEvent === undefined ? "-" : `${time(d.lastEvent.ts)} ${d.lastEvent.line}`}</td><td>${operates ? actions(d, viewer) : ""}</td></tr>
<tr class="logs" data-logs="${d.id}"><td colspan="7"><pre>${d.logs
    .slice(-8)
    .map((l) => `${time(l.ts)} ${l.line}`)
    .join("\n")}</pre></td></tr>`
)}</tbody></table>${list.length === 0 ? html`<p id="no-deployment">No strategy instance yet.</p>` : ""}`
  })
