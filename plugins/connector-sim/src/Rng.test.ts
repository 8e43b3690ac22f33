import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { makeRng } from "./Rng"

describe("makeRng", () => {
  it("repeats its sequence for a seed and differs between seeds", () => {
    const draw = (seed: number) => {
      const rng = makeRng(seed)
      return Array.from({ length: 8 }, () => rng.nextFloat())
    }
    expect(draw(42)).toEqual(draw(42))
    expect(draw(42)).not.toEqual(draw(43))
  })

  it("stays in range", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), (seed, bound) => {
        const rng = makeRng(seed)
        for (let i = 0; i < 20; i++) {
          const f = rng.nextFloat()
          const n = rng.nextInt(bound)
          expect(f >= 0 && f < 1).toBe(true)
          expect(Number.isInteger(n) && n >= 0 && n < bound).toBe(true)
        }
      }),
      { numRuns: 100 }
    )
  })
})
