import { describe, expect, it } from "@effect/vitest"
import type { ExecutionReport } from "@meridian/core/domain/Commands"
import { FastCheck as fc } from "effect"
import { AAPL_INDEX, harness, MINUTE, order, T0 } from "../test/simHarness"

/**
 * Triggered orders never fill at a price worse than their rules allow, whatever the market does: random bar and
 * quote paths against random if-touched, stop-limit and trailing orders.
 */

type Fill = Extract<ExecutionReport, { _tag: "VenueFilled" }>

const triggered = fc.record({
  type: fc.constantFrom(
    "market-if-touched" as const,
    "limit-if-touched" as const,
    "stop-limit" as const,
    "trailing-stop-limit" as const,
    "market-to-limit" as const
  ),
  buy: fc.boolean(),
  trigger: fc.integer({ min: 14_900, max: 15_100 }),
  limitFromTrigger: fc.integer({ min: -20, max: 20 }),
  trailingOffset: fc.integer({ min: 1, max: 50 }),
  limitOffset: fc.integer({ min: 0, max: 20 }),
  quantity: fc.integer({ min: 1, max: 300 })
})
type Spec = typeof triggered extends fc.Arbitrary<infer T> ? T : never

const orderOf = (s: Spec) =>
  order({
    type: s.type,
    side: s.buy ? "buy" : "sell",
    quantity: s.quantity,
    ...(s.type === "market-if-touched" || s.type === "limit-if-touched" || s.type === "stop-limit"
      ? { stopPrice: s.trigger }
      : {}),
    ...(s.type === "limit-if-touched" || s.type === "stop-limit" ? { limitPrice: s.trigger + s.limitFromTrigger } : {}),
    ...(s.type === "trailing-stop-limit" ? { trailingOffset: s.trailingOffset, limitOffset: s.limitOffset } : {})
  })

/** A random walk of bars from 15000: each opens near the last close and spans its open and close. */
const bars = fc
  .array(
    fc.record({
      gap: fc.integer({ min: -40, max: 40 }),
      move: fc.integer({ min: -60, max: 60 }),
      up: fc.nat(40),
      down: fc.nat(40),
      volume: fc.integer({ min: 0, max: 2_000 })
    }),
    { minLength: 1, maxLength: 30 }
  )
  .map((steps) => {
    let last = 15_000
    return steps.map(({ gap, move, up, down, volume }) => {
      const open = last + gap
      const close = open + move
      last = close
      return { open, high: Math.max(open, close) + up, low: Math.min(open, close) - down, close, volume }
    })
  })

/** Whether `price` is no worse than `bound` for the order's side. */
const noWorse = (buy: boolean, price: number, bound: number) => (buy ? price <= bound : price >= bound)

describe("SimVenue: triggered orders never fill worse than their rules allow", () => {
  it("on bars", () => {
    fc.assert(
      fc.property(triggered, bars, fc.boolean(), (s, path, capped) => {
        const sim = harness(capped ? { volumeLimit: 0.1 } : {})
        sim.submit(orderOf(s), T0 - 1)
        sim.venue.advanceTo(T0 - 1)
        const fills: Array<{ fill: Fill; bar: number }> = []
        path.forEach((b, i) => {
          sim.venue.onBar(AAPL_INDEX, T0 + i * MINUTE, MINUTE, b.open, b.high, b.low, b.close, b.volume)
          for (const r of sim.reports.splice(0)) if (r._tag === "VenueFilled") fills.push({ fill: r, bar: i })
        })
        const total = fills.reduce((n, f) => n + f.fill.quantity, 0)
        expect(total).toBeLessThanOrEqual(s.quantity)
        const first = fills[0]
        for (const { fill, bar } of fills) {
          const b = path[bar]!
          // Every fill is at a price the bar traded.
          expect(fill.price).toBeGreaterThanOrEqual(b.low)
          expect(fill.price).toBeLessThanOrEqual(b.high)
          switch (s.type) {
            case "market-if-touched": {
              // Released as a market order when touched: in the bar that touched it, at the trigger or better on
              // a gap; what a volume cap leaves for later bars fills as a market order there.
              const touched = path.findIndex((p) => (s.buy ? p.low <= s.trigger : p.high >= s.trigger))
              if (bar === touched) expect(noWorse(s.buy, fill.price, s.trigger)).toBe(true)
              break
            }
            case "limit-if-touched":
            case "stop-limit":
              expect(noWorse(s.buy, fill.price, s.trigger + s.limitFromTrigger)).toBe(true)
              break
            case "trailing-stop-limit": {
              // The stop starts at the first open ∓ the offset and only moves towards the market: the limit is at
              // worst there ± the limit offset.
              const start = path[0]!.open
              const worst = s.buy ? start + s.trailingOffset + s.limitOffset : start - s.trailingOffset - s.limitOffset
              expect(noWorse(s.buy, fill.price, worst)).toBe(true)
              break
            }
            case "market-to-limit":
              // Everything after the first fill is at that price or better.
              expect(noWorse(s.buy, fill.price, first!.fill.price)).toBe(true)
              break
          }
        }
        if (first !== undefined && s.type !== "market-to-limit" && s.type !== "trailing-stop-limit") {
          // An if-touched order needs the price at or beyond its trigger from above (buy) / below (sell); a stop
          // from the other side.
          const touch = s.type !== "stop-limit"
          const seen = path.slice(0, first.bar + 1)
          const hit = seen.some((p) => (s.buy === touch ? p.low <= s.trigger : p.high >= s.trigger))
          expect(hit).toBe(true)
        }
      }),
      { numRuns: 400 }
    )
  })

  it("on quotes", () => {
    const quotes = fc.array(
      fc.record({
        mid: fc.integer({ min: 14_850, max: 15_150 }),
        spread: fc.integer({ min: 1, max: 5 }),
        size: fc.integer({ min: 1, max: 200 })
      }),
      { minLength: 1, maxLength: 40 }
    )
    fc.assert(
      fc.property(triggered, quotes, (s, path) => {
        const sim = harness()
        sim.submit(orderOf(s), T0 - 1)
        sim.venue.advanceTo(T0 - 1)
        const fills: Array<Fill> = []
        let minAsk = Number.POSITIVE_INFINITY
        let maxBid = Number.NEGATIVE_INFINITY
        let trailBound = Number.NaN
        path.forEach((q, i) => {
          const bid = q.mid
          const ask = q.mid + q.spread
          sim.venue.onQuote(AAPL_INDEX, T0 + i, bid, q.size, ask, q.size)
          if (Number.isNaN(trailBound)) trailBound = s.buy ? ask : bid
          const mine = sim.reports.splice(0).filter((r): r is Fill => r._tag === "VenueFilled")
          for (const fill of mine) {
            // Takers trade at the quote they take; makers at their limit, which the quote came to or through.
            if (fill.liquidity === "taker") expect(fill.price).toBe(s.buy ? ask : bid)
            else expect(noWorse(!s.buy, fill.price, s.buy ? ask : bid)).toBe(true)
          }
          fills.push(...mine)
          minAsk = Math.min(minAsk, ask)
          maxBid = Math.max(maxBid, bid)
        })
        const first = fills[0]
        for (const fill of fills) {
          switch (s.type) {
            case "limit-if-touched":
            case "stop-limit":
              expect(noWorse(s.buy, fill.price, s.trigger + s.limitFromTrigger)).toBe(true)
              break
            case "trailing-stop-limit": {
              const worst = s.buy
                ? trailBound + s.trailingOffset + s.limitOffset
                : trailBound - s.trailingOffset - s.limitOffset
              expect(noWorse(s.buy, fill.price, worst)).toBe(true)
              break
            }
            case "market-to-limit":
              expect(noWorse(s.buy, fill.price, first!.price)).toBe(true)
              break
            case "market-if-touched":
              break
          }
        }
        // A market-if-touched order's first fill is at the quote that touched it: at its trigger or better.
        if (s.type === "market-if-touched" && first !== undefined) {
          expect(noWorse(s.buy, first.price, s.trigger)).toBe(true)
          expect(s.buy ? minAsk <= s.trigger : maxBid >= s.trigger).toBe(true)
        }
      }),
      { numRuns: 400 }
    )
  })
})
