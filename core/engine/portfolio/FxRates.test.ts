import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { currencies } from "../../../test/fixtures/instruments"
import type { Currency } from "../../domain/Currency"
import * as Decimal from "../../domain/Decimal"
import type { CurrencyCode } from "../../domain/Ids"
import { PrecisionLossError } from "../../domain/SafeInt"
import { FxRates } from "./FxRates"

const currency = (code: string): Currency => {
  const found = currencies.find((c) => c.code === code)
  if (found === undefined) throw new Error(`fixture currency ${code}`)
  return found
}
const USD = currency("USD")
const EUR = currency("EUR")
const JPY = currency("JPY")
const USDT = currency("USDT")
const BTC = currency("BTC")
const code = (c: string) => c as CurrencyCode

describe("FxRates", () => {
  it("converts with the direct pair", () => {
    const fx = new FxRates()
    fx.set(code("EUR"), code("USD"), "1.0850")
    // 100.00 EUR × 1.085 = 108.50 USD
    expect(fx.convert(10_000, EUR, USD)).toBe(10_850)
    // Different minor units: 1 BTC (1e8 sat) × 65000.5 = 65000.5 USDT = 65_000_500_000 micro-USDT
    fx.set(code("BTC"), code("USDT"), "65000.5")
    expect(fx.convert(100_000_000, BTC, USDT)).toBe(65_000_500_000)
    // 1 sat = 0.000650005 USDT = 650.005 micro → 650
    expect(fx.convert(1, BTC, USDT)).toBe(650)
  })

  it("converts with the inverse pair", () => {
    const fx = new FxRates()
    fx.set(code("EUR"), code("USD"), "1.0850")
    // 108.50 USD / 1.085 = 100.00 EUR exactly
    expect(fx.convert(10_850, USD, EUR)).toBe(10_000)
    // 1.00 USD / 1.085 = 0.921658... EUR → 92 cents
    expect(fx.convert(100, USD, EUR)).toBe(92)
    // 1.00 EUR (100 cents) into USDT by the inverse of USDT/EUR 0.5: 2 USDT = 2_000_000 micro
    fx.set(code("USDT"), code("EUR"), "0.5")
    expect(fx.convert(100, EUR, USDT)).toBe(2_000_000)
  })

  it("prefers the direct pair over the inverse of the opposite pair", () => {
    const fx = new FxRates()
    fx.set(code("EUR"), code("USD"), "1.1")
    fx.set(code("USD"), code("EUR"), "0.9")
    expect(fx.convert(100, EUR, USD)).toBe(110)
    expect(fx.convert(100, USD, EUR)).toBe(90)
  })

  it("crosses through one intermediate currency and rounds once", () => {
    const fx = new FxRates()
    fx.set(code("EUR"), code("USD"), "1.0850")
    fx.set(code("USD"), code("JPY"), "150.25")
    // 100.00 EUR × 1.085 × 150.25 = 16302.125 JPY (0 decimals) → 16302
    expect(fx.convert(10_000, EUR, JPY)).toBe(16_302)
    // 16302 JPY / 163.021250 = 99.99923 EUR = 9999.92 cents → 10000
    expect(fx.convert(16_302, JPY, EUR)).toBe(10_000)
    expect(fx.has(code("JPY"), code("EUR"))).toBe(true)
  })

  it("rounds half to even, symmetrically for negative amounts", () => {
    const fx = new FxRates()
    fx.set(code("EUR"), code("USD"), "1.5")
    // 1 × 1.5 = 1.5 → 2; 3 × 1.5 = 4.5 → 4; 5 × 1.5 = 7.5 → 8
    expect([1, 3, 5, -1, -3, -5].map((a) => fx.convert(a, EUR, USD))).toEqual([2, 4, 8, -2, -4, -8])
    // Inverse 1/1.5: 1 USD cent → 0.667 → 1; 3 → 2 exactly; 6 → 4 exactly
    expect([1, 3, 6].map((a) => fx.convert(a, USD, EUR))).toEqual([1, 2, 4])
    fx.set(code("EUR"), code("USD"), "0.25")
    // 2 × 0.25 = 0.5 → 0; 6 × 0.25 = 1.5 → 2; 10 × 0.25 = 2.5 → 2
    expect([2, 6, 10, -6].map((a) => fx.convert(a, EUR, USD))).toEqual([0, 2, 2, -2])
  })

  it("returns undefined without a path, and convertOrThrow names the pair", () => {
    const fx = new FxRates()
    fx.set(code("EUR"), code("USD"), "1.0850")
    expect(fx.convert(100, EUR, JPY)).toBeUndefined()
    expect(fx.has(code("EUR"), code("JPY"))).toBe(false)
    expect(() => fx.convertOrThrow(100, EUR, JPY)).toThrow(RangeError)
    expect(() => fx.convertOrThrow(100, EUR, JPY)).toThrow("no FX rate for EUR/JPY")
    // A rate set later is found (the cache of resolved paths is cleared).
    fx.set(code("JPY"), code("USD"), "0.0066")
    // 1.00 EUR → 1.085 USD → / 0.0066 = 164.39 JPY → 164
    expect(fx.convert(100, EUR, JPY)).toBe(164)
  })

  it("leaves the same currency unchanged, even without any rate", () => {
    expect(new FxRates().convert(12_345, USD, USD)).toBe(12_345)
  })

  it("refuses malformed rates and results past 2^53", () => {
    const fx = new FxRates()
    for (const bad of ["0", "-1.2", "abc", "1e3", ""]) {
      expect(() => fx.set(code("EUR"), code("USD"), bad)).toThrow(RangeError)
    }
    expect(() => fx.set(code("EUR"), code("EUR"), "1")).toThrow(RangeError)
    fx.set(code("EUR"), code("USD"), "1000")
    // (2^53 - 1) EUR cents × 1000 is far past 2^53 USD cents
    expect(fx.convert(1_000_000, EUR, USD)).toBe(1_000_000_000)
    expect(() => fx.convert(Number.MAX_SAFE_INTEGER, EUR, USD)).toThrow(PrecisionLossError)
  })

  it("is within half a minor unit of the exact value", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc.integer({ min: 1, max: 99_999_999 }),
        fc.integer({ min: 0, max: 8 }),
        (amount, mantissa, scale) => {
          const fx = new FxRates()
          const rate = Decimal.fromUnits(mantissa, Decimal.minorIncrement(scale))
          fx.set(code("EUR"), code("JPY"), rate)
          const converted = fx.convert(amount, EUR, JPY)
          // exact = amount / 100 × mantissa / 10^scale JPY; |converted − exact| ≤ 1/2
          const den = 100n * 10n ** BigInt(scale)
          const diff = BigInt(converted ?? Number.NaN) * den - BigInt(amount) * BigInt(mantissa)
          expect(2n * (diff < 0n ? -diff : diff) <= den).toBe(true)
        }
      ),
      { numRuns: 200 }
    )
  })
})
