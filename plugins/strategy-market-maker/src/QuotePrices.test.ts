import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { type QuoteRules, type QuoteTarget, quotePrices } from "./QuotePrices"

const fresh = (): QuoteTarget => ({ bidPrice: 0, bidSize: 0, askPrice: 0, askSize: 0 })
const rules: QuoteRules = { anchor: "mid", spreadTicks: 2, size: 5, skewTicks: 1, maxInventory: 12 }

describe("quotePrices", () => {
  it("quotes spreadTicks either side of the mid, rounding away from it", () => {
    // Mid 10001: 9999 / 10003. Mid 10001.5 (book 10000 / 10003): ⌊9999.5⌋ = 9999, ⌈10003.5⌉ = 10004.
    expect(quotePrices(fresh(), rules, 10_000, 10_002, 0)).toEqual({
      bidPrice: 9_999,
      bidSize: 5,
      askPrice: 10_003,
      askSize: 5
    })
    expect(quotePrices(fresh(), rules, 10_000, 10_003, 0)).toMatchObject({ bidPrice: 9_999, askPrice: 10_004 })
  })

  it("joins the best prices in join mode", () => {
    expect(quotePrices(fresh(), { ...rules, anchor: "join" }, 10_000, 10_003, 0)).toMatchObject({
      bidPrice: 10_000,
      askPrice: 10_003
    })
  })

  it("skews both prices against the inventory and cuts the side that would pass maxInventory", () => {
    // Long 10 = 2 × size: shift 2 ticks down; the bid has 2 lots of room left, the ask may sell 5.
    expect(quotePrices(fresh(), rules, 10_000, 10_002, 10)).toEqual({
      bidPrice: 9_997,
      bidSize: 2,
      askPrice: 10_001,
      askSize: 5
    })
    // Short 12: shift 2.4 up; no room to sell. The bid ⌊10001.4⌋ stays below the best ask.
    expect(quotePrices(fresh(), rules, 10_000, 10_002, -12)).toEqual({
      bidPrice: 10_001,
      bidSize: 5,
      askPrice: 10_006,
      askSize: 0
    })
  })

  it("never crosses the book, keeps bid < ask, and moves monotonically with the inventory", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000, max: 1_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: -40, max: 40 }),
        fc.record({
          anchor: fc.constantFrom("mid" as const, "join" as const),
          spreadTicks: fc.integer({ min: 1, max: 20 }),
          size: fc.integer({ min: 1, max: 10 }),
          skewTicks: fc.double({ min: 0, max: 5, noNaN: true }),
          maxInventory: fc.integer({ min: 1, max: 40 })
        }),
        (bestBid, width, inventory, r) => {
          const bestAsk = bestBid + width
          const q = quotePrices(fresh(), r, bestBid, bestAsk, inventory)
          expect(Number.isInteger(q.bidPrice) && Number.isInteger(q.askPrice)).toBe(true)
          expect(q.bidPrice).toBeLessThan(bestAsk)
          expect(q.askPrice).toBeGreaterThan(bestBid)
          expect(q.bidPrice).toBeLessThan(q.askPrice)
          expect(inventory + q.bidSize).toBeLessThanOrEqual(Math.max(inventory, r.maxInventory))
          expect(inventory - q.askSize).toBeGreaterThanOrEqual(Math.min(inventory, -r.maxInventory))
          const more = quotePrices(fresh(), r, bestBid, bestAsk, inventory + 1)
          expect(more.bidPrice).toBeLessThanOrEqual(q.bidPrice)
          expect(more.askPrice).toBeLessThanOrEqual(q.askPrice)
        }
      ),
      { numRuns: 200 }
    )
  })
})
