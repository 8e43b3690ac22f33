import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { BollingerBands } from "trading-signals"
import { type Bands, RollingBands } from "./RollingBands"

/** The bands of `values` computed the long way: the mean, then the population deviation around it. */
const naive = (values: ReadonlyArray<number>, k: number): Bands => {
  const middle = values.reduce((a, b) => a + b, 0) / values.length
  const deviation = Math.sqrt(values.reduce((a, v) => a + (v - middle) ** 2, 0) / values.length)
  return { lower: middle - k * deviation, middle, upper: middle + k * deviation }
}

const close = (a: Bands | undefined, b: Bands | undefined | null) => {
  if (b === undefined || b === null) return expect(a).toBeUndefined()
  expect(a).toBeDefined()
  for (const key of ["lower", "middle", "upper"] as const) {
    // Relative: the huge values carry float rounding in the last bits whichever way the bands are summed.
    expect(Math.abs(a![key] - b[key])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(b[key])))
  }
}

describe("RollingBands", () => {
  it("gives hand-computed bands once the window is full", () => {
    const bands = new RollingBands(4, 2)
    expect([2, 4, 4, 4].map((v) => bands.update(v))).toEqual([undefined, undefined, undefined, expect.anything()])

    const last = bands.update(5)! // 4, 4, 4, 5: mean 4.25, variance (0.0625 × 3 + 0.5625) / 4 = 0.1875
    expect(last.middle).toBe(4.25)
    expect(last.upper).toBeCloseTo(4.25 + 2 * Math.sqrt(0.1875), 12)
    expect(() => new RollingBands(0, 2)).toThrow(RangeError)
  })

  it("agrees with trading-signals' BollingerBands and a two-pass computation, integer or not", () => {
    const value = fc.oneof(
      fc.integer({ min: 1, max: 2_000_000 }),
      fc.integer({ min: 1, max: 20_000 }).map((n) => n / 2), // half ticks, e.g. quote mids
      fc.integer({ min: 1e12, max: 5e14 }) // squares past the exact range
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(value, { maxLength: 200 }), (period, values) => {
        const ours = new RollingBands(period, 2)
        const theirs = new BollingerBands(period, 2)
        values.forEach((v, i) => {
          const a = ours.update(v)
          close(a, theirs.update(v, false))
          if (i + 1 >= period) close(a, naive(values.slice(i + 1 - period, i + 1), 2))
        })
      }),
      { numRuns: 200 }
    )
  })

  it("peeks at the bands with one more value without adding it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 1, max: 100_000 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 100_000 }),
        (period, values, extra) => {
          const bands = new RollingBands(period, 2.5)
          for (const v of values) bands.update(v)
          const window = [...values, extra].slice(-period)
          const peeked = bands.peek(extra)
          if (values.length + 1 < period) expect(peeked).toBeUndefined()
          else close(peeked, naive(window, 2.5))
          // Peeking changed nothing: the next real update gives what it would have.
          const again = new RollingBands(period, 2.5)
          for (const v of values) again.update(v)
          close(bands.update(extra), again.update(extra))
        }
      ),
      { numRuns: 200 }
    )
  })
})
