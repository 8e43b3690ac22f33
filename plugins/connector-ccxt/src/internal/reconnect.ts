/** Reconnect with exponential backoff: 1×, 2×, 4× ... the first delay, capped; reset once a connection worked. */
import { Duration, Effect } from "effect"

export const reconnectDelay = (attempt: number, initialMs: number, maxMs: number): Duration.Duration =>
  Duration.millis(Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20)))

/**
 * Run `connect` for ever: after each end (closed by the venue, or failed), wait the backoff and connect again.
 * `connect` calls `healthy` once its connection delivered something, which resets the backoff.
 */
export const keepConnected = <E, R>(
  name: string,
  options: { readonly initialMs: number; readonly maxMs: number },
  connect: (healthy: () => void) => Effect.Effect<void, E, R>,
  onReconnect: () => void
): Effect.Effect<never, never, R> =>
  Effect.gen(function* () {
    let attempt = 0
    for (let n = 0; ; n++) {
      if (n > 0) onReconnect()
      const exit = yield* Effect.exit(connect(() => (attempt = 0)))
      const delay = reconnectDelay(attempt++, options.initialMs, options.maxMs)
      yield* Effect.logWarning(`${name}: connection ended, reconnecting`).pipe(
        Effect.annotateLogs({
          after: Duration.format(delay),
          ...(exit._tag === "Failure" ? { cause: String(exit.cause).slice(0, 300) } : {})
        })
      )
      yield* Effect.sleep(delay)
    }
  })
