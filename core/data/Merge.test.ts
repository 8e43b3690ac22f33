import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { type Columns, QuoteBuilder, TradeBuilder } from "./Columns"
import { MAX_SOURCES, mergeByTime } from "./Merge"

const quotes = (times: ReadonlyArray<number>): Columns => {
  const builder = new QuoteBuilder()
  for (const ts of times) builder.add(ts, 0, 1, 1, 2, 1)
  return builder.build()
}

const trades = (times: ReadonlyArray<number>): Columns => {
  const builder = new TradeBuilder()
  for (const ts of times) builder.add(ts, 0, 1, 1, 0)
  return builder.build()
}

const pairs = (timeline: ReturnType<typeof mergeByTime>) =>
  Array.from({ length: timeline.length }, (_, i) => [timeline.source[i], timeline.row[i]])

describe("mergeByTime", () => {
  it("orders by time; ties keep source order, then row order", () => {
    // source 0: 10 20 20 30, source 1: 5 20 40, source 2: 20
    // -> 5(1,0) 10(0,0) 20(0,1) 20(0,2) 20(1,1) 20(2,0) 30(0,3) 40(1,2)
    const timeline = mergeByTime([quotes([10, 20, 20, 30]), trades([5, 20, 40]), quotes([20])])
    expect(timeline.length).toBe(8)
    expect(pairs(timeline)).toEqual([
      [1, 0],
      [0, 0],
      [0, 1],
      [0, 2],
      [1, 1],
      [2, 0],
      [0, 3],
      [1, 2]
    ])
  })

  it("handles no sources, empty sources and one source", () => {
    expect(mergeByTime([]).length).toBe(0)
    expect(pairs(mergeByTime([quotes([]), quotes([3, 3]), trades([])]))).toEqual([
      [1, 0],
      [1, 1]
    ])
  })

  it("refuses an unsorted source and too many sources", () => {
    expect(() => mergeByTime([quotes([1, 2]), quotes([5, 4])])).toThrow(/source 1 is not sorted by time at row 1/)
    expect(() => mergeByTime(Array.from({ length: MAX_SOURCES + 1 }, () => quotes([])))).toThrow(RangeError)
  })

  it("is sorted, stable and a permutation of its input", () => {
    const source = fc
      .array(fc.integer({ min: 0, max: 3 }), { maxLength: 40 })
      .map((steps) => steps.map((_, i) => steps.slice(0, i + 1).reduce((a, b) => a + b, 0)))
    fc.assert(
      fc.property(fc.array(source, { maxLength: 8 }), (times) => {
        const sources = times.map((t, i) => (i % 2 === 0 ? quotes(t) : trades(t)))
        const timeline = mergeByTime(sources)
        const total = times.reduce((n, t) => n + t.length, 0)
        expect(timeline.length).toBe(total)
        const seen = new Set<string>()
        for (let i = 0; i < timeline.length; i++) {
          const s = timeline.source[i]!
          const r = timeline.row[i]!
          seen.add(`${s}:${r}`)
          expect(r).toBeLessThan(times[s]!.length)
          if (i === 0) continue
          const ps = timeline.source[i - 1]!
          const pr = timeline.row[i - 1]!
          const ts = times[s]![r]!
          const previous = times[ps]![pr]!
          expect(ts).toBeGreaterThanOrEqual(previous)
          // Stable: among equal times, (source, row) strictly increases.
          if (ts === previous) expect(ps < s || (ps === s && pr < r)).toBe(true)
        }
        expect(seen.size).toBe(total)
      }),
      { numRuns: 200 }
    )
  })
})
