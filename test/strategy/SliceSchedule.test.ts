import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { Accounts } from "../../core/services/Accounts"
import type { ParentOrder } from "../../core/strategy/ParentOrder"
import { type Slice, workSchedule } from "../../core/strategy/SliceSchedule"
import { AAPL, MINUTE, quotes, runAlgo, SECOND, T0 } from "./algoSupport"

/** The outer clock, noting each sleep that ends ("woke") or is interrupted. */
const noting = (outer: Clock.Clock, log: Array<string>): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => outer.unsafeCurrentTimeMillis(),
  currentTimeMillis: outer.currentTimeMillis,
  unsafeCurrentTimeNanos: () => outer.unsafeCurrentTimeNanos(),
  currentTimeNanos: outer.currentTimeNanos,
  sleep: (duration) =>
    outer.sleep(duration).pipe(
      Effect.tap(() => log.push("woke")),
      Effect.onInterrupt(() => Effect.sync(() => log.push("interrupted")))
    )
})

const flat = quotes(T0, T0 + 10 * MINUTE, 15 * SECOND, () => [10_000, 10_002])

const schedule = (slices: ReadonlyArray<Slice>, log: Array<string>, out: { parent?: ParentOrder }) =>
  Effect.gen(function* () {
    const accounts = yield* Accounts
    const outer = yield* Effect.clock
    out.parent = yield* workSchedule(accounts, { instrumentId: AAPL.id, side: "buy", quantity: 10 }, slices, {
      end: T0 + 5 * MINUTE
    }).pipe(Effect.withClock(noting(outer, log)))
  })

describe("workSchedule", () => {
  it.effect("stops its timers once the parent is filled", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const out: { parent?: ParentOrder } = {}
      const slices = [1, 2, 3].map((m) => ({ at: T0 + m * MINUTE, cumulative: 10 }))
      const run = yield* runAlgo(schedule(slices, log, out), flat)
      expect(run.filled).toBe(10)
      expect(out.parent?.status).toBe("filled")
      expect(out.parent?.children).toBe(1)
      // Woke for the first slice; the sleep towards the second was interrupted; none for the third or the end.
      expect(log).toEqual(["woke", "interrupted"])
    })
  )

  it.effect("expires at its end when the slices did not fill it", () =>
    Effect.gen(function* () {
      const log: Array<string> = []
      const out: { parent?: ParentOrder } = {}
      // Only 4 of the 10 lots are ever due.
      const run = yield* runAlgo(schedule([{ at: T0 + MINUTE, cumulative: 4 }], log, out), flat)
      expect(run.filled).toBe(4)
      expect(out.parent?.status).toBe("expired")
      expect(out.parent?.remaining).toBe(6)
      expect(log).toEqual(["woke", "woke"])
    })
  )
})
