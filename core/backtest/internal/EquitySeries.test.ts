import { describe, expect, it } from "@effect/vitest"
import { EquitySeries } from "./EquitySeries"

describe("EquitySeries", () => {
  it("keeps every sample when it outgrows its capacity, and replaces the last one in place", () => {
    const series = new EquitySeries(2)
    for (let i = 0; i < 40; i++) series.push(i * 60, 1_000 + i, i % 2, 500 - i)
    series.setLast(7, 0, 9)
    expect(series.ts.length).toBe(40)
    expect(Array.from(series.ts.subarray(0, 3))).toEqual([0, 60, 120])
    expect(series.ts[39]).toBe(39 * 60)
    expect(Array.from(series.equity.subarray(37))).toEqual([1_037, 1_038, 7])
    expect(Array.from(series.exposed.subarray(37))).toEqual([1, 0, 0])
    expect(Array.from(series.price.subarray(37))).toEqual([463, 462, 9])
    expect(series.exposed).toBeInstanceOf(Uint8Array)
  })
})
