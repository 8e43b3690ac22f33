import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import * as Decimal from "../../domain/Decimal"
import { ByteFields, type FieldKind } from "./byteFields"
import { Row, toBytes } from "./csvRows"

const grid = (increment: string, rounding: Decimal.Rounding) => ({
  increment: Either.getOrThrow(Decimal.increment(increment)),
  rounding
})

/** The values of `line` read by a reader of `kinds`, or undefined if the line is not plain. */
const readLine = (
  line: string,
  kinds: ReadonlyArray<FieldKind | undefined>,
  prices = grid("0.01", "half-even"),
  sizes = grid("1", "exact")
): Array<number> | undefined => {
  const bytes = toBytes(line)
  const row = new Row(kinds.length)
  const end = new ByteFields(kinds, prices, sizes).read(bytes, 0, row)
  return end < 0 ? undefined : Array.from(row.values)
}

const us = (iso: string) => Date.parse(iso) * 1000
const BAR: ReadonlyArray<FieldKind | undefined> = ["time", "price", "price", "price", "price", "size"]

describe("ByteFields", () => {
  it("reads a plain bar row into wall-clock µs, ticks and lots, to the end of its line", () => {
    expect(readLine("2015-01-01 00:01:00,100.03,100.04,100.00,-100,227", BAR)).toEqual([
      us("2015-01-01T00:01:00Z"),
      10_003,
      10_004,
      10_000,
      -10_000,
      227
    ])
    const bytes = toBytes("2020-01-02,1,1,1,1,1\r\n2020-01-03,1,1,1,1,1")
    expect(new ByteFields(BAR, grid("0.01", "exact"), grid("1", "exact")).read(bytes, 0, new Row(6))).toBe(21)
  })

  it("reads every ISO form it knows, to the µs", () => {
    const time = (text: string) => readLine(text, ["time"])?.[0]
    expect(time("2020-02-29")).toBe(us("2020-02-29T00:00:00Z"))
    expect(time("2020-01-02T14:30")).toBe(us("2020-01-02T14:30:00Z"))
    expect(time("2020-01-02 14:30:59Z")).toBe(us("2020-01-02T14:30:59Z"))
    expect(time("2020-01-02 14:30:00.5")).toBe(us("2020-01-02T14:30:00Z") + 500_000)
    expect(time("2020-01-02 14:30:00.123456000Z")).toBe(us("2020-01-02T14:30:00Z") + 123_456)
  })

  it("leaves to the string path every row that is not plain", () => {
    const notPlain = [
      '"2020-01-02",1,1,1,1,1',
      "2020-01-02, 1,1,1,1,1",
      "2020-01-02,1,1,1,1,1 ",
      "2020-01-02,1,1,1,1",
      "2020-01-02,1,1,1,1,1,1",
      "2020-01-02,1,1,1,1,1\r3",
      "2020-01-02T10:00+01:00,1,1,1,1,1",
      "2020-01-02t10:00,1,1,1,1,1",
      "2020-01-02T10:00:00.1234567,1,1,1,1,1",
      "2020-01-02T10:00:00.,1,1,1,1,1",
      "2020-02-30,1,1,1,1,1",
      "2020-13-01,1,1,1,1,1",
      "2020-01-02T24:00,1,1,1,1,1",
      "2020/01/02,1,1,1,1,1",
      ",1,1,1,1,1",
      "2020-01-02,,1,1,1,1",
      "2020-01-02,1.,1,1,1,1",
      "2020-01-02,.5,1,1,1,1",
      "2020-01-02,1e3,1,1,1,1",
      "2020-01-02,1234567890123456,1,1,1,1",
      "2020-01-02,1,1,1,1,0.5"
    ]
    for (const line of notPlain) expect(readLine(line, BAR), line).toBeUndefined()
    // 15 digits are read; 16, or a quotient beyond 2^53 in the arithmetic, are left to BigInt.
    expect(readLine("2020-01-02,1234567890123.45,1,1,1,1", BAR)?.[1]).toBe(123_456_789_012_345)
    expect(readLine("999999999999999", ["price"], grid("0.25", "exact"))).toBeUndefined()
  })

  it("reads sides of any case without strings, and skips columns no reader uses", () => {
    const side = (text: string) => readLine(`${text},x`, ["side", undefined])?.[0]
    expect(["", "buy", "B", "SELL", "s"].map(side)).toEqual([0, 1, 1, 2, 2])
    expect(["hold", "buys", "b1", "é"].map(side)).toEqual([undefined, undefined, undefined, undefined])
    expect(readLine('a,"b"', ["side", undefined])).toBeUndefined()
  })

  it("rounds exactly as Decimal.toUnits does, for every increment and rounding", () => {
    const roundings: ReadonlyArray<Decimal.Rounding> = ["exact", "half-even", "half-up", "floor", "ceil"]
    const values: Array<string> = []
    for (let thousandths = -2_000; thousandths <= 2_000; thousandths += 5) {
      const text = (thousandths / 1000).toFixed(3)
      values.push(text, text.replace(/0+$/, "").replace(/\.$/, ""))
    }
    values.push("-0", "+0.5", "007.250", "9999999999999", "-9999999999.9999", "0.00000000000001")
    for (const increment of ["0.01", "0.25", "0.05", "1", "5", "0.0001", "0.00001"]) {
      for (const rounding of roundings) {
        const prices = grid(increment, rounding)
        const read = values.map((value) => `${value}: ${readLine(value, ["price"], prices)?.[0]}`)
        const expected = values.map(
          (value) => `${value}: ${Either.getOrUndefined(Decimal.toUnits(value, prices.increment, rounding))}`
        )
        expect(read, `${increment} ${rounding}`).toEqual(expected)
      }
    }
  })
})
