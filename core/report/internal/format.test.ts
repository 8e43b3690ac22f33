import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc } from "effect"
import * as Decimal from "../../domain/Decimal"
import { incrementUnits, minorUnits, numberText } from "./format"

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

describe("incrementUnits", () => {
  it("prints units of any increment as Decimal.fromUnits does, past 2^53 too", () => {
    const quarter = Decimal.increment("0.25").pipe(Either.getOrThrow)
    expect([-3, 0, 5, 2 ** 52].map(incrementUnits(quarter))).toEqual(["-0.75", "0.00", "1.25", "1125899906842624.00"])
    fc.assert(
      fc.property(
        fc.maxSafeInteger(),
        fc.bigInt({ min: 1n, max: 2n ** 60n }),
        fc.integer({ min: 0, max: 18 }),
        (units, mantissa, scale) => {
          const inc = { text: "", mantissa, scale }
          expect(incrementUnits(inc)(units)).toBe(Decimal.fromUnits(units, inc))
        }
      ),
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
