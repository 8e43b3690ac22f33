import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import type { Server, Session } from "../../../protocol/Protocol"
import { KEEP_UP_BYTES, subscribersKeepUp } from "./keepUp"

/** A session with `buffered` bytes waiting, whose `drain` empties it and runs its `whenWritable` callbacks. */
const session = (buffered: number) => {
  let waiting = buffered
  let open = true
  const callbacks: Array<() => void> = []
  const fake = {
    buffered: () => waiting,
    isOpen: () => open,
    whenWritable: (callback: () => void) => callbacks.push(callback)
  } as unknown as Session
  return {
    fake,
    drain: () => {
      waiting = 0
      for (const callback of callbacks.splice(0)) callback()
    },
    close: () => {
      open = false
    }
  }
}
const serverOf = (...sessions: ReadonlyArray<{ fake: Session }>) =>
  ({ sessions: () => sessions.map((s) => s.fake) }) as unknown as Server

describe("subscribersKeepUp", () => {
  it.live("goes on at once when every subscriber is under the mark", () =>
    Effect.gen(function* () {
      yield* subscribersKeepUp(serverOf(session(0), session(KEEP_UP_BYTES)))
    })
  )

  it.live("waits for the slowest subscriber to drain", () =>
    Effect.gen(function* () {
      const fast = session(0)
      const slow = session(KEEP_UP_BYTES + 1)
      const wait = yield* Effect.fork(subscribersKeepUp(serverOf(fast, slow)))
      yield* Effect.sleep("20 millis")
      expect(wait.unsafePoll()).toBeNull()
      slow.drain()
      yield* Fiber.join(wait)
    })
  )

  it.live("stops waiting for a subscriber whose session closed", () =>
    Effect.gen(function* () {
      const gone = session(10 * KEEP_UP_BYTES)
      const wait = yield* Effect.fork(subscribersKeepUp(serverOf(gone)))
      gone.close()
      yield* Fiber.join(wait)
    })
  )
})
