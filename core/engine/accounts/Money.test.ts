import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { makeBench } from "../../../test/support/accounts/harness"
import { mulDivRound } from "../../domain/SafeInt"
import { basisPoints, safeNotional, withinBand } from "./Money"

describe("Money", () => {
  it("basisPoints rounds half-even and agrees with the BigInt path", () => {
    expect(basisPoints(5_000, 1)).toBe(0) // 0.5 → 0
    expect(basisPoints(15_000, 1)).toBe(2) // 1.5 → 2
    expect(basisPoints(25_000_000, 600)).toBe(1_500_000)
    expect(basisPoints(-15_000, 1)).toBe(-2)
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 10_000 }), (amount, bps) => {
        expect(basisPoints(amount, bps)).toBe(mulDivRound(amount, bps, 1, 10_000))
      }),
      { numRuns: 200 }
    )
    expect(basisPoints(2 ** 52, 3)).toBe(mulDivRound(2 ** 52, 3, 1, 10_000))
  })

  it("withinBand is exact at the edge, also past 2^53", () => {
    expect(withinBand(10_100, 10_000, 100)).toBe(true)
    expect(withinBand(10_101, 10_000, 100)).toBe(false)
    expect(withinBand(-9_900, -10_000, 100)).toBe(true)
    // 100 bps of 100 × 2^46 is 2^46; the products (≈ 7 × 10^17) leave the exact range and take the BigInt path.
    const reference = 100 * 2 ** 46
    expect(withinBand(reference + 2 ** 46, reference, 100)).toBe(true)
    expect(withinBand(reference + 2 ** 46 + 1, reference, 100)).toBe(false)
  })

  it("safeNotional answers undefined past 2^53 instead of throwing", () => {
    const aapl = makeBench().specs.list[0]!
    expect(safeNotional(aapl, 15_000, 10)).toBe(150_000)
    expect(safeNotional(aapl, 2 ** 52, 4)).toBeUndefined()
  })
})
