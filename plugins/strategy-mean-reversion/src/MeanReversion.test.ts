import { describe, expect, it } from "@effect/vitest"
import { BarBuilder, type Columns, QuoteBuilder } from "@meridian/core/data/Columns"
import type { AccountEvent } from "@meridian/core/domain/Events"
import type { Fill } from "@meridian/core/domain/Fill"
import { Effect, Schema } from "effect"
import { reportOf, runBacktest, simVenue, sp500Bars } from "../../../test/backtest/support"
import { noFees } from "../../connector-sim/src/index"
import { meanReversion, stopPrice, takeProfitPrice } from "./MeanReversion"

const DAY = 86_400_000_000
const START = 1_704_067_200_000_000 // 2024-01-01T00:00Z

/** Daily bars from closes (ticks): each opens at the previous close, high and low are open and close. */
const barsOf = (closes: ReadonlyArray<number>, lows: Readonly<Record<number, number>> = {}) => {
  const bars = new BarBuilder()
  closes.forEach((close, d) => {
    const open = closes[d - 1] ?? close
    bars.add(START + d * DAY, 0, DAY, open, Math.max(open, close), lows[d] ?? Math.min(open, close), close, 1_000_000)
  })
  return bars.build()
}

const backtest = (
  params: Record<string, unknown>,
  data: Columns,
  kind: "cash" | "margin" = "cash",
  events: Array<AccountEvent> = []
) =>
  runBacktest({
    data: [data],
    kind,
    events,
    strategy: meanReversion.program(Schema.decodeUnknownSync(meanReversion.params)(params)),
    // Market orders fill at the next bar's open, which here is the signal bar's close; no fees.
    venue: simVenue("next-open", noFees)
  })

const summary = (fills: ReadonlyArray<Fill>) => fills.map((f) => `${f.side} ${f.quantity}@${f.price}`)

/** Signed position after each fill. */
const positions = (fills: ReadonlyArray<Fill>) => {
  let position = 0
  return fills.map((f) => (position += f.side === "buy" ? f.quantity : -f.quantity))
}

// Period 5, k = 1.5. The first band is at day 4: closes 10000 10020 9980 10010 9990, mean 10000.
// Day 5 closes at 9900: window 10020 9980 10010 9990 9900, mean 9980, variance (40² + 0 + 30² + 10² + 80²)/5 = 1800,
// sd 42.43, lower band 9980 − 63.6 = 9916.4 > 9900: buy (filled at the next open, 9900).
// Day 6, 9950: window 9980 10010 9990 9900 9950, mean 9966 > 9950: hold.
// Day 7, 9990: window 10010 9990 9900 9950 9990, mean 9968 ≤ 9990: sell (at the next open, 9990).
const dip = [10_000, 10_020, 9_980, 10_010, 9_990, 9_900, 9_950, 9_990, 9_990, 9_990]
const params = { period: 5, k: 1.5, sizing: "qty:10" }

describe("strategy-mean-reversion", () => {
  it.effect("buys below the lower band and sells back at the middle band", () =>
    Effect.gen(function* () {
      const result = yield* backtest(params, barsOf(dip))
      expect(summary(result.fills)).toEqual(["buy 10@9900", "sell 10@9990"])
      // Signals at the closes of days 5 and 7, fills at the opens of days 6 and 8.
      expect(result.fills.map((f) => (f.ts - START) / DAY)).toEqual([6, 8])
      expect(result.rejections).toBe(0)
    })
  )

  it.effect("trades quote mid prices the same way, at the quotes", () =>
    Effect.gen(function* () {
      // Quotes one tick either side of the same prices, a second apart: the market orders take the quote that
      // triggered them, buying at the ask 9901 and selling at the bid 9989.
      const quotes = new QuoteBuilder()
      dip.forEach((mid, i) => {
        quotes.add(START + i * 1_000_000, 0, mid - 1, 100, mid + 1, 100)
      })
      const result = yield* backtest(params, quotes.build())
      expect(summary(result.fills)).toEqual(["buy 10@9901", "sell 10@9989"])
      expect(result.fills.map((f) => (f.ts - START) / 1_000_000)).toEqual([5, 7])
    })
  )

  it.effect("stays out while the price stays inside the bands", () =>
    Effect.gen(function* () {
      const result = yield* backtest(params, barsOf(dip.slice(0, 5).concat([9_990, 10_000, 9_995])))
      expect(result.fills).toEqual([])
    })
  )

  // After the dip, a spike: day 10 closes at 10100 on a window of 9990 9990 9990 9990 10100 (mean 10012,
  // sd 44, upper band 10078): above it.
  const dipAndSpike = [...dip, 10_100, 10_050, 10_000, 9_990, 9_990]

  it.effect("never sells short in long-only mode; long-short does on the same prices", () =>
    Effect.gen(function* () {
      const longOnly = yield* backtest(params, barsOf(dipAndSpike), "margin")
      expect(summary(longOnly.fills)).toEqual(["buy 10@9900", "sell 10@9990"])
      expect(Math.min(...positions(longOnly.fills))).toBe(0)

      // Day 11, 10050: window 9990 9990 9990 10100 10050, mean 10024 < 10050: hold the short. Day 12, 10000 ≤ mean
      // 10026: buy back.
      const longShort = yield* backtest({ ...params, mode: "long-short" }, barsOf(dipAndSpike), "margin")
      expect(summary(longShort.fills)).toEqual(["buy 10@9900", "sell 10@9990", "sell 10@10100", "buy 10@10000"])
      expect(positions(longShort.fills)).toEqual([10, 0, -10, 0])
    })
  )

  it.effect(
    "with brackets, exits through an OCO pair: the take-profit follows the middle band, the stop is canceled",
    () =>
      Effect.gen(function* () {
        const events: Array<AccountEvent> = []
        const result = yield* backtest({ ...params, useBrackets: true, stopLossPct: 2 }, barsOf(dip), "margin", events)
        const submitted = events.flatMap((e) => (e._tag === "OrderSubmitted" ? [e.order] : []))
        // Entry at day 5 (middle 9980); the exits are released when it fills: stop ⌊9900 × 0.98⌋ = 9702, take-profit
        // at the middle band 9980.
        expect(submitted.map((o) => [o.side, o.type, o.stopPrice ?? o.limitPrice ?? null, o.reduceOnly])).toEqual([
          ["buy", "market", null, false],
          ["sell", "stop", 9_702, true],
          ["sell", "limit", 9_980, true]
        ])
        const [, stop, takeProfit] = submitted

        // Day 6 moves the middle band to 9966; day 7 reaches it (high 9990): the take-profit fills there as a maker
        // and the venue cancels the stop in the same step.
        expect(
          events.some((e) => e._tag === "OrderReplaced" && e.orderId === takeProfit!.orderId && e.limitPrice === 9_966)
        ).toBe(true)
        expect(summary(result.fills)).toEqual(["buy 10@9900", "sell 10@9966"])
        expect(result.fills[1]!.liquidity).toBe("maker")
        const canceled = events.find((e) => e._tag === "OrderCanceled")
        expect(canceled).toMatchObject({ orderId: stop!.orderId, ts: result.fills[1]!.ts })
      })
  )

  it.effect("with brackets on a cash account, the take-profit stays where the Accounts Service keeps it", () =>
    Effect.gen(function* () {
      const events: Array<AccountEvent> = []
      const result = yield* backtest({ ...params, useBrackets: true }, barsOf(dip), "cash", events)
      // Moving the take-profit is refused once (both exits count as open sells of a cash account) and not retried;
      // it fills at its first price, the middle band at entry, 9980, on day 7 (high 9990).
      const refused = events.filter((e) => e._tag === "OrderModifyRejected")
      expect(refused.map((e) => e.reason)).toEqual(["BUYING_POWER"])
      expect(summary(result.fills)).toEqual(["buy 10@9900", "sell 10@9980"])
      expect(events.filter((e) => e._tag === "OrderCanceled")).toHaveLength(1)
    })
  )

  it.effect("with brackets, a fall through the stop exits at the stop and cancels the take-profit", () =>
    Effect.gen(function* () {
      const events: Array<AccountEvent> = []
      // The exits work from day 7 (released after day 6 was matched). Day 7 opens at 9850 and trades down to 9600:
      // the sell stop at 9702 is touched inside the bar and fills at the stop. Its close, 9800, is above the lower
      // band (window 10010 9990 9900 9850 9800: mean 9910, sd 80.2, lower 9789.7), so no new entry follows.
      const prices = [...dip.slice(0, 6), 9_850, 9_800, 9_800, 9_800]
      const result = yield* backtest({ ...params, useBrackets: true }, barsOf(prices, { 7: 9_600 }), "cash", events)
      expect(summary(result.fills)).toEqual(["buy 10@9900", "sell 10@9702"])
      expect(result.fills[1]!.liquidity).toBe("taker")
      const takeProfit = events.flatMap((e) =>
        e._tag === "OrderSubmitted" && e.order.type === "limit" ? [e.order] : []
      )
      expect(events.filter((e) => e._tag === "OrderCanceled").map((e) => e.orderId)).toEqual([takeProfit[0]!.orderId])
    })
  )

  it("prices a bracket's exits on the tick grid, away from the entry", () => {
    expect(stopPrice("buy", 9_900, 2)).toBe(9_702)
    expect(stopPrice("buy", 9_901, 2)).toBe(9_702) // 9702.98 rounds down, further from the entry
    expect(stopPrice("sell", 9_901, 2)).toBe(10_100) // 10099.02 rounds up
    expect(takeProfitPrice("buy", 9_965.2)).toBe(9_966)
    expect(takeProfitPrice("sell", 9_965.8)).toBe(9_965)
  })

  const sp500 = (params: Record<string, unknown>) =>
    runBacktest({
      data: [sp500Bars()],
      kind: "margin",
      strategy: meanReversion.program(Schema.decodeUnknownSync(meanReversion.params)(params)),
      venue: simVenue("next-open")
    }).pipe(Effect.map((result) => ({ result, report: reportOf(result) })))

  it.effect("runs on 20 years of S&P 500 bars, the same way twice", () =>
    Effect.gen(function* () {
      const params = { period: 20, k: 2, mode: "long-short", useBrackets: true, stopLossPct: 3 }
      const first = yield* sp500(params)
      const second = yield* sp500(params)
      expect(second.report).toBe(first.report)
      const stats = JSON.parse(first.report).stats
      expect(stats.trades).toBeGreaterThan(50)
      expect(first.result.rejections).toBe(0)
      // Sells and buys alternate around flat: every round trip closes before the next opens.
      const held = positions(first.result.fills)
      expect(held.filter((p) => p === 0).length).toBeGreaterThanOrEqual(Math.floor(held.length / 2) - 1)
      expect(Math.min(...held)).toBeLessThan(0)
    })
  )
})
