import { describe, expect, it } from "@effect/vitest"
import { AAPL_INDEX, BTC_INDEX, harness, MINUTE, order, T0 } from "../test/simHarness"

type Sim = ReturnType<typeof harness>
type Ohlc = readonly [number, number, number, number]

const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const us = (iso: string): number => Date.parse(iso) * 1000

/** A one-minute AAPL bar `minute` minutes after T0 (Tue 2024-01-09 15:00Z, 10:00 in New York). */
const bar = (sim: Sim, minute: number, [open, high, low, close]: Ohlc, volume = 10_000) =>
  sim.venue.onBar(AAPL_INDEX, T0 + minute * MINUTE, MINUTE, open, high, low, close, volume)
const quote = (sim: Sim, ts: number, bid: number, bidSize: number, ask: number, askSize: number) =>
  sim.venue.onQuote(AAPL_INDEX, ts, bid, bidSize, ask, askSize)
const trade = (sim: Sim, ts: number, price: number, size: number, aggressor: 0 | 1 | 2 = 0, index = AAPL_INDEX) =>
  sim.venue.onTrade(index, ts, price, size, aggressor)
const level = (sim: Sim, ts: number, side: 0 | 1, price: number, size: number) =>
  sim.venue.onBookDelta(AAPL_INDEX, ts, 0, side, price, size)

describe("SimVenue on bars: if-touched orders", () => {
  it("releases a market-if-touched buy when the price falls to its trigger, a sell on a gap up at the open", () => {
    const sim = harness()
    sim.submit(order({ orderId: "buy", type: "market-if-touched", stopPrice: 14_950 }), T0 - 2)
    sim.submit(order({ orderId: "sell", side: "sell", type: "market-if-touched", stopPrice: 15_050 }), T0 - 1)
    bar(sim, 0, [15_000, 15_020, 14_960, 14_990]) // neither touched
    expect(sim.take()).toEqual(["Accepted buy", "Accepted sell"])
    // Buy: the high first (away from its trigger), then down through 14950. Sell: nothing until the gap.
    bar(sim, 1, [14_990, 15_000, 14_940, 14_970])
    bar(sim, 2, [15_060, 15_070, 15_055, 15_065])
    expect(sim.take()).toEqual(["Filled buy 100@14950 taker", "Filled sell 100@15060 taker"])
  })

  it("does not trigger a market-if-touched buy on a rise through its trigger, as a stop would", () => {
    const sim = harness()
    sim.submit(order({ type: "market-if-touched", stopPrice: 15_050 }), T0 - 1)
    bar(sim, 0, [15_100, 15_120, 15_060, 15_110])
    expect(sim.take()).toEqual(["Accepted o-1"])
    // The open below the trigger: a buy if-touched order triggers and fills there, better than its trigger.
    bar(sim, 1, [15_040, 15_050, 15_030, 15_045])
    expect(sim.take()).toEqual(["Filled o-1 100@15040 taker"])
  })

  it("releases a limit-if-touched buy at its limit: at the trigger within it, further down, or resting", () => {
    const sim = harness()
    const lit = (orderId: string, limitPrice: number) =>
      order({ orderId, type: "limit-if-touched", stopPrice: 14_950, limitPrice })
    sim.submit(lit("above", 14_960), T0 - 3)
    sim.submit(lit("rests", 14_930), T0 - 2)
    sim.submit(lit("below", 14_945), T0 - 1)
    bar(sim, 0, [15_000, 15_010, 14_940, 14_990])
    // "above" trades at the touch; "below" at its limit, which the same leg reaches; "rests" is now a limit at 14930.
    expect(sim.take()).toEqual([
      "Accepted above",
      "Accepted rests",
      "Accepted below",
      "Filled above 100@14950 taker",
      "Filled below 100@14945 maker"
    ])
    bar(sim, 1, [14_990, 15_000, 14_935, 14_950])
    expect(sim.take()).toEqual([])
    bar(sim, 2, [14_950, 14_960, 14_920, 14_940])
    expect(sim.take()).toEqual(["Filled rests 100@14930 maker"])
  })
})

describe("SimVenue on bars: trailing-stop-limit", () => {
  it("trails like a trailing stop and trades at the stop when the limit allows", () => {
    const sim = harness()
    sim.submit(order({ side: "sell", type: "trailing-stop-limit", trailingOffset: 20, limitOffset: 10 }), T0 - 1)
    bar(sim, 0, [15_000, 15_050, 14_990, 15_040]) // the stop rises to 15030
    bar(sim, 1, [15_040, 15_045, 15_000, 15_010]) // down through 15030; limit 15020
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15030 taker"])
  })

  it("rests at stop − offset after a gap through its limit and never sells below it", () => {
    const sim = harness()
    sim.submit(order({ side: "sell", type: "trailing-stop-limit", trailingOffset: 20, limitOffset: 10 }), T0 - 1)
    bar(sim, 0, [15_000, 15_000, 15_000, 15_000]) // stop 14980
    bar(sim, 1, [14_900, 14_960, 14_890, 14_950]) // gap: triggered at the open, limit 14970 not reached
    expect(sim.take()).toEqual(["Accepted o-1"])
    bar(sim, 2, [14_950, 14_980, 14_940, 14_960])
    expect(sim.take()).toEqual(["Filled o-1 100@14970 maker"])
  })
})

describe("SimVenue on bars: market-to-limit", () => {
  it("fills what the bar allows like a market order and rests the rest as a limit at that price", () => {
    const sim = harness({ volumeLimit: 0.1 })
    sim.submit(order({ type: "market-to-limit", quantity: 80 }), T0 - 1)
    bar(sim, 0, [15_000, 15_020, 14_990, 15_010], 500) // 50 of 80 at the close
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 50@15010 taker", "Replaced o-1 q=80 limit=15010 stop=-"])
    bar(sim, 1, [15_030, 15_040, 15_020, 15_035], 500) // above its limit: no fill, as a market order would have
    expect(sim.take()).toEqual([])
    bar(sim, 2, [15_020, 15_025, 15_000, 15_005], 500)
    expect(sim.take()).toEqual(["Filled o-1 30@15010 maker"])
  })
})

describe("SimVenue on bars: auction orders", () => {
  it("fills a market-on-open order at the open of the first bar of the next session", () => {
    const sim = harness()
    bar(sim, 0, [15_000, 15_020, 14_990, 15_010])
    sim.submit(order({ type: "market-on-open", timeInForce: "DAY" }), T0 + 1_000_000)
    bar(sim, 1, [15_010, 15_020, 15_000, 15_015])
    // 2024-01-10: a pre-market bar 14:29Z, then the session's first bar at 14:30Z (09:30 New York).
    bar(sim, 1_409, [15_090, 15_100, 15_080, 15_095])
    expect(sim.take()).toEqual(["Accepted o-1"])
    bar(sim, 1_410, [15_120, 15_150, 15_100, 15_140])
    expect(sim.take()).toEqual(["Filled o-1 100@15120 taker"])
  })

  it("fills a market-on-open order on daily bars at the next bar's open", () => {
    const sim = harness()
    const day = us("2024-01-09T00:00:00Z")
    const daily = (ts: number, [open, high, low, close]: Ohlc) =>
      sim.venue.onBar(BTC_INDEX, ts, DAY, open, high, low, close, 1_000)
    daily(day, [4_000_000, 4_100_000, 3_900_000, 4_050_000])
    sim.submit(order({ instrumentId: "BTC-USDT.BINANCE", type: "market-on-open", quantity: 2 }), day + 1)
    daily(day + DAY, [4_060_000, 4_200_000, 4_000_000, 4_150_000])
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 2@4060000 taker"])
  })

  it("fills a market-on-close order at the close of the session's last bar; DAY does not expire it first", () => {
    const sim = harness()
    bar(sim, 0, [15_000, 15_020, 14_990, 15_010])
    sim.submit(order({ side: "sell", type: "market-on-close", timeInForce: "DAY" }), T0 + 1_000_000)
    bar(sim, 1, [15_010, 15_020, 15_000, 15_015])
    bar(sim, 358, [15_050, 15_060, 15_040, 15_055]) // 20:58Z
    expect(sim.take()).toEqual(["Accepted o-1"])
    bar(sim, 359, [15_055, 15_070, 15_050, 15_066]) // 20:59Z, ends at the 21:00Z close
    expect(sim.take()).toEqual(["Filled o-1 100@15066 taker"])
  })

  it("fills a market-on-close order at once when the bar holding the close is the one it arrives in", () => {
    const sim = harness({ barFill: "next-open" })
    sim.venue.onBar(AAPL_INDEX, us("2024-01-09T20:00:00Z"), HOUR, 15_000, 15_050, 14_980, 15_030, 10_000)
    sim.submit(order({ type: "market-on-close" }), us("2024-01-09T20:30:00Z"))
    sim.venue.advanceTo(us("2024-01-09T20:30:00Z"))
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15030 taker"])
  })

  it("takes the last bar before a gap over the close as the session's last; a session without bars has none", () => {
    const sim = harness()
    sim.submit(order({ orderId: "gap", type: "market-on-close" }), T0 - 1)
    bar(sim, 1, [15_010, 15_020, 15_000, 15_015])
    bar(sim, 1_410, [15_120, 15_150, 15_100, 15_140]) // the next day: the last bar of the 9th was minute 1
    expect(sim.take()).toEqual(["Accepted gap", "Filled gap 100@15015 taker"])

    const quiet = harness()
    quiet.submit(order({ orderId: "quiet", type: "market-on-close" }), T0 - 1)
    bar(quiet, 1_410, [15_120, 15_150, 15_100, 15_140]) // nothing on the 9th: it waits for the 10th's close
    bar(quiet, 1_799, [15_150, 15_160, 15_140, 15_155]) // 2024-01-10 20:59Z
    expect(quiet.take()).toEqual(["Accepted quiet", "Filled quiet 100@15155 taker"])
  })

  it("fills an auction order only as far as the volume cap allows and cancels the rest: the auction is over", () => {
    const sim = harness({ volumeLimit: 0.1 })
    sim.submit(order({ type: "market-on-close", quantity: 80 }), T0 - 1)
    bar(sim, 359, [15_055, 15_070, 15_050, 15_066], 500)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 50@15066 taker", "Canceled o-1"])
  })
})

describe("SimVenue on quotes and trades: if-touched and trailing-stop-limit", () => {
  it("triggers a market-if-touched buy when the offer falls to its trigger, a sell when the bid rises to it", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ orderId: "buy", type: "market-if-touched", stopPrice: 14_990 }), T0 + 1)
    sim.submit(order({ orderId: "sell", side: "sell", type: "market-if-touched", stopPrice: 15_010 }), T0 + 1)
    quote(sim, T0 + 2, 15_005, 500, 15_006, 500)
    expect(sim.take()).toEqual(["Accepted buy", "Accepted sell"])
    quote(sim, T0 + 3, 14_988, 500, 14_989, 500)
    quote(sim, T0 + 4, 15_011, 500, 15_012, 500)
    expect(sim.take()).toEqual(["Filled buy 100@14989 taker", "Filled sell 100@15011 taker"])
  })

  it("turns a touched limit-if-touched sell into a limit that rests until the bid reaches it", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ side: "sell", type: "limit-if-touched", stopPrice: 15_010, limitPrice: 15_012 }), T0 + 1)
    quote(sim, T0 + 2, 15_011, 500, 15_012, 500) // touched: a limit at 15012, not marketable
    quote(sim, T0 + 3, 15_008, 500, 15_009, 500)
    expect(sim.take()).toEqual(["Accepted o-1"])
    quote(sim, T0 + 4, 15_013, 500, 15_014, 500)
    expect(sim.take()).toEqual(["Filled o-1 100@15012 maker"])
  })

  it("trails a trailing-stop-limit buy behind the offer and releases a limit at stop + offset", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ type: "trailing-stop-limit", trailingOffset: 10, limitOffset: 2 }), T0 + 1) // stop 15011
    quote(sim, T0 + 2, 14_994, 500, 14_995, 500) // stop 15005
    quote(sim, T0 + 3, 15_005, 500, 15_006, 50) // triggered: limit 15007, takes the 50 offered
    quote(sim, T0 + 4, 15_007, 500, 15_008, 500) // above its limit
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 50@15006 taker"])
    quote(sim, T0 + 5, 15_006, 500, 15_007, 500)
    expect(sim.take()).toEqual(["Filled o-1 50@15007 maker"])
  })

  it("triggers a market-if-touched buy on a trade at or below its trigger, then fills on trades", () => {
    const sim = harness()
    trade(sim, T0, 15_000, 100)
    sim.submit(order({ type: "market-if-touched", stopPrice: 14_995 }), T0 + 1)
    trade(sim, T0 + 2, 14_996, 100)
    trade(sim, T0 + 3, 14_995, 60)
    trade(sim, T0 + 4, 14_993, 100)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 60@14995 taker", "Filled o-1 40@14993 taker"])
  })
})

describe("SimVenue on quotes, trades and books: market-to-limit", () => {
  it("takes the offer's size and rests the rest as a limit at that price", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 30)
    sim.submit(order({ type: "market-to-limit" }), T0 + 1)
    quote(sim, T0 + 2, 15_002, 500, 15_003, 500)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 30@15001 taker", "Replaced o-1 q=100 limit=15001 stop=-"])
    quote(sim, T0 + 3, 15_000, 500, 15_001, 500)
    expect(sim.take()).toEqual(["Filled o-1 70@15001 maker"])
  })

  it("takes only the best level of a book and queues the rest there", () => {
    const sim = harness()
    level(sim, T0, 0, 15_000, 300)
    level(sim, T0, 1, 15_001, 100)
    level(sim, T0, 1, 15_002, 200)
    sim.submit(order({ type: "market-to-limit", quantity: 250 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 100@15001 taker", "Replaced o-1 q=250 limit=15001 stop=-"])
    trade(sim, T0 + 2, 15_001, 150, 2) // a seller hits the new best bid: ours
    expect(sim.take()).toEqual(["Filled o-1 150@15001 maker"])
  })

  it("fills on trades in trade-only data: the first print sets the limit", () => {
    const sim = harness()
    trade(sim, T0, 15_000, 100)
    sim.submit(order({ type: "market-to-limit" }), T0 + 1)
    trade(sim, T0 + 2, 15_004, 40)
    trade(sim, T0 + 3, 15_006, 100) // above its limit now
    trade(sim, T0 + 4, 15_003, 100) // strictly through it
    expect(sim.take()).toEqual([
      "Accepted o-1",
      "Filled o-1 40@15004 taker",
      "Replaced o-1 q=100 limit=15004 stop=-",
      "Filled o-1 60@15004 maker"
    ])
  })

  it("triggers a market-if-touched buy from the best offer of a book and walks it", () => {
    const sim = harness()
    level(sim, T0, 1, 15_001, 100)
    sim.submit(order({ type: "market-if-touched", stopPrice: 15_000 }), T0 + 1)
    sim.venue.advanceTo(T0 + 1)
    level(sim, T0 + 2, 1, 15_000, 50)
    expect(sim.take()).toEqual(["Accepted o-1", "Filled o-1 50@15000 taker", "Filled o-1 50@15001 taker"])
  })
})

describe("SimVenue on quotes and trades: auction orders", () => {
  it("fills a market-on-open order at the first quote of the next session, whole", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ type: "market-on-open", quantity: 800 }), T0 + 1)
    quote(sim, T0 + 2, 15_000, 500, 15_001, 500)
    quote(sim, us("2024-01-10T14:29:59Z"), 15_050, 500, 15_052, 500) // pre-open
    expect(sim.take()).toEqual(["Accepted o-1"])
    quote(sim, us("2024-01-10T14:30:00Z"), 15_060, 500, 15_062, 500)
    expect(sim.take()).toEqual(["Filled o-1 800@15062 taker"])
  })

  it("fills a market-on-open order at the first trade of the next UTC day around the clock", () => {
    const sim = harness()
    trade(sim, T0, 4_000_000, 1, 0, BTC_INDEX)
    sim.submit(order({ instrumentId: "BTC-USDT.BINANCE", type: "market-on-open", quantity: 5 }), T0 + 1)
    trade(sim, us("2024-01-09T23:59:59Z"), 4_010_000, 1, 0, BTC_INDEX)
    expect(sim.take()).toEqual(["Accepted o-1"])
    trade(sim, us("2024-01-10T00:00:00Z"), 4_020_000, 1, 0, BTC_INDEX)
    expect(sim.take()).toEqual(["Filled o-1 5@4020000 taker"])
  })

  it("waits in a book for the session's first trade: book changes alone do not open it", () => {
    const sim = harness()
    level(sim, T0, 1, 15_001, 100)
    sim.submit(order({ type: "market-on-open" }), T0 + 1)
    level(sim, us("2024-01-10T14:30:00Z"), 1, 15_050, 100)
    expect(sim.take()).toEqual(["Accepted o-1"])
    trade(sim, us("2024-01-10T14:30:01Z"), 15_055, 10)
    expect(sim.take()).toEqual(["Filled o-1 100@15055 taker"])
  })

  it("fills a market-on-close order at the session close at the last trade, reported at the close", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ side: "sell", type: "market-on-close", timeInForce: "DAY" }), T0 + 1)
    trade(sim, T0 + 2, 15_005, 10)
    quote(sim, us("2024-01-09T20:59:59Z"), 15_020, 500, 15_021, 500)
    expect(sim.take()).toEqual(["Accepted o-1"])
    quote(sim, us("2024-01-09T21:00:00Z"), 15_030, 500, 15_031, 500) // at the close: too late to count
    expect(sim.reports.map((r) => r.ts)).toEqual([us("2024-01-09T21:00:00Z")])
    expect(sim.take()).toEqual(["Filled o-1 100@15005 taker"])
  })

  it("fills a market-on-close order at the quote when nothing traded; with no data since it arrived, the next close", () => {
    const sim = harness()
    quote(sim, T0, 15_000, 500, 15_001, 500)
    sim.submit(order({ orderId: "quoted", type: "market-on-close" }), T0 + 1)
    quote(sim, T0 + 2, 15_010, 500, 15_011, 500)
    sim.venue.advanceTo(us("2024-01-09T21:00:00Z"))
    expect(sim.take()).toEqual(["Accepted quoted", "Filled quoted 100@15011 taker"])

    const quiet = harness()
    quote(quiet, T0, 15_000, 500, 15_001, 500)
    quiet.submit(order({ orderId: "quiet", type: "market-on-close" }), T0 + 1)
    quiet.venue.advanceTo(us("2024-01-09T21:00:00Z"))
    expect(quiet.take()).toEqual(["Accepted quiet"])
    quote(quiet, us("2024-01-10T15:00:00Z"), 15_040, 500, 15_041, 500)
    quiet.venue.advanceTo(us("2024-01-10T21:00:00Z"))
    expect(quiet.take()).toEqual(["Filled quiet 100@15041 taker"])
  })
})
