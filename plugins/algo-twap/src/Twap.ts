/**
 * TWAP: work a parent order in equal slices at a fixed interval between `start` and `end`. Slices are
 * `floor(quantity / n)` lots and the last takes the remainder; what a slice leaves unfilled is carried into the
 * next. Children are market orders, or limit orders at `limitPrice`. At `end` (or `cancelAt`) the working child is
 * canceled and nothing more is sent.
 *
 * @since 0.1.0
 */

import { DurationParam, parentOrderFields, TimeParam } from "@meridian/core/strategy/Params"
import { parentOrderOf } from "@meridian/core/strategy/ParentOrder"
import { type Slice, workSchedule } from "@meridian/core/strategy/SliceSchedule"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { nowMicros } from "@meridian/core/strategy/Timers"
import { Effect, Schema } from "effect"

export const Params = Schema.Struct({
  ...parentOrderFields,
  /** First slice; when the strategy starts if left out. */
  start: Schema.optionalWith(TimeParam, { exact: true }),
  /** The parent expires at `end`, or `duration` after `start`. */
  end: Schema.optionalWith(TimeParam, { exact: true }),
  duration: Schema.optionalWith(DurationParam, { exact: true }),
  /** Time between slices. */
  interval: DurationParam
}).pipe(
  Schema.filter((p) =>
    (p.end === undefined) !== (p.duration === undefined)
      ? true
      : { path: ["end"], message: "give either end or duration" }
  ),
  Schema.filter((p) =>
    p.end === undefined || p.start === undefined || p.end > p.start
      ? true
      : { path: ["end"], message: "end must be after start" }
  )
)
export type Params = typeof Params.Type

/** Slices every `interval` from `start` until `end`: `floor(quantity / n)` lots each, the last the remainder. */
export const twapSlices = (start: number, end: number, interval: number, quantity: number): ReadonlyArray<Slice> => {
  const n = Math.max(1, Math.ceil((end - start) / interval))
  const size = Math.floor(quantity / n)
  return Array.from({ length: n }, (_, i) => ({
    at: start + i * interval,
    cumulative: i === n - 1 ? quantity : size * (i + 1)
  }))
}

export const twap = Strategy.make({
  id: "algo-twap",
  description: "TWAP: a parent order in equal slices at a fixed interval",
  params: Params,
  program: (params) =>
    Effect.gen(function* () {
      const { accounts, order } = yield* parentOrderOf(params)
      const start = params.start ?? (yield* nowMicros)
      const end = params.end ?? start + (params.duration ?? 0)
      yield* workSchedule(accounts, order, twapSlices(start, end, params.interval, params.quantity), {
        end,
        cancelAt: params.cancelAt
      })
    })
})
