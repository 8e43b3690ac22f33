/**
 * The publishing loop: events from the connector, paced, journaled (one group commit per batch), then published in
 * journal order. Nothing goes out that a crash could take back, and a restart continues after the last journaled
 * event.
 */
import { Clock, Effect } from "effect"
import type { MarketDataEvent } from "../../../domain/MarketData"
import type { HistoryError } from "../../../history/History"
import { type Journal, JournalError } from "../../../journal/Journal"
import type { Codec } from "../../../protocol/Codec"
import type { EventLog } from "../../accounts/EventLog"
import type { Pace } from "../MarketDataConfig"
import type { ReplayConnector } from "../ReplayConnector"
import { knownAt } from "./events"
import type { Lockstep } from "./lockstep"

export interface PublisherOptions {
  readonly connector: ReplayConnector
  readonly journal: Journal
  readonly codec: Codec<MarketDataEvent>
  readonly log: EventLog<MarketDataEvent>
  readonly pace: Pace
  /** At a `speed` pace, the longest wait between two events. */
  readonly maxGapMs: number
  /** The barrier, when the pace is lockstep. */
  readonly lockstep: Lockstep | undefined
  /** Called with each batch published. */
  readonly onPublished?: (events: number) => void
  /** At the `max` pace, completes once the subscribers have taken what was published (the replay's backpressure). */
  readonly keepUp?: Effect.Effect<void>
}

/** Events read, journaled and published together at the `max` and `speed` paces. */
const BATCH = 512

/** Publish the whole replay; completes with the last sequence once the replay is over. */
export const publishReplay = (options: PublisherOptions): Effect.Effect<number, JournalError | HistoryError> =>
  Effect.gen(function* () {
    const { connector, journal, codec, log, pace, lockstep } = options
    const publish = (events: ReadonlyArray<MarketDataEvent>) =>
      Effect.gen(function* () {
        if (events.length === 0) return
        yield* Effect.try({
          try: () => {
            for (const event of events) journal.append(codec.encode(event))
          },
          catch: (cause) =>
            cause instanceof JournalError
              ? cause
              : new JournalError({ reason: "Io", message: cause instanceof Error ? cause.message : String(cause) })
        })
        yield* journal.sync
        for (const event of events) log.push(event)
        lockstep?.published()
        options.onPublished?.(events.length)
      })
    const waitUntil = (ready: () => boolean) =>
      Effect.gen(function* () {
        while (lockstep !== undefined && !ready()) {
          yield* Effect.async<void>((resume) => {
            const cancel = lockstep.onChange(() => resume(Effect.void))
            return Effect.sync(cancel)
          })
        }
      })

    if (pace === "lockstep") {
      for (;;) {
        yield* waitUntil(() => lockstep!.mayPublish(log.last + 1))
        const events = yield* connector.next(1)
        if (events.length === 0) break
        yield* publish(events)
      }
      yield* waitUntil(() => lockstep!.allDone(log.last))
      return log.last
    }
    if (pace === "max") {
      for (;;) {
        const events = yield* connector.next(BATCH)
        if (events.length === 0) return log.last
        if (options.keepUp !== undefined) yield* options.keepUp
        yield* publish(events)
      }
    }
    // `speed`: each event is due when the feed's time has advanced by its gap (at most `maxGapMs`) / speed.
    let due = yield* Clock.currentTimeMillis
    let feedTime: number | undefined
    const pending: Array<MarketDataEvent> = []
    for (;;) {
      const events = yield* connector.next(BATCH)
      if (events.length === 0) break
      for (const event of events) {
        const known = knownAt(event)
        if (feedTime !== undefined && known > feedTime) {
          due += Math.min((known - feedTime) / 1000 / pace.speed, options.maxGapMs)
        }
        feedTime = Math.max(feedTime ?? known, known)
        const now = yield* Clock.currentTimeMillis
        if (due > now + 1) {
          yield* publish(pending.splice(0))
          yield* Effect.sleep(Math.max(0, due - (yield* Clock.currentTimeMillis)))
        }
        pending.push(event)
      }
      yield* publish(pending.splice(0))
    }
    return log.last
  })
