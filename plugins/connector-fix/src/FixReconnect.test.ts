import { describe, expect, it } from "@effect/vitest"
import type { Order } from "@meridian/core/domain/Order"
import { Duration, Effect } from "effect"
import { eventually, whileProgressing } from "../test/brokerProcess"
import { crashOrder, T0 } from "../test/connectorProcess"
import { type CuttableLink, cuttableLink } from "../test/cuttableLink"
import { loggedOn } from "../test/loggedOn"

const ROUNDS = 4
const PER_ROUND = 100
const COUNT = ROUNDS * PER_ROUND

describe("FIX connector and simulator: the connection cut mid-flow while both processes live on", () => {
  it.scopedLive(
    "every order reaches the broker once and every execution report the connector once, across 8 cuts",
    () =>
      Effect.gen(function* () {
        let link: CuttableLink | undefined
        const { broker, fix, reports } = yield* loggedOn("CUTS", "cuts-secret", (port) =>
          Effect.map(cuttableLink(port), (l) => {
            link = l
            return l.port
          })
        )
        const session = Duration.seconds(60)
        /** Cuts the connection once the session is up again (it reconnects a second after a cut). */
        const cut = Effect.gen(function* () {
          yield* eventually(() => (fix.stats().loggedOn ? true : undefined), session)
          return link!.cut()
        })
        const brokerOrders = async () => (await broker.record()).orders.filter((o) => o.session === "CUTS").length
        let cuts = 0
        for (let round = 0; round < ROUNDS; round++) {
          // Even orders cross this quote and fill at once; odd ones rest until the market moves.
          yield* Effect.promise(() => broker.quote("AAPL.XNAS", T0 + 2 * round, "150.00", "150.01", "1000000"))
          for (let i = round * PER_ROUND; i < (round + 1) * PER_ROUND; i++) {
            fix.execution.execute({ _tag: "VenueSubmit", order: crashOrder(i), ts: (T0 + i) as Order["createdAt"] })
            if (i % 10 === 9) yield* Effect.sleep("2 millis")
            // Mid-submission: orders going out, accepts and fills coming back.
            if (i % PER_ROUND === PER_ROUND / 2) cuts += yield* cut
          }
          yield* whileProgressing(brokerOrders, (n) => n === (round + 1) * PER_ROUND, session)
          // The resting half fills in one burst of reports, and the connection goes while they go out.
          yield* eventually(() => (fix.stats().loggedOn ? true : undefined), session)
          yield* Effect.promise(() => broker.quote("AAPL.XNAS", T0 + 2 * round + 1, "149.40", "149.50", "1000000"))
          cuts += link!.cut()
        }

        const delivered = () => new Set(reports.flatMap((r) => (r._tag === "VenueFilled" ? [r.tradeId as string] : [])))
        yield* whileProgressing(
          async () => {
            const r = await broker.record()
            const fills = r.executions.filter((e) => e.session === "CUTS" && e.execType === "F")
            const got = delivered()
            return {
              orders: r.orders.length,
              fills: fills.length,
              delivered: fills.filter((f) => got.has(f.execId)).length
            }
          },
          (p) => p.orders === COUNT && p.fills === COUNT && p.delivered === COUNT,
          session
        )
        expect(cuts).toBe(2 * ROUNDS)
        const record = yield* Effect.promise(() => broker.record())
        for (const o of record.orders) {
          expect(o.created).toBe(1)
          expect(o.duplicates).toBe(0)
        }
        const sent = record.executions.filter((e) => e.session === "CUTS")
        const accepted = reports.filter((r) => r._tag === "VenueAccepted").map((r) => r.orderId)
        expect(accepted).toHaveLength(COUNT)
        expect(new Set(accepted).size).toBe(sent.filter((e) => e.execType === "0").length)
        const tradeIds = reports.flatMap((r) => (r._tag === "VenueFilled" ? [r.tradeId] : []))
        expect(tradeIds).toHaveLength(COUNT)
        expect(new Set(tradeIds)).toEqual(new Set(sent.filter((e) => e.execType === "F").map((e) => e.execId)))
      }),
    300_000
  )
})
