import { describe, expect, it } from "@effect/vitest"
import { BarPeriod } from "../domain/MarketData"
import { generateBars, generateQuotes } from "./Generate"

const quoteOptions = {
  instruments: 3,
  count: 10_000,
  seed: 42,
  startTs: 1_700_000_000_000_000,
  stepUs: 250,
  startPrice: 10_000,
  spreadTicks: 2
}

describe("generateQuotes", () => {
  it("gives identical arrays for the same seed and different ones for another", () => {
    const a = generateQuotes(quoteOptions)
    const b = generateQuotes(quoteOptions)
    expect(b).toEqual(a)
    const c = generateQuotes({ ...quoteOptions, seed: 43 })
    expect(c.bidPrice).not.toEqual(a.bidPrice)
    expect(c.ts).toEqual(a.ts)
  })

  it("interleaves instruments in time with a random walk of one tick at most", () => {
    const q = generateQuotes(quoteOptions)
    expect(q.length).toBe(10_000)
    const last = new Map<number, number>()
    for (let i = 0; i < q.length; i++) {
      expect(q.ts[i]).toBe(quoteOptions.startTs + i * 250)
      const inst = q.instrument[i]!
      expect(inst).toBe(i % 3)
      const bid = q.bidPrice[i]!
      expect(q.askPrice[i]).toBe(bid + 2)
      expect(Math.abs(bid - (last.get(inst) ?? 10_000))).toBeLessThanOrEqual(1)
      last.set(inst, bid)
      for (const size of [q.bidSize[i]!, q.askSize[i]!]) {
        expect(Number.isInteger(size) && size >= 1 && size <= 128).toBe(true)
      }
    }
    // The walk moves: over 10,000 rows some instrument left its start price.
    expect([...last.values()].some((bid) => bid !== 10_000)).toBe(true)
  })

  it("never quotes a bid below one tick", () => {
    const q = generateQuotes({ ...quoteOptions, startPrice: 1, count: 3_000 })
    expect(Math.min(...q.bidPrice)).toBe(1)
  })

  it("generates a million quotes in time order over every instrument", () => {
    // Its speed is the csv and backtest benches' business, not a test's: a busy machine must not fail it.
    const q = generateQuotes({ ...quoteOptions, instruments: 10, count: 1_000_000 })
    expect(q.length).toBe(1_000_000)
    let ordered = true
    for (let i = 1; i < q.length; i++) if (q.ts[i]! < q.ts[i - 1]!) ordered = false
    expect(ordered).toBe(true)
    expect(new Set(q.instrument).size).toBe(10)
  })

  it("refuses options that are not whole numbers in range", () => {
    expect(() => generateQuotes({ ...quoteOptions, instruments: 0 })).toThrow(/instruments/)
    expect(() => generateQuotes({ ...quoteOptions, startPrice: 10.5 })).toThrow(/startPrice/)
    expect(() => generateQuotes({ ...quoteOptions, stepUs: 2 ** 52, count: 4 })).toThrow(/last timestamp/)
  })
})

describe("generateBars", () => {
  const barOptions = {
    instruments: 2,
    count: 2_000,
    seed: 7,
    startTs: 1_577_836_800_000_000, // 2020-01-01T00:00:00Z
    period: BarPeriod.make("1m"),
    startPrice: 500
  }

  it("is deterministic", () => {
    expect(generateBars(barOptions)).toEqual(generateBars(barOptions))
    expect(generateBars({ ...barOptions, seed: 8 }).close).not.toEqual(generateBars(barOptions).close)
  })

  it("gives consistent OHLC bars that open at the previous close", () => {
    const bars = generateBars(barOptions)
    const closes = new Map<number, number>()
    for (let i = 0; i < bars.length; i++) {
      const [open, high, low, close] = [bars.open[i]!, bars.high[i]!, bars.low[i]!, bars.close[i]!]
      expect(high).toBeGreaterThanOrEqual(Math.max(open, close))
      expect(low).toBeLessThanOrEqual(Math.min(open, close))
      expect(low).toBeGreaterThanOrEqual(1)
      // 4 steps of at most 2 ticks.
      expect(high - low).toBeLessThanOrEqual(8)
      const inst = bars.instrument[i]!
      expect(inst).toBe(i % 2)
      expect(open).toBe(closes.get(inst) ?? 500)
      closes.set(inst, close)
      // Rows 0 and 1 open at the start, rows 2 and 3 one minute later, ...
      expect(bars.ts[i]).toBe(barOptions.startTs + Math.floor(i / 2) * 60_000_000)
      expect(bars.periodUs[i]).toBe(60_000_000)
      expect(bars.volume[i]).toBeGreaterThanOrEqual(1)
    }
  })
})
