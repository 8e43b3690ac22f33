import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { BarBuilder, type Columns } from "../../core/data/Columns"
import type { BarPeriod } from "../../core/domain/MarketData"
import { MarketData } from "../../core/services/MarketData"
import { type BarSource, subscribeBars } from "../../core/strategy/SubscribeBars"
import { runBacktest } from "../backtest/support"
import { AAPL, MINUTE, quotes, SECOND, T0 } from "./algoSupport"

/** `[close time − T0 in seconds, open, high, low, close, volume]` of each bar a strategy sees. */
const barsSeen = (data: Columns, period: string, source?: BarSource) =>
  Effect.gen(function* () {
    const seen: Array<ReadonlyArray<number>> = []
    yield* runBacktest({
      instruments: [AAPL],
      data: [data],
      deposit: 1_000_000,
      strategy: Effect.gen(function* () {
        const marketData = yield* MarketData
        yield* subscribeBars(
          marketData,
          AAPL.id,
          period as BarPeriod,
          (b) => seen.push([(b.ts - T0) / SECOND, b.open, b.high, b.low, b.close, b.volume]),
          source === undefined ? {} : { source }
        )
      })
    })
    return seen
  })

/** Ten 1-minute bars from T0: open 100 + m, high + 5, low − 5, close + 1, volume 10. */
const minuteBars = (): Columns => {
  const bars = new BarBuilder()
  for (let m = 0; m < 10; m++) bars.add(T0 + m * MINUTE, 0, MINUTE, 100 + m, 105 + m, 95 + m, 101 + m, 10)
  return bars.build()
}

describe("subscribeBars", () => {
  it.effect("passes bars of the period through, at their close", () =>
    Effect.gen(function* () {
      const seen = yield* barsSeen(minuteBars(), "1m")
      expect(seen).toHaveLength(10)
      expect(seen[0]).toEqual([60, 100, 105, 95, 101, 10])
    })
  )

  it.effect("merges shorter bars into longer ones, complete with the bar that ends them", () =>
    Effect.gen(function* () {
      const seen = yield* barsSeen(minuteBars(), "5m")
      // Minutes 0-4: open 100, high 109, low 95, close 105, volume 50; minutes 5-9: 105, 114, 100, 110, 50.
      expect(seen).toEqual([
        [300, 100, 109, 95, 105, 50],
        [600, 105, 114, 100, 110, 50]
      ])
    })
  )

  it.effect("builds bars from quote mids, closed on the clock at the period's end", () =>
    Effect.gen(function* () {
      // A quote every 20 s from T0 + 10 s; mid = 1 000 + the minute.
      const data = quotes(T0 + 10 * SECOND, T0 + 190 * SECOND, 20 * SECOND, (ts) => {
        const m = Math.floor((ts - T0) / MINUTE)
        return [999 + m, 1_001 + m]
      })
      const seen = yield* barsSeen(data, "1m")
      // Minute 3 is still open when the data end (T0 + 190 s): three bars, each at its exact end.
      expect(seen).toEqual([
        [60, 1_000, 1_000, 1_000, 1_000, 0],
        [120, 1_001, 1_001, 1_001, 1_001, 0],
        [180, 1_002, 1_002, 1_002, 1_002, 0]
      ])
    })
  )

  it.effect("ignores other kinds of data when the source is fixed", () =>
    Effect.gen(function* () {
      expect(yield* barsSeen(minuteBars(), "1m", "trades")).toEqual([])
    })
  )
})
