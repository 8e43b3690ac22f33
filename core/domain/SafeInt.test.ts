import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import * as SafeInt from "./SafeInt"

const MAX = Number.MAX_SAFE_INTEGER

describe("SafeInt", () => {
  it("computes inside the safe range and fails loudly past it", () => {
    expect(SafeInt.add(MAX - 1, 1)).toBe(MAX)
    expect(() => SafeInt.add(MAX, 1)).toThrow(SafeInt.PrecisionLossError)
    expect(() => SafeInt.sub(-MAX, 1)).toThrow(/leaves the safe integer range/)
    expect(SafeInt.mul(94_906_265, 94_906_265)).toBe(94_906_265 * 94_906_265)
    expect(() => SafeInt.mul(94_906_266, 94_906_266)).toThrow(SafeInt.PrecisionLossError)
  })

  it("agrees with exact BigInt arithmetic or refuses", () => {
    const int = fc.integer({ min: -(2 ** 31), max: 2 ** 31 })
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.maxSafeInteger(), (a, b) => {
        const exact = BigInt(a) * BigInt(b)
        const safe = exact <= BigInt(MAX) && exact >= -BigInt(MAX)
        if (safe) expect(BigInt(SafeInt.mul(a, b))).toBe(exact)
        else expect(() => SafeInt.mul(a, b)).toThrow(SafeInt.PrecisionLossError)
      })
    )
    fc.assert(
      fc.property(int, int, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 10_000 }), (a, b, n, d) => {
        const exact = BigInt(a) * BigInt(b) * BigInt(n)
        if (exact / BigInt(d) > BigInt(MAX) - 1n || exact / BigInt(d) < 1n - BigInt(MAX)) {
          expect(() => SafeInt.mulDivRound(a, b, n, d)).toThrow(SafeInt.PrecisionLossError)
          return
        }
        const got = SafeInt.mulDivRound(a, b, n, d)
        // |got - exact/d| <= 1/2, compared in integers: |2·got·d - 2·exact| <= d
        const diff = 2n * BigInt(got) * BigInt(d) - 2n * exact
        expect(diff <= BigInt(d) && diff >= -BigInt(d)).toBe(true)
      })
    )
  })

  it("rounds half to even", () => {
    expect(SafeInt.mulDivRound(1, 5, 1, 10)).toBe(0)
    expect(SafeInt.mulDivRound(3, 5, 1, 10)).toBe(2)
    expect(SafeInt.mulDivRound(-3, 5, 1, 10)).toBe(-2)
    expect(SafeInt.mulDivRound(-1, 5, 1, 10)).toBe(0)
    expect(SafeInt.mulDivRound(7, 1, 1, 10)).toBe(1)
    expect(SafeInt.mulDivRound(2 ** 40, 2 ** 20, 1, 2 ** 10)).toBe(2 ** 50)
  })
})
