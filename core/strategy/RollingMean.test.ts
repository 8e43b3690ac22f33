import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { SMA } from "trading-signals"
import { RollingMean } from "./RollingMean"

describe("RollingMean", () => {
  it("is undefined until the window is full, then the mean of the last period values", () => {
    const mean = new RollingMean(3)
    expect([1, 2, 3, 4, 10].map((v) => mean.update(v))).toEqual([undefined, undefined, 2, 3, 17 / 3])
    expect(mean.isStable).toBe(true)
    expect(() => new RollingMean(0)).toThrow(RangeError)
  })

  it("agrees with trading-signals' SMA on integer series", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 300 }),
        (period, values) => {
          const ours = new RollingMean(period)
          const theirs = new SMA(period)
          for (const v of values) {
            const a = ours.update(v)
            const b = theirs.update(v, false)
            if (b === null) expect(a).toBeUndefined()
            else expect(a).toBeCloseTo(b, 6)
          }
        }
      ),
      { numRuns: 100 }
    )
  })
})
