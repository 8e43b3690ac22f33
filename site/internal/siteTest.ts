/**
 * What the Control Panel's and the Client Portal's app tests share: a real Accounts Service on a local socket with a
 * peer of it, the central database's tables on the embedded database, and signing in to an app as a browser does
 * (`app.request`, no network).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { expect } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { Hono } from "hono"
import * as BacktestRuns from "../../core/db/BacktestRuns"
import * as CashRequests from "../../core/db/CashRequests"
import * as ConfigAudit from "../../core/db/ConfigAudit"
import * as Database from "../../core/db/Database"
import * as Investors from "../../core/db/Investors"
import * as NavHistory from "../../core/db/NavHistory"
import * as PanelBacktests from "../../core/db/PanelBacktests"
import * as PanelUsers from "../../core/db/PanelUsers"
import type { AccountId, CurrencyCode } from "../../core/domain/Ids"
import { serveAccounts } from "../../core/live/accounts/AccountsServer"
import type { ShardInput } from "../../core/live/accounts/ShardInput"
import * as Peer from "../../core/live/Peer"
import { tcp } from "../../core/protocol/Transport"
import { nodeJournalFiles } from "../../runtimes/node/NodeJournalFiles"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import { AAPL, currencies } from "../../test/fixtures/instruments"
import { Research } from "../panel/Research"

/** The password every test user has. */
export const PASSWORD = "correct horse battery"

/**
 * A real Accounts Service holding USD cash accounts `accountIds` (AAPL tradable), its journal in a folder of its own
 * removed when the scope closes, and a peer of it as the `cli`. `now` is the service's clock (default: the system's).
 */
export const accountsService = (options: {
  readonly accountIds: ReadonlyArray<string>
  readonly now?: (input: ShardInput) => number
}) =>
  Effect.gen(function* () {
    const key = "site-test-key"
    const journal = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "meridian-site-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const service = yield* serveAccounts({
      transport: nodeTransport,
      address: tcp("127.0.0.1", 0),
      identity: { service: "accounts", instance: "a1" },
      keys: () => key,
      shards: [
        {
          journal: { files: nodeJournalFiles, dir: journal },
          accounts: options.accountIds.map((id) => ({
            id: id as AccountId,
            name: id,
            kind: "cash" as const,
            baseCurrency: "USD" as CurrencyCode
          })),
          instruments: [AAPL],
          currencies,
          now: options.now ?? (() => Date.now() * 1000)
        }
      ]
    })
    const address = service.server.address
    return yield* Peer.connect({
      transport: nodeTransport,
      address: tcp("127.0.0.1", address._tag === "Tcp" ? address.port : 0),
      identity: { service: "cli", instance: "site-test" },
      key,
      name: "accounts"
    })
  })

/** The central database's tables the panel and the portal use, on a fresh embedded database. */
export const databaseLayer = Layer.mergeAll(
  PanelUsers.layer,
  Investors.layer,
  CashRequests.layer,
  NavHistory.layer,
  BacktestRuns.layer,
  ConfigAudit.layer,
  PanelBacktests.layer
).pipe(Layer.provideMerge(Database.layerEmbedded()))

/** Sign `name` in to `app` (panel or portal): the session cookie and the CSRF token of its pages. */
export const signIn = async (app: Hono<never>, name: string) => {
  const form = await app.request("http://localhost/login")
  const setCookie = form.headers.get("set-cookie") ?? ""
  const cookieName = setCookie.split("=")[0]!
  const token = /meridian_(?:portal_)?login=([^;]+)/.exec(setCookie)?.[1] ?? ""
  const response = await app.request("http://localhost/login", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${cookieName}=${token}` },
    body: new URLSearchParams({ name, password: PASSWORD, _csrf: token }).toString()
  })
  expect(response.status).toBe(303)
  const cookie = /(meridian_(?:portal|session)=[^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1] ?? ""
  // The panel's home is the runs, the portal's the accounts: either has the CSRF token in its forms.
  const home = await app.request(
    cookie.startsWith("meridian_portal") ? "http://localhost/" : "http://localhost/cash-requests",
    { headers: { cookie } }
  )
  return { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(await home.text())?.[1] ?? "" }
}

/** A form posted as the signed-in `who`. */
export const post = (app: Hono<never>, path: string, who: { cookie: string }, fields: Record<string, string>) =>
  app.request(`http://localhost${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: who.cookie },
    body: new URLSearchParams(fields).toString()
  })

/** A hidden field's value in a page (the page escapes it; the browser sends it back unescaped). */
export const hidden = (page: string, name: string) =>
  (new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? "")
    .replaceAll("&quot;", '"')
    .replaceAll("&amp;", "&")

/** A page shows no stack trace. */
export const noTrace = (body: string) => expect(body).not.toMatch(/\n\s+at |Error:|\.ts:\d+/)

/** The panel's research port with one installed strategy, `strategy-x@1.0.0`, and no history: no backtest runs. */
export const oneStrategyResearch = Layer.succeed(Research, {
  strategies: Effect.succeed([
    { id: "strategy-x", version: "1.0.0", kind: "strategy" as const, description: "", dir: "/nowhere", params: {} }
  ]),
  checkParams: () => Effect.succeed(undefined),
  history: Effect.succeed([]),
  run: () => Effect.die("no backtest is launched in this test")
})
