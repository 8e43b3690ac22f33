import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { AAPL, BTCUSDT, currencies, ES } from "../../test/fixtures/instruments"
import { Fill } from "../domain/Fill"
import { makeSpecs } from "../domain/InstrumentSpec"
import { MICROS_PER_DAY } from "../domain/Units"
import {
  closeAtEnd,
  computeReport,
  equityCsv,
  equityCsvChunks,
  formatStats,
  type ReportInput,
  reportJson,
  tradesCsv
} from "./Report"

const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies)
const USD = currencies.find((c) => c.code === "USD")!
const T0 = 1_704_153_600_000_000 // 2024-01-02T00:00:00Z
const HOUR = MICROS_PER_DAY / 24
const day = (n: number, hours = 21) => T0 + n * MICROS_PER_DAY + hours * HOUR
const decodeFill = Schema.decodeUnknownSync(Fill)

const fill = (side: "buy" | "sell", quantity: number, price: number, fee: number, ts: number, instrumentId = AAPL.id) =>
  decodeFill({
    tradeId: `t-${ts}`,
    orderId: "o-1",
    clientOrderId: "c-1",
    accountId: "acc-1",
    instrumentId,
    side,
    quantity,
    price,
    fee,
    feeCurrency: "USD",
    liquidity: "taker",
    ts
  })

// Equity 100 → 110 → 99 → 121 (thousands of USD, in cents), one close a day; a position is open on days 1 and 2.
const input: ReportInput = {
  baseCurrency: USD,
  specs,
  initialEquity: 10_000_000,
  equity: {
    ts: [day(0), day(1), day(2), day(3)],
    equity: [10_000_000, 11_000_000, 9_900_000, 12_100_000],
    exposed: [0, 1, 1, 0]
  },
  fills: [
    fill("buy", 10, 10_000, 5, day(0, 15)), // long 10 @ 100.00
    fill("sell", 10, 11_000, 5, day(1, 15)), // +10 × 10.00 = 100.00 − 0.10 fees → 9990 cents
    fill("sell", 5, 11_000, 5, day(1, 16)), // short 5 @ 110.00
    fill("buy", 5, 11_200, 5, day(2, 15)) // −5 × 2.00 = −10.00 − 0.10 fees → −1010 cents
  ],
  benchmark: { ts: [day(0), day(3)], price: [10_000, 11_500] }
}

describe("computeReport", () => {
  const report = computeReport(input)
  const { stats } = report

  it("computes return, drawdown and exposure from the equity curve", () => {
    expect(stats.start).toBe("2024-01-02T21:00:00.000Z")
    expect(stats.end).toBe("2024-01-05T21:00:00.000Z")
    expect(stats.durationDays).toBe(3)
    expect(stats.exposureTimePct).toBe(50) // 2 of 4 samples
    expect(stats.finalEquity).toBe("121000.00")
    expect(stats.peakEquity).toBe("121000.00")
    expect(stats.returnPct).toBeCloseTo(21, 10)
    expect(stats.buyAndHoldReturnPct).toBeCloseTo(15, 10) // 100.00 → 115.00
    // One drawdown: 110 → 99 is 10%, from the peak on day 1 to the recovery on day 3.
    expect(stats.maxDrawdownPct).toBeCloseTo(10, 10)
    expect(stats.avgDrawdownPct).toBeCloseTo(10, 10)
    expect(stats.maxDrawdownDurationDays).toBe(2)
    expect(stats.avgDrawdownDurationDays).toBe(2)
    expect(Array.from(report.equity.ts)).toEqual(input.equity.ts)
    expect(Array.from(report.equity.equity)).toEqual(input.equity.equity)
    expect(Array.from(report.equity.drawdownPct)).toEqual([0, 0, expect.closeTo(10, 10), 0])
    expect(report.currencyDecimals).toBe(2)
  })

  it("keeps Float64Array columns without copying them", () => {
    const ts = Float64Array.from(input.equity.ts)
    const equity = Float64Array.from(input.equity.equity)
    const columns = computeReport({ ...input, equity: { ts, equity, exposed: new Float64Array(4) } }).equity
    expect(columns.ts).toBe(ts)
    expect(columns.equity).toBe(equity)
  })

  it("annualizes daily returns and derives the risk ratios", () => {
    // Daily returns 0.1, −0.1, 2/9 (n = 3): mean 0.0740741, sample stdev 0.1626685, downside √(0.01 / 3).
    const returns = [0.1, -0.1, 2 / 9]
    const mean = (0.1 - 0.1 + 2 / 9) / 3
    const stdev = Math.sqrt(returns.reduce((s, r) => s + (r - mean) ** 2, 0) / 2)
    expect(stdev).toBeCloseTo(0.1626685, 6)
    const annualized = 1.21 ** (252 / 3) - 1
    expect(stats.annualizedReturnPct).toBeCloseTo(annualized * 100, 6)
    expect(stats.annualizedVolatilityPct).toBeCloseTo(stdev * Math.sqrt(252) * 100, 10)
    expect(stats.sharpe).toBeCloseTo((mean / stdev) * Math.sqrt(252), 10) // ≈ 7.2287
    expect(stats.sortino).toBeCloseTo((mean / Math.sqrt(0.01 / 3)) * Math.sqrt(252), 10) // ≈ 20.366
    expect(stats.calmar).toBeCloseTo((annualized * 100) / 10, 4)
  })

  it("subtracts the risk-free rate per period from the mean", () => {
    const withRf = computeReport({ ...input, riskFreeRate: 0.0252 }).stats // 0.0001 a day
    const mean = (0.1 - 0.1 + 2 / 9) / 3
    expect(withRf.sharpe! / stats.sharpe!).toBeCloseTo((mean - 0.0001) / mean, 10)
  })

  it("reports round trips with exact pnl and the trade statistics", () => {
    expect(report.trades).toEqual([
      {
        instrumentId: "AAPL.XNAS",
        side: "long",
        quantity: 10,
        entryTs: day(0, 15),
        exitTs: day(1, 15),
        entryPrice: "100.00",
        exitPrice: "110.00",
        pnl: "99.90",
        pnlMinor: 9990,
        returnPct: expect.closeTo(9.99, 10), // 9990 / 100000
        fees: "0.10",
        durationDays: 1
      },
      {
        instrumentId: "AAPL.XNAS",
        side: "short",
        quantity: 5,
        entryTs: day(1, 16),
        exitTs: day(2, 15),
        entryPrice: "110.00",
        exitPrice: "112.00",
        pnl: "-10.10",
        pnlMinor: -1010,
        returnPct: expect.closeTo((-1010 / 55_000) * 100, 10),
        fees: "0.10",
        durationDays: 23 / 24
      }
    ])
    expect(stats.trades).toBe(2)
    expect(stats.winRatePct).toBe(50)
    expect(stats.profitFactor).toBeCloseTo(9990 / 1010, 12)
    expect(stats.expectancy).toBe("44.90") // (9990 − 1010) / 2 cents
    expect(stats.bestTradePct).toBeCloseTo(9.99, 10)
    expect(stats.worstTradePct).toBeCloseTo((-1010 / 55_000) * 100, 10)
    // Geometric mean of 1.0999 and 0.981636…
    expect(stats.avgTradePct).toBeCloseTo((Math.sqrt(1.0999 * (1 - 1010 / 55_000)) - 1) * 100, 10)
    expect(stats.maxTradeDurationDays).toBe(1)
    expect(stats.avgTradeDurationDays).toBeCloseTo((1 + 23 / 24) / 2, 12)
    // mean 4490, sample stdev |9990 − (−1010)| / √2 → SQN = √2 × 4490 / 7778.17 ≈ 0.8164
    expect(stats.sqn).toBeCloseTo((Math.sqrt(2) * 4490) / (11_000 / Math.SQRT2), 10)
    expect(stats.fees).toBe("0.20")
  })

  it("closes one trade and opens the next when a fill flips the position through zero", () => {
    const flip = computeReport({
      ...input,
      fills: [
        fill("sell", 5, 11_000, 5, day(0, 15)),
        fill("buy", 15, 11_200, 30, day(1, 15)), // 5 close the short (fee 10), 10 open a long (fee 20)
        fill("sell", 10, 11_500, 10, day(2, 15))
      ]
    })
    expect(flip.trades.map((t) => [t.side, t.quantity, t.entryPrice, t.exitPrice, t.pnlMinor, t.fees])).toEqual([
      ["short", 5, "110.00", "112.00", -1015, "0.15"],
      ["long", 10, "112.00", "115.00", 2970, "0.30"]
    ])
  })

  it("shows an average price between ticks with extra digits and values futures exactly", () => {
    const averaged = computeReport({
      ...input,
      fills: [
        fill("buy", 1, 10_000, 0, day(0, 15)),
        fill("buy", 2, 10_001, 0, day(0, 16)), // (10000 + 2 × 10001) / 3 = 10000.6̅ ticks
        fill("sell", 3, 10_100, 0, day(1, 15)),
        fill("buy", 1, 20_000, 0, day(1, 15), ES.id), // 5000.00
        fill("sell", 1, 20_005, 0, day(2, 15), ES.id) // 5001.25: 5 ticks × $12.50
      ]
    })
    expect(averaged.trades.map((t) => [t.entryPrice, t.exitPrice, t.pnl])).toEqual([
      ["100.006667", "101.00", "2.98"],
      ["5000.00", "5001.25", "62.50"]
    ])
  })

  it("gives nulls, not NaN, without trades or deviation", () => {
    const flat = computeReport({
      ...input,
      equity: { ts: [day(0), day(1), day(2)], equity: [10_000_000, 10_000_000, 10_000_000], exposed: [0, 0, 0] },
      fills: []
    }).stats
    expect(flat).toMatchObject({
      returnPct: 0,
      exposureTimePct: 0,
      annualizedReturnPct: 0,
      annualizedVolatilityPct: 0,
      sharpe: null,
      sortino: null,
      calmar: null,
      maxDrawdownPct: 0,
      maxDrawdownDurationDays: 0,
      trades: 0,
      winRatePct: null,
      bestTradePct: null,
      worstTradePct: null,
      avgTradePct: null,
      maxTradeDurationDays: null,
      avgTradeDurationDays: null,
      profitFactor: null,
      expectancy: null,
      sqn: null,
      fees: "0.00"
    })
    for (const value of Object.values(flat)) {
      if (typeof value === "number") expect(Number.isFinite(value)).toBe(true)
    }
    const single = computeReport({ ...input, equity: { ts: [day(0)], equity: [10_000_000], exposed: [1] } }).stats
    expect([single.annualizedReturnPct, single.annualizedVolatilityPct, single.sharpe]).toEqual([0, 0, null])
    expect(computeReport({ ...input, benchmark: { ts: [], price: [] } }).stats.buyAndHoldReturnPct).toBeNull()
  })

  it("measures an unrecovered drawdown to the last sample and averages the periods", () => {
    // 100 → 90 → 100 (10%, 2 days), then 100 → 80 → 95 unrecovered (20%, 2 days to the last sample)
    const dd = computeReport({
      ...input,
      equity: {
        ts: [day(0), day(1), day(2), day(3), day(4)],
        equity: [100, 90, 100, 80, 95],
        exposed: [1, 1, 1, 1, 1]
      },
      initialEquity: 100
    }).stats
    expect(dd.maxDrawdownPct).toBeCloseTo(20, 10)
    expect(dd.avgDrawdownPct).toBeCloseTo(15, 10)
    expect(dd.maxDrawdownDurationDays).toBe(2)
    expect(dd.avgDrawdownDurationDays).toBe(2)
  })

  it("uses the last sample of each UTC day for daily returns", () => {
    // Intraday samples are ignored except each day's last: daily closes 100, 110 → one return of 10%.
    const intraday = computeReport({
      ...input,
      equity: {
        ts: [day(0, 1), day(0, 23), day(1, 0), day(1, 23)],
        equity: [100, 100, 50, 110],
        exposed: [0, 1, 1, 1]
      },
      initialEquity: 100
    }).stats
    expect(intraday.annualizedReturnPct / ((1.1 ** 252 - 1) * 100)).toBeCloseTo(1, 10)
    expect(intraday.annualizedVolatilityPct).toBe(0) // a single return has no sample deviation
    expect(intraday.maxDrawdownPct).toBeCloseTo(50, 10) // drawdown still sees every sample
    expect(intraday.exposureTimePct).toBe(75)
  })

  it("leaves a daily return from zero equity out of the moments, and a ruinous trade out of the average", () => {
    // Daily closes 100, 0, 0, 50: returns −1, 0/0 (undefined), +∞ → the mean and deviations are undefined.
    const ruin = computeReport({
      ...input,
      equity: { ts: [day(0), day(1), day(2), day(3)], equity: [100, 0, 0, 50], exposed: [1, 1, 1, 1] },
      initialEquity: 100,
      fills: [
        fill("sell", 1, 10_000, 0, day(0, 15)), // short 1 @ 100.00
        fill("buy", 1, 25_000, 0, day(1, 15)) // back @ 250.00: −150.00 on 100.00 risked, −150%
      ]
    }).stats
    expect([ruin.sharpe, ruin.sortino, ruin.annualizedVolatilityPct]).toEqual([null, null, 0])
    expect(ruin.annualizedReturnPct).toBeCloseTo(-100, 10) // 0.5 ^ (252 / 3) − 1, n counts all 3 returns
    expect(ruin.worstTradePct).toBeCloseTo(-150, 10)
    expect(ruin.avgTradePct).toBeNull() // a growth factor of −0.5 has no geometric mean
    expect(ruin.expectancy).toBe("-150.00")
  })

  it("refuses an empty or ragged curve, or one not in integer units", () => {
    expect(() => computeReport({ ...input, equity: { ts: [], equity: [], exposed: [] } })).toThrow(RangeError)
    expect(() => computeReport({ ...input, equity: { ts: [1, 2], equity: [1], exposed: [0, 0] } })).toThrow(
      /differ in length/
    )
    expect(() => computeReport({ ...input, equity: { ts: [1, 2], equity: [1, 1.5], exposed: [0, 0] } })).toThrow(
      /sample 1 .* not in integer units/
    )
  })
})

describe("renderings", () => {
  const report = computeReport(input)

  it("writes byte-identical canonical JSON with sorted keys and rounded numbers", () => {
    const json = reportJson(report)
    expect(reportJson(computeReport(input))).toBe(json)
    const parsed = JSON.parse(json)
    expect(Object.keys(parsed)).toEqual(["openTrades", "run", "stats", "trades"])
    expect(parsed.openTrades).toEqual([])
    expect(parsed.run).toBeNull()
    expect(Object.keys(parsed.stats)).toEqual(Object.keys(parsed.stats).toSorted())
    expect(Object.keys(parsed.trades[0])).toEqual(Object.keys(parsed.trades[0]).toSorted())
    expect(parsed.trades[1].returnPct).toBe(-1.836364) // −1010 / 55000 × 100 = −1.8363636…
    expect(parsed.trades[1].entryTime).toBe("2024-01-03T16:00:00.000Z")
    // The same report built with its keys in another order serializes to the same bytes.
    const reordered = { currencyDecimals: 2, trades: report.trades, equity: report.equity, stats: { ...report.stats } }
    expect(reportJson(reordered)).toBe(json)
    expect(json.endsWith("}\n")).toBe(true)
  })

  it("records what ran in the JSON as given, canonicalized", () => {
    const run = { strategy: "sma-cross", parameters: { slow: 30, fast: 10, ratio: 1 / 3 }, data: ["a.csv"] }
    const parsed = JSON.parse(reportJson(report, run))
    expect(parsed.run).toEqual({
      data: ["a.csv"],
      parameters: { fast: 10, ratio: 0.333333, slow: 30 },
      strategy: "sma-cross"
    })
    expect(Object.keys(parsed.run.parameters)).toEqual(["fast", "ratio", "slow"])
  })

  it("writes CSV with a header line and one row per trade or sample", () => {
    const trades = tradesCsv(report).split("\n")
    expect(trades[0]).toBe(
      "status,instrumentId,side,quantity,entryTime,exitTime,entryPrice,exitPrice,pnl,pnlMinor,returnPct,fees,durationDays"
    )
    expect(trades).toHaveLength(2 + 2) // header, two trades, the empty string after the final newline
    expect(trades[2]).toBe(
      "closed,AAPL.XNAS,short,5,2024-01-03T16:00:00.000Z,2024-01-04T15:00:00.000Z,110.00,112.00,-10.10,-1010,-1.836364,0.10,0.958333"
    )
    const equity = equityCsv(report).split("\n")
    expect(equity[0]).toBe("ts,equity,drawdownPct")
    expect(equity.slice(1, -1)).toEqual([
      "2024-01-02T21:00:00.000Z,100000.00,0",
      "2024-01-03T21:00:00.000Z,110000.00,0",
      "2024-01-04T21:00:00.000Z,99000.00,10",
      "2024-01-05T21:00:00.000Z,121000.00,0"
    ])
  })

  it("writes the equity CSV byte for byte as before: negative equity, µs, both sides of DST changes", () => {
    // 2024-03-10 07:00Z is 03:00 EDT (US clocks spring forward); 2024-10-27 01:00Z is when EU clocks fall back.
    const equity = {
      ts: [
        1_710_050_400_000_000, 1_710_054_000_000_000, 1_710_054_000_000_001, 1_729_990_799_999_999,
        1_729_990_800_000_000
      ],
      equity: [100_000, 120_005, -4_321, -5, 7],
      exposed: [0, 1, 1, 1, 0]
    }
    const cents = computeReport({ ...input, initialEquity: 100_000, equity })
    expect(equityCsv(cents)).toBe(
      "ts,equity,drawdownPct\n" +
        "2024-03-10T06:00:00.000Z,1000.00,0\n" +
        "2024-03-10T07:00:00.000Z,1200.05,0\n" +
        "2024-03-10T07:00:00.000001Z,-43.21,103.600683\n" +
        "2024-10-27T00:59:59.999999Z,-0.05,100.004166\n" +
        "2024-10-27T01:00:00.000Z,0.07,99.994167\n"
    )
    const yen = computeReport({ ...input, baseCurrency: currencies.find((c) => c.code === "JPY")!, equity, fills: [] })
    expect(equityCsv(yen).split("\n").slice(3, 5)).toEqual([
      "2024-03-10T07:00:00.000001Z,-4321,103.600683",
      "2024-10-27T00:59:59.999999Z,-5,100.004166"
    ])
    expect(equityCsv(cents, 0).split("\n")[2]).toBe("2024-03-10T07:00:00.000Z,120005,0")
  })

  it("streams the equity CSV in chunks of whole rows that join to the whole", () => {
    const n = 5_000
    const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 60_000_000)
    const equity = Float64Array.from({ length: n }, (_, i) => 10_000_000 + ((i * 7919) % 20_001) - 10_000)
    const long = computeReport({ ...input, equity: { ts, equity, exposed: new Float64Array(n) } })
    const chunks = Array.from(equityCsvChunks(long))
    expect(chunks.length).toBeGreaterThan(1)
    for (const chunk of chunks) {
      expect(chunk.endsWith("\n")).toBe(true)
      expect(chunk.length).toBeLessThan(70_000)
    }
    expect(chunks.join("")).toBe(equityCsv(long))
    expect(equityCsv(long).split("\n")).toHaveLength(n + 2)
  })

  it("formats one fixed-width line per statistic", () => {
    const lines = formatStats(report.stats).trimEnd().split("\n")
    expect(lines).toHaveLength(31)
    expect(new Set(lines.map((l) => l.length)).size).toBe(1)
    expect(lines).toContainEqual(expect.stringMatching(/^Max\. Drawdown \[%\]\s+10\.00$/))
    expect(lines).toContainEqual(expect.stringMatching(/^Expectancy\s+44\.90$/))
    expect(lines).toContainEqual(expect.stringMatching(/^# Trades\s+2$/))
    expect(lines).toContainEqual(expect.stringMatching(/^Trades at End\s+left open, not counted$/))
    expect(lines).toContainEqual(expect.stringMatching(/^Periods per Year\s+252$/))
  })
})

describe("the end of a run", () => {
  // Long 10 @ 100.00 on day 1, still open at the end; the last bar opens at 118.00 and closes at 121.00.
  const open: ReportInput = {
    ...input,
    fills: [...input.fills, fill("buy", 10, 10_000, 5, day(2, 16))],
    equity: { ...input.equity, equity: [10_000_000, 11_000_000, 9_900_000, 10_200_000 - 1_020 + 11_000 - 5] },
    marks: new Map([[AAPL.id, { ts: day(3), price: 12_100 }]])
  }

  it("reports a trade still open at the end apart, marked at the last price, and counts it in no statistic", () => {
    const report = computeReport(open)
    expect(report.stats.trades).toBe(2)
    expect(report.stats.openTrades).toBe(1)
    expect(report.stats.tradesAtEnd).toBe("left open, not counted")
    expect(report.openTrades).toMatchObject([
      { side: "long", quantity: 10, entryPrice: "100.00", exitPrice: "121.00", pnl: "209.95", exitTs: day(3) }
    ])
    const csv = tradesCsv(report).split("\n")
    expect(csv[3]).toMatch(
      /^open,AAPL\.XNAS,long,10,2024-01-04T16:00:00\.000Z,2024-01-05T21:00:00\.000Z,100\.00,121\.00,/
    )
    expect(JSON.parse(reportJson(report)).openTrades).toHaveLength(1)
  })

  it("closes it at the given price with the venue's fee, and the final equity is the cash after that fill", () => {
    const exits = new Map([[AAPL.id, { ts: day(3, 14), price: 11_800 }]])
    const closed = closeAtEnd(open, exits, open.marks!, (_spec, price, lots) => Math.round(price * lots * 0.001))
    const report = computeReport(closed)
    expect(report.stats.openTrades).toBe(0)
    expect(report.stats.trades).toBe(3)
    expect(report.stats.tradesAtEnd).toBe("closed at the last bar")
    // 10 × (118.00 − 100.00) = 180.00, less 0.05 at entry and 1.18 at exit (0.1% of 1,180.00).
    expect(report.trades[2]).toMatchObject({ exitPrice: "118.00", pnl: "178.77", fees: "1.23", exitTs: day(3, 14) })
    // The last sample marked 10 lots at 121.00; sold at 118.00 less a 1.18 fee: 30.00 + 1.18 less.
    expect(Number(report.stats.finalEquity) * 100).toBe(open.equity.equity[3]! - 3_000 - 118)
    // Flat at the end: nothing to close.
    expect(closeAtEnd(input, exits, new Map(), () => 0)).toBe(input)
  })

  it("prints Start and End as the first and last bars' own dates for daily data", () => {
    // Daily bars dated in New York: each starts at midnight there (05:00Z) and is sampled at its close.
    const ny = (date: string) => Date.parse(`${date}T05:00:00Z`) * 1000
    const stats = computeReport({
      ...input,
      span: { first: ny("2024-01-02"), last: ny("2024-01-05") },
      dateZone: "America/New_York"
    }).stats
    expect([stats.start, stats.end, stats.durationDays]).toEqual(["2024-01-02", "2024-01-05", 3])
    const times = computeReport({ ...input, span: { first: ny("2024-01-02"), last: ny("2024-01-05") } }).stats
    expect([times.start, times.end]).toEqual(["2024-01-02T05:00:00.000Z", "2024-01-05T05:00:00.000Z"])
  })

  it("annualizes with the periods per year it is given", () => {
    const weekly = computeReport({ ...input, periodsPerYear: 52 }).stats
    const daily = computeReport(input).stats
    expect(weekly.periodsPerYear).toBe(52)
    expect(weekly.annualizedVolatilityPct).toBeCloseTo(
      (daily.annualizedVolatilityPct * Math.sqrt(52)) / Math.sqrt(252),
      10
    )
  })
})
