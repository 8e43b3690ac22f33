import { describe, expect, it } from "@effect/vitest"
import type { AccountEvent } from "@meridian/core/domain/Events"
import { Effect, Schema } from "effect"
import { MINUTE, quotes, runAlgo, SECOND, T0 } from "../../../test/strategy/algoSupport"
import iceberg from "./index"

const program = (params: Record<string, unknown>) => iceberg.program(Schema.decodeUnknownSync(iceberg.params)(params))

/** The most children working at once, from the event stream. */
const maxWorking = (events: ReadonlyArray<AccountEvent>): number => {
  let working = 0
  let max = 0
  for (const e of events) {
    if (e._tag === "OrderSubmitted") working++
    else if (e._tag === "OrderCanceled" || (e._tag === "OrderFilled" && e.status === "filled")) working--
    max = Math.max(max, working)
  }
  return max
}

describe("algo-iceberg", () => {
  it.effect("keeps one display-size child working, replacing it as it fills, until the parent is filled", () =>
    Effect.gen(function* () {
      // The ask sits at the 10 000 limit with 25 lots every 15 s: a child of 30 fills 25, then 5 at the next quote.
      const data = quotes(T0, T0 + 10 * MINUTE, 15 * SECOND, () => [9_990, 10_000], 25)
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 100, displayQuantity: 30, limitPrice: 10_000, start: T0 + SECOND }),
        data
      )
      expect(run.children.map(([, q]) => q)).toEqual([30, 30, 30, 10])
      expect(run.filled).toBe(100)
      expect(maxWorking(run.events)).toBe(1)
      // Each child after the first is sent when the previous one filled.
      const lastFills = run.fills.filter((f) => f.status === "filled").map((f) => f.ts - T0)
      expect(run.children.slice(1).map(([at]) => at)).toEqual(lastFills.slice(0, -1))
      expect(run.children[0]![0]).toBe(SECOND)
      expect(run.fills.every((f) => f.fill.price <= 10_000)).toBe(true)
    })
  )

  it.effect("cancels the working child at cancelAt and sends nothing more", () =>
    Effect.gen(function* () {
      // Only the first quote reaches the limit: the first child fills, the second rests until the cancel.
      const data = quotes(
        T0,
        T0 + 10 * MINUTE,
        15 * SECOND,
        (ts) => (ts === T0 ? [9_990, 10_000] : [9_990, 10_010]),
        30
      )
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 100, displayQuantity: 30, limitPrice: 10_000, cancelAt: T0 + 3 * MINUTE }),
        data
      )
      expect(run.filled).toBe(30)
      // The first child fills against the first quote, and the second goes out at once, at the same time.
      expect(run.children).toEqual([
        [0, 30],
        [0, 30]
      ])
      expect(maxWorking(run.events)).toBe(1)
      expect(run.events.at(-1)).toMatchObject({ _tag: "OrderCanceled", ts: T0 + 3 * MINUTE })
      expect(run.submitted.every((e) => e.ts < T0 + 3 * MINUTE)).toBe(true)
    })
  )

  it("refuses a display quantity above the parent quantity", () => {
    const decode = Schema.decodeUnknownEither(iceberg.params)
    expect(decode({ side: "buy", quantity: 10, displayQuantity: 11, limitPrice: 1 })._tag).toBe("Left")
  })
})
