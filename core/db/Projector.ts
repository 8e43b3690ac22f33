/**
 * Projection of the Accounts Service's events into the central database, off the hot path.
 *
 * The engine's output callback calls `enqueue` (a plain push onto an unbounded queue); one fiber takes up to
 * `batchSize` events at a time and writes them in one transaction (`account_events` keyed by account and
 * sequence, then orders, fills, positions and cash). Delivery is at least once: an event already stored changes
 * nothing. Events are applied per account strictly in sequence: an event past a gap is not stored, the gap is
 * reported, and the source replays from `lastSequence(account) + 1` — as after a restart, since events taken but
 * not committed when the projector stops are lost with it.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Queue, Schedule, Schema, type Scope, Stream, SubscriptionRef } from "effect"
import type { AccountEvent } from "../domain/Events"
import type { AccountId } from "../domain/Ids"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"
import { writeBatch } from "./internal/projection"

/**
 * A hole in an account's stream: `received` arrived while `expected` was the next sequence to store.
 *
 * @since 0.1.0
 */
export interface Gap {
  readonly accountId: AccountId
  readonly expected: number
  readonly received: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProjectorOptions {
  /** Most events per transaction (default 500). */
  readonly batchSize?: number
  /** Told of each gap (default: a warning in the log). */
  readonly onGap?: (gap: Gap) => Effect.Effect<void>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ProjectorService {
  /** Hand an event to the projector; returns at once. For the hot path. */
  readonly enqueue: (event: AccountEvent) => void
  /** Completes when every event enqueued before the call has been processed (stored, skipped or reported). */
  readonly flush: Effect.Effect<void>
  /** The last sequence stored for the account, 0 if none: the source replays from the next one. */
  readonly lastSequence: (accountId: AccountId) => Effect.Effect<number, DatabaseError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Projector extends Context.Tag("@meridian/core/db/Projector")<Projector, ProjectorService>() {}

const LastSequence = Schema.Struct({ last: Schema.NumberFromString })

/** Retry a failed batch with backoff (100 ms doubling, at most 5 s apart) until the database takes it. */
const retryPolicy = Schedule.union(Schedule.exponential("100 millis"), Schedule.spaced("5 seconds"))

/**
 * Start a projector whose fiber lives as long as the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: ProjectorOptions = {}
): Effect.Effect<ProjectorService, never, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const batchSize = options.batchSize ?? 500
    const onGap =
      options.onGap ??
      ((gap: Gap) =>
        Effect.logWarning(
          `account ${gap.accountId}: expected sequence ${gap.expected}, received ${gap.received}; replay needed`
        ))
    const queue = yield* Queue.unbounded<AccountEvent>()
    const processed = yield* SubscriptionRef.make(0)
    let enqueued = 0
    // Next sequence to store per account, as committed; loaded from the database on first sight.
    const next = new Map<AccountId, number>()

    const lastSequence = (accountId: AccountId) =>
      sql`SELECT COALESCE(MAX(sequence), 0)::text AS last FROM account_events WHERE account_id = ${accountId}`.pipe(
        Effect.flatMap((rows) => Schema.decodeUnknown(LastSequence)(rows[0])),
        Effect.map((row) => row.last),
        Effect.mapError(toDatabaseError("Query", `cannot read the last sequence of ${accountId}`))
      )

    const project = (batch: ReadonlyArray<AccountEvent>) =>
      Effect.gen(function* () {
        // Stable sort by sequence within each account, accounts in order of first appearance.
        const byAccount = new Map<AccountId, Array<AccountEvent>>()
        for (const e of batch) {
          const list = byAccount.get(e.accountId)
          if (list === undefined) byAccount.set(e.accountId, [e])
          else list.push(e)
        }
        const accepted: Array<AccountEvent> = []
        const advanced = new Map<AccountId, number>()
        const gaps: Array<Gap> = []
        for (const [accountId, events] of byAccount) {
          events.sort((a, b) => a.sequence - b.sequence)
          let expected = next.get(accountId) ?? (yield* lastSequence(accountId)) + 1
          for (const e of events) {
            if (e.sequence < expected) continue
            if (e.sequence > expected) {
              gaps.push({ accountId, expected, received: e.sequence })
              break
            }
            accepted.push(e)
            expected++
          }
          advanced.set(accountId, expected)
        }
        yield* sql
          .withTransaction(writeBatch(sql, accepted))
          .pipe(Effect.mapError(toDatabaseError("Query", "cannot store a batch of account events")))
        for (const [accountId, expected] of advanced) next.set(accountId, expected)
        yield* Effect.forEach(gaps, onGap, { discard: true })
      })

    const loop = Queue.takeBetween(queue, 1, batchSize).pipe(
      Effect.flatMap((chunk) => {
        const batch = [...chunk]
        return project(batch).pipe(
          Effect.tapError((e) => Effect.logWarning(`projection failed, retrying: ${e.message}`)),
          Effect.retry(retryPolicy),
          Effect.zipRight(SubscriptionRef.update(processed, (n) => n + batch.length))
        )
      }),
      Effect.forever
    )
    yield* Effect.forkScoped(loop)

    return {
      enqueue: (event) => {
        enqueued++
        Queue.unsafeOffer(queue, event)
      },
      flush: Effect.suspend(() => {
        const target = enqueued
        return processed.changes.pipe(
          Stream.takeUntil((n) => n >= target),
          Stream.runDrain
        )
      }),
      lastSequence
    }
  })

/**
 * A projector as a service, running as long as the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ProjectorOptions = {}): Layer.Layer<Projector, never, SqlClient.SqlClient> =>
  Layer.scoped(Projector, make(options))
