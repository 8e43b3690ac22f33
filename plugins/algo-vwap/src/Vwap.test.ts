import { describe, expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Schema } from "effect"
import { MINUTE, quotes, runAlgo, SECOND, T0 } from "../../../test/strategy/algoSupport"
import vwap, { vwapSlices } from "./index"

const program = (params: Record<string, unknown>) => vwap.program(Schema.decodeUnknownSync(vwap.params)(params))
const flat = quotes(T0, T0 + 20 * MINUTE, 15 * SECOND, () => [10_000, 10_002])

describe("algo-vwap", () => {
  it("slices in proportion to the weights, adding up to the parent exactly", () => {
    // Weights 1, 2, 3, 4 (total 10) of 1 000 lots: 100, 200, 300, 400.
    expect(vwapSlices(0, MINUTE, [1, 2, 3, 4], 1_000)).toEqual([
      { at: 0, cumulative: 100 },
      { at: MINUTE, cumulative: 300 },
      { at: 2 * MINUTE, cumulative: 600 },
      { at: 3 * MINUTE, cumulative: 1_000 }
    ])
    // 10 lots over weights 1, 1, 1: running totals floor(10/3) = 3, floor(20/3) = 6, 10 -> slices 3, 3, 4.
    expect(vwapSlices(0, MINUTE, [1, 1, 1], 10).map((s) => s.cumulative)).toEqual([3, 6, 10])
    fc.assert(
      fc.property(
        fc
          .array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 40 })
          .filter((w) => w.some((x) => x > 0)),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (profile, quantity) => {
          const slices = vwapSlices(0, MINUTE, profile, quantity)
          expect(slices.at(-1)!.cumulative).toBe(quantity)
          const total = profile.reduce((a, b) => a + b, 0)
          let running = 0
          slices.forEach((slice, i) => {
            running += profile[i]!
            // Within one lot of the exact share, never above it, never decreasing.
            const exact = (BigInt(quantity) * BigInt(running)) / BigInt(total)
            expect(BigInt(slice.cumulative)).toBe(exact)
            if (i > 0) expect(slice.cumulative).toBeGreaterThanOrEqual(slices[i - 1]!.cumulative)
          })
        }
      ),
      { numRuns: 200 }
    )
  })

  it.effect("sends each bucket's share at the bucket's start and fills the parent", () =>
    Effect.gen(function* () {
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 90, start: T0 + MINUTE, bucket: "2m", profile: "3,0,5,1" }),
        flat
      )
      // Total weight 9: 30, 0, 50, 10 lots at minutes 1, (3: nothing due), 5, 7.
      expect(run.children).toEqual([
        [1 * MINUTE, 30],
        [5 * MINUTE, 50],
        [7 * MINUTE, 10]
      ])
      expect(run.filled).toBe(90)
    })
  )

  it.effect("cancels the parent at cancelAt: the working child is canceled, nothing more is sent", () =>
    Effect.gen(function* () {
      const run = yield* runAlgo(
        program({
          side: "buy",
          quantity: 90,
          start: T0 + MINUTE,
          bucket: "2m",
          profile: [1, 1, 1],
          limitPrice: 9_000,
          cancelAt: T0 + 4 * MINUTE
        }),
        flat
      )
      expect(run.children).toEqual([
        [1 * MINUTE, 30],
        [3 * MINUTE, 60]
      ])
      expect(run.events.at(-1)).toMatchObject({ _tag: "OrderCanceled", ts: T0 + 4 * MINUTE })
      expect(run.filled).toBe(0)
    })
  )

  it("refuses a profile without a positive weight, naming the field", () => {
    const decode = Schema.decodeUnknownEither(vwap.params)
    expect(decode({ side: "buy", quantity: 1, profile: "0,0" })._tag).toBe("Left")
    expect(decode({ side: "buy", quantity: 1, profile: "1,x" })._tag).toBe("Left")
  })
})
