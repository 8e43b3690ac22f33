/**
 * Items handed over one at a time and handled in batches: a batch is handled once `maxSize` items wait, or
 * `maxWait` after its first item arrived, or when the batcher is closed. Recording a sweep's results this way puts
 * many results in one transaction whose statements each cover all of them: on the embedded database a statement
 * costs far more than a row, and one transaction per result was most of a sweep's cost per job.
 *
 * @since 0.1.0
 */
import { Deferred, type Duration, Effect, Fiber, Option, Queue, Ref, type Scope } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Batcher<A, E> {
  /** Hand over an item; it is handled with the next batch. */
  readonly offer: (item: A) => Effect.Effect<void>
  /** Handle what waits and stop; fails as the handling of a batch failed (after which nothing more is handled). */
  readonly close: Effect.Effect<void, E>
  /** Fails as soon as the handling of a batch failed; never succeeds: what waits on results can stop at once. */
  readonly failure: Effect.Effect<never, E>
}

/**
 * A batcher handling its batches in order, one at a time, with `handle` (in a fiber of the scope).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <A, E, R>(
  handle: (batch: ReadonlyArray<A>) => Effect.Effect<void, E, R>,
  options: { readonly maxSize: number; readonly maxWait: Duration.DurationInput }
): Effect.Effect<Batcher<A, E>, never, Scope.Scope | R> =>
  Effect.gen(function* () {
    // `None`: closed, after the items before it.
    const queue = yield* Queue.unbounded<Option.Option<A>>()
    // Completed when the waiting batch should go now (full, or closed); replaced for each batch.
    const due = yield* Ref.make(yield* Deferred.make<void>())
    const wake = Effect.flatMap(Ref.get(due), (d) => Deferred.succeed(d, undefined))
    // Set by `close`, which may wake the batch before it waits.
    const closing = yield* Ref.make(false)
    const loop = Effect.gen(function* () {
      while (true) {
        const first = yield* Queue.take(queue)
        if (Option.isNone(first)) return
        const waiting = yield* Deferred.make<void>()
        yield* Ref.set(due, waiting)
        if ((yield* Queue.size(queue)) < options.maxSize - 1 && !(yield* Ref.get(closing))) {
          yield* Effect.race(Effect.sleep(options.maxWait), Deferred.await(waiting))
        }
        const more = yield* Queue.takeUpTo(queue, options.maxSize - 1)
        const batch = [first.value]
        let closed = false
        for (const item of more) {
          if (Option.isNone(item)) closed = true
          else batch.push(item.value)
        }
        yield* handle(batch)
        if (closed) return
      }
    })
    const fiber = yield* Effect.forkScoped(loop)
    return {
      offer: (item) =>
        Effect.gen(function* () {
          yield* Queue.offer(queue, Option.some(item))
          // The batch taking shape holds its first item and what waits behind it.
          if ((yield* Queue.size(queue)) >= options.maxSize - 1) yield* wake
        }),
      close: Effect.gen(function* () {
        yield* Ref.set(closing, true)
        yield* Queue.offer(queue, Option.none())
        yield* wake
        yield* Fiber.join(fiber)
      }),
      failure: Effect.zipRight(Fiber.join(fiber), Effect.never)
    }
  })
