import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BarBuilder } from "../../core/data/Columns"
import type { AccountEvent } from "../../core/domain/Events"
import type { ClientOrderId } from "../../core/domain/Ids"
import { Accounts, type OrderInput } from "../../core/services/Accounts"
import { MarketData } from "../../core/services/MarketData"
import { runBacktest, SPX } from "./support"

const DAY = 86_400_000_000
const START = 1_704_067_200_000_000 // 2024-01-01T00:00Z; SPX.SIM trades around the clock, its day is the UTC day

/**
 * A strategy submits one order of each new type from its first bar, through the `Accounts` port, and the whole
 * flow (pre-trade risk, the simulated venue filling bars at their close, the fills booked) runs over daily bars
 * built so that each type's rule picks a price no other rule would.
 */
describe("Backtest: the order types a strategy can submit", () => {
  it.effect("fills each type by its own rule", () =>
    Effect.gen(function* () {
      const bars = new BarBuilder()
      const days: ReadonlyArray<readonly [number, number, number, number]> = [
        [10_000, 10_100, 9_900, 10_000],
        [10_050, 10_200, 9_950, 10_150],
        [10_150, 10_350, 10_100, 10_300],
        [10_300, 10_320, 9_700, 9_750],
        [9_750, 9_800, 9_700, 9_760]
      ]
      days.forEach(([o, h, l, c], d) => {
        bars.add(START + d * DAY, 0, DAY, o, h, l, c, 1_000)
      })
      const orders: Record<string, OrderInput> = {
        mtl: { instrumentId: SPX.id, side: "buy", type: "market-to-limit", quantity: 1, timeInForce: "GTC" },
        moc: { instrumentId: SPX.id, side: "sell", type: "market-on-close", quantity: 1, timeInForce: "DAY" },
        moo: { instrumentId: SPX.id, side: "buy", type: "market-on-open", quantity: 1, timeInForce: "DAY" },
        lit: {
          instrumentId: SPX.id,
          side: "sell",
          type: "limit-if-touched",
          quantity: 1,
          stopPrice: 10_300,
          limitPrice: 10_290,
          timeInForce: "GTC"
        },
        mit: {
          instrumentId: SPX.id,
          side: "buy",
          type: "market-if-touched",
          quantity: 1,
          stopPrice: 9_800,
          timeInForce: "GTC"
        },
        tsl: {
          instrumentId: SPX.id,
          side: "sell",
          type: "trailing-stop-limit",
          quantity: 1,
          trailingOffset: 200,
          limitOffset: 50,
          timeInForce: "GTC"
        }
      }
      const ids = new Map<ClientOrderId, string>()
      const events: Array<AccountEvent> = []
      const strategy = Effect.gen(function* () {
        const marketData = yield* MarketData
        const accounts = yield* Accounts
        let first = true
        yield* marketData.subscribe(SPX.id, {
          onBar: () => {
            if (!first) return
            first = false
            for (const [name, input] of Object.entries(orders)) ids.set(accounts.submit(input), name)
          }
        })
      })
      yield* runBacktest({ data: [bars.build()], strategy, kind: "margin", events })
      const fills = events.flatMap((e) =>
        e._tag === "OrderFilled" ? [`${ids.get(e.fill.clientOrderId)} ${e.fill.side} @${e.fill.price}`] : []
      )
      expect(events.filter((e) => e._tag === "OrderRejected")).toEqual([])
      // The strategy sees day 0 once it is over: its orders arrive as day 1 opens.
      expect(fills).toEqual([
        // Day 1: the session's open; then, at the close (barFill "close"), the market-to-limit and the
        // market-on-close (the bar holds the end of the UTC day, this instrument's session).
        "moo buy @10050",
        "mtl buy @10150",
        "moc sell @10150",
        // Day 2: the high touches 10300 from below; the limit 10290 lets it trade there.
        "lit sell @10300",
        // Day 3: the low touches 9800 from above. The stop, trailed up to 10150 by day 2's high, triggers on the
        // way down and its limit 10100 lets it trade at the stop; sells see the low first, so it comes first.
        "tsl sell @10150",
        "mit buy @9800"
      ])
    })
  )
})
