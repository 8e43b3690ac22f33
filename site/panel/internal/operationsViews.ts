/**
 * The operations pages: risk limits and kill switches with the audit of their changes, a scope's limits form, and the
 * confirmation of a cancel. Forms only for those who may act (`canAct`); every value escaped.
 */
import type { ConfigChange } from "../../../core/db/ConfigAudit"
import type { Order } from "../../../core/domain/Order"
import { type RiskControls, type ScopeControl, scopeKey } from "../../../core/live/accounts/RiskControls"
import { csrfField, html, type Markup, type Viewer } from "./html"
import { LIMIT_FIELDS, limitsVersion, scopeOfSubject } from "./riskForms"

const isoTime = (micros: number): string => new Date(Math.floor(micros / 1000)).toISOString().replace(".000Z", "Z")
const compact = (value: unknown): string => (value === null || value === undefined ? "" : JSON.stringify(value))

const switchState = (c: ScopeControl): string =>
  c.halted ? "halted by the operator" : c.killed ? "daily-loss switch tripped" : "trading"

const killSwitchRow = (c: ScopeControl, viewer: Viewer, canAct: boolean): Markup => {
  const key = scopeKey(c.scope)
  const form = html`<form method="post" action="/risk/halt" class="inline">${csrfField(viewer.csrfToken)}
<input type="hidden" name="scope" value="${key}"><input type="hidden" name="halted" value="${c.halted ? "false" : "true"}">
${c.halted ? "" : html`<input name="reason" placeholder="reason" maxlength="200">`}
<button>${c.halted ? "Resume trading" : "Halt and cancel open orders"}</button></form>`
  return html`<tr data-scope="${key}" data-halted="${String(c.halted)}"><td>${key}</td><td>${switchState(c)}</td><td>${canAct ? form : ""}</td></tr>`
}

const limitsRow = (c: ScopeControl, canAct: boolean): Markup => {
  const key = scopeKey(c.scope)
  const limits = c.limits as Record<string, number | undefined>
  return html`<tr data-scope="${key}"><td>${key}</td>${LIMIT_FIELDS.map(
    ([name]) => html`<td class="n" data-limit="${name}">${limits[name] ?? ""}</td>`
  )}<td>${canAct ? html`<a href="/risk/edit?scope=${encodeURIComponent(key)}">edit</a>` : ""}</td></tr>`
}

/** Whether a change can be reverted: an applied limit change or kill switch. */
const revertible = (change: ConfigChange): boolean =>
  change.outcome === "applied" && scopeOfSubject(change.subject) !== undefined

/** The version of a change's subject now, for a revert's compare-and-set: a limits subject's current limits. */
const currentOf = (change: ConfigChange, controls: RiskControls): string | undefined => {
  const target = scopeOfSubject(change.subject)
  if (target?.kind !== "risk-limits") return undefined
  const key = scopeKey(target.scope)
  return limitsVersion(controls.scopes.find((c) => scopeKey(c.scope) === key)?.limits ?? {})
}

const changeRow = (change: ConfigChange, controls: RiskControls, viewer: Viewer, canAct: boolean): Markup =>
  html`<tr data-change="${change.id}" data-outcome="${change.outcome}"><td class="n">${change.id}</td><td>${isoTime(change.ts)}</td><td>${change.actor}</td>
<td>${change.action}${change.reverts === null ? "" : ` (of ${change.reverts})`}</td><td>${change.subject}</td>
<td><code>${compact(change.before)}</code></td><td><code>${compact(change.after)}</code></td>
<td>${change.outcome}${change.message === null ? "" : `: ${change.message}`}</td>
<td>${
    canAct && revertible(change)
      ? html`<form method="post" action="/risk/revert" class="inline">${csrfField(viewer.csrfToken)}<input type="hidden" name="change" value="${change.id}">${
          currentOf(change, controls) === undefined
            ? ""
            : html`<input type="hidden" name="current" value="${currentOf(change, controls)}">`
        }<button>Revert to before</button></form>`
      : ""
  }</td></tr>`

/**
 * The risk page: kill switches, every scope's limits, and the session's audited changes. The changes come from the
 * database: when the Accounts Service cannot be asked (`controls` is why), they are still shown, without reverts.
 */
export const riskPage = (
  controls: RiskControls | string,
  changes: ReadonlyArray<ConfigChange>,
  viewer: Viewer,
  canAct: boolean
): Markup => {
  const changesTable = (
    known: RiskControls | undefined
  ) => html`<h2>Changes</h2><table id="changes"><thead><tr><th>#</th><th>when</th><th>who</th><th>action</th><th>subject</th><th>before</th><th>after</th><th>outcome</th><th></th></tr></thead><tbody>
${changes.map((c) => changeRow(c, known ?? { scopes: [] }, viewer, canAct && known !== undefined))}</tbody></table>
${changes.length === 0 ? html`<p id="no-change">No change yet.</p>` : ""}`
  if (typeof controls === "string") {
    return html`<p id="message">${controls}: its limits and kill switches cannot be shown or changed now.</p>
${changesTable(undefined)}`
  }
  const switches = controls.scopes.filter((c) => c.scope._tag === "Firm" || c.scope._tag === "Account")
  return html`<p>Limits in the engine's units: quantities in lots, money in minor units of the scope's currency (the
firm's and a strategy's: the firm's currency). Each change is sent to the Accounts Service, which journals it before it answers.</p>
<h2>Kill switches</h2><table id="kill-switches"><thead><tr><th>scope</th><th>state</th><th></th></tr></thead><tbody>
${switches.map((c) => killSwitchRow(c, viewer, canAct))}</tbody></table>
<h2>Limits</h2><table id="limits"><thead><tr><th>scope</th>${LIMIT_FIELDS.map(([, label]) => html`<th>${label}</th>`)}<th></th></tr></thead><tbody>
${controls.scopes.map((c) => limitsRow(c, canAct))}</tbody></table>
${
  canAct
    ? html`<form method="get" action="/risk/edit" id="edit-scope"><label>Limits of another scope
<input name="scope" placeholder="AccountInstrument:ACC-1:AAPL.XNAS" required></label> <button>Edit</button></form>`
    : ""
}
${changesTable(controls)}`
}

/**
 * A scope's limits form, filled with its current limits (empty: no limit) and carrying them back as the version it
 * changes (a change made meanwhile by someone else is then a conflict, not overwritten).
 */
export const limitsForm = (key: string, current: Record<string, number | undefined>, viewer: Viewer): Markup =>
  html`<form method="post" action="/risk/limits" id="limits-form">${csrfField(viewer.csrfToken)}<input type="hidden" name="scope" value="${key}">
<input type="hidden" name="current" value="${limitsVersion(current)}">
${LIMIT_FIELDS.map(
  ([name, label]) =>
    html`<p><label>${label} <input name="${name}" inputmode="numeric" value="${current[name] ?? ""}"></label></p>`
)}
<p><button>Set the limits of ${key}</button> <a href="/risk">back</a></p></form>`

/** The confirmation of a cancel, with the order as the live page knows it (if it does). */
export const cancelForm = (
  accountId: string,
  clientOrderId: string,
  order: Order | undefined,
  viewer: Viewer
): Markup =>
  html`${
    order === undefined
      ? html`<p>Order ${clientOrderId} is not among the open orders the panel has seen; the Accounts Service decides.</p>`
      : html`<p id="order">${order.side} ${order.quantity} lots of ${order.instrumentId} (filled ${order.filledQuantity}), ${order.status}.</p>`
  }<form method="post" action="/orders/cancel" id="cancel">${csrfField(viewer.csrfToken)}
<input type="hidden" name="accountId" value="${accountId}"><input type="hidden" name="clientOrderId" value="${clientOrderId}">
<button>Cancel order ${clientOrderId} of account ${accountId}</button> <a href="/live">back</a></form>`
