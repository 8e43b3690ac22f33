import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AAPL, BTCUSDT, currencies, ES } from "../../test/fixtures/instruments"
import { makeSpecs } from "../domain/InstrumentSpec"
import { BarPeriod } from "../domain/MarketData"
import { type CsvError, readBarsCsv, readMarketDataCsv, readQuotesCsv, readTradesCsv, type TickCsvOptions } from "./Csv"

const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies)
const aapl = specs.list[0]!
const es = specs.list[1]!
const btc = specs.list[2]!

const us = (iso: string) => Date.parse(iso) * 1000
const DAY_US = 86_400_000_000

const ok = <A>(result: Either.Either<A, CsvError>): A => {
  if (Either.isLeft(result)) throw new Error(`expected rows, got ${result.left.message}`)
  return result.right
}

const failure = <A>(result: Either.Either<A, CsvError>): CsvError => {
  if (Either.isRight(result)) throw new Error("expected a CsvError")
  return result.left
}

const lines = (...rows: ReadonlyArray<string>) => rows.join("\n")
const BAR_HEADER = "Date,Open,High,Low,Close,Volume"

/** A row that follows a good first row, and the line, column and message of the error it causes. */
type BadRow = readonly [row: string, line: number, column: string | undefined, message: RegExp]

/** Reads `header`, `first` and each bad row in turn: every file fails where and as its row says. */
const expectBadRows = (
  read: (text: string, options: TickCsvOptions) => Either.Either<unknown, CsvError>,
  spec: TickCsvOptions["spec"],
  header: string,
  first: string,
  cases: ReadonlyArray<BadRow>
) => {
  for (const [row, line, column, message] of cases) {
    const error = failure(read(lines(header, first, row), { file: "bad.csv", spec }))
    expect({ file: error.file, line: error.line, column: error.column }, row).toEqual({ file: "bad.csv", line, column })
    expect(error.message, row).toMatch(message)
    expect(error.message, row).toContain(`bad.csv line ${line}`)
  }
}

describe("readBarsCsv on real data", () => {
  const text = readFileSync(new URL("../../node_modules/vega-datasets/data/sp500-2000.csv", import.meta.url), "utf8")

  it("loads every daily S&P 500 bar of 2000-2020 on a 0.01 grid", () => {
    const bars = ok(readBarsCsv(text, { file: "sp500-2000.csv", spec: aapl }))
    // 5,106 lines: the header and 5,105 bars from 2000-01-03 to 2020-04-17 (no newline at the end).
    expect(bars.length).toBe(5_105)
    expect(bars.ts[0]).toBe(us("2000-01-03T00:00:00Z"))
    expect(bars.ts[bars.length - 1]).toBe(us("2020-04-17T00:00:00Z"))
    // 2000-01-03,1469.250000,1478.000000,1438.359985,1455.219971,1455.219971,931800000
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0]]).toEqual([
      146_925, 147_800, 143_836, 145_522, 931_800_000
    ])
    expect(bars.instrument[0]).toBe(0)
    expect(bars.periodUs[0]).toBe(DAY_US)
    expect(bars.periodUs[5_104]).toBe(DAY_US)
  })

  it("puts daily dates at midnight New York time across DST, still one day apart", () => {
    const bars = ok(readBarsCsv(text, { file: "sp500-2000.csv", spec: aapl, timezone: "America/New_York" }))
    expect(bars.length).toBe(5_105)
    expect(bars.ts[0]).toBe(us("2000-01-03T05:00:00Z")) // EST
    expect(bars.ts[bars.length - 1]).toBe(us("2020-04-17T04:00:00Z")) // EDT
    // Wall-clock gaps: the 23-hour day of 2000-04-02 does not make the period 23h.
    expect(bars.periodUs[0]).toBe(DAY_US)
  })

  it("refuses prices off the grid when asked for exact values", () => {
    const error = failure(readBarsCsv(text, { file: "sp500-2000.csv", spec: aapl, rounding: "exact" }))
    // Line 2 is the first bar; its low 1438.359985 is not a multiple of 0.01.
    expect(error).toMatchObject({ _tag: "CsvError", file: "sp500-2000.csv", line: 2, column: "low" })
    expect(error.message).toContain("not a multiple of the increment 0.01")
  })
})

describe("readBarsCsv", () => {
  it("accepts a BOM, CRLF, any header case, extra columns, quotes, and blank lines at the end", () => {
    const text =
      "\uFEFFDATE,open,High,LOW,Close,Adj Close\r\n2020-01-02,1.00,2.00,0.50,1.50,9.99\r\n" +
      '"2020-01-03", "1.50" ,2.015,1.005,2.00,9.99\r\n\r\n  \r\n'
    const bars = ok(readBarsCsv(text, { file: "bom.csv", spec: aapl }))
    expect(bars.length).toBe(2)
    expect(bars.ts[1]).toBe(us("2020-01-03T00:00:00Z"))
    // Half-even to the 0.01 grid: 2.015 -> 2.02 (202), 1.005 -> 1.00 (100); no Volume column: 0.
    expect([bars.open[1], bars.high[1], bars.low[1], bars.close[1], bars.volume[1]]).toEqual([150, 202, 100, 200, 0])
  })

  it("writes the instrument's index and counts its ticks and lots", () => {
    const text = lines(BAR_HEADER, "2020-01-02T14:30:00Z,4500.25,4501,4499.75,4500.50,12")
    const bars = ok(readBarsCsv(text, { file: "es.csv", spec: es, period: BarPeriod.make("1m") }))
    // ES ticks are 0.25: 4500.25 = 18001 ticks, 4501 = 18004, 4499.75 = 17999, 4500.50 = 18002.
    expect([bars.instrument[0], bars.open[0], bars.high[0], bars.low[0], bars.close[0]]).toEqual([
      1, 18_001, 18_004, 17_999, 18_002
    ])
    expect(bars.periodUs[0]).toBe(60_000_000)
  })

  it("infers the period from the smallest gap between bars", () => {
    const period = (rows: ReadonlyArray<string>) =>
      ok(readBarsCsv(lines(BAR_HEADER, ...rows), { file: "p.csv", spec: aapl })).periodUs[0]
    const bar = (time: string) => `${time},1,1,1,1,1`
    // Friday then Monday first: the smallest gap is still one day.
    expect(period([bar("2020-01-03"), bar("2020-01-06"), bar("2020-01-07")])).toBe(DAY_US)
    expect(period([bar("2020-01-06"), bar("2020-01-13"), bar("2020-01-27")])).toBe(7 * DAY_US)
    expect(period([bar("2020-01-06 09:30"), bar("2020-01-06 09:35"), bar("2020-01-06 09:45")])).toBe(300_000_000)
    expect(period([bar("2020-01-06 09:30:00"), bar("2020-01-06 09:30:30")])).toBe(30_000_000)
    expect(ok(readBarsCsv(BAR_HEADER, { file: "empty.csv", spec: aapl })).length).toBe(0)
  })

  it("reads hourly bars in New York through the repeated fall-back hour", () => {
    // 2020-11-01: 00:00 EDT, 01:00 EDT, 01:00 EST, 02:00 EST are one hour apart in UTC.
    const text = lines(
      BAR_HEADER,
      "2020-11-01 00:00,1,1,1,1,1",
      "2020-11-01 01:00,1,1,1,1,1",
      "2020-11-01 01:00,1,1,1,1,1",
      "2020-11-01 02:00,1,1,1,1,1"
    )
    const bars = ok(readBarsCsv(text, { file: "h.csv", spec: aapl, timezone: "America/New_York" }))
    expect(Array.from(bars.ts)).toEqual(
      ["2020-11-01T04:00:00Z", "2020-11-01T05:00:00Z", "2020-11-01T06:00:00Z", "2020-11-01T07:00:00Z"].map(us)
    )
    expect(bars.periodUs[0]).toBe(3_600_000_000)
  })

  it("names the line and column of every kind of bad row", () => {
    expectBadRows(readBarsCsv, aapl, BAR_HEADER, "2020-01-02,1,2,0.5,1.5,10", [
      ["2020-01-03,1,2,0.5,1.5", 3, undefined, /expected 6 columns, found 5/],
      ["2020-01-03,,2,0.5,1.5,10", 3, "Open", /empty value/],
      ["2020-01-03,1,2.0.1,0.5,1.5,10", 3, "High", /"2\.0\.1" is not a decimal number/],
      ["2020-01-03,1,1e3,0.5,1.5,10", 3, "High", /not a decimal number/],
      ["2020-01-03,1,2,0.5,1.5,-10", 3, "Volume", /size -10 is negative/],
      ["2020-01-03,1,2,0.5,1.5,10.5", 3, "Volume", /not a multiple of the increment 1/],
      ["2020-01-03,1,0.4,0.5,0.45,10", 3, "High", /high 0\.4 is below low 0\.5/],
      ["2020-01-03,1,1.2,0.5,1.5,10", 3, "High", /high 1\.2 is below open or close/],
      ["2020-01-03,1,2,1.1,1.5,10", 3, "Low", /low 1\.1 is above open or close/],
      ["2020-01-01,1,2,0.5,1.5,10", 3, "Date", /before the previous row's \(data must be sorted\)/],
      ["2020-01-02,1,2,0.5,1.5,10", 3, "Date", /a bar at 2020-01-02 already exists/],
      ["2020/01/03,1,2,0.5,1.5,10", 3, "Date", /not an ISO date/],
      [",1,2,0.5,1.5,10", 3, "Date", /empty timestamp/],
      ['"2020-01-03,1,2,0.5,1.5,10', 3, undefined, /quoted field is not closed/]
    ])
  })

  it("refuses a blank line before the end, a missing column, an empty file and an unknown zone", () => {
    const blank = failure(
      readBarsCsv(lines(BAR_HEADER, "2020-01-02,1,1,1,1,1", "", "2020-01-03,1,1,1,1,1"), { file: "b.csv", spec: aapl })
    )
    expect(blank).toMatchObject({ line: 3, message: expect.stringContaining("blank line") })
    expect(failure(readBarsCsv("Date,Open,High,Low,Volume\n", { file: "m.csv", spec: aapl }))).toMatchObject({
      line: 1,
      column: "Close",
      message: 'm.csv line 1, column "Close": missing column "Close"'
    })
    expect(failure(readBarsCsv("\r\n\r\n", { file: "e.csv", spec: aapl }))).toMatchObject({ line: 1 })
    const zone = failure(readBarsCsv(BAR_HEADER, { file: "z.csv", spec: aapl, timezone: "Mars/Base" }))
    expect(zone).toMatchObject({ line: 0, message: expect.stringContaining('unknown time zone "Mars/Base"') })
  })

  it("reads the date from a first column whose header cell is empty, as pandas writes a date index", () => {
    const pandas = lines(",Open,High,Low,Close,Volume", "2020-01-02,1,2,0.5,1.5,10", "2020-01-03,1.5,2,1,1,20")
    const bars = ok(readBarsCsv(pandas, { file: "p.csv", spec: aapl }))
    expect(Array.from(bars.ts)).toEqual([us("2020-01-02T00:00:00Z"), us("2020-01-03T00:00:00Z")])
    expect(Array.from(bars.close)).toEqual([150, 100])
    // Its errors name the column by its number.
    const bad = failure(readBarsCsv(lines(",Open,High,Low,Close", "x,1,2,0.5,1.5"), { file: "p.csv", spec: aapl }))
    expect(bad).toMatchObject({ line: 2, column: "1" })
    // An empty first cell is not a date when the header names one.
    expect(
      ok(
        readBarsCsv(lines(",date,open,high,low,close", "a,2020-01-02,1,2,0.5,1.5", "b,2020-01-03,1,2,0.5,1.5"), {
          file: "i.csv",
          spec: aapl
        })
      ).length
    ).toBe(2)
  })

  it("names a missing column as the header would write it, for any kind of file", () => {
    const cases = [
      ["Date,Open,High,Low,Volume", "Close"],
      ["date,open,high,low,volume", "close"],
      ["DATE,OPEN,HIGH,LOW", "CLOSE"],
      ["Open,High,Low,Close", "Date"],
      ["timestamp,bid,bid_size,ask", "ask_size"],
      ["timestamp,size", "price"]
    ] as const
    for (const [header, name] of cases) {
      const error = failure(readMarketDataCsv(`${header}\n`, { file: "m.csv", spec: aapl }))
      expect(error, header).toMatchObject({
        line: 1,
        column: name,
        message: `m.csv line 1, column "${name}": missing column "${name}"`
      })
    }
  })

  it("refuses overlapping bars for a given period and a period it cannot infer", () => {
    const hourly = lines(BAR_HEADER, "2020-01-02 10:00,1,1,1,1,1", "2020-01-02 11:00,1,1,1,1,1")
    expect(failure(readBarsCsv(hourly, { file: "o.csv", spec: aapl, period: BarPeriod.make("1d") }))).toMatchObject({
      line: 3,
      column: "Date",
      message: expect.stringContaining("before the previous 1d bar ends")
    })
    const one = lines(BAR_HEADER, "2020-01-02,1,1,1,1,1")
    expect(failure(readBarsCsv(one, { file: "1.csv", spec: aapl }))).toMatchObject({ line: 2 })
    expect(ok(readBarsCsv(one, { file: "1.csv", spec: aapl, period: BarPeriod.make("1d") })).periodUs[0]).toBe(DAY_US)
    const odd = lines(BAR_HEADER, "2020-01-02 10:00:00,1,1,1,1,1", "2020-01-02 10:00:00.5,1,1,1,1,1")
    expect(failure(readBarsCsv(odd, { file: "odd.csv", spec: aapl }))).toMatchObject({
      line: 3,
      message: expect.stringContaining("a gap of 500000 µs is not a bar period")
    })
  })
})

describe("readQuotesCsv", () => {
  it("reads quotes with header synonyms, equal timestamps and sizes in lots", () => {
    const text = lines(
      "time,bid_price,bidsize,ask_price,asksize,exchange",
      "2024-03-01T00:00:00.000001Z,62000.01,0.5,62000.02,0.00001,X",
      "2024-03-01T00:00:00.000001Z,62000.02,0,62000.02,1.25,X",
      "2024-03-01 00:00:01,62000.00,0,61999.99,0,X"
    )
    const q = ok(readQuotesCsv(text, { file: "btc.csv", spec: btc }))
    expect(q.length).toBe(3)
    expect(Array.from(q.ts)).toEqual([
      us("2024-03-01T00:00:00Z") + 1,
      us("2024-03-01T00:00:00Z") + 1,
      us("2024-03-01T00:00:01Z")
    ])
    expect(Array.from(q.instrument)).toEqual([2, 2, 2])
    // BTC-USDT: tick 0.01, lot 0.00001 -> 0.5 BTC = 50,000 lots, 1.25 = 125,000.
    expect(Array.from(q.bidPrice)).toEqual([6_200_001, 6_200_002, 6_200_000])
    expect(Array.from(q.bidSize)).toEqual([50_000, 0, 0])
    expect(Array.from(q.askPrice)).toEqual([6_200_002, 6_200_002, 6_199_999])
    expect(Array.from(q.askSize)).toEqual([1, 125_000, 0])
  })

  it("refuses bad quotes with their line and column", () => {
    const header = "timestamp,bid,bid_size,ask,ask_size"
    expectBadRows(readQuotesCsv, aapl, header, "2020-01-02T10:00:00,100.00,5,100.01,5", [
      ["2020-01-02T10:00:01,100.01,5,100.00,5", 3, "bid", /bid 100\.01 is above ask 100\.00/],
      ["2020-01-02T09:59:59,100.00,5,100.01,5", 3, "timestamp", /before the previous row's/],
      ["2020-01-02T10:00:01,100.00,0.5,100.01,5", 3, "bid_size", /not a multiple of the increment 1/],
      ["2020-01-02T10:00:01,100.00,5,100.01,-1", 3, "ask_size", /negative/],
      ["2020-01-02T10:00:01,100.00,5,,5", 3, "ask", /empty value/],
      ["2020-01-02T10:00:01,100.00,5,100.01", 3, undefined, /expected 5 columns, found 4/]
    ])
    expect(failure(readQuotesCsv("timestamp,bid,ask,ask_size\n", { file: "q.csv", spec: aapl }))).toMatchObject({
      line: 1,
      column: "bid_size"
    })
  })

  it("takes sizes to the grid only with an explicit rounding", () => {
    const text = lines("ts,bid,bid_size,ask,ask_size", "2020-01-02,1.00,2.5,1.01,3.5")
    const q = ok(readQuotesCsv(text, { file: "q.csv", spec: aapl, rounding: "half-even" }))
    expect([q.bidSize[0], q.askSize[0]]).toEqual([2, 4])
  })
})

describe("readTradesCsv", () => {
  it("reads trades with and without a side", () => {
    const text = lines(
      "timestamp,price,size,side",
      "2020-01-02T09:30:00-05:00,300.35,100,buy",
      "2020-01-02T09:30:00-05:00,300.36,5,S",
      "2020-01-02T09:30:01-05:00,300.355,1,"
    )
    const t = ok(readTradesCsv(text, { file: "t.csv", spec: aapl }))
    expect(Array.from(t.ts)).toEqual(["2020-01-02T14:30:00Z", "2020-01-02T14:30:00Z", "2020-01-02T14:30:01Z"].map(us))
    // 300.355 rounds half-even to 300.36.
    expect(Array.from(t.price)).toEqual([30_035, 30_036, 30_036])
    expect(Array.from(t.size)).toEqual([100, 5, 1])
    expect(Array.from(t.aggressor)).toEqual([1, 2, 0])
    const noSide = ok(readTradesCsv(lines("date,price,qty", "2020-01-02,1.00,3"), { file: "t.csv", spec: aapl }))
    expect([noSide.aggressor[0], noSide.size[0]]).toEqual([0, 3])
  })

  it("refuses an unknown side, a zero size and time going backwards", () => {
    expectBadRows(readTradesCsv, aapl, "timestamp,price,size,side", "2020-01-02T10:00:00,1.00,1,b", [
      ["2020-01-02T10:00:01,1.00,1,hold", 3, "side", /unknown side "hold"/],
      ["2020-01-02T10:00:01,1.00,0,buy", 3, "size", /size must be positive/],
      ["2020-01-02T09:00:00,1.00,1,buy", 3, "timestamp", /before the previous row's/]
    ])
  })
})
