/**
 * An investor's NAV history as the session's process records it (`NavRecorder`) from a real Accounts Service on a
 * local socket, over five months of the service's (feed) time sent back to back as a replay sends it — a deposit, a
 * buy, marks (two within an hour, one just before a month's end), a second deposit, a month with nothing, a
 * withdrawal, hours in which nothing moves — into the central database (embedded, and a real PostgreSQL server where there is
 * one), and the portal's figures (returns by month and since inception, drawdown, NAV) against values computed here
 * from the same steps by hand.
 */
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it, layer } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import type { Hono } from "hono"
import * as CashRequests from "../../core/db/CashRequests"
import * as Database from "../../core/db/Database"
import * as Investors from "../../core/db/Investors"
import * as NavHistory from "../../core/db/NavHistory"
import * as NavRecorder from "../../core/db/NavRecorder"
import * as PanelUsers from "../../core/db/PanelUsers"
import type { Outcome } from "../../core/live/accounts/AccountsShard"
import { HOUR_US } from "../../core/live/accounts/NavMarks"
import type { ShardInput } from "../../core/live/accounts/ShardInput"
import { AAPL } from "../../test/fixtures/instruments"
import { serverLayer, serverRequired, serverSource } from "../../test/support/db/testServer"
import { accountsService, PASSWORD, signIn } from "../internal/siteTest"
import * as Password from "../panel/Password"
import { loadChartLibrary } from "../report/ReportPage"
import { AccountsDesk, fromPeer } from "./AccountsDesk"
import * as Portal from "./Portal"

const ACC = "ACC-N"
const at = (iso: string) => Date.parse(iso) * 1000

const tables = Layer.mergeAll(PanelUsers.layer, Investors.layer, CashRequests.layer, NavHistory.layer)

const suite = (name: string, database: Layer.Layer<Database.Database, Database.DatabaseError>) =>
  layer(
    tables.pipe(
      Layer.provideMerge(database),
      Layer.merge(Layer.succeed(AccountsDesk, Option.none())),
      Layer.merge(NodeContext.layer)
    ),
    { timeout: "120 seconds", excludeTestServices: true }
  )(name, (it) => {
    it.scoped("records the NAV of every month the accounts ran; the portal's figures are the computed ones", () =>
      Effect.gen(function* () {
        const history = yield* NavHistory.NavHistory
        // The service's clock is the time of its inputs, as a session's over a replayed feed.
        let serviceTime = 0
        const peer = yield* accountsService({
          accountIds: [ACC],
          now: (input) => {
            serviceTime = Math.max(serviceTime, input.ts)
            return serviceTime
          }
        })
        const send = (input: Record<string, unknown>) =>
          Effect.map(Effect.orDie(peer.call(input as unknown as ShardInput)), (o) => o as Outcome)
        const cash = (kind: "Deposit" | "Withdraw", amount: number, ts: number) =>
          send({ _tag: kind, accountId: ACC, currency: "USD", amount, reference: kind, requestId: `${kind}-${ts}`, ts })
        const mark = (price: number, ts: number) => send({ _tag: "Mark", instrumentId: AAPL.id, price, ts })

        // The recorder as `meridian up` runs it, stopped (its last sample stored) once the session's steps are done.
        // Its polling is left out (one sample a minute): the inputs go in back to back, as in a replay, and every
        // sample but the last (the recorder's at its stop) is one of the service's NAV marks.
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* NavRecorder.start(fromPeer(peer), history, { everyMs: 60_000 })
            const accepted = (effect: Effect.Effect<Outcome>) =>
              Effect.map(effect, (outcome) => expect(outcome._tag).toBe("Accepted"))
            yield* accepted(cash("Deposit", 1_000_000, at("2026-01-05T15:00:00Z"))) // 10,000.00
            yield* accepted(mark(15_000, at("2026-01-05T15:10:00Z")))
            const buy = yield* send({
              _tag: "SubmitOrder",
              ts: at("2026-01-05T15:20:00Z"),
              request: {
                accountId: ACC,
                strategyId: "s",
                clientOrderId: "buy-1",
                instrumentId: AAPL.id,
                side: "buy",
                type: "market",
                quantity: 10,
                timeInForce: "DAY",
                reduceOnly: false,
                postOnly: false
              }
            })
            expect(buy).toMatchObject({ _tag: "Accepted" })
            const orderId = buy._tag === "Accepted" ? buy.orderIds[0] : ""
            const report = { accountId: ACC, orderId, ts: at("2026-01-05T15:20:01Z") }
            yield* send({ _tag: "VenueAccepted", ...report, venueOrderId: "v-1" })
            // 10 at 150.00: cash 8,500.00, the position 1,500.00, the NAV still 10,000.00.
            yield* accepted(
              send({
                _tag: "VenueFilled",
                ...report,
                tradeId: "t-1",
                quantity: 10,
                price: 15_000,
                fee: 0,
                feeCurrency: "USD",
                liquidity: "taker"
              })
            )
            yield* accepted(mark(15_500, at("2026-01-05T16:30:00Z"))) // 10,050.00
            yield* accepted(mark(15_200, at("2026-01-05T16:45:00Z"))) // 10,020.00: the hour's end
            yield* accepted(mark(16_000, at("2026-01-30T15:00:00Z"))) // 10,100.00
            yield* accepted(cash("Deposit", 100_000, at("2026-02-10T15:00:00Z"))) // 11,100.00
            yield* accepted(mark(15_000, at("2026-02-27T15:00:00Z"))) // 11,000.00
            yield* accepted(mark(17_000, at("2026-03-31T15:00:00Z"))) // 11,200.00
            yield* accepted(mark(16_800, at("2026-03-31T23:30:00Z"))) // 11,180.00: March's end
            // April: the session did not run.
            yield* accepted(cash("Withdraw", 20_000, at("2026-05-05T15:00:00Z"))) // 10,980.00
            yield* accepted(mark(16_500, at("2026-05-29T15:00:00Z"))) // 10,950.00
            // Hours in which the NAV stays put: no mark.
            for (const hour of ["16", "17", "18", "19", "20"]) {
              yield* accepted(mark(16_500, at(`2026-05-29T${hour}:00:00Z`)))
            }
            // Every mark stored (one per hour) and every flow, before the recorder stops.
            yield* Effect.repeat(history.history(ACC), {
              until: (h) => h.samples.length === 9 && h.flows.length === 3
            }).pipe(Effect.timeout("20 seconds"), Effect.orDie)
          })
        )

        // Stored: each account's NAV at the end of each hour in which it changed, just after each flow, and at
        // the stop. None of those hours was sampled by polling.
        const hourEnd = (iso: string) => at(iso) + HOUR_US - 1
        const recorded = yield* history.history(ACC)
        expect(recorded.samples.map((s) => [s.ts, s.nav])).toEqual([
          [at("2026-01-05T15:00:00Z"), 1_000_000],
          [hourEnd("2026-01-05T16:00:00Z"), 1_002_000],
          [hourEnd("2026-01-30T15:00:00Z"), 1_010_000],
          [at("2026-02-10T15:00:00Z"), 1_110_000],
          [hourEnd("2026-02-27T15:00:00Z"), 1_100_000],
          [hourEnd("2026-03-31T15:00:00Z"), 1_120_000],
          [hourEnd("2026-03-31T23:00:00Z"), 1_118_000],
          [at("2026-05-05T15:00:00Z"), 1_098_000],
          [hourEnd("2026-05-29T15:00:00Z"), 1_095_000],
          [at("2026-05-29T20:00:00Z"), 1_095_000]
        ])
        expect(recorded.flows.map((f) => f.amount)).toEqual([1_000_000, 100_000, -20_000])

        // The figures by hand: each interval's gain net of its flow over the NAV it started from plus the flow.
        const jan = 10_000 / 1_000_000
        const feb = (1 + 0 / 1_110_000) * (1 - 10_000 / 1_110_000) - 1
        const mar = (1 + 20_000 / 1_100_000) * (1 - 2_000 / 1_120_000) - 1
        const may = (1 + (1_098_000 - 1_118_000 + 20_000) / 1_098_000) * (1 - 3_000 / 1_098_000) - 1
        const inception = (1 + jan) * (1 + feb) * (1 + mar) * (1 + may) - 1
        const drawdown = (10_000 / 1_110_000) * 100
        const pct = (r: number) => `${(r * 100).toFixed(2)}%`

        const users = yield* PanelUsers.PanelUsers
        yield* users.add({
          name: "ivy",
          role: "investor",
          passwordHash: yield* Password.hash(Redacted.make(PASSWORD)),
          now: 1
        })
        yield* (yield* Investors.Investors).bind("ivy", [ACC])
        const portal = (yield* Portal.make({
          chartLibrary: yield* loadChartLibrary,
          clientAddress: () => "test"
        })) as unknown as Hono<never>
        const ivy = yield* Effect.promise(() => signIn(portal, "ivy"))
        const page = yield* Effect.promise(async () =>
          (await portal.request(`http://localhost/accounts/${ACC}`, { headers: { cookie: ivy.cookie } })).text()
        )
        const text = (id: string) => new RegExp(`id="${id}">(?:<span[^>]*>)?([^<]*)<`).exec(page)?.[1]
        expect(text("nav")).toBe("10,950.00 USD")
        expect(text("r-inception")).toBe(pct(inception))
        expect(text("max-dd")).toBe(`${drawdown.toFixed(2)}%`)
        expect(text("r-month")).toBe(pct(may))
        const row = /<tr data-year="2026">(.*?)<\/tr>/s.exec(page)?.[1] ?? ""
        const cells = [...row.matchAll(/<td class="n">(?:<span[^>]*>)?([^<]*)/g)].map((m) => m[1])
        // January to May, April 0: nothing changed the NAV while the session did not run; June onwards empty.
        expect(cells.slice(0, 12)).toEqual([pct(jan), pct(feb), pct(mar), pct(0), pct(may), "", "", "", "", "", "", ""])
        expect(cells[12]).toBe(pct(inception))
      })
    )
  })

suite("NAV history on the embedded database", Database.layerEmbedded())

const source = serverSource()
if (source._tag === "None") {
  describe("NAV history on a real PostgreSQL server", () => {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else suite("NAV history on a real PostgreSQL server", serverLayer(source, `meridian_test_portal_nav_${process.pid}`))
