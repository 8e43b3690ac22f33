/**
 * Iceberg: work a parent limit order by showing only `displayQuantity` lots at a time. Exactly one child limit
 * order of display size (less for the last) works at the parent's limit price; when it fills, the next is sent at
 * once, until the parent quantity is filled. A child refused, canceled or expired by someone else ends the parent;
 * `cancelAt` cancels the working child and nothing more is sent.
 *
 * @since 0.1.0
 */

import { parentOrderFields, TimeParam } from "@meridian/core/strategy/Params"
import { ParentOrder, parentOrderOf } from "@meridian/core/strategy/ParentOrder"
import * as Strategy from "@meridian/core/strategy/Strategy"
import { sleepUntil } from "@meridian/core/strategy/Timers"
import { Effect, FiberId, Schema } from "effect"

export const Params = Schema.Struct({
  ...parentOrderFields,
  /** The parent's limit price in ticks; every child works at it. */
  limitPrice: Schema.Int,
  /** Lots shown at a time. */
  displayQuantity: Schema.Int.pipe(Schema.positive()),
  /** When to show the first child; when the strategy starts if left out. */
  start: Schema.optionalWith(TimeParam, { exact: true })
}).pipe(
  Schema.filter((p) =>
    p.displayQuantity <= p.quantity
      ? true
      : { path: ["displayQuantity"], message: "displayQuantity must not exceed quantity" }
  )
)
export type Params = typeof Params.Type

export const iceberg = Strategy.make({
  id: "algo-iceberg",
  description: "Iceberg: a parent limit order shown one display-size child at a time",
  params: Params,
  program: (params) =>
    Effect.gen(function* () {
      const { accounts, order } = yield* parentOrderOf(params)
      let stopTimers = () => {}
      const parent: ParentOrder = yield* ParentOrder.make(accounts, {
        ...order,
        onChildEnd: (end) => {
          if (end === "filled") parent.send(params.displayQuantity)
          else parent.stop("canceled")
        },
        onFinish: () => stopTimers()
      })
      const timers = yield* Effect.forkScoped(
        Effect.gen(function* () {
          if (params.start !== undefined) yield* sleepUntil(params.start)
          parent.send(params.displayQuantity)
          if (params.cancelAt === undefined) return
          yield* sleepUntil(params.cancelAt)
          parent.stop("canceled")
        })
      )
      stopTimers = () => timers.unsafeInterruptAsFork(FiberId.none)
    })
})
