import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import * as Batcher from "./Batcher"

/** A batcher whose batches are kept, in order. */
const kept = (maxSize: number) =>
  Effect.gen(function* () {
    const batches: Array<ReadonlyArray<number>> = []
    const batcher = yield* Batcher.make((batch: ReadonlyArray<number>) => Effect.sync(() => batches.push(batch)), {
      maxSize,
      maxWait: "200 millis"
    })
    return { batches, batcher }
  })

describe("Batcher", () => {
  it.scoped("handles a batch once it is full, without waiting", () =>
    Effect.gen(function* () {
      const { batches, batcher } = yield* kept(3)
      for (const n of [1, 2, 3, 4]) yield* batcher.offer(n)
      yield* Effect.yieldNow()
      expect(batches).toEqual([[1, 2, 3]])
    })
  )

  it.scoped("handles a batch that is not full once its first item waited maxWait", () =>
    Effect.gen(function* () {
      const { batches, batcher } = yield* kept(10)
      yield* batcher.offer(1)
      yield* TestClock.adjust("100 millis")
      yield* batcher.offer(2)
      expect(batches).toEqual([])
      yield* TestClock.adjust("100 millis")
      expect(batches).toEqual([[1, 2]])
      yield* batcher.offer(3)
      yield* TestClock.adjust("199 millis")
      expect(batches).toEqual([[1, 2]])
      yield* TestClock.adjust("1 millis")
      expect(batches).toEqual([[1, 2], [3]])
    })
  )

  it.scoped("handles what waits when closed, and fails as a batch's handling failed", () =>
    Effect.gen(function* () {
      const { batches, batcher } = yield* kept(10)
      yield* batcher.offer(1)
      yield* batcher.offer(2)
      yield* batcher.close
      expect(batches).toEqual([[1, 2]])
      const failing = yield* Batcher.make((_: ReadonlyArray<number>) => Effect.fail("refused" as const), {
        maxSize: 10,
        maxWait: "200 millis"
      })
      yield* failing.offer(1)
      const failed = yield* Effect.fork(Effect.flip(failing.failure))
      yield* TestClock.adjust("200 millis")
      expect(yield* Fiber.join(failed)).toBe("refused")
      const closed = yield* Effect.fork(failing.close)
      expect(yield* Fiber.join(closed).pipe(Effect.flip)).toBe("refused")
    })
  )
})
