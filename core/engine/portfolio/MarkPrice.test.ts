import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { MarketDataEvent } from "../../domain/MarketData"
import { markPrice, markTime, midPrice } from "./MarkPrice"

const event = Schema.decodeUnknownSync(MarketDataEvent)
const instrumentId = "AAPL.XNAS"

describe("markPrice", () => {
  it("marks a quote at its mid rounded down, a trade at its price, a bar at its close at its end", () => {
    expect(midPrice(100, 103)).toBe(101)
    const quote = event({ _tag: "Quote", instrumentId, ts: 5, bidPrice: 100, bidSize: 1, askPrice: 103, askSize: 1 })
    expect(markPrice(quote)).toBe(101)
    expect(markTime(quote)).toBe(5)
    expect(markPrice(event({ _tag: "Trade", instrumentId, ts: 5, price: 102, size: 1, aggressor: "none" }))).toBe(102)
    const bar = event({
      _tag: "Bar",
      instrumentId,
      ts: 60_000_000,
      period: "1m",
      open: 100,
      high: 110,
      low: 90,
      close: 105,
      volume: 7
    })
    expect(markPrice(bar)).toBe(105)
    expect(markTime(bar)).toBe(120_000_000)
  })
  it("marks nothing from a book delta alone", () => {
    const delta = {
      _tag: "BookDelta",
      instrumentId,
      ts: 5,
      action: "set",
      side: "bid",
      price: 100,
      size: 1,
      last: true
    }
    expect(markPrice(event(delta))).toBeUndefined()
  })
})
