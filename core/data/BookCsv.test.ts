import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { BTCUSDT, currencies } from "../../test/fixtures/instruments"
import { makeSpecs } from "../domain/InstrumentSpec"
import type { BookColumns } from "./Columns"
import { type BookCsvOptions, type CsvError, kindOfHeader, readBookCsv, readMarketDataCsv } from "./Csv"

const btc = makeSpecs([BTCUSDT], currencies).list[0]!
const fixture = new URL("../../test/fixtures/book/btc-usdt-book.csv", import.meta.url)
const options: BookCsvOptions = { file: "book.csv", spec: btc }
const HEADER = "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount"
const T0 = 1_709_251_200_000_000

const ok = (result: Either.Either<BookColumns, CsvError>): BookColumns => {
  if (Either.isLeft(result)) throw new Error(`expected rows, got ${result.left.message}`)
  return result.right
}

const failure = (result: Either.Either<unknown, CsvError>): CsvError => {
  if (Either.isRight(result)) throw new Error("expected a CsvError")
  return result.left
}

/** Every row as [ts, instrument, side, price, size, snapshot]. */
const rowsOf = (c: BookColumns) =>
  Array.from({ length: c.length }, (_, i) => [
    c.ts[i],
    c.instrument[i],
    c.side[i],
    c.price[i],
    c.size[i],
    c.snapshot[i]
  ])

describe("readBookCsv", () => {
  it("reads Tardis incremental_book_L2 rows into ticks and lots, snapshot flags and sides as codes", () => {
    const book = ok(readBookCsv(readFileSync(fixture), options))
    expect(book.kind).toBe("book")
    // BTC-USDT: 0.01 USDT a tick, 0.00001 BTC a lot.
    expect(rowsOf(book)).toEqual([
      [T0, 0, 0, 4_200_000, 100_000, 1],
      [T0, 0, 0, 4_199_950, 200_000, 1],
      [T0, 0, 1, 4_200_050, 80_000, 1],
      [T0, 0, 1, 4_200_100, 150_000, 1],
      [T0 + 1_000_100, 0, 0, 4_200_000, 40_000, 0],
      [T0 + 2_000_000, 0, 0, 4_200_000, 20_000, 0],
      [T0 + 2_000_000, 0, 1, 4_200_050, 90_000, 0],
      [T0 + 3_000_100, 0, 0, 4_200_000, 0, 0],
      [T0 + 5_000_000, 0, 0, 4_199_950, 200_000, 1],
      [T0 + 5_000_000, 0, 1, 4_200_000, 50_000, 1],
      [T0 + 5_000_000, 0, 1, 4_200_050, 90_000, 1]
    ])
  })

  it("replays at the recorder's local_timestamp when asked, and reads ISO times as well as µs", () => {
    const local = ok(readBookCsv(readFileSync(fixture), { ...options, time: "local" }))
    expect(local.ts[0]).toBe(T0 + 1_500)
    expect(local.ts[10]).toBe(T0 + 5_002_100)
    const iso = ok(
      readBookCsv(
        ["timestamp,is_snapshot,side,price,size", "2024-03-01T00:00:00.25Z,FALSE,Ask,42000.5,0.1"].join("\n"),
        options
      )
    )
    expect(rowsOf(iso)).toEqual([[T0 + 250_000, 0, 1, 4_200_050, 10_000, 0]])
  })

  it("is what a header with is_snapshot holds", () => {
    expect(kindOfHeader(HEADER)).toBe("book")
    expect(kindOfHeader("exchange,symbol,timestamp,local_timestamp,id,side,price,amount")).toBe("trade")
    const any = readMarketDataCsv(readFileSync(fixture), options)
    expect(Either.isRight(any) && any.right.kind).toBe("book")
  })

  const first = `binance,BTCUSDT,${T0},${T0},true,bid,42000.00,1`
  const cases: ReadonlyArray<readonly [row: string, column: string, message: RegExp]> = [
    [`binance,BTCUSDT,${T0 - 1},${T0},false,bid,42000.00,1`, "timestamp", /before the previous row's/],
    [`binance,BTCUSDT,${T0},${T0},maybe,bid,42000.00,1`, "is_snapshot", /"maybe" is not true or false/],
    [`binance,BTCUSDT,${T0},${T0},false,mid,42000.00,1`, "side", /unknown side "mid" \(bid or ask\)/],
    [`binance,BTCUSDT,${T0},${T0},false,bid,n/a,1`, "price", /n\/a/],
    [`binance,BTCUSDT,${T0},${T0},false,bid,42000.00,-1`, "amount", /size -1 is negative/],
    [`binance,BTCUSDT,${T0},${T0},false,bid,42000.00,0.000001`, "amount", /0\.000001/],
    [`binance,BTCUSDT,yesterday,${T0},false,bid,42000.00,1`, "timestamp", /not an ISO date/]
  ]
  it.each(cases)("fails %s on line 3 naming the column", (row, column, message) => {
    const error = failure(readBookCsv([HEADER, first, row].join("\n"), options))
    expect(error).toMatchObject({ line: 3, column })
    expect(error.message).toMatch(message)
    expect(error.message.startsWith(`book.csv line 3, column "${column}": `)).toBe(true)
    expect(error.message).not.toContain("\n")
  })

  it("names a missing column as the header writes names, and refuses bad options before reading", () => {
    const missing = failure(readBookCsv("timestamp,side,price,amount\n", options))
    expect(missing).toMatchObject({
      line: 1,
      column: "is_snapshot",
      message: 'book.csv line 1, column "is_snapshot": missing column "is_snapshot"'
    })
    const local = failure(readBookCsv("timestamp,is_snapshot,side,price,amount\n", { ...options, time: "local" }))
    expect(local.column).toBe("local_timestamp")
    const badTime = failure(readBookCsv(HEADER, { ...options, time: "venue" as "local" }))
    expect(badTime.line).toBe(0)
    expect(badTime.message).toMatch(/^book\.csv line 0: option time: /)
    const zone = failure(readBookCsv(HEADER, { ...options, timezone: "Mars/Olympus" }))
    expect(zone.message).toBe('book.csv line 0: unknown time zone "Mars/Olympus"')
  })
})
