import { describe, expect, it } from "@effect/vitest"
import { AAPL_INDEX, BTC_INDEX, harness, MINUTE, order, T0 } from "../test/simHarness"

// Bars of AAPL in cents; a bar is [ts, ts + 1 minute).
const bar = (
  sim: ReturnType<typeof harness>,
  minute: number,
  [open, high, low, close]: readonly [number, number, number, number],
  volume = 10_000
) => sim.venue.onBar(AAPL_INDEX, T0 + minute * MINUTE, MINUTE, open, high, low, close, volume)

describe("SimVenue on bars: market orders", () => {
  it("fills at the close of the bar during which it arrives (barFill close)", () => {
    const sim = harness()
    bar(sim, 0, [15_000, 15_020, 14_990, 15_010])
    // Sent one second into bar 0, which the runner already delivered at its open.
    sim.submit(order({}), T0 + 1_000_000)
    sim.venue.advanceTo(T0 + 1_000_000)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15010 taker"])
  })

  it("waits for the bar that covers its arrival when the last bar is over", () => {
    const sim = harness()
    bar(sim, 0, [15_000, 15_020, 14_990, 15_010])
    sim.submit(order({}), T0 + 90_000_000) // inside bar 1
    sim.venue.advanceTo(T0 + 90_000_000)
    expect(sim.take()).toEqual(["Accepted o-1"])
    bar(sim, 1, [15_011, 15_030, 15_000, 15_025])
    expect(sim.take()).toEqual(["Filled o-1 100@15025 taker"])
  })

  it("fills at the next bar's open (barFill next-open)", () => {
    const sim = harness({ barFill: "next-open" })
    bar(sim, 0, [15_000, 15_020, 14_990, 15_010])
    sim.submit(order({ side: "sell" }), T0 + 1_000_000)
    sim.venue.advanceTo(T0 + 1_000_000)
    expect(sim.take()).toEqual(["Accepted o-1"])
    bar(sim, 1, [15_005, 15_030, 15_000, 15_025])
    expect(sim.take()).toEqual(["Filled o-1 100@15005 taker"])
  })

  it("caps fills by a fraction of the bar volume and carries the rest", () => {
    const sim = harness({ volumeLimit: 0.1 })
    sim.submit(order({ quantity: 80 }), T0 - 1)
    // 10% of 500 = 50 this bar, the remaining 30 at the next close.
    bar(sim, 0, [15_000, 15_020, 14_990, 15_010], 500)
    bar(sim, 1, [15_010, 15_020, 15_000, 15_015], 500)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 50@15010 taker", "Filled o-1 30@15015 taker"])
  })

  it("IOC takes what one bar allows and FOK all or nothing", () => {
    const sim = harness({ volumeLimit: 0.1, barFill: "next-open" })
    bar(sim, -1, [15_000, 15_020, 14_990, 15_010], 500)
    sim.submit(order({ orderId: "ioc", quantity: 80, timeInForce: "IOC" }), T0 - 2)
    sim.submit(order({ orderId: "fok", quantity: 40, timeInForce: "FOK" }), T0 - 1)
    bar(sim, 0, [15_010, 15_020, 14_990, 15_000], 500)
    // IOC fills 50 (the cap), FOK would get 0 of its 40 and is canceled without a fill.
    expect(sim.take()).toEqual([
      "Accepted ioc",
      "Accepted fok",
      "Filled ioc 50@15010 taker",
      "Canceled ioc",
      "Canceled fok"
    ])
  })
})

describe("SimVenue on bars: limits and stops", () => {
  it("fills a limit touched intrabar at its price, as maker", () => {
    const sim = harness()
    sim.submit(order({ type: "limit", limitPrice: 14_950 }), T0 - 1)
    bar(sim, 0, [15_000, 15_010, 14_960, 14_990])
    expect(sim.take()).toEqual(["Accepted o-1"])
    bar(sim, 1, [14_990, 15_000, 14_950, 14_970])
    expect(sim.take()).toEqual(["Filled o-1 100@14950 maker"])
  })

  it("fills a limit gapped through at the open, the better price", () => {
    const sim = harness()
    sim.submit(order({ type: "limit", limitPrice: 14_950 }), T0 - 1)
    bar(sim, 0, [15_000, 15_010, 14_960, 14_990])
    bar(sim, 1, [14_900, 14_920, 14_880, 14_910])
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@14900 maker"])
  })

  it("ignores a bar that opened before the order arrived", () => {
    const sim = harness()
    bar(sim, 0, [15_000, 15_010, 14_900, 14_990])
    sim.submit(order({ type: "limit", limitPrice: 14_950 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    bar(sim, 1, [14_990, 15_000, 14_960, 14_970])
    expect(sim.take()).toEqual(["Accepted o-1"])
  })

  it("fills a stop at its price intrabar and at the open on a gap", () => {
    const sim = harness()
    sim.submit(order({ orderId: "s1", side: "sell", type: "stop", stopPrice: 14_900 }), T0 - 2)
    sim.submit(order({ orderId: "s2", side: "sell", type: "stop", stopPrice: 14_800 }), T0 - 1)
    bar(sim, 0, [15_000, 15_010, 14_890, 14_950]) // s1 triggers at 14900
    bar(sim, 1, [14_750, 14_790, 14_700, 14_720]) // s2 gapped: fills at the open 14750
    expect(sim.take()).toEqual(["Accepted s1", "Accepted s2", "Filled s1 100@14900 taker", "Filled s2 100@14750 taker"])
  })

  it("fills a stop-limit triggered within its limit at the stop", () => {
    const sim = harness()
    sim.submit(order({ type: "stop-limit", stopPrice: 15_050, limitPrice: 15_060 }), T0 - 1)
    bar(sim, 0, [15_000, 15_100, 14_990, 15_080])
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15050 taker"])
  })

  it("trails a sell stop behind the high and triggers it on the way down", () => {
    const sim = harness()
    sim.submit(order({ side: "sell", type: "trailing-stop", trailingOffset: 20 }), T0 - 1)
    // Low first: 14990 stays above 15000-20; then the high lifts the stop to 15050-20 = 15030; close 15040 is above.
    bar(sim, 0, [15_000, 15_050, 14_990, 15_040])
    expect(sim.take()).toEqual(["Accepted o-1"])
    // The open keeps the stop at 15030 (15040-20 is lower); the low 15000 goes through it.
    bar(sim, 1, [15_040, 15_045, 15_000, 15_010])
    expect(sim.take()).toEqual(["Filled o-1 100@15030 taker"])
  })

  it("fills an iceberg one display slice per bar", () => {
    const sim = harness()
    sim.submit(order({ type: "limit", limitPrice: 15_000, quantity: 250, displayQuantity: 100 }), T0 - 1)
    bar(sim, 0, [15_010, 15_020, 14_990, 15_000])
    bar(sim, 1, [15_010, 15_020, 14_990, 15_000])
    bar(sim, 2, [15_010, 15_020, 14_990, 15_000])
    expect(sim.take()).toEqual([
      "Accepted o-1",
      "Filled o-1 100@15000 maker",
      "Filled o-1 100@15000 maker",
      "Filled o-1 50@15000 maker"
    ])
  })
})

describe("SimVenue on bars: immediate orders", () => {
  it("gives an IOC limit one bar", () => {
    const sim = harness()
    bar(sim, -1, [15_000, 15_010, 14_990, 15_000])
    sim.submit(order({ type: "limit", limitPrice: 14_950, timeInForce: "IOC" }), T0 - 1)
    bar(sim, 0, [15_000, 15_010, 14_960, 14_990])
    expect(sim.take()).toEqual(["Accepted o-1", "Canceled o-1"])
  })
})

describe("SimVenue on bars: same-bar ambiguity", () => {
  it("resolves a stop-loss and a take-profit in one bar to the stop first (low before high for a long)", () => {
    for (const first of ["tp", "sl"]) {
      const sim = harness()
      const tp = order({ orderId: "tp", side: "sell", type: "limit", limitPrice: 15_100 })
      const sl = order({ orderId: "sl", side: "sell", type: "stop", stopPrice: 14_900 })
      const [a, b] = first === "tp" ? [tp, sl] : [sl, tp]
      sim.submit(a, T0 - 2)
      sim.submit(b, T0 - 1)
      bar(sim, 0, [15_000, 15_150, 14_850, 15_000])
      expect(sim.take().filter((line) => line.startsWith("Filled"))).toEqual([
        "Filled sl 100@14900 taker",
        "Filled tp 100@15100 maker"
      ])
    }
  })

  it("assumes a stop-limit saw its limit before its stop", () => {
    const sim = harness()
    // Buy stop 15050, limit 15020: the bar reaches both, but low-then-high means it triggers after the dip.
    sim.submit(order({ type: "stop-limit", stopPrice: 15_050, limitPrice: 15_020 }), T0 - 1)
    bar(sim, 0, [15_000, 15_100, 14_990, 15_040])
    expect(sim.take()).toEqual(["Accepted o-1"])
    // Triggered, it now rests as a buy limit at 15020 and fills when the next bar comes back to it.
    bar(sim, 1, [15_040, 15_045, 15_010, 15_030])
    expect(sim.take()).toEqual(["Filled o-1 100@15020 maker"])
  })

  it("still fills a stop-limit whose close comes back through its limit", () => {
    const sim = harness()
    sim.submit(order({ type: "stop-limit", stopPrice: 15_050, limitPrice: 15_020 }), T0 - 1)
    bar(sim, 0, [15_000, 15_100, 14_990, 15_010])
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15020 maker"])
  })
})

describe("SimVenue time in force", () => {
  it("expires a DAY order at the session close", () => {
    const sim = harness()
    sim.submit(order({ type: "limit", limitPrice: 14_000, timeInForce: "DAY" }), T0)
    sim.venue.advanceTo(T0)
    const close = Date.parse("2024-01-09T21:00:00Z") * 1000
    sim.venue.advanceTo(close - 1)
    expect(sim.take()).toEqual(["Accepted o-1"])
    sim.venue.advanceTo(close + 5 * MINUTE)
    expect(sim.reports.map((r) => [r._tag, r.ts])).toEqual([["VenueExpired", close]])
  })

  it("expires a DAY order of a 24/7 instrument at UTC midnight", () => {
    const sim = harness()
    sim.submit(order({ instrumentId: "BTC-USDT.BINANCE", type: "limit", limitPrice: 1, timeInForce: "DAY" }), T0)
    sim.venue.onTrade(BTC_INDEX, T0, 4_000_000, 10, 0)
    sim.venue.onTrade(BTC_INDEX, Date.parse("2024-01-10T00:00:01Z") * 1000, 4_000_000, 10, 0)
    expect(sim.reports.map((r) => [r._tag, r.ts])).toEqual([
      ["VenueAccepted", T0],
      ["VenueExpired", Date.parse("2024-01-10T00:00:00Z") * 1000]
    ])
  })

  it("expires a GTD order at expireAt, before a bar at that time", () => {
    const sim = harness()
    const expireAt = T0 + MINUTE
    sim.submit(order({ type: "limit", limitPrice: 14_950, timeInForce: "GTD", expireAt }), T0 - 1)
    bar(sim, 0, [15_000, 15_010, 14_960, 14_990])
    bar(sim, 1, [14_990, 15_000, 14_900, 14_970])
    expect(sim.take()).toEqual(["Accepted o-1", "Expired o-1"])
  })

  it("rejects a GTD order that arrives after expireAt", () => {
    const sim = harness()
    sim.submit(order({ type: "limit", limitPrice: 14_950, timeInForce: "GTD", expireAt: T0 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Rejected o-1 expireAt has passed"])
  })
})
