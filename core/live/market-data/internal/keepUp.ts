/**
 * The backpressure of a replay at the `max` pace: it publishes no faster than its slowest subscriber reads.
 */
import { Effect } from "effect"
import type { Server } from "../../../protocol/Protocol"

/** What may wait for one subscriber before a replay at the `max` pace waits for it (far below the drop bound). */
export const KEEP_UP_BYTES = 1024 * 1024

/**
 * Completes once no open session has more than `KEEP_UP_BYTES` waiting: a replay goes as fast as its slowest
 * subscriber reads, instead of dropping it as a slow consumer. Sessions that close meanwhile no longer count.
 */
export const subscribersKeepUp = (server: Server): Effect.Effect<void> =>
  Effect.async<void>((resume) => {
    const caughtUp = () => server.sessions().every((s) => !s.isOpen() || s.buffered() <= KEEP_UP_BYTES)
    if (caughtUp()) return resume(Effect.void)
    let done = false
    const check = () => {
      if (done || !caughtUp()) return
      done = true
      clearInterval(poll)
      resume(Effect.void)
    }
    for (const session of server.sessions()) if (session.buffered() > KEEP_UP_BYTES) session.whenWritable(check)
    // `whenWritable` never fires for a session that closes: a slow poll notices those.
    const poll = setInterval(check, 50)
    return Effect.sync(() => clearInterval(poll))
  })
