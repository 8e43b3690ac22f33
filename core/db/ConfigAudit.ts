/**
 * The audit of what the Control Panel changes on a running session (risk limits, kill switches, order cancels), in
 * `audit_log` beside every other change: who, when, the state before and after, and the outcome. A change is
 * recorded `pending` with the request id it is sent under before it is sent, and settled with the service's answer:
 * so no change is applied unaudited, and one whose answer was lost stays visibly pending. Any earlier version of a
 * subject is its state `before` one of its changes; a revert is a change of its own that names the one it reverts.
 * A scope's risk limits have at most one pending change per session (`beginExclusive`, migration 0012): the
 * compare-and-set of two panels on one database.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"

/**
 * @since 0.1.0
 * @category models
 */
export const Outcome = Schema.Literal("pending", "applied", "refused")
export type Outcome = typeof Outcome.Type

/**
 * One audited change of a session's configuration.
 *
 * @since 0.1.0
 * @category models
 */
export const ConfigChange = Schema.Struct({
  id: Schema.NumberFromString,
  sessionId: Schema.String,
  /** The signed-in user's name. */
  actor: Schema.String,
  /** e.g. `risk-limits.set`, `trading.halt`, `order.cancel`. */
  action: Schema.String,
  /** What changed, e.g. `risk-limits:Account:ACC-1`: the versions of one subject are its changes. */
  subject: Schema.String,
  /** µs since the epoch. */
  ts: Schema.NumberFromString,
  before: Schema.Unknown,
  after: Schema.Unknown,
  requestId: Schema.String,
  outcome: Outcome,
  message: Schema.NullOr(Schema.String),
  reverts: Schema.NullOr(Schema.NumberFromString)
})
export type ConfigChange = typeof ConfigChange.Type

/**
 * A change about to be sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface NewChange {
  readonly sessionId: string
  readonly actor: string
  readonly action: string
  readonly subject: string
  readonly ts: number
  readonly before: unknown
  readonly after: unknown
  /** The idempotency key the service journals it under: unique across sessions and databases. */
  readonly requestId: string
  readonly reverts?: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ConfigAuditService {
  /** Record a change as pending, before it is sent. */
  readonly begin: (change: NewChange) => Effect.Effect<ConfigChange, DatabaseError>
  /**
   * Record a change of a scope's risk limits as pending unless one of the same subject is pending already (sent by
   * another panel, unanswered): then `Busy`, with that one (none if it was settled in between), and nothing recorded.
   */
  readonly beginExclusive: (
    change: NewChange
  ) => Effect.Effect<
    | { readonly _tag: "Begun"; readonly change: ConfigChange }
    | { readonly _tag: "Busy"; readonly pending: ConfigChange | undefined },
    DatabaseError
  >
  /** Record the service's answer. */
  readonly settle: (
    id: number,
    outcome: Exclude<Outcome, "pending">,
    message?: string
  ) => Effect.Effect<void, DatabaseError>
  /** The session's latest `limit` changes, newest first. */
  readonly history: (sessionId: string, limit: number) => Effect.Effect<ReadonlyArray<ConfigChange>, DatabaseError>
  readonly find: (sessionId: string, id: number) => Effect.Effect<Option.Option<ConfigChange>, DatabaseError>
  /** The session's changes still `pending` (sent, unanswered), oldest first: resent by a panel that starts. */
  readonly pending: (sessionId: string) => Effect.Effect<ReadonlyArray<ConfigChange>, DatabaseError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class ConfigAudit extends Context.Tag("@meridian/core/db/ConfigAudit")<ConfigAudit, ConfigAuditService>() {}

const decodeRows = Schema.decodeUnknown(Schema.Array(ConfigChange))

/**
 * The service over the central database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<ConfigAuditService, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const query = (message: string) => Effect.mapError(toDatabaseError("Query", message))
  // The output's "id" is text: an ORDER BY must name `audit_log.id`, or PostgreSQL sorts by the alias, "10" before "9".
  const columns = sql`id::text AS "id", session_id AS "sessionId", actor, action, subject, ts::text AS "ts", before,
    after, request_id AS "requestId", outcome, message, reverts::text AS "reverts"`
  // A row the table's own constraints let in always decodes; a failure here is a bug, not bad input.
  const rows = (read: Effect.Effect<ReadonlyArray<unknown>, unknown>, message: string) =>
    read.pipe(Effect.flatMap(decodeRows), query(message))

  const row = (change: NewChange) =>
    sql.insert({
      session_id: change.sessionId,
      actor: change.actor,
      action: change.action,
      subject: change.subject,
      ts: change.ts,
      before: JSON.stringify(change.before ?? null),
      after: JSON.stringify(change.after ?? null),
      request_id: change.requestId,
      outcome: "pending",
      reverts: change.reverts ?? null
    })

  const begin: ConfigAuditService["begin"] = (change) =>
    rows(sql`INSERT INTO audit_log ${row(change)} RETURNING ${columns}`, `cannot audit ${change.action}`).pipe(
      Effect.map((inserted) => inserted[0]!)
    )

  const beginExclusive: ConfigAuditService["beginExclusive"] = (change) =>
    Effect.gen(function* () {
      // The arbiter is the partial unique index of migration 0012: its predicate, repeated, names it.
      const [begun] = yield* rows(
        sql`INSERT INTO audit_log ${row(change)}
          ON CONFLICT (session_id, subject) WHERE outcome = 'pending' AND subject LIKE 'risk-limits:%' DO NOTHING
          RETURNING ${columns}`,
        `cannot audit ${change.action}`
      )
      if (begun !== undefined) return { _tag: "Begun" as const, change: begun }
      const [pending] = yield* rows(
        sql`SELECT ${columns} FROM audit_log WHERE session_id = ${change.sessionId} AND subject = ${change.subject}
          AND outcome = 'pending' ORDER BY audit_log.id DESC LIMIT 1`,
        `cannot read the pending change of ${change.subject}`
      )
      return { _tag: "Busy" as const, pending }
    })

  const settle: ConfigAuditService["settle"] = (id, outcome, message) =>
    sql`UPDATE audit_log SET outcome = ${outcome}, message = ${message ?? null} WHERE id = ${id}`.pipe(
      query(`cannot settle audited change ${id}`),
      Effect.asVoid
    )

  const history: ConfigAuditService["history"] = (sessionId, limit) =>
    rows(
      sql`SELECT ${columns} FROM audit_log WHERE session_id = ${sessionId} ORDER BY audit_log.id DESC LIMIT ${limit}`,
      "cannot read the configuration audit"
    )

  const find: ConfigAuditService["find"] = (sessionId, id) =>
    rows(
      sql`SELECT ${columns} FROM audit_log WHERE session_id = ${sessionId} AND id = ${id}`,
      `cannot read audited change ${id}`
    ).pipe(Effect.map((found) => Option.fromNullable(found[0])))

  const pending: ConfigAuditService["pending"] = (sessionId) =>
    rows(
      sql`SELECT ${columns} FROM audit_log WHERE session_id = ${sessionId} AND outcome = 'pending' ORDER BY audit_log.id`,
      "cannot read the pending changes"
    )

  return { begin, beginExclusive, settle, history, find, pending }
})

/**
 * `ConfigAudit` on the database layer's client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<ConfigAudit, never, SqlClient.SqlClient> = Layer.effect(ConfigAudit, make)
