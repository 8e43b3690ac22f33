/**
 * The Client Portal and the Control Panel's cash-request page as apps (`app.request`, no browser) over the embedded
 * database and a real Accounts Service on a local socket: an investor reads only their own accounts (another's id
 * in the URL is "not found"), a state change without the CSRF token is refused, a withdrawal beyond the available
 * cash is refused with one line, an approved request moves cash once however often it is approved, pages never show
 * a trace, and a statement's CSV carries the exact amounts.
 */
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Option, Redacted, Schedule } from "effect"
import type { Hono } from "hono"
import * as CashRequests from "../../core/db/CashRequests"
import * as Investors from "../../core/db/Investors"
import * as NavHistory from "../../core/db/NavHistory"
import * as NavRecorder from "../../core/db/NavRecorder"
import * as PanelUsers from "../../core/db/PanelUsers"
import { accountsService, databaseLayer, noTrace, PASSWORD, post, signIn } from "../internal/siteTest"
import { LiveSession } from "../panel/LiveSession"
import * as Panel from "../panel/Panel"
import * as Password from "../panel/Password"
import { loadChartLibrary } from "../report/ReportPage"
import { AccountsDesk, fromPeer } from "./AccountsDesk"
import * as Portal from "./Portal"

/** A real Accounts Service with two investors' accounts, and the desk over a peer of it. */
const DeskLive = Layer.scoped(
  AccountsDesk,
  Effect.map(accountsService({ accountIds: ["ACC-A", "ACC-B"] }), (peer) => Option.some(fromPeer(peer))).pipe(
    Effect.orDie
  )
)

const TestLayer = databaseLayer.pipe(
  Layer.merge(DeskLive),
  Layer.merge(Layer.succeed(LiveSession, Option.none())),
  Layer.merge(NodeContext.layer)
)

layer(TestLayer, { timeout: "120 seconds" })("Client Portal and cash requests", (it) => {
  it.scoped("an investor sees only their accounts; CSRF, limits and approvals hold", () =>
    Effect.gen(function* () {
      const users = yield* PanelUsers.PanelUsers
      const passwordHash = yield* Password.hash(Redacted.make(PASSWORD))
      for (const [name, role] of [
        ["ivy", "investor"],
        ["ian", "investor"],
        ["olga", "operator"]
      ] as const) {
        yield* users.add({ name, role, passwordHash, now: 1 })
      }
      yield* (yield* Investors.Investors).bind("ivy", ["ACC-A"])
      yield* (yield* Investors.Investors).bind("ian", ["ACC-B"])
      const chartLibrary = yield* loadChartLibrary
      const portal = (yield* Portal.make({ chartLibrary, clientAddress: () => "test" })) as unknown as Hono<never>
      const panel = (yield* Panel.make({ chartLibrary, clientAddress: () => "test" })) as unknown as Hono<never>
      const ivy = yield* Effect.promise(() => signIn(portal, "ivy"))
      const olga = yield* Effect.promise(() => signIn(panel, "olga"))
      const request = (path: string, init?: RequestInit) =>
        Effect.promise(async () => portal.request(`http://localhost${path}`, init))

      // Another investor's account, by its id in the URL: not found, exactly as one that does not exist.
      const own = yield* request("/accounts/ACC-A", { headers: { cookie: ivy.cookie } })
      expect(own.status).toBe(200)
      const other = yield* request("/accounts/ACC-B", { headers: { cookie: ivy.cookie } })
      expect(other.status).toBe(404)
      const otherBody = yield* Effect.promise(() => other.text())
      expect(otherBody).toContain("no account ACC-B")
      noTrace(otherBody)
      const statement = yield* request("/accounts/ACC-B/statement?from=2020-01-01&to=2030-01-01&format=csv", {
        headers: { cookie: ivy.cookie }
      })
      expect(statement.status).toBe(404)
      // An operator's session is not the portal's, and an investor has no page in the panel.
      expect((yield* request("/", { headers: { cookie: olga.cookie } })).status).toBe(303)
      const investorInPanel = yield* Effect.promise(async () =>
        panel.request("http://localhost/cash-requests", {
          headers: { cookie: ivy.cookie.replace("meridian_portal", "meridian_session") }
        })
      )
      expect([303, 401, 403]).toContain(investorInPanel.status)

      // A state change without the CSRF token changes nothing.
      const forged = yield* Effect.promise(async () =>
        post(portal, "/accounts/ACC-A/cash-requests", ivy, { kind: "deposit", amount: "1000.00", currency: "USD" })
      )
      expect(forged.status).toBe(403)
      const requests = yield* CashRequests.CashRequests
      expect(yield* requests.ofAccounts(["ACC-A"], 10)).toHaveLength(0)

      // A withdrawal beyond the available cash: one line naming the field.
      const tooMuch = yield* Effect.promise(async () =>
        post(portal, "/accounts/ACC-A/cash-requests", ivy, {
          kind: "withdrawal",
          amount: "1.00",
          currency: "USD",
          _csrf: ivy.csrf
        })
      )
      expect(tooMuch.status).toBe(400)
      const tooMuchBody = yield* Effect.promise(() => tooMuch.text())
      expect(/id="message">([^<]*)</.exec(tooMuchBody)?.[1]).toBe(
        "amount: a withdrawal of 1.00 USD exceeds the available cash"
      )
      const badAmount = yield* Effect.promise(async () =>
        post(portal, "/accounts/ACC-A/cash-requests", ivy, {
          kind: "deposit",
          amount: "1.001",
          currency: "USD",
          _csrf: ivy.csrf
        })
      )
      expect(badAmount.status).toBe(400)

      // A deposit request, approved twice: the cash moves once (the NAV history recorded as `meridian up` does).
      yield* NavRecorder.start(Option.getOrThrow(yield* AccountsDesk), yield* NavHistory.NavHistory)
      const asked = yield* Effect.promise(async () =>
        post(portal, "/accounts/ACC-A/cash-requests", ivy, {
          kind: "deposit",
          amount: "1000.00",
          currency: "USD",
          _csrf: ivy.csrf
        })
      )
      expect(asked.status).toBe(303)
      const [pending] = yield* requests.ofAccounts(["ACC-A"], 10)
      expect(pending).toMatchObject({ status: "pending", amount: 100_000, kind: "deposit" })
      const forgedApproval = yield* Effect.promise(async () =>
        post(panel, `/cash-requests/${pending!.id}/approve`, olga, {})
      )
      expect(forgedApproval.status).toBe(403)
      for (const expected of [303, 409]) {
        const approved = yield* Effect.promise(async () =>
          post(panel, `/cash-requests/${pending!.id}/approve`, olga, { _csrf: olga.csrf })
        )
        expect(approved.status).toBe(expected)
      }
      expect(Option.getOrThrow(yield* requests.find(pending!.id))).toMatchObject({ status: "done", decidedBy: "olga" })
      const desk = Option.getOrThrow(yield* AccountsDesk)
      const values = yield* desk.values(["ACC-A"])
      expect(values.accounts[0]?.cash).toEqual([{ currency: "USD", total: 100_000, reserved: 0, free: 100_000 }])

      // The statement: the deposit and the closing NAV, exact, once the history has them.
      const history = yield* NavHistory.NavHistory
      yield* Effect.repeat(history.history("ACC-A"), {
        until: (h) => h.flows.length === 1 && h.samples.at(-1)?.nav === 100_000,
        schedule: Schedule.spaced("50 millis")
      }).pipe(Effect.timeout("20 seconds"))
      const day = new Date().toISOString().slice(0, 10)
      const csv = yield* request(`/accounts/ACC-A/statement?from=${day}&to=${day}&format=csv`, {
        headers: { cookie: ivy.cookie }
      })
      const text = yield* Effect.promise(() => csv.text())
      expect(text).toContain(`${day},deposit,USD,1000.00\n`)
      expect(text).toContain(`${day},closing NAV,USD,1000.00\n`)
      const badQuery = yield* request("/accounts/ACC-A/statement?from=yesterday&to=2030-01-01&format=html", {
        headers: { cookie: ivy.cookie }
      })
      expect(badQuery.status).toBe(400)
      noTrace(yield* Effect.promise(() => badQuery.text()))
    })
  )
})
