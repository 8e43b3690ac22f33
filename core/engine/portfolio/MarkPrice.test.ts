import { describe, expect, it } from "vitest"
import { InstrumentId } from "../../domain/Ids"
import { BarPeriod } from "../../domain/MarketData"
import { markPrice, markTime, midPrice } from "./MarkPrice"

const instrumentId = InstrumentId.make("AAPL.XNAS")

describe("markPrice", () => {
  it("marks a quote at its mid rounded down, a trade at its price, a bar at its close", () => {
    expect(midPrice(100, 103)).toBe(101)
    expect(
      markPrice({ _tag: "Quote", instrumentId, ts: 5, bidPrice: 100, bidSize: 1, askPrice: 103, askSize: 1 })
    ).toBe(101)
    expect(markPrice({ _tag: "Trade", instrumentId, ts: 5, price: 102, size: 1, aggressor: "none" })).toBe(102)
    const bar = {
      _tag: "Bar",
      instrumentId,
      ts: 60_000_000,
      period: BarPeriod.make("1m"),
      open: 100,
      high: 110,
      low: 90,
      close: 105,
      volume: 7
    } as const
    expect(markPrice(bar)).toBe(105)
    expect(markTime(bar)).toBe(120_000_000)
  })
  it("marks nothing from a book delta alone", () => {
    expect(
      markPrice({
        _tag: "BookDelta",
        instrumentId,
        ts: 5,
        action: "set",
        side: "bid",
        price: 100,
        size: 1,
        last: true
      })
    ).toBeUndefined()
  })
})
