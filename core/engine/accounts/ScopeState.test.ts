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

  it("grows past its first capacity in order, up to max", () => {
    // 40 submissions at 0..39 with max 30: the ring doubles 16 → 32 and then drops the oldest 10.
    const w = new RateWindow(30, 1_000)
    for (let t = 0; t < 40; t++) w.record(t)
    expect(w.recent(39)).toBe(30)
    // (9, 1_009] keeps 10..39: exactly the 30 kept, none dropped wrongly out of order.
    expect(w.recent(1_009)).toBe(30)
    // (19, 1_019] keeps 20..39.
    expect(w.recent(1_019)).toBe(20)
  })

  it("keeps time order when it grows while wrapped around", () => {
    const w = new RateWindow(100, 10)
    for (let t = 0; t < 10; t++) w.record(t)
    expect(w.recent(15)).toBe(4) // (5, 15] holds 6..9: the head moved to slot 6
    for (let t = 16; t < 28; t++) w.record(t) // the 16-slot ring wraps, then doubles at 16 entries
    expect(w.recent(27)).toBe(10) // (17, 27] holds 18..27
    expect(w.recent(30)).toBe(7) // (20, 30] holds 21..27
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
