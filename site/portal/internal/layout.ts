/**
 * The portal's pages: one layout (with print CSS, so a statement prints as a clean document), every value escaped
 * (`html` of the panel), and a page of a refused or failed request that shows its one-line message and nothing more.
 */
import { csrfField, escapeHtml, html, type Markup } from "../../panel/internal/html"

/** Who is signed in. */
export interface Investor {
  readonly userId: string
  readonly name: string
  readonly csrfToken: string
  readonly tokenHash: string
}

const STYLE = `
body{font:14px system-ui,sans-serif;margin:0;color:#1d232a}
header{display:flex;gap:1.2em;align-items:center;padding:.6em 1.2em;background:#123b5e;color:#fff}
header a{color:#d6ecff;text-decoration:none} header form{margin-left:auto}
main{padding:1em 1.2em;max-width:1100px} table{border-collapse:collapse;margin:.5em 0}
td,th{padding:.25em .7em;border-bottom:1px solid #ddd;text-align:left} td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#b00020} .up{color:#0a7d2c} .down{color:#b00020} form.inline{display:inline}
#chart{height:380px;margin:1em 0} .figures{display:flex;gap:2em;flex-wrap:wrap} .figures div{min-width:8em}
.figures span{display:block;font-size:1.3em;font-variant-numeric:tabular-nums}
@media print{header,form,.noprint{display:none} body{font-size:11pt} main{padding:0} a{color:inherit;text-decoration:none}}`

/** A whole page of the portal. */
export const page = (title: string, viewer: Investor | undefined, body: Markup, head = ""): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Meridian Client Portal</title>` +
  `<meta name="viewport" content="width=device-width"><style>${STYLE}</style>${head}</head><body>` +
  html`<header><strong>Meridian Client Portal</strong>${
    viewer === undefined
      ? ""
      : html`<a href="/">Accounts</a><form class="inline" method="post" action="/logout">${csrfField(viewer.csrfToken)}<span>${viewer.name}</span> <button>Log out</button></form>`
  }</header><main><h1>${title}</h1>${body}</main>`.html +
  "</body></html>"

/** The page of a refused or failed request. */
export const errorPage = (status: number, message: string, viewer?: Investor): string =>
  page(
    status === 403 ? "Forbidden" : status === 404 ? "Not found" : status === 400 ? "Bad request" : "Error",
    viewer,
    html`<p class="error" id="message">${message}</p>`
  )
