import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { MINUTE, quotes, runAlgo, SECOND, T0 } from "../../../test/strategy/algoSupport"
import twap, { twapSlices } from "./index"

const program = (params: Record<string, unknown>) => twap.program(Schema.decodeUnknownSync(twap.params)(params))
/** A quote every 15 s for 20 minutes, bid 10 000 / ask 10 002 ticks, 1 000 lots a side. */
const flat = quotes(T0, T0 + 20 * MINUTE, 15 * SECOND, () => [10_000, 10_002])

describe("algo-twap", () => {
  it("slices: floor(quantity / n) each, the last the remainder", () => {
    // 10 minutes every 2: n = 5; 103 / 5 = 20, the last 103 - 80 = 23.
    expect(twapSlices(0, 10 * MINUTE, 2 * MINUTE, 103)).toEqual([
      { at: 0, cumulative: 20 },
      { at: 2 * MINUTE, cumulative: 40 },
      { at: 4 * MINUTE, cumulative: 60 },
      { at: 6 * MINUTE, cumulative: 80 },
      { at: 8 * MINUTE, cumulative: 103 }
    ])
    // A period that is not a whole number of intervals: 7 minutes every 2 -> 4 slices.
    expect(twapSlices(0, 7 * MINUTE, 2 * MINUTE, 9).map((s) => s.cumulative)).toEqual([2, 4, 6, 9])
  })

  it.effect("sends one market child per slice at the slice times and fills the parent", () =>
    Effect.gen(function* () {
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 103, start: T0 + MINUTE, duration: "10m", interval: "2m" }),
        flat
      )
      expect(run.children).toEqual([
        [1 * MINUTE, 20],
        [3 * MINUTE, 20],
        [5 * MINUTE, 20],
        [7 * MINUTE, 20],
        [9 * MINUTE, 23]
      ])
      expect(run.filled).toBe(103)
      // Market buys take the ask.
      expect(run.fills.every((f) => f.fill.price === 10_002 && f.fill.side === "buy")).toBe(true)
      expect(run.canceled).toBe(0)
    })
  )

  it.effect("carries what a limit slice left unfilled into the next slice", () =>
    Effect.gen(function* () {
      // The ask is above the 10 000 limit until minute 3, at 9 998 after: the first slice cannot fill.
      const data = quotes(T0, T0 + 20 * MINUTE, 15 * SECOND, (ts) =>
        ts < T0 + 3 * MINUTE ? [9_990, 10_005] : [9_990, 9_998]
      )
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 100, start: T0, duration: "10m", interval: "2m", limitPrice: 10_000 }),
        data
      )
      // Minute 0: 20 rests unfilled; minute 2: it is canceled and 40 sent (20 carried + 20 due), filled at minute 3.
      expect(run.children).toEqual([
        [0, 20],
        [2 * MINUTE, 40],
        [4 * MINUTE, 20],
        [6 * MINUTE, 20],
        [8 * MINUTE, 20]
      ])
      expect(run.canceled).toBe(1)
      expect(run.filled).toBe(100)
      expect(run.fills[0]!.ts).toBe(T0 + 3 * MINUTE)
      expect(run.fills.every((f) => f.fill.price <= 10_000)).toBe(true)
    })
  )

  it.effect("cancels the working child at cancelAt and sends nothing more", () =>
    Effect.gen(function* () {
      // The limit is never reached: children only rest.
      const run = yield* runAlgo(
        program({
          side: "buy",
          quantity: 100,
          start: T0,
          duration: "10m",
          interval: "2m",
          limitPrice: 9_000,
          cancelAt: T0 + 5 * MINUTE
        }),
        flat
      )
      // Slices at 0, 2, 4 (each rolling the unfilled child into the next), then the parent is canceled at 5.
      expect(run.children).toEqual([
        [0, 20],
        [2 * MINUTE, 40],
        [4 * MINUTE, 60]
      ])
      const last = run.events.at(-1)!
      expect(last._tag).toBe("OrderCanceled")
      expect(last.ts).toBe(T0 + 5 * MINUTE)
      expect(run.filled).toBe(0)
      expect(run.events.filter((e) => e._tag === "OrderSubmitted" && e.ts > T0 + 5 * MINUTE)).toHaveLength(0)
    })
  )

  it.effect("expires at its end: the unfilled child is canceled", () =>
    Effect.gen(function* () {
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 10, start: T0, end: T0 + 4 * MINUTE, interval: "2m", limitPrice: 9_000 }),
        flat
      )
      expect(run.children).toEqual([
        [0, 5],
        [2 * MINUTE, 10]
      ])
      expect(run.events.at(-1)).toMatchObject({ _tag: "OrderCanceled", ts: T0 + 4 * MINUTE })
    })
  )

  it.effect("with venue latency, still fills exactly the parent quantity", () =>
    Effect.gen(function* () {
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 50, start: T0 + MINUTE, duration: "5m", interval: "1m" }),
        flat,
        250_000
      )
      expect(run.children).toEqual([1, 2, 3, 4, 5].map((m) => [m * MINUTE, 10]))
      expect(run.filled).toBe(50)
      // Each child reaches the venue 250 ms after it was sent and fills on arrival against the standing quote.
      expect(run.fills.map((f) => f.ts - T0)).toEqual([1, 2, 3, 4, 5].map((m) => m * MINUTE + 250_000))
    })
  )

  it.effect("retries a slice refused by pre-trade risk with the next one", () =>
    Effect.gen(function* () {
      // At T0 no quote has been seen: a market buy has no price to check buying power against and is refused.
      const run = yield* runAlgo(
        program({ side: "buy", quantity: 30, start: T0, duration: "3m", interval: "1m" }),
        flat
      )
      expect(run.events[0]).toMatchObject({ _tag: "OrderRejected", ts: T0 })
      expect(run.children).toEqual([
        [1 * MINUTE, 20],
        [2 * MINUTE, 10]
      ])
      expect(run.filled).toBe(30)
    })
  )

  it("refuses parameters without an end or with both end and duration", () => {
    const decode = Schema.decodeUnknownEither(twap.params)
    expect(decode({ side: "buy", quantity: 1, interval: "1m" })._tag).toBe("Left")
    expect(decode({ side: "buy", quantity: 1, interval: "1m", end: T0, duration: "5m" })._tag).toBe("Left")
  })
})
