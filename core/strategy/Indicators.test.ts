import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Indicators from "./Indicators"

describe("Indicators", () => {
  it("SMA: a preview reads as if the bar closed now; the close replaces it", () => {
    const sma = Indicators.sma(3)
    expect(sma.add(10)).toBeUndefined()
    expect(sma.preview(30)).toBeUndefined() // two samples with the preview
    expect(sma.add(20)).toBeUndefined()
    expect(sma.isStable).toBe(false)
    expect(sma.preview(60)).toBe(30) // (10 + 20 + 60) / 3
    expect(sma.preview(0)).toBe(10) // (10 + 20 + 0) / 3, the 60 replaced
    expect(sma.add(30)).toBe(20) // (10 + 20 + 30) / 3
    expect(sma.isStable).toBe(true)
    expect(sma.preview(40)).toBe(30) // (20 + 30 + 40) / 3
    expect(sma.value).toBe(30)
  })

  it("EMA, RSI, MACD, Bollinger: previews then a close give what the closes alone give", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 4 }), { maxLength: 60 }),
        (bars) => {
          const make = (): Array<Indicators.Indicator<unknown>> => [
            Indicators.ema(5),
            Indicators.rsi(5),
            Indicators.macd(3, 6, 4),
            Indicators.bollinger(5)
          ]
          const withPreviews = make()
          const closesOnly = make()
          for (const ticks of bars) {
            const close = ticks.at(-1)!
            for (const [i, indicator] of withPreviews.entries()) {
              for (const tick of ticks.slice(0, -1)) indicator.preview(tick)
              expect(indicator.add(close)).toEqual(closesOnly[i]!.add(close))
            }
          }
          expect(withPreviews.map((i) => i.isStable)).toEqual(closesOnly.map((i) => i.isStable))
        }
      ),
      { numRuns: 100 }
    )
  })

  it("EMA: hand-computed values", () => {
    const ema = Indicators.ema(3) // k = 2 / 4 = 0.5, seeded with the first price
    ema.add(10)
    ema.add(20) // 15
    expect(ema.add(40)).toBe(27.5) // 40 * 0.5 + 15 * 0.5
    expect(ema.isStable).toBe(true)
  })

  it("ATR and VWAP read bars, keeping their own copy of a reused bar object", () => {
    const bar = { high: 12, low: 8, close: 10, volume: 100 }
    const vwap = Indicators.vwap()
    vwap.add(bar) // typical 10, volume 100
    bar.high = 22
    bar.low = 18
    bar.close = 20
    bar.volume = 300
    // (10 × 100 + 20 × 300) / 400 = 17.5; had the first bar been kept by reference it would read 20.
    expect(vwap.add(bar)).toBe(17.5)
    const atr = Indicators.atr(2)
    atr.add({ high: 12, low: 8, close: 10, volume: 0 }) // TR 4
    expect(atr.add({ high: 15, low: 11, close: 14, volume: 0 })).toBeCloseTo(4.5, 10) // TR max(4, |15-10|, |11-10|) = 5
    expect(atr.isStable).toBe(true)
  })
})
