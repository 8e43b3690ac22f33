/**
 * Work a parent order on a schedule of slices (TWAP, VWAP, ...): at each slice time the parent should have sent
 * `cumulative` lots. What a slice leaves unfilled is carried into the next: at a slice time a working child is
 * canceled and, once the venue confirms, replaced by one child for everything due and not filled. Timers run on
 * Effect's `Clock` (the replay's clock in a backtest); completion, `cancelAt` and `end` stop them.
 *
 * @since 0.1.0
 */
import { Effect, FiberId, type Scope } from "effect"
import type { AccountsService } from "../services/Accounts"
import { ParentOrder, type ParentOrderOptions } from "./ParentOrder"
import { sleepUntil } from "./Timers"

/** A slice: at `at` (µs), `cumulative` lots of the parent are due. */
export interface Slice {
  readonly at: number
  readonly cumulative: number
}

export interface ScheduleTiming {
  /** The parent expires at `end` (µs): its working child is canceled. */
  readonly end: number
  /** Cancel the parent at this time (µs), if before `end`. */
  readonly cancelAt?: number | undefined
}

/** Start working the parent on `slices` (in time order); returns the parent, whose status tells how it ended. */
export const workSchedule = (
  accounts: AccountsService,
  order: Omit<ParentOrderOptions, "onChildEnd" | "onFinish">,
  slices: ReadonlyArray<Slice>,
  timing: ScheduleTiming
): Effect.Effect<ParentOrder, never, Scope.Scope> =>
  Effect.gen(function* () {
    let due = 0
    let stopTimers = () => {}
    const parent: ParentOrder = yield* ParentOrder.make(accounts, {
      ...order,
      // After a fill, or a cancel this schedule asked for, send what is due; after a refusal or the venue's own
      // cancel, wait for the next slice rather than retry at once.
      onChildEnd: (end, requested) => {
        if (end === "filled" || requested) parent.send(due - parent.filled)
      },
      onFinish: () => stopTimers()
    })
    const { end, cancelAt } = timing
    const stopAt = cancelAt !== undefined && cancelAt < end ? cancelAt : end
    const fiber = yield* Effect.forkScoped(
      Effect.gen(function* () {
        for (const slice of slices) {
          if (slice.at >= stopAt) break
          yield* sleepUntil(slice.at)
          due = slice.cumulative
          if (parent.hasChild) parent.cancelChild()
          else parent.send(due - parent.filled)
        }
        yield* sleepUntil(stopAt)
        parent.stop(stopAt === end ? "expired" : "canceled")
      })
    )
    stopTimers = () => fiber.unsafeInterruptAsFork(FiberId.none)
    return parent
  })
