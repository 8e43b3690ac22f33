import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, FastCheck as fc } from "effect"
import { ReplayScheduler } from "../backtest/ReplayScheduler"
import { SimulatedClock } from "../backtest/SimulatedClock"
import { nowMicros, sleepUntil } from "./Timers"

describe("Timers", () => {
  it("sleepUntil wakes at exactly the microsecond asked for on the simulated clock", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 10 ** 12 }), (start, delay) => {
        const clock = new SimulatedClock(1_700_000_000_000_000 + start)
        const scheduler = new ReplayScheduler()
        const at = clock.now + delay
        const fiber = Effect.runFork(
          Effect.zipRight(sleepUntil(at), nowMicros).pipe(Effect.withClock(clock), Effect.withScheduler(scheduler))
        )
        scheduler.drain()
        expect(clock.nextTimer()).toBe(at)
        clock.fireNext(at)
        scheduler.drain()
        expect(Effect.runSync(Fiber.join(fiber))).toBe(at)
      }),
      { numRuns: 200 }
    )
  })

  it("sleepUntil a time that has passed returns at once", () => {
    const clock = new SimulatedClock(5_000_000)
    expect(Effect.runSync(Effect.zipRight(sleepUntil(1), nowMicros).pipe(Effect.withClock(clock)))).toBe(5_000_000)
  })
})
