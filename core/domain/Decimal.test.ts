import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import * as Decimal from "./Decimal"

const inc = (text: string) => Either.getOrThrow(Decimal.increment(text))
const units = (value: string, increment: string, rounding?: Decimal.Rounding) =>
  Decimal.toUnits(value, increment, rounding)

/** Increments as exchanges set them: powers of ten and multiples such as 0.25, 0.05, 5. */
const increments = fc
  .tuple(fc.constantFrom(1n, 2n, 5n, 25n, 125n), fc.integer({ min: 0, max: 10 }))
  .map(([mantissa, scale]) => Decimal.fromUnits(Number(mantissa), { text: "", mantissa: 1n, scale }))

describe("Decimal", () => {
  it("counts increments exactly", () => {
    expect(units("0.1", "0.01")).toEqual(Either.right(10))
    expect(units("100.25", "0.25")).toEqual(Either.right(401))
    expect(units("-1.5", "0.5")).toEqual(Either.right(-3))
    expect(units("0.00001", "0.00001")).toEqual(Either.right(1))
    expect(units("12", "5")).toEqual(Either.left(expect.objectContaining({ reason: "OffGrid" })))
    expect(units("1500", "500")).toEqual(Either.right(3))
  })

  it("refuses values off the grid, malformed text and unsafe results", () => {
    expect(units("100.005", "0.01")).toEqual(Either.left(expect.objectContaining({ reason: "OffGrid" })))
    expect(units("0.3", "0.25")).toEqual(Either.left(expect.objectContaining({ reason: "OffGrid" })))
    for (const bad of ["", "1.", ".5", "1e3", "0x10", "1,5", " 1", "NaN", "--1"]) {
      expect(units(bad, "0.01")).toEqual(Either.left(expect.objectContaining({ reason: "Syntax" })))
    }
    expect(units("90071992547409.92", "0.01")).toEqual(Either.left(expect.objectContaining({ reason: "Overflow" })))
    expect(units("90071992547409.91", "0.01")).toEqual(Either.right(Number.MAX_SAFE_INTEGER))
    expect(Decimal.increment("0")).toEqual(Either.left(expect.objectContaining({ reason: "Increment" })))
    expect(Decimal.increment("-0.01")).toEqual(Either.left(expect.objectContaining({ reason: "Increment" })))
  })

  it("rounds by the rule it is given", () => {
    expect(units("1.005", "0.01", "half-even")).toEqual(Either.right(100))
    expect(units("1.015", "0.01", "half-even")).toEqual(Either.right(102))
    expect(units("1.005", "0.01", "half-up")).toEqual(Either.right(101))
    expect(units("-1.005", "0.01", "half-up")).toEqual(Either.right(-101))
    expect(units("-1.001", "0.01", "floor")).toEqual(Either.right(-101))
    expect(units("-1.009", "0.01", "ceil")).toEqual(Either.right(-100))
    expect(units("1455.219971", "0.01", "half-even")).toEqual(Either.right(145522))
    expect(units("0.37", "0.25", "half-even")).toEqual(Either.right(1))
    expect(units("0.375", "0.25", "half-even")).toEqual(Either.right(2))
  })

  it("renders units with the increment's decimals", () => {
    expect(Decimal.fromUnits(10, inc("0.01"))).toBe("0.10")
    expect(Decimal.fromUnits(-3, inc("0.25"))).toBe("-0.75")
    expect(Decimal.fromUnits(7, inc("5"))).toBe("35")
    expect(Decimal.fromUnits(0, inc("0.001"))).toBe("0.000")
    expect(Decimal.fromUnits(2, Decimal.minorIncrement(8))).toBe("0.00000002")
  })

  it("round-trips units through decimal text for any increment", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 }), increments, (n, text) => {
        const i = inc(text)
        expect(Decimal.toUnits(Decimal.fromUnits(n, i), i)).toEqual(Either.right(n))
      })
    )
  })

  it("round-trips decimal text through units, whatever its trailing zeros", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 8 }), (m, scale) => {
        const text = Decimal.fromUnits(Number(m), { text: "", mantissa: 1n, scale })
        const back = Either.getOrThrow(Decimal.toUnits(text, Decimal.minorIncrement(scale)))
        expect(back).toBe(Number(m))
        expect(Decimal.fromUnits(back, Decimal.minorIncrement(scale))).toBe(text)
      })
    )
  })

  it("writes any finite double as the decimal that reads back to it", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
        const text = Either.getOrThrow(Decimal.fromNumber(x))
        expect(text).toMatch(/^-?\d+(\.\d+)?$/)
        expect(Number(text)).toBe(x === 0 ? 0 : x)
      })
    )
  })

  it("decodes a decimal field with a schema that names the field", () => {
    const schema = Schema.Struct({ price: Decimal.UnitsFromDecimal(inc("0.01")) })
    expect(Schema.decodeUnknownSync(schema)({ price: "101.25" })).toEqual({ price: 10125 })
    expect(Schema.encodeSync(schema)({ price: 10125 })).toEqual({ price: "101.25" })
    expect(() => Schema.decodeUnknownSync(schema)({ price: "101.255" })).toThrow(/price[\s\S]*increment 0.01/)
  })
})
