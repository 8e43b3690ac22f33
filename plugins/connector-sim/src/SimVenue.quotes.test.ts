import { describe, expect, it } from "@effect/vitest"
import type { ExecutionReport } from "@meridian/core/domain/Commands"
import { lots, ticks, timestamp } from "@meridian/core/domain/Units"
import { AAPL_INDEX, harness, order, T0 } from "../test/simHarness"
import { makerTakerFee } from "./models/Fees"
import { fixedLatency, jitteredLatency } from "./models/Latency"
import { fixedSlippage, probabilisticSlippage } from "./models/Slippage"

type Sim = ReturnType<typeof harness>

const quote = (sim: Sim, ts: number, bid: number, bidSize: number, ask: number, askSize: number) =>
  sim.venue.onQuote(AAPL_INDEX, ts, bid, bidSize, ask, askSize)

describe("SimVenue on quotes: market orders", () => {
  it("takes the opposite quote up to its size and waits for the next quote for the rest", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 200)
    sim.submit(order({ quantity: 300 }), T0 + 1)
    quote(sim, T0 + 2, 15_001, 500, 15_002, 500)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 200@15001 taker", "Filled o-1 100@15002 taker"])
  })

  it("does not take the same quoted size twice", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 150)
    sim.submit(order({ orderId: "a" }), T0 + 1)
    sim.submit(order({ orderId: "b" }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted a", "Filled a 100@15001 taker", "Accepted b", "Filled b 50@15001 taker"])
  })

  it("IOC fills what the quote offers and cancels the rest", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 200)
    sim.submit(order({ quantity: 300, timeInForce: "IOC" }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 200@15001 taker", "Canceled o-1"])
  })

  it("FOK fills all at once or is canceled with no fill", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 200)
    sim.submit(order({ orderId: "big", quantity: 300, timeInForce: "FOK" }), T0 + 1)
    sim.submit(order({ orderId: "fits", quantity: 200, timeInForce: "FOK" }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted big", "Canceled big", "Accepted fits", "Filled fits 200@15001 taker"])
  })

  it("fills at the quote that is current when the order arrives, after latency", () => {
    const sim = harness({ latency: fixedLatency(100) })
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({}), T0) // arrives at T0 + 100
    quote(sim, T0 + 50, 15_002, 500, 15_003, 500)
    quote(sim, T0 + 150, 15_003, 500, 15_004, 500)
    expect(sim.reports.map((r) => [r._tag, r.ts])).toEqual([
      ["VenueAccepted", T0 + 100],
      ["VenueFilled", T0 + 100]
    ])
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15003 taker"])
  })
})

describe("SimVenue on quotes: limits", () => {
  it("fills a marketable limit at the quote as taker and a resting one at its limit as maker", () => {
    const sim = harness()
    quote(sim, T0, 14_998, 500, 14_999, 100)
    sim.submit(order({ orderId: "take", type: "limit", limitPrice: 15_000 }), T0 + 1)
    sim.submit(order({ orderId: "rest", type: "limit", limitPrice: 14_990 }), T0 + 1)
    quote(sim, T0 + 2, 14_980, 500, 14_985, 50)
    expect(sim.take()).toEqual([
      "Accepted take",
      "Filled take 100@14999 taker",
      "Accepted rest",
      "Filled rest 50@14990 maker"
    ])
  })

  it("fills a resting limit on a trade strictly through it, not at it", () => {
    const sim = harness()
    quote(sim, T0, 14_995, 500, 15_000, 500)
    sim.submit(order({ type: "limit", limitPrice: 14_990 }), T0 + 1)
    sim.venue.onTrade(AAPL_INDEX, T0 + 2, 14_990, 1_000, 2)
    expect(sim.take()).toEqual(["Accepted o-1"])
    sim.venue.onTrade(AAPL_INDEX, T0 + 3, 14_989, 30, 2)
    expect(sim.take()).toEqual(["Filled o-1 30@14990 maker"])
  })

  it("rejects a post-only limit that would cross and accepts one that rests", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ orderId: "cross", type: "limit", limitPrice: 15_001, postOnly: true }), T0 + 1)
    sim.submit(order({ orderId: "rest", type: "limit", limitPrice: 15_000, postOnly: true }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Rejected cross post-only order would take liquidity", "Accepted rest"])
  })

  it("fills an iceberg one display slice per quote", () => {
    const sim = harness()
    quote(sim, T0, 14_990, 500, 15_010, 500)
    sim.submit(order({ type: "limit", limitPrice: 15_000, quantity: 250, displayQuantity: 100 }), T0 + 1)
    quote(sim, T0 + 2, 14_990, 500, 14_999, 1_000)
    quote(sim, T0 + 3, 14_990, 500, 14_999, 1_000)
    quote(sim, T0 + 4, 14_990, 500, 14_999, 1_000)
    expect(sim.take()).toEqual([
      "Accepted o-1",
      "Filled o-1 100@15000 maker",
      "Filled o-1 100@15000 maker",
      "Filled o-1 50@15000 maker"
    ])
  })
})

describe("SimVenue on quotes: stops", () => {
  it("triggers a buy stop when the offer reaches it and fills at the offer", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ type: "stop", stopPrice: 15_010 }), T0 + 1)
    quote(sim, T0 + 2, 15_004, 500, 15_005, 500)
    expect(sim.take()).toEqual(["Accepted o-1"])
    quote(sim, T0 + 3, 15_011, 500, 15_012, 500)
    expect(sim.take()).toEqual(["Filled o-1 100@15012 taker"])
  })

  it("triggers a stop on a trade print and fills at the quote", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ side: "sell", type: "stop", stopPrice: 14_990 }), T0 + 1)
    sim.venue.onTrade(AAPL_INDEX, T0 + 2, 14_990, 10, 2)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15000 taker"])
  })

  it("turns a triggered stop-limit into a limit that takes the quote within its limit", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ side: "sell", type: "stop-limit", stopPrice: 14_990, limitPrice: 14_985 }), T0 + 1)
    quote(sim, T0 + 2, 14_988, 60, 14_989, 500)
    // 60 at the bid as taker; the other 40 rest at 14985 and fill as maker when the bid comes up to it again.
    quote(sim, T0 + 3, 14_986, 500, 14_987, 500)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 60@14988 taker", "Filled o-1 40@14985 maker"])
  })

  it("trails a sell stop behind the bid", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ side: "sell", type: "trailing-stop", trailingOffset: 10 }), T0 + 1) // stop 14990
    quote(sim, T0 + 2, 15_020, 500, 15_021, 500) // stop 15010
    quote(sim, T0 + 3, 15_012, 500, 15_013, 500)
    expect(sim.take()).toEqual(["Accepted o-1"])
    quote(sim, T0 + 4, 15_008, 500, 15_009, 500) // 15008 <= 15010: triggered, sells at the bid
    expect(sim.take()).toEqual(["Filled o-1 100@15008 taker"])
  })
})

describe("SimVenue on quotes: time in force", () => {
  it("expires DAY at the session close and GTD at expireAt while quotes go on", () => {
    const sim = harness()
    const close = Date.parse("2024-01-09T21:00:00Z") * 1000
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ orderId: "day", type: "limit", limitPrice: 14_000, timeInForce: "DAY" }), T0 + 1)
    sim.submit(
      order({ orderId: "gtd", type: "limit", limitPrice: 14_000, timeInForce: "GTD", expireAt: T0 + 10 }),
      T0 + 1
    )
    quote(sim, T0 + 20, 15_000, 500, 15_001, 500)
    quote(sim, close + 1, 15_000, 500, 15_001, 500)
    expect(sim.reports.map((r) => `${r._tag} ${r.orderId} ${r.ts - T0}`)).toEqual([
      "VenueAccepted day 1",
      "VenueAccepted gtd 1",
      "VenueExpired gtd 10",
      `VenueExpired day ${close - T0}`
    ])
  })
})

describe("SimVenue cancel and replace", () => {
  it("cancels after latency; a fill that happens first wins", () => {
    const sim = harness({ latency: fixedLatency(100) })
    quote(sim, T0, 14_990, 500, 15_010, 500)
    const o = order({ type: "limit", limitPrice: 15_000 })
    sim.submit(o, T0)
    sim.cancel(o, T0 + 200) // arrives at T0 + 300
    quote(sim, T0 + 250, 14_990, 500, 14_999, 500)
    quote(sim, T0 + 400, 14_990, 500, 14_999, 500)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15000 maker"])

    const other = order({ orderId: "o-2", type: "limit", limitPrice: 14_000 })
    sim.submit(other, T0 + 500)
    sim.cancel(other, T0 + 500)
    sim.venue.advanceTo(T0 + 600)
    expect(sim.take()).toEqual(["Accepted o-2", "Canceled o-2"])
  })

  it("replaces the price of a resting limit, which may make it marketable", () => {
    const sim = harness()
    quote(sim, T0, 14_990, 500, 15_001, 500)
    const o = order({ type: "limit", limitPrice: 14_990, quantity: 100 })
    sim.submit(o, T0 + 1)
    sim.venue.execute({
      _tag: "VenueReplace",
      accountId: o.accountId,
      orderId: o.orderId,
      instrumentId: o.instrumentId,
      quantity: o.quantity,
      limitPrice: ticks(o.limitPrice! + 12),
      ts: timestamp(T0 + 2)
    })
    sim.venue.advanceTo(T0 + 2)
    expect(sim.take()).toEqual(["Accepted o-1", "Replaced o-1 q=100 limit=15002 stop=-", "Filled o-1 100@15001 taker"])
  })

  it("cancels the rest when a replace asks for no more than was filled", () => {
    const sim = harness()
    quote(sim, T0, 14_990, 500, 15_001, 40)
    const o = order({ type: "limit", limitPrice: 15_001, quantity: 100 })
    sim.submit(o, T0 + 1)
    sim.venue.execute({
      _tag: "VenueReplace",
      accountId: o.accountId,
      orderId: o.orderId,
      instrumentId: o.instrumentId,
      quantity: lots(40),
      ts: timestamp(T0 + 2)
    })
    sim.venue.advanceTo(T0 + 2)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 40@15001 taker", "Canceled o-1"])
  })
})

describe("SimVenue fees, slippage and determinism", () => {
  it("slips taker fills only and charges the fee model per fill", () => {
    const sim = harness({ slippage: fixedSlippage(2), fees: makerTakerFee({ makerBps: -1, takerBps: 10 }) })
    quote(sim, T0, 14_990, 500, 15_000, 500)
    sim.submit(order({ orderId: "mkt" }), T0 + 1)
    sim.submit(order({ orderId: "lim", side: "sell", type: "limit", limitPrice: 15_010 }), T0 + 1)
    quote(sim, T0 + 2, 15_020, 500, 15_021, 500)
    const fills = sim.reports.flatMap((r) => (r._tag === "VenueFilled" ? [[r.orderId, r.price, r.fee]] : []))
    expect(fills).toEqual([
      // 100 @ 150.02 = 1,500,200 cents × 10 bps = 1,500.2 → 1,500.
      ["mkt", 15_002, 1_500],
      // Maker at the limit, no slippage: 100 @ 150.10 = 1,501,000 × -1 bp = -150.1 → -150 (a rebate).
      ["lim", 15_010, -150]
    ])
  })

  it("never slips a limit past its limit", () => {
    const sim = harness({ slippage: fixedSlippage(5) })
    quote(sim, T0, 14_990, 500, 15_000, 500)
    sim.submit(order({ type: "limit", limitPrice: 15_002 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15002 taker"])
  })

  const scenario = (seed: number): Array<ExecutionReport> => {
    const sim = harness({ seed, latency: jitteredLatency(50, 100), slippage: probabilisticSlippage(0.5, 1) })
    for (let i = 0; i < 40; i++) {
      const ts = T0 + i * 100
      quote(sim, ts, 15_000 + (i % 7), 100 + i, 15_002 + (i % 5), 80 + i)
      sim.submit(order({ orderId: `o-${i}`, side: i % 2 === 0 ? "buy" : "sell", quantity: 50 + i }), ts)
      if (i % 3 === 0) sim.venue.onTrade(AAPL_INDEX, ts + 10, 15_001, 20, 1)
    }
    sim.venue.advanceTo(T0 + 10_000)
    return sim.reports
  }

  it("gives identical reports for the same seed and inputs", () => {
    const first = scenario(7)
    expect(first.length).toBeGreaterThan(40)
    expect(scenario(7)).toEqual(first)
    expect(scenario(8)).not.toEqual(first)
  })
})
