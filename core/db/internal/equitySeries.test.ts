import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { checkEquity, compactEquity, decodeEquity, encodeEquity } from "./equitySeries"

const MAX = Number.MAX_SAFE_INTEGER

/** Drawdown as the report defines it: (peak − equity) / peak × 100 while the running peak is positive. */
const drawdown = (equity: ReadonlyArray<number>): Float64Array => {
  let peak = Number.NEGATIVE_INFINITY
  return Float64Array.from(equity, (e) => {
    peak = Math.max(peak, e)
    return peak > 0 ? ((peak - e) / peak) * 100 : 0
  })
}

/** Safe integers, biased to the extremes, to zero and to small values. */
const anyValue = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(MAX, -MAX, MAX - 1, 1 - MAX, 2 ** 52, -(2 ** 52), 0),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 })
)

/** Timestamps: regular bars with gaps (weekends), back steps, or anything at all. */
const timestamps = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 2 ** 52 }),
      fc.array(fc.oneof(fc.constant(60_000_000), fc.integer({ min: -1e12, max: 1e12 })), { maxLength: 300 })
    )
    .map(([start, steps]) => {
      const ts = [start]
      for (const step of steps) ts.push(ts.at(-1)! + step)
      return ts
    }),
  fc.array(anyValue, { maxLength: 100 })
)

const curves = timestamps.chain((ts) =>
  fc.array(anyValue, { minLength: ts.length, maxLength: ts.length }).map((equity) => ({ ts, equity }))
)

describe("equitySeries", () => {
  it("decodes exactly what it encoded, with the report's drawdown", () => {
    fc.assert(
      fc.property(curves, ({ ts, equity }) => {
        const bytes = encodeEquity({ ts: Float64Array.from(ts), equity: Float64Array.from(equity) })
        for (const form of [bytes, compactEquity(bytes)]) {
          expect(() => checkEquity(form)).not.toThrow()
          expect(decodeEquity(form)).toEqual({
            ts: Float64Array.from(ts),
            equity: Float64Array.from(equity),
            drawdownPct: drawdown(equity)
          })
        }
      }),
      { seed: 20_260_601, numRuns: 2_000 }
    )
  })

  it("stores regular bars with small moves in two bytes a sample", () => {
    const n = 10_000
    const ts = Float64Array.from({ length: n }, (_, i) => 1_577_923_200_000_000 + i * 60_000_000)
    const equity = Float64Array.from({ length: n }, (_, i) => 10_000_000 + (i % 5) * 7)
    const bytes = encodeEquity({ ts, equity })
    // Header and the first two samples aside: one byte per timestamp, one per move of equity.
    expect(bytes.length).toBeLessThan(2 * n + 32)
    expect(decodeEquity(bytes).equity).toEqual(equity)
    // Deflated, the repeated bytes of regular bars and a cycle of moves take almost nothing.
    const compact = compactEquity(bytes)
    expect(compact.length).toBeLessThan(bytes.length / 10)
    expect(decodeEquity(compact).equity).toEqual(equity)
  })

  it("refuses values that are not safe integers, naming the first", () => {
    const ts = Float64Array.of(1, 2, 3)
    expect(() => encodeEquity({ ts, equity: Float64Array.of(1, 2.5, 3) })).toThrow(/equity\[1\] = 2.5 is not a safe/)
    expect(() => encodeEquity({ ts, equity: Float64Array.of(1, 2, 2 ** 53) })).toThrow(/equity\[2\]/)
    expect(() => encodeEquity({ ts: Float64Array.of(1, Number.NaN, 3), equity: ts })).toThrow(/ts\[1\] = NaN/)
    expect(() => encodeEquity({ ts, equity: Float64Array.of(1) })).toThrow(/3 timestamps but 1 equity/)
  })

  it("refuses bytes that are not a curve", () => {
    const bytes = encodeEquity({ ts: [1_000, 2_000, 3_000], equity: [5, -5, 2 ** 40] })
    const bad: ReadonlyArray<readonly [Uint8Array, RegExp]> = [
      [new Uint8Array(0), /no bytes/],
      [Uint8Array.of(3, ...bytes.subarray(1)), /unknown version 3/],
      [compactEquity(bytes).subarray(0, 4), /deflated samples are corrupt/],
      [bytes.subarray(0, bytes.length - 1), /truncated/],
      [Uint8Array.of(...bytes, 0), /1 bytes after the samples/],
      [Uint8Array.of(1, 100, 0, 0), /100 samples cannot fit/],
      // One sample whose timestamp is 2^60.
      [Uint8Array.of(1, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0), /ts\[0\] decodes beyond/]
    ]
    for (const [bytes, error] of bad) {
      expect(() => decodeEquity(bytes)).toThrow(error)
      expect(() => checkEquity(bytes)).toThrow(error)
    }
  })

  it("decodes no bytes of samples as an empty curve", () => {
    expect(decodeEquity(encodeEquity({ ts: [], equity: [] }))).toEqual({
      ts: new Float64Array(0),
      equity: new Float64Array(0),
      drawdownPct: new Float64Array(0)
    })
  })
})
