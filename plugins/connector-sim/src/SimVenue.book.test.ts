import { describe, expect, it } from "@effect/vitest"
import type { Order } from "@meridian/core/domain/Order"
import { lots, ticks, timestamp } from "@meridian/core/domain/Units"
import { AAPL_INDEX, harness, order, T0 } from "../test/simHarness"

type Sim = ReturnType<typeof harness>

const SET = 0
const DELETE = 1
const CLEAR = 2
const BID = 0
const ASK = 1

const replace = (sim: Sim, o: Order, ts: number, quantity: number, limitPrice?: number) =>
  sim.venue.execute({
    _tag: "VenueReplace",
    accountId: o.accountId,
    orderId: o.orderId,
    instrumentId: o.instrumentId,
    quantity: lots(quantity),
    ...(limitPrice === undefined ? {} : { limitPrice: ticks(limitPrice) }),
    ts: timestamp(ts)
  })

const level = (sim: Sim, ts: number, side: 0 | 1, price: number, size: number) =>
  sim.venue.onBookDelta(AAPL_INDEX, ts, SET, side, price, size)

/** Bids 15000×300, 14999×400; asks 15001×100, 15002×200, 15003×500. */
const seedBook = (sim: Sim) => {
  level(sim, T0, BID, 15_000, 300)
  level(sim, T0, BID, 14_999, 400)
  level(sim, T0, ASK, 15_003, 500)
  level(sim, T0, ASK, 15_001, 100)
  level(sim, T0, ASK, 15_002, 200)
}

describe("SimVenue on an L2 book: taking liquidity", () => {
  it("walks the book level by level and consumes what it took until the feed updates the level", () => {
    const sim = harness()
    seedBook(sim)
    sim.submit(order({ orderId: "a", quantity: 250 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted a", "Filled a 100@15001 taker", "Filled a 150@15002 taker"])
    // Same book state: only 50 left at 15002.
    sim.submit(order({ orderId: "b", quantity: 100 }), T0 + 2)
    sim.venue.advanceTo(T0 + 2)
    expect(sim.take()).toEqual(["Accepted b", "Filled b 50@15002 taker", "Filled b 50@15003 taker"])
    // The feed sets 15002 again: that liquidity is back.
    level(sim, T0 + 3, ASK, 15_002, 200)
    sim.submit(order({ orderId: "c", quantity: 10 }), T0 + 4)
    sim.venue.advanceTo(T0 + 4)
    expect(sim.take()).toEqual(["Accepted c", "Filled c 10@15002 taker"])
  })

  it("walks up to a limit and rests the rest", () => {
    const sim = harness()
    seedBook(sim)
    sim.submit(order({ type: "limit", limitPrice: 15_002, quantity: 400 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15001 taker", "Filled o-1 200@15002 taker"])
    // A seller arrives at 15002: the resting 100 fill at the limit, as maker.
    level(sim, T0 + 2, ASK, 15_002, 30)
    expect(sim.take()).toEqual(["Filled o-1 30@15002 maker"])
  })

  it("a market order waits on an empty side and IOC does not", () => {
    const sim = harness()
    level(sim, T0, BID, 15_000, 300)
    sim.submit(order({ orderId: "ioc", timeInForce: "IOC" }), T0 + 1)
    sim.submit(order({ orderId: "gtc" }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    level(sim, T0 + 2, ASK, 15_004, 60)
    expect(sim.take()).toEqual(["Accepted ioc", "Canceled ioc", "Accepted gtc", "Filled gtc 60@15004 taker"])
  })

  it("FOK needs the whole quantity within its limit", () => {
    const sim = harness()
    seedBook(sim)
    // Within 15002 there are 300 lots.
    sim.submit(order({ orderId: "no", type: "limit", limitPrice: 15_002, quantity: 301, timeInForce: "FOK" }), T0 + 1)
    sim.submit(order({ orderId: "yes", type: "limit", limitPrice: 15_002, quantity: 300, timeInForce: "FOK" }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual([
      "Accepted no",
      "Canceled no",
      "Accepted yes",
      "Filled yes 100@15001 taker",
      "Filled yes 200@15002 taker"
    ])
  })

  it("rejects a post-only order that would take the best offer", () => {
    const sim = harness()
    seedBook(sim)
    sim.submit(order({ type: "limit", limitPrice: 15_001, postOnly: true }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Rejected o-1 post-only order would take liquidity"])
  })
})

describe("SimVenue on an L2 book: queue position", () => {
  it("queues behind the level's size and fills from trades beyond it", () => {
    const sim = harness()
    seedBook(sim)
    sim.submit(order({ type: "limit", limitPrice: 15_000, quantity: 100 }), T0 + 1) // 300 ahead
    sim.venue.advanceTo(T0 + 1)
    sim.venue.onTrade(AAPL_INDEX, T0 + 2, 15_000, 200, 2) // 100 ahead
    // The level shrinks by the traded 200: already counted, the queue stays at 100.
    level(sim, T0 + 3, BID, 15_000, 100)
    expect(sim.take()).toEqual(["Accepted o-1"])
    // A buyer lifting the offer at our price does not touch the bid queue.
    sim.venue.onTrade(AAPL_INDEX, T0 + 4, 15_000, 500, 1)
    expect(sim.take()).toEqual([])
    sim.venue.onTrade(AAPL_INDEX, T0 + 5, 15_000, 150, 2) // eats the 100 ahead, 50 for us
    expect(sim.take()).toEqual(["Filled o-1 50@15000 maker"])
    sim.venue.onTrade(AAPL_INDEX, T0 + 6, 15_000, 80, 0) // nothing ahead any more
    expect(sim.take()).toEqual(["Filled o-1 50@15000 maker"])
  })

  it("moves up the queue in proportion when the level shrinks without trades", () => {
    const sim = harness()
    level(sim, T0, BID, 15_000, 400)
    level(sim, T0, ASK, 15_010, 400)
    sim.submit(order({ type: "limit", limitPrice: 15_000, quantity: 10 }), T0 + 1) // 400 ahead
    sim.venue.advanceTo(T0 + 1)
    // 200 canceled, 400/400 of them ahead: 200 ahead.
    level(sim, T0 + 2, BID, 15_000, 200)
    // 100 more canceled out of 200, all ahead of us again: 100 ahead.
    level(sim, T0 + 3, BID, 15_000, 100)
    // Others join behind us: still 100 ahead. Then 50 of the 300 cancel: 50 × 100/300 = 16.67 → 17: 83 ahead.
    level(sim, T0 + 4, BID, 15_000, 300)
    level(sim, T0 + 5, BID, 15_000, 250)
    sim.venue.onTrade(AAPL_INDEX, T0 + 6, 15_000, 83, 2)
    expect(sim.take()).toEqual(["Accepted o-1"])
    sim.venue.onTrade(AAPL_INDEX, T0 + 7, 15_000, 4, 2)
    expect(sim.take()).toEqual(["Filled o-1 4@15000 maker"])
  })

  it("fills a resting bid when the offer comes down through it", () => {
    const sim = harness()
    seedBook(sim)
    sim.submit(order({ type: "limit", limitPrice: 15_000, quantity: 100 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    level(sim, T0 + 2, ASK, 14_999, 60)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 60@15000 maker"])
    // The level is gone with a delete; a clear empties the book and nothing fills against nothing.
    sim.venue.onBookDelta(AAPL_INDEX, T0 + 3, DELETE, ASK, 14_999, 0)
    sim.venue.onBookDelta(AAPL_INDEX, T0 + 4, CLEAR, BID, 0, 0)
    expect(sim.take()).toEqual([])
    level(sim, T0 + 5, ASK, 14_998, 500)
    expect(sim.take()).toEqual(["Filled o-1 40@15000 maker"])
  })

  it("shows one iceberg slice at a time, each new slice at the back of the queue", () => {
    const sim = harness()
    level(sim, T0, ASK, 15_010, 400)
    sim.submit(order({ type: "limit", limitPrice: 15_000, quantity: 250, displayQuantity: 100 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1) // nothing ahead
    level(sim, T0 + 2, BID, 15_000, 70) // others join behind the slice
    sim.venue.onTrade(AAPL_INDEX, T0 + 3, 15_000, 150, 2)
    // The visible 100 fill; the next slice queues behind the 70 now at the level.
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15000 maker"])
    sim.venue.onTrade(AAPL_INDEX, T0 + 4, 15_000, 90, 2) // 70 ahead, 20 for us
    expect(sim.take()).toEqual(["Filled o-1 20@15000 maker"])
  })

  it("keeps its place on a smaller quantity and loses it on a new price", () => {
    const sim = harness()
    seedBook(sim)
    const o = order({ type: "limit", limitPrice: 15_000, quantity: 100 })
    sim.submit(o, T0 + 1) // 300 ahead
    sim.venue.onTrade(AAPL_INDEX, T0 + 2, 15_000, 250, 2) // 50 ahead
    replace(sim, o, T0 + 3, 80)
    sim.venue.onTrade(AAPL_INDEX, T0 + 4, 15_000, 60, 2) // still 50 ahead: 10 for us
    expect(sim.take()).toEqual(["Accepted o-1", "Replaced o-1 q=80 limit=15000 stop=-", "Filled o-1 10@15000 maker"])
    replace(sim, o, T0 + 5, 80, 14_999) // behind the 400 at 14999
    sim.venue.onTrade(AAPL_INDEX, T0 + 6, 14_999, 300, 2)
    expect(sim.take()).toEqual(["Replaced o-1 q=80 limit=14999 stop=-"])
    sim.venue.onTrade(AAPL_INDEX, T0 + 7, 14_999, 150, 2) // 100 ahead left, 50 for us
    expect(sim.take()).toEqual(["Filled o-1 50@14999 maker"])
  })
})
