import { describe, expect, it } from "@effect/vitest"
import { makeBench } from "../../../test/support/accounts/harness"
import { RateWindow, ScopeState } from "./ScopeState"

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
    for (let t = 16; t < 28; t++) w.record(t) // the 16-slot ring is full, wrapped around
    // At 28 the full ring sweeps out 6..18 and, still more than half full, doubles.
    w.record(28)
    expect(w.capacity).toBe(32)
    expect(w.recent(28)).toBe(10) // (18, 28] holds 19..28
    expect(w.recent(30)).toBe(8) // (20, 30] holds 21..28
  })

  it("answers whether more orders fit, sweeping expired times only near the limit", () => {
    const w = new RateWindow(3, 100)
    w.record(0)
    w.record(10)
    expect(w.allows(50, 1)).toBe(true)
    expect(w.allows(50, 2)).toBe(false)
    w.record(50)
    expect(w.allows(99, 1)).toBe(false) // 0, 10 and 50 are all within (-1, 99]
    expect(w.allows(100, 1)).toBe(true) // (0, 100]: the one at 0 left the window
    expect(w.allows(110, 2)).toBe(true) // (10, 110] holds only 50
    expect(w.allows(110, 3)).toBe(false)
  })

  it("holds about what its window holds, however generous the limit", () => {
    const w = new RateWindow(1_000_000_000, 1_000)
    // 100 000 orders 10 µs apart: about 100 in any window.
    for (let t = 0; t < 1_000_000; t += 10) w.record(t)
    expect(w.recent(999_990)).toBe(100)
    expect(w.capacity).toBeLessThanOrEqual(256)
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
