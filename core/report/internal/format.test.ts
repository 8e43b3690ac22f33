import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as Decimal from "../../domain/Decimal"
import { minorUnits, numberText } from "./format"

describe("minorUnits", () => {
  it("prints minor units as Decimal.fromUnits does", () => {
    expect([-5, 0, -0, 7, 123_456].map(minorUnits(2))).toEqual(["-0.05", "0.00", "0.00", "0.07", "1234.56"])
    expect([-5, 0, 123_456].map(minorUnits(0))).toEqual(["-5", "0", "123456"])
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 18 }), (units, decimals) => {
        expect(minorUnits(decimals)(units)).toBe(Decimal.fromUnits(units, Decimal.minorIncrement(decimals)))
      }),
      { numRuns: 500 }
    )
  })
})

describe("numberText", () => {
  it("rounds to 6 decimals without exponents or negative zero", () => {
    expect([0.1 + 0.2, 1e-7, -1e-7, 2.5e-6, 1e21, Number.NaN].map(numberText)).toEqual([
      "0.3",
      "0",
      "0",
      "0.000003",
      "1000000000000000000000",
      ""
    ])
  })
})
