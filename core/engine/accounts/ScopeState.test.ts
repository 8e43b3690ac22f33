import { describe, expect, it } from "@effect/vitest"
import { RateWindow, ScopeState } from "./ScopeState"
import { makeBench } from "./testing/harness"

describe("RateWindow", () => {
  it("counts the submissions of the last window and forgets older ones", () => {
    const w = new RateWindow(3, 100)
    w.record(0)
    w.record(50)
    w.record(99)
    expect(w.recent(99)).toBe(3)
    // At 100 the one at 0 is exactly one window old: (0, 100] holds 50 and 99.
    expect(w.recent(100)).toBe(2)
    w.record(100)
    w.record(101) // a full ring drops its oldest
    expect(w.recent(101)).toBe(3)
    expect(w.recent(1_000)).toBe(0)
  })
})

describe("ScopeState", () => {
  it("creates one aggregate per instrument and rebuilds the rate window only when it changes", () => {
    const { specs } = makeBench()
    const scope = new ScopeState("test", specs.list[0]!.currency)
    const aapl = scope.stat(specs.list[0]!)
    expect(scope.stat(specs.list[0]!)).toBe(aapl)
    scope.stat(specs.list[2]!)
    expect(scope.stats.map((s) => s.spec.index)).toEqual([0, 2])
    scope.setLimits({ maxOrdersPerWindow: 2, orderRateWindow: 10 })
    const rate = scope.rate
    scope.setLimits({ maxOrdersPerWindow: 2, orderRateWindow: 10, maxOpenOrders: 1 })
    expect(scope.rate).toBe(rate)
    scope.setLimits({ maxOrdersPerWindow: 3, orderRateWindow: 10 })
    expect(scope.rate?.max).toBe(3)
    scope.setLimits({ maxOrdersPerWindow: 3 })
    expect(scope.rate).toBeUndefined()
  })
})
