import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { AAPL_INDEX, harness, MINUTE, order, T0 } from "../test/simHarness"

type Sim = ReturnType<typeof harness>

const bar = (sim: Sim, minute: number, [open, high, low, close]: readonly [number, number, number, number]) =>
  sim.venue.onBar(AAPL_INDEX, T0 + minute * MINUTE, MINUTE, open, high, low, close, 10_000)

const quote = (sim: Sim, ts: number, bid: number, bidSize: number, ask: number, askSize: number) =>
  sim.venue.onQuote(AAPL_INDEX, ts, bid, bidSize, ask, askSize)

/** The exits of a long of 100 AAPL: a take-profit at 151.00 and a stop-loss at 149.00. */
const takeProfit = order({ orderId: "tp", side: "sell", type: "limit", limitPrice: 15_100 })
const stopLoss = order({ orderId: "sl", side: "sell", type: "stop", stopPrice: 14_900 })

describe("SimVenue OCO groups on bars", () => {
  it("fills only the leg the conservative path reaches first and cancels the other in the same bar", () => {
    for (const [a, b] of [
      [takeProfit, stopLoss],
      [stopLoss, takeProfit]
    ] as const) {
      const sim = harness()
      sim.submit(a, T0 - 2, "bracket-1")
      sim.submit(b, T0 - 1, "bracket-1")
      // The bar touches both; a sell sees the low (149.00 stop) before the high (151.00 limit).
      bar(sim, 0, [15_000, 15_150, 14_850, 15_000])
      expect(sim.take()).toEqual([
        `Accepted ${a.orderId}`,
        `Accepted ${b.orderId}`,
        "Filled sl 100@14900 taker",
        "Canceled tp"
      ])
      bar(sim, 1, [15_000, 15_200, 14_800, 15_000])
      expect(sim.take()).toEqual([])
    }
  })

  it("does not cancel the other legs when the platform cancels one", () => {
    const sim = harness()
    sim.submit(stopLoss, T0 - 2, "bracket-1")
    sim.submit(takeProfit, T0 - 1, "bracket-1")
    sim.cancel(stopLoss, T0 - 1)
    bar(sim, 0, [15_000, 15_150, 14_850, 15_000])
    expect(sim.take()).toEqual(["Accepted sl", "Accepted tp", "Canceled sl", "Filled tp 100@15100 maker"])
  })

  it("links only orders of the same account", () => {
    const sim = harness()
    sim.submit(stopLoss, T0 - 2, "g")
    sim.submit(
      order({ orderId: "tp2", accountId: "acc-2", side: "sell", type: "limit", limitPrice: 15_100 }),
      T0 - 1,
      "g"
    )
    bar(sim, 0, [15_000, 15_150, 14_850, 15_000])
    expect(sim.take()).toEqual([
      "Accepted sl",
      "Accepted tp2",
      "Filled sl 100@14900 taker",
      "Filled tp2 100@15100 maker"
    ])
  })
})

describe("SimVenue OCO groups on quotes and the book", () => {
  it("reduces the other leg by a partial fill and cancels it when it has nothing left", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(takeProfit, T0 + 1, "bracket-1")
    sim.submit(stopLoss, T0 + 1, "bracket-1")
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted tp", "Accepted sl"])
    // Only 30 bid at 151.00: the take-profit sells 30, the stop-loss now covers 100 - 30 = 70.
    quote(sim, T0 + 2, 15_100, 30, 15_101, 500)
    expect(sim.take()).toEqual(["Filled tp 30@15100 maker", "Replaced sl q=70 limit=- stop=14900"])
    // The stop sells its 70; the take-profit shrinks to 100 - 70 = 30, which it already filled: canceled.
    quote(sim, T0 + 3, 14_890, 500, 14_891, 500)
    expect(sim.take()).toEqual(["Filled sl 70@14890 taker", "Canceled tp"])
    quote(sim, T0 + 4, 15_100, 500, 15_101, 500)
    expect(sim.take()).toEqual([])
  })

  it("leaves orders without a group alone: both exits fill in full", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(takeProfit, T0 + 1)
    sim.submit(stopLoss, T0 + 1)
    quote(sim, T0 + 2, 15_100, 30, 15_101, 500)
    quote(sim, T0 + 3, 14_890, 500, 14_891, 500)
    quote(sim, T0 + 4, 15_100, 500, 15_101, 500)
    expect(sim.take()).toEqual([
      "Accepted tp",
      "Accepted sl",
      "Filled tp 30@15100 maker",
      "Filled sl 100@14890 taker",
      "Filled tp 70@15100 maker"
    ])
  })

  it("reduces and cancels within one book delta", () => {
    const sim = harness()
    sim.venue.onBookDelta(AAPL_INDEX, T0, 0, 0, 15_000, 300)
    sim.venue.onBookDelta(AAPL_INDEX, T0, 0, 1, 15_010, 500)
    sim.submit(order({ orderId: "tp", side: "sell", type: "limit", limitPrice: 15_005 }), T0 + 1, "g")
    sim.submit(order({ orderId: "sl", side: "sell", type: "stop", stopPrice: 14_990 }), T0 + 1, "g")
    // A bid of 40 at 150.05 lifts 40 of the resting offer: the stop covers 60.
    sim.venue.onBookDelta(AAPL_INDEX, T0 + 2, 0, 0, 15_005, 40)
    expect(sim.take()).toEqual([
      "Accepted tp",
      "Accepted sl",
      "Filled tp 40@15005 maker",
      "Replaced sl q=60 limit=- stop=14990"
    ])
    // The bid falls to 149.90: the stop sells 60 and the offer, 40 of 40 filled, is canceled.
    sim.venue.onBookDelta(AAPL_INDEX, T0 + 3, 1, 0, 15_000, 0)
    sim.venue.onBookDelta(AAPL_INDEX, T0 + 4, 0, 0, 14_990, 500)
    expect(sim.take()).toEqual(["Filled sl 60@14990 taker", "Canceled tp"])
  })
})

describe("SimVenue OCO groups: property", () => {
  it("never fills a bracket's exits beyond its quantity, and reports each reduction at once", () => {
    const price = fc.integer({ min: 14_700, max: 15_300 })
    fc.assert(
      fc.property(
        fc.record({
          quantity: fc.integer({ min: 1, max: 300 }),
          display: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
          stop: fc.integer({ min: 14_800, max: 14_990 }),
          limit: fc.integer({ min: 15_010, max: 15_200 }),
          stopFirst: fc.boolean(),
          volumeLimit: fc.option(fc.double({ min: 0.01, max: 1, noNaN: true }), { nil: undefined }),
          bars: fc.array(fc.tuple(price, price, price, price, fc.integer({ min: 0, max: 2_000 })), {
            minLength: 1,
            maxLength: 8
          })
        }),
        ({ quantity, display, stop, limit, stopFirst, volumeLimit, bars }) => {
          const sim = harness(volumeLimit === undefined ? {} : { volumeLimit })
          const tp = order({
            orderId: "tp",
            side: "sell",
            type: "limit",
            limitPrice: limit,
            quantity,
            ...(display === undefined ? {} : { displayQuantity: Math.min(display, quantity) })
          })
          const sl = order({ orderId: "sl", side: "sell", type: "stop", stopPrice: stop, quantity })
          const [a, b] = stopFirst ? [sl, tp] : [tp, sl]
          sim.submit(a, T0 - 2, "g")
          sim.submit(b, T0 - 1, "g")
          bars.forEach(([o, x, y, c, volume], i) => {
            const high = Math.max(o, x, y, c)
            const low = Math.min(o, x, y, c)
            sim.venue.onBar(AAPL_INDEX, T0 + i * MINUTE, MINUTE, o, high, low, c, volume)
          })
          const filled = { tp: 0, sl: 0 }
          const live = { tp: true, sl: true }
          const rs = sim.reports
          rs.forEach((r, i) => {
            const leg = r.orderId as "tp" | "sl"
            const other = leg === "tp" ? "sl" : "tp"
            if (r._tag === "VenueCanceled") live[leg] = false
            if (r._tag !== "VenueFilled") return
            expect(live[leg]).toBe(true)
            filled[leg] += r.quantity
            // The other leg now covers quantity - filled[leg]: reduced, or canceled when it filled that much.
            if (live[other]) {
              const next = rs[i + 1]
              const left = quantity - filled[leg]
              expect(next?.orderId).toBe(other)
              expect(next?._tag).toBe(left <= filled[other] ? "VenueCanceled" : "VenueReplaced")
              if (next?._tag === "VenueReplaced") expect(next.quantity).toBe(left)
            }
            // Its own quantity is quantity - filled[other] (the reductions), so this fill may have finished it.
            if (filled[leg] === quantity - filled[other]) live[leg] = false
          })
          expect(filled.tp + filled.sl).toBeLessThanOrEqual(quantity)
        }
      ),
      { numRuns: 200 }
    )
  })
})
