/**
 * The Control Panel's operations as an app (`app.request`, no browser) over the embedded database and a real
 * Accounts Service on a local socket: two operators editing the same limits (the second gets a conflict naming the
 * first's change, and nothing of theirs is sent), on one panel and on two panels sharing the database (a change
 * another panel has in flight refuses one more; the same form sent to both at once goes through once), a change left
 * pending by a panel that stopped settled by the next one (resent under its request id), the backtests an earlier
 * panel launched listed from the database (the ones whose panel stopped beating failed, another live panel's left
 * running), and the cancel control shown only to those who may cancel.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, layer, it as plain } from "@effect/vitest"
import { Clock, Effect, Layer, Option, Redacted, Schedule, Schema } from "effect"
import type { Hono } from "hono"
import * as ConfigAudit from "../../core/db/ConfigAudit"
import * as PanelBacktests from "../../core/db/PanelBacktests"
import * as PanelUsers from "../../core/db/PanelUsers"
import type { AccountId } from "../../core/domain/Ids"
import type { Order } from "../../core/domain/Order"
import { Outcome } from "../../core/live/accounts/AccountsShard"
import { RiskControls, riskControlsRequest } from "../../core/live/accounts/RiskControls"
import { accountsService, databaseLayer, hidden, oneStrategyResearch, PASSWORD, signIn } from "../internal/siteTest"
import { AccountsDesk } from "../portal/AccountsDesk"
import { loadChartLibrary } from "../report/ReportPage"
import { accountsView } from "./internal/views"
import { AccountsRequestError, LiveSession, type LiveSessionService } from "./LiveSession"
import * as Panel from "./Panel"
import * as Password from "./Password"
import { STALE_MS } from "./routes/backtests"

const SESSION = "20260101-000000"

const invalid = (e: unknown) => new AccountsRequestError({ reason: "Invalid", message: String(e) })

/** A real Accounts Service with one account, and the panel's session over a peer of it (as `meridian panel`'s). */
const SessionLive = Layer.scoped(
  LiveSession,
  Effect.gen(function* () {
    const peer = yield* accountsService({ accountIds: ["ACC-1"] })
    const live: LiveSessionService = {
      id: SESSION,
      statuses: Effect.succeed([]),
      followEvents: (onEvent) => peer.subscribe("events/0", 0, onEvent).unsubscribe,
      riskControls: peer
        .call(riskControlsRequest)
        .pipe(Effect.flatMap(Schema.decodeUnknown(RiskControls)), Effect.mapError(invalid)),
      send: (input) => peer.call(input).pipe(Effect.flatMap(Schema.decodeUnknown(Outcome)), Effect.mapError(invalid))
    }
    return Option.some(live)
  }).pipe(Effect.orDie)
)

const TestLayer = databaseLayer.pipe(
  Layer.merge(SessionLive),
  Layer.merge(Layer.succeed(AccountsDesk, Option.none())),
  // The backtest pages list what the database holds; no backtest is launched here.
  Layer.merge(oneStrategyResearch),
  Layer.merge(NodeContext.layer)
)

// The real clock: the test waits for what the panel does in the background.
layer(TestLayer, { timeout: "120 seconds", excludeTestServices: true })("Control Panel operations", (it) => {
  it.scoped(
    "limits edited by two operators conflict; a pending change is settled and backtests are listed after a restart",
    () =>
      Effect.gen(function* () {
        const users = yield* PanelUsers.PanelUsers
        const passwordHash = yield* Password.hash(Redacted.make(PASSWORD))
        for (const name of ["olga", "oscar"]) yield* users.add({ name, role: "operator", passwordHash, now: 1 })
        yield* users.add({ name: "ada", role: "admin", passwordHash, now: 1 })
        // Backtests an earlier panel launched: one it finished, one it left running when it stopped.
        const backtests = yield* PanelBacktests.PanelBacktests
        const launch = {
          strategy: "strategy-x 1.0.0",
          params: {},
          instruments: ["AAPL.XNAS"],
          from: 0,
          to: 1,
          launchedBy: "ada"
        }
        yield* backtests.launch({ ...launch, id: "finished00000000", launchedAt: 1 }, "earlier-panel")
        yield* backtests.finish("finished00000000", { state: "completed", runId: "0123456789ab" })
        yield* backtests.launch({ ...launch, id: "leftrunning00000", launchedAt: 2 }, "earlier-panel")
        // And one another panel on this database runs now (its heartbeat is fresh): not this panel's to settle.
        const now = (yield* Clock.currentTimeMillis) * 1000
        yield* backtests.launch({ ...launch, id: "otherpanel000000", launchedAt: now }, "other-panel")
        // A backtest whose panel beat last just over STALE_MS ago: settled as its panel crashed.
        yield* backtests.launch({ ...launch, id: "crashedpanel0000", launchedAt: now }, "crashed-panel")
        yield* backtests.heartbeat("crashed-panel", now - STALE_MS * 1000 - 1)
        const audit = yield* ConfigAudit.ConfigAudit
        const live = Option.getOrThrow(yield* LiveSession)
        // A change a panel audited and then stopped before sending: pending, its request never sent.
        const left = yield* audit.begin({
          sessionId: SESSION,
          actor: "olga",
          action: "risk-limits.set",
          subject: "risk-limits:Account:ACC-1",
          ts: 1,
          before: {},
          after: { maxOrderQuantity: 5 },
          requestId: "panel:left-pending"
        })
        const chartLibrary = yield* loadChartLibrary
        const panel = (yield* Panel.make({ chartLibrary, clientAddress: () => "test" })) as unknown as Hono<never>
        const stateOf = (id: string) => Effect.map(backtests.find(id), (b) => Option.getOrThrow(b).state)
        expect(yield* stateOf("finished00000000")).toBe("completed")
        expect(yield* stateOf("leftrunning00000")).toBe("failed")
        expect(yield* stateOf("crashedpanel0000")).toBe("failed")
        expect(yield* stateOf("otherpanel000000")).toBe("running")
        const ada = yield* Effect.promise(() => signIn(panel, "ada"))
        const listed = yield* Effect.promise(async () =>
          (await panel.request("http://localhost/backtests", { headers: { cookie: ada.cookie } })).text()
        )
        for (const id of ["finished00000000", "leftrunning00000", "otherpanel000000"]) expect(listed).toContain(id)
        // The panel that starts resends it under its request id and settles it.
        yield* Effect.repeat(audit.find(SESSION, left.id), {
          until: (found) => Option.isSome(found) && found.value.outcome !== "pending",
          schedule: Schedule.spaced("50 millis")
        }).pipe(Effect.timeout("30 seconds"))
        expect(Option.getOrThrow(yield* audit.find(SESSION, left.id)).outcome).toBe("applied")
        const limitsOf = Effect.map(
          Effect.orDie(live.riskControls),
          (controls) => controls.scopes.find((s) => s.scope._tag === "Account")?.limits
        )
        expect(yield* limitsOf).toEqual({ maxOrderQuantity: 5 })
        // Resent again (a second restart): answered with the first outcome, applied once.
        expect(
          yield* Effect.orDie(
            live.send({
              _tag: "SetRiskLimits",
              scope: { _tag: "Account", accountId: "ACC-1" as AccountId },
              limits: { maxOrderQuantity: 5 } as never,
              ts: 0 as never,
              requestId: "panel:left-pending"
            })
          )
        ).toMatchObject({ _tag: "Accepted" })

        const olga = yield* Effect.promise(() => signIn(panel, "olga"))
        const oscar = yield* Effect.promise(() => signIn(panel, "oscar"))
        const editForm = (who: { cookie: string }) =>
          Effect.promise(async () =>
            (
              await panel.request("http://localhost/risk/edit?scope=Account:ACC-1", { headers: { cookie: who.cookie } })
            ).text()
          )
        const submit = (who: { cookie: string; csrf: string }, form: string, maxOrderQuantity: string, to = panel) =>
          Effect.promise(async () =>
            to.request("http://localhost/risk/limits", {
              method: "POST",
              headers: { "content-type": "application/x-www-form-urlencoded", cookie: who.cookie },
              body: new URLSearchParams({
                _csrf: who.csrf,
                scope: "Account:ACC-1",
                current: hidden(form, "current"),
                maxOrderQuantity
              }).toString()
            })
          )
        // Both open the form on the same limits; olga saves first.
        const olgaForm = yield* editForm(olga)
        const oscarForm = yield* editForm(oscar)
        expect(hidden(olgaForm, "current")).toBe('{"maxOrderQuantity":5}')
        expect((yield* submit(olga, olgaForm, "7")).status).toBe(303)
        const conflict = yield* submit(oscar, oscarForm, "9")
        expect(conflict.status).toBe(409)
        const message = /id="message">([^<]*)</.exec(yield* Effect.promise(() => conflict.text()))?.[1] ?? ""
        expect(message).toMatch(
          /^the limits of Account:ACC-1 changed since the form was opened \(change \d+ by olga, applied\): nothing was sent/
        )
        expect(yield* limitsOf).toEqual({ maxOrderQuantity: 7 })
        const history = yield* audit.history(SESSION, 10)
        expect(history.filter((c) => c.actor === "oscar")).toHaveLength(0)
        // Opened again, oscar's form carries the limits as they are now, and his change goes through.
        expect((yield* submit(oscar, yield* editForm(oscar), "9")).status).toBe(303)
        expect(yield* limitsOf).toEqual({ maxOrderQuantity: 9 })
        const messageOf = (response: Response) =>
          Effect.promise(async () => /id="message">([^<]*)</.exec(await response.text())?.[1] ?? "")

        // Another panel on this database has a change of these limits in flight: oscar's is refused until it is
        // answered, naming it, and nothing of his is sent or audited.
        const inFlight = yield* audit.begin({
          sessionId: SESSION,
          actor: "ada",
          action: "risk-limits.set",
          subject: "risk-limits:Account:ACC-1",
          ts: 2,
          before: { maxOrderQuantity: 9 },
          after: { maxOrderQuantity: 11 },
          requestId: "panel:in-flight"
        })
        const busy = yield* submit(oscar, yield* editForm(oscar), "10")
        expect(busy.status).toBe(409)
        expect(yield* messageOf(busy)).toBe(
          `the limits of Account:ACC-1 have a change in flight (change ${inFlight.id} by ada): nothing was sent; open the form again once it is answered`
        )
        expect(yield* limitsOf).toEqual({ maxOrderQuantity: 9 })
        yield* audit.settle(inFlight.id, "refused", "not sent")

        // Two panels on this database, the same form sent to each at once: one change goes through, the other is
        // refused as stale or in flight, whichever it met.
        const second = (yield* Panel.make({ chartLibrary, clientAddress: () => "test" })) as unknown as Hono<never>
        const olgaThere = yield* Effect.promise(() => signIn(second, "olga"))
        const form = yield* editForm(olga)
        const [here, there] = yield* Effect.all([submit(olga, form, "12"), submit(olgaThere, form, "13", second)], {
          concurrency: 2
        })
        expect([here.status, there.status].sort()).toEqual([303, 409])
        const loser = here.status === 409 ? here : there
        expect(yield* messageOf(loser)).toMatch(
          /^the limits of Account:ACC-1 (changed since the form was opened|have a change in flight) \(change \d+ by olga/
        )
        expect(yield* limitsOf).toEqual({ maxOrderQuantity: here.status === 303 ? 12 : 13 })
        const applied = (yield* audit.history(SESSION, 20)).filter(
          (c) => c.subject === "risk-limits:Account:ACC-1" && c.outcome === "applied"
        )
        expect(applied[0]?.after).toEqual({ maxOrderQuantity: here.status === 303 ? 12 : 13 })
      }),
    120_000
  )
})

describe("the live page's cancel control", () => {
  plain("is shown to those who may cancel, and to no one else", () => {
    const order = {
      orderId: "o-1",
      clientOrderId: "c-1",
      instrumentId: "AAPL.XNAS",
      side: "buy",
      quantity: 10,
      filledQuantity: 0,
      status: "working"
    } as unknown as Order
    const account = {
      accountId: "ACC-1",
      positions: [],
      openOrders: [order],
      fills: [],
      cash: [],
      realizedPnl: 0,
      killSwitch: false
    }
    expect(accountsView([account], 1, true).html).toContain(
      'class="cancel" href="/orders/cancel?account=ACC-1&amp;order=c-1"'
    )
    const withoutCancel = accountsView([account], 1, false).html
    expect(withoutCancel).toContain('<tr data-order="o-1">')
    expect(withoutCancel).not.toContain("/orders/cancel")
  })
})
