/**
 * Time for strategies, from Effect's `Clock` in microseconds (the backtest's clock is the replay's), and the
 * lifecycle hook `onStop`.
 *
 * @since 0.1.0
 */
import { Clock, Duration, Effect, type Scope } from "effect"

/** The clock's time in microseconds since the epoch. */
export const nowMicros: Effect.Effect<number> = Effect.map(Clock.currentTimeNanos, (nanos) => Number(nanos / 1000n))

/** Sleep until the clock reads `atUs` (µs since the epoch); returns at once when that time has passed. */
export const sleepUntil = (atUs: number): Effect.Effect<void> =>
  Effect.flatMap(nowMicros, (now) => (atUs <= now ? Effect.void : Effect.sleep(Duration.micros(BigInt(atUs - now)))))

/** Run `effect` when the strategy stops (its scope closes), e.g. to cancel its working orders. */
export const onStop = <R>(effect: Effect.Effect<void, never, R>): Effect.Effect<void, never, R | Scope.Scope> =>
  Effect.addFinalizer(() => effect)
