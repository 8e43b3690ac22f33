import { describe, expect, it } from "@effect/vitest"
import { BarBuilder, QuoteBuilder, TradeBuilder } from "./Columns"

describe("Columns builders", () => {
  it("grow past their capacity and build right-sized arrays", () => {
    const builder = new QuoteBuilder(2)
    for (let i = 0; i < 5; i++) builder.add(1_000 + i, i % 2, 100 + i, 10, 101 + i, 20 + i)
    const quotes = builder.build()
    expect(quotes.kind).toBe("quote")
    expect(quotes.length).toBe(5)
    expect(quotes.ts).toEqual(new Float64Array([1_000, 1_001, 1_002, 1_003, 1_004]))
    expect(quotes.instrument).toEqual(new Uint32Array([0, 1, 0, 1, 0]))
    expect(quotes.bidPrice).toEqual(new Float64Array([100, 101, 102, 103, 104]))
    expect(quotes.askPrice).toEqual(new Float64Array([101, 102, 103, 104, 105]))
    expect(quotes.bidSize).toEqual(new Float64Array([10, 10, 10, 10, 10]))
    expect(quotes.askSize).toEqual(new Float64Array([20, 21, 22, 23, 24]))
  })

  it("hand out copies: rows added after build do not change what was built", () => {
    const builder = new TradeBuilder(1)
    builder.add(1, 0, 500, 3, 1)
    const first = builder.build()
    builder.add(2, 0, 501, 4, 2)
    const second = builder.build()
    expect(first.length).toBe(1)
    expect(first.price).toEqual(new Float64Array([500]))
    expect(second.length).toBe(2)
    expect(second.aggressor).toEqual(new Uint8Array([1, 2]))
    expect(builder.length).toBe(2)
  })

  it("hand out full arrays without a copy, and never the same arrays twice", () => {
    const builder = new BarBuilder(2)
    builder.add(0, 0, 60, 1, 1, 1, 1, 1)
    builder.add(60, 0, 60, 2, 2, 2, 2, 2)
    const first = builder.build()
    const second = builder.build()
    expect(second).toEqual(first)
    expect(second.close).not.toBe(first.close)
    builder.add(120, 0, 60, 3, 3, 3, 3, 3)
    expect(Array.from(first.close)).toEqual([1, 2])
    expect(Array.from(builder.build().close)).toEqual([1, 2, 3])
  })

  it("keeps exact integers up to 2^53 in prices and sizes", () => {
    const builder = new BarBuilder(0)
    const big = Number.MAX_SAFE_INTEGER
    builder.add(0, 7, 60_000_000, big, big, big - 1, big - 1, big)
    const bars = builder.build()
    expect([bars.open[0], bars.low[0], bars.volume[0], bars.instrument[0]]).toEqual([big, big - 1, big, 7])
    expect(bars.periodUs[0]).toBe(60_000_000)
  })
})
