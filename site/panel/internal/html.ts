/**
 * The panel's HTML: every value goes through `escapeHtml`, pages share one layout, and a page never shows more of an
 * error than its one-line message.
 */
import type { Role } from "../../../core/db/PanelUsers"

/** Text safe in an element and in a quoted attribute. */
export const escapeHtml = (value: unknown): string =>
  String(value).replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c
  )

/** Markup built by the panel itself, never escaped again. */
export interface Markup {
  readonly html: string
}

export const raw = (html: string): Markup => ({ html })

/** A template whose interpolations are escaped unless they are `Markup` (or arrays of it). */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Markup =>
  raw(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ""), ""))

const render = (value: unknown): string =>
  Array.isArray(value)
    ? value.map(render).join("")
    : typeof value === "object" && value !== null && "html" in value
      ? String((value as Markup).html)
      : value === undefined || value === null || value === false
        ? ""
        : escapeHtml(value)

/** Who is signed in, for the header and the forms' CSRF field. */
export interface Viewer {
  readonly name: string
  readonly roles: ReadonlyArray<Role>
  readonly csrfToken: string
}

const STYLE = `
body{font:14px system-ui,sans-serif;margin:0;color:#1d232a}
header{display:flex;gap:1.2em;align-items:center;padding:.6em 1.2em;background:#1d232a;color:#fff}
header a{color:#cfe3ff;text-decoration:none} header form{margin-left:auto}
main{padding:1em 1.2em} table{border-collapse:collapse;margin:.5em 0} td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums} .error{color:#b00020} .up{color:#0a7d2c} .down{color:#b00020}
form.inline{display:inline}`

/** The CSRF field every state-changing form carries. */
export const csrfField = (token: string): Markup => html`<input type="hidden" name="_csrf" value="${token}">`

/** The navigation a viewer's roles open. */
const nav = (viewer: Viewer): Markup => {
  const links: Array<[string, string, ReadonlyArray<Role>]> = [
    ["/runs", "Backtests", ["admin", "operator", "quant"]],
    ["/live", "Live", ["admin", "operator", "quant"]],
    ["/strategies", "Strategies", ["admin", "operator", "quant"]],
    ["/backtests", "Launch a backtest", ["admin", "quant"]],
    ["/risk", "Risk", ["admin", "operator", "quant"]],
    ["/services", "Services", ["admin", "operator"]],
    ["/cash-requests", "Cash requests", ["admin", "operator"]]
  ]
  return html`${links
    .filter(([, , roles]) => roles.some((role) => viewer.roles.includes(role)))
    .map(([href, label]) => html`<a href="${href}">${label}</a>`)}`
}

/** A whole page: the layout, the viewer's navigation and logout, and the body. */
export const page = (title: string, viewer: Viewer | undefined, body: Markup, script?: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Meridian</title>` +
  `<meta name="viewport" content="width=device-width"><style>${STYLE}</style></head><body>` +
  html`<header><strong>Meridian</strong>${
    viewer === undefined
      ? ""
      : html`${nav(viewer)}<form class="inline" method="post" action="/logout">${csrfField(viewer.csrfToken)}<span>${viewer.name}</span> <button>Log out</button></form>`
  }</header><main><h1>${title}</h1>${body}</main>`.html +
  (script === undefined ? "" : `<script>${script}</script>`) +
  "</body></html>"

/** The page of a refused or failed request: its one-line message, nothing more. */
export const errorPage = (status: number, message: string, viewer?: Viewer): string =>
  page(
    status === 403 ? "Forbidden" : status === 400 ? "Bad request" : "Error",
    viewer,
    html`<p class="error" id="message">${message}</p>`
  )
