import { describe, expect, it } from "@effect/vitest"
import { AAPL_INDEX, harness, order, T0 } from "../test/simHarness"
import { makerTakerFee } from "./models/Fees"

type Sim = ReturnType<typeof harness>

const quote = (sim: Sim, ts: number, bid: number, ask: number, size = 1_000) =>
  sim.venue.onQuote(AAPL_INDEX, ts, bid, size, ask, size)

describe("SimVenue: orders with a notional budget (quote quantity)", () => {
  it("fills the lots the budget covers at the fill price and cancels the rest", () => {
    const sim = harness()
    quote(sim, T0, 9_999, 10_000)
    // $250.00 at $100.00 a share: 2 shares; the quantity (10) is only a bound.
    sim.submit(order({ quantity: 10, notionalLimit: 25_000 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 2@10000 taker", "Canceled o-1"])
  })

  it("counts the fee against the budget", () => {
    // 10 bps taker: 2 shares at $100.00 cost 20,000 + 20 cents; a budget of exactly 20,019 buys only 1.
    const sim = harness({ fees: makerTakerFee({ makerBps: 0, takerBps: 10 }) })
    quote(sim, T0, 9_999, 10_000)
    sim.submit(order({ quantity: 10, notionalLimit: 20_019 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 1@10000 taker", "Canceled o-1"])
    const exact = harness({ fees: makerTakerFee({ makerBps: 0, takerBps: 10 }) })
    quote(exact, T0, 9_999, 10_000)
    exact.submit(order({ quantity: 10, notionalLimit: 20_020 }), T0 + 1)
    exact.venue.advanceTo(T0 + 1)
    expect(exact.take()).toEqual(["Accepted o-1", "Filled o-1 2@10000 taker", "Canceled o-1"])
  })

  it("resolves the size at the price it fills at, not the price it was sized at", () => {
    const sim = harness({ barFill: "next-open" })
    sim.venue.onBar(AAPL_INDEX, T0, 60_000_000, 10_000, 10_100, 9_900, 10_000, 1_000)
    sim.submit(order({ quantity: 100, notionalLimit: 100_000 }), T0 + 60_000_000)
    // The next bar opens at $125.00: $1,000 buys 8 shares, not the 10 it would have at $100.00.
    sim.venue.onBar(AAPL_INDEX, T0 + 60_000_000, 60_000_000, 12_500, 12_600, 12_400, 12_500, 1_000)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 8@12500 taker", "Canceled o-1"])
  })

  it("leaves an order without a budget as it was", () => {
    const sim = harness()
    quote(sim, T0, 9_999, 10_000)
    sim.submit(order({ quantity: 10 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 10@10000 taker"])
  })
})

describe("SimVenue: orders sized from the account's funds at the fill (fundsShare)", () => {
  it("spends its share of the funds the account has when it fills, not when it was sent", () => {
    let cash = 100_000
    const sim = harness({ barFill: "next-open", funds: () => cash })
    sim.venue.onBar(AAPL_INDEX, T0, 60_000_000, 10_000, 10_100, 9_900, 10_000, 1_000)
    sim.submit(order({ quantity: 100, fundsShare: 10_000 }), T0 + 60_000_000)
    // A close ahead of it frees cash before the next open: $1,500 at $125.00 buys 12 shares.
    cash = 150_000
    sim.venue.onBar(AAPL_INDEX, T0 + 60_000_000, 60_000_000, 12_500, 12_600, 12_400, 12_500, 1_000)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 12@12500 taker", "Canceled o-1"])
  })

  it("takes its share in basis points, fee included, and the smaller budget with a notional limit", () => {
    const fees = makerTakerFee({ makerBps: 0, takerBps: 10 })
    const half = harness({ fees, funds: () => 100_000 })
    quote(half, T0, 9_999, 10_000)
    // Half of $1,000 is $500: 5 shares cost 50,000 + 50 cents, so 4.
    half.submit(order({ quantity: 10, fundsShare: 5_000 }), T0 + 1)
    half.venue.advanceTo(T0 + 1)
    expect(half.take()).toEqual(["Accepted o-1", "Filled o-1 4@10000 taker", "Canceled o-1"])
    const capped = harness({ fees, funds: () => 100_000 })
    quote(capped, T0, 9_999, 10_000)
    capped.submit(order({ quantity: 10, fundsShare: 10_000, notionalLimit: 30_100 }), T0 + 1)
    capped.venue.advanceTo(T0 + 1)
    expect(capped.take()).toEqual(["Accepted o-1", "Filled o-1 3@10000 taker", "Canceled o-1"])
  })

  it("is canceled when the account has no funds at the fill", () => {
    const sim = harness({ funds: () => 0 })
    quote(sim, T0, 9_999, 10_000)
    sim.submit(order({ quantity: 10, fundsShare: 10_000 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Canceled o-1"])
  })

  it("is refused by a venue that does not see the account's funds", () => {
    const sim = harness()
    quote(sim, T0, 9_999, 10_000)
    sim.submit(order({ quantity: 10, fundsShare: 10_000 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual([expect.stringMatching(/^Rejected o-1 .*fundsShare/)])
  })
})
