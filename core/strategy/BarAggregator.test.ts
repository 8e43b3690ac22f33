import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import type { InstrumentId } from "../domain/Ids"
import type { BarPeriod } from "../domain/MarketData"
import type { BarEvent } from "../services/MarketData"
import { BarAggregator } from "./BarAggregator"

const MINUTE = 60_000_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const T0 = 1_704_067_200_000_000 // 2024-01-01T00:00Z, a Monday

const collect = (period: string, timezone?: string) => {
  const bars: Array<Omit<BarEvent, "instrumentId" | "index">> = []
  const aggregator = new BarAggregator({
    instrumentId: "X.SIM" as InstrumentId,
    period: period as BarPeriod,
    ...(timezone === undefined ? {} : { timezone }),
    onBar: ({ instrumentId: _, index: __, ...bar }) => bars.push(bar)
  })
  return { aggregator, bars }
}

describe("BarAggregator", () => {
  it("builds exact OHLCV from trades, aligned to the period, complete at the first event of a later period", () => {
    const { aggregator, bars } = collect("5m")
    // 00:01 100x3, 00:02 105x1, 00:04:59.999999 98x2 | 00:05 101x4 | (00:10-00:15 empty) 00:17 99x1
    aggregator.trade(T0 + MINUTE, 100, 3)
    aggregator.trade(T0 + 2 * MINUTE, 105, 1)
    aggregator.trade(T0 + 5 * MINUTE - 1, 98, 2)
    expect(bars).toHaveLength(0)
    aggregator.trade(T0 + 5 * MINUTE, 101, 4)
    expect(bars).toEqual([
      { ts: T0 + 5 * MINUTE, openTs: T0, periodUs: 5 * MINUTE, open: 100, high: 105, low: 98, close: 98, volume: 6 }
    ])
    aggregator.trade(T0 + 17 * MINUTE, 99, 1)
    expect(bars[1]).toMatchObject({ openTs: T0 + 5 * MINUTE, open: 101, close: 101, volume: 4 })
    // No bar for the empty period 00:10-00:15; the open one completes on flush.
    aggregator.flush()
    expect(bars.map((b) => b.openTs)).toEqual([T0, T0 + 5 * MINUTE, T0 + 15 * MINUTE])
    aggregator.flush()
    expect(bars).toHaveLength(3)
  })

  it("uses the mid of two-sided quotes, rounded down to a tick, and adds no volume", () => {
    const { aggregator, bars } = collect("1m")
    aggregator.quote(T0 + 1, 100, 5, 103, 5) // mid 101.5 -> 101
    aggregator.quote(T0 + 2, 90, 0, 103, 5) // one-sided: skipped
    aggregator.quote(T0 + 3, 104, 1, 106, 1) // 105
    expect(aggregator.closeDue(T0 + MINUTE - 1)).toBe(false)
    expect(aggregator.closeDue(T0 + MINUTE)).toBe(true)
    expect(bars).toEqual([
      { ts: T0 + MINUTE, openTs: T0, periodUs: MINUTE, open: 101, high: 105, low: 101, close: 105, volume: 0 }
    ])
  })

  it("merges shorter bars and completes a bar with the one that ends it", () => {
    const { aggregator, bars } = collect("1h")
    for (let m = 0; m < 4; m++) {
      aggregator.bar(T0 + m * 15 * MINUTE, 15 * MINUTE, 10 + m, 20 + m, 5 + m, 11 + m, 100)
    }
    expect(bars).toEqual([
      { ts: T0 + HOUR, openTs: T0, periodUs: HOUR, open: 10, high: 23, low: 5, close: 14, volume: 400 }
    ])
  })

  it("starts day bars at local midnight in a time zone, 23 hours long on the day clocks go forward", () => {
    const { aggregator, bars } = collect("1d", "America/New_York")
    // 2024-03-10 is the DST change in New York: midnight EST is 05:00Z, the next midnight (EDT) is 04:00Z.
    const march10 = 1_710_028_800_000_000 // 2024-03-10T00:00Z
    aggregator.trade(march10 + 6 * HOUR, 50, 1) // 01:00 EST on the 10th
    aggregator.trade(march10 + DAY + 3 * HOUR, 51, 1) // 23:00 EDT on the 10th
    aggregator.trade(march10 + DAY + 4 * HOUR, 52, 1) // 00:00 EDT on the 11th
    expect(bars).toEqual([
      {
        ts: march10 + DAY + 4 * HOUR,
        openTs: march10 + 5 * HOUR,
        periodUs: 23 * HOUR,
        open: 50,
        high: 51,
        low: 50,
        close: 51,
        volume: 2
      }
    ])
  })

  it("starts week bars on Monday", () => {
    const { aggregator, bars } = collect("1w")
    aggregator.trade(T0 + 2 * DAY, 1, 1) // Wednesday
    aggregator.trade(T0 + 7 * DAY, 2, 1) // the next Monday
    expect(bars[0]).toMatchObject({ openTs: T0, ts: T0 + 7 * DAY })
  })

  it("agrees with a direct computation over random trades", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 3 * HOUR }),
            fc.integer({ min: -1000, max: 1000 }),
            fc.integer({ min: 1, max: 50 })
          ),
          {
            minLength: 1,
            maxLength: 200
          }
        ),
        fc.constantFrom("1m", "7m", "1h", "30s"),
        (raw, period) => {
          const trades = [...raw].sort((a, b) => a[0] - b[0])
          const { aggregator, bars } = collect(period)
          for (const [ts, price, size] of trades) aggregator.trade(T0 + ts, price, size)
          aggregator.flush()
          const p = ({ "1m": MINUTE, "7m": 7 * MINUTE, "1h": HOUR, "30s": MINUTE / 2 } as Record<string, number>)[
            period
          ]!
          const groups = new Map<number, Array<[number, number, number]>>()
          for (const t of trades) {
            const key = Math.floor((T0 + t[0]) / p) * p
            groups.set(key, [...(groups.get(key) ?? []), t])
          }
          expect(bars).toEqual(
            [...groups].map(([openTs, g]) => ({
              ts: openTs + p,
              openTs,
              periodUs: p,
              open: g[0]![1],
              high: Math.max(...g.map((t) => t[1])),
              low: Math.min(...g.map((t) => t[1])),
              close: g.at(-1)![1],
              volume: g.reduce((sum, t) => sum + t[2], 0)
            }))
          )
        }
      ),
      { numRuns: 150 }
    )
  })
})
