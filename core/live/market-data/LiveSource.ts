/**
 * A live source of the Market Data Service: a venue's feed (the `ccxt` connector's data client, say) that pushes
 * normalized events as they happen, read by the publisher as it reads the replay (`next(max)`).
 *
 * The service never depends on a plugin: the runtime hands it a table of source kinds by the key that names them
 * in the configuration's `source` (`{ "ccxt": {...} }`), each decoding its own options, as the Execution Service's
 * connector table does.
 *
 * A live source cannot be resumed from a sequence: after a restart the journal's events stay published and the
 * sequence continues after them, while the source subscribes afresh, so each book starts again from a fresh
 * snapshot (a `clear` and its levels). What happened on the venue while the service was down is not published.
 *
 * @since 0.1.0
 */
import { Deferred, Effect, Option, ParseResult, Queue, Schema, type Scope } from "effect"
import type { MarketDataEvent } from "../../domain/MarketData"
import type { ReplayConnector } from "./ReplayConnector"

/** A source that cannot start: the message names the configuration field. */
export class LiveSourceError extends Schema.TaggedError<LiveSourceError>()("LiveSourceError", {
  message: Schema.String
}) {}

export interface LiveFeed {
  /** What the feed is (venue, instruments), without secrets: a journal continues only the feed it was written by. */
  readonly identity: Readonly<Record<string, unknown>>
  /** Subscribe: `handler` is called with every event, in order, until the scope closes. */
  readonly events: (handler: (event: MarketDataEvent) => void) => Effect.Effect<void, never, Scope.Scope>
}

export interface LiveSourceKind {
  readonly open: (options: unknown) => Effect.Effect<LiveFeed, LiveSourceError, Scope.Scope>
}

/** The live source kinds a runtime carries, by the key that names them in the configuration's `source`. */
export type LiveSourceTable = Readonly<Record<string, LiveSourceKind>>

/** A source kind whose options decode with `options`: a failure names every field at fault under `source.<kind>`. */
export const liveSourceKind = <A, I>(
  kind: string,
  options: Schema.Schema<A, I>,
  open: (options: A) => Effect.Effect<LiveFeed, LiveSourceError, Scope.Scope>
): LiveSourceKind => ({
  open: (raw) =>
    Schema.decodeUnknown(options)(raw, { errors: "all" }).pipe(
      Effect.mapError(
        (error) =>
          new LiveSourceError({
            message: ParseResult.ArrayFormatter.formatErrorSync(error)
              .map((issue) => `${["source", kind, ...issue.path].join(".")}: ${issue.message}`)
              .join("; ")
          })
      ),
      Effect.flatMap(open)
    )
})

/**
 * The feed as the publisher reads it: `next(max)` waits until at least one event arrived and returns up to `max`;
 * it returns none only once the feed is over (its scope closed) and every event received was taken. Events wait
 * in memory between the venue and the journal; the venue is never held up.
 */
export const pullFeed = (feed: LiveFeed): Effect.Effect<ReplayConnector, never, Scope.Scope> =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<MarketDataEvent>()
    const ended = yield* Deferred.make<void>()
    // Registered before the feed's own finalizers, so it runs after them: the last events are in the queue.
    yield* Effect.addFinalizer(() => Deferred.succeed(ended, undefined))
    yield* feed.events((event) => {
      queue.unsafeOffer(event)
    })
    const takeUpTo = (max: number) => Effect.map(Queue.takeUpTo(queue, max), (events) => Array.from(events))
    return {
      next: (max) =>
        Effect.gen(function* () {
          const ready = yield* takeUpTo(max)
          if (ready.length > 0 || (yield* Deferred.isDone(ended))) return ready
          // One event or the end, whichever comes first; an interrupted `take` loses nothing.
          const first = yield* Effect.raceFirst(
            Effect.map(Queue.take(queue), Option.some),
            Effect.as(Deferred.await(ended), Option.none<MarketDataEvent>())
          )
          if (Option.isNone(first)) return yield* takeUpTo(max)
          return [first.value, ...(yield* takeUpTo(max - 1))]
        })
    }
  })
