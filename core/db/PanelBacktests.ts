/**
 * The backtests launched from the Control Panel (`panel_backtests`): recorded `running` when launched, then
 * `completed` with their run or `failed` with the reason. The worker of a backtest does not outlive the panel that
 * launched it, so each panel (`owner`) beats for its running backtests (`heartbeat`), and what is still `running` with
 * a stale heartbeat is settled failed (`settleStale`): a panel that stopped or crashed, never one that runs beside.
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
export const PanelBacktest = Schema.Struct({
  id: Schema.String,
  /** Its plugin and version. */
  strategy: Schema.String,
  params: Schema.Record({ key: Schema.String, value: Schema.String }),
  instruments: Schema.Array(Schema.String),
  /** µs, `to` exclusive. */
  from: Schema.NumberFromString,
  to: Schema.NumberFromString,
  launchedBy: Schema.String,
  launchedAt: Schema.NumberFromString,
  state: Schema.Literal("running", "completed", "failed"),
  runId: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String)
})
export type PanelBacktest = typeof PanelBacktest.Type

/**
 * @since 0.1.0
 * @category models
 */
export interface PanelBacktestsService {
  /** Record a backtest `owner` (a panel's id) runs, its heartbeat at its launch. */
  readonly launch: (
    backtest: Omit<PanelBacktest, "state" | "runId" | "error">,
    owner: string
  ) => Effect.Effect<void, DatabaseError>
  readonly finish: (
    id: string,
    outcome:
      | { readonly state: "completed"; readonly runId: string }
      | { readonly state: "failed"; readonly error: string }
  ) => Effect.Effect<void, DatabaseError>
  /** The latest `limit`, newest first. */
  readonly list: (limit: number) => Effect.Effect<ReadonlyArray<PanelBacktest>, DatabaseError>
  readonly find: (id: string) => Effect.Effect<Option.Option<PanelBacktest>, DatabaseError>
  /** `owner` still runs its running backtests at `now` (µs). */
  readonly heartbeat: (owner: string, now: number) => Effect.Effect<void, DatabaseError>
  /**
   * Mark failed with `reason` what is still running with no heartbeat since `staleBefore` (µs), or none at all; the
   * ids settled.
   */
  readonly settleStale: (reason: string, staleBefore: number) => Effect.Effect<ReadonlyArray<string>, DatabaseError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class PanelBacktests extends Context.Tag("@meridian/core/db/PanelBacktests")<
  PanelBacktests,
  PanelBacktestsService
>() {}

const decodeRows = Schema.decodeUnknown(Schema.Array(PanelBacktest))

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<PanelBacktestsService, never, SqlClient.SqlClient> = Effect.map(
  SqlClient.SqlClient,
  (sql) => {
    const columns = sql`id, strategy, params, instruments, from_ts::text AS "from", to_ts::text AS "to",
      launched_by AS "launchedBy", launched_at::text AS "launchedAt", state, run_id AS "runId", error`
    const failed = (message: string) => Effect.mapError(toDatabaseError("Query", message))
    const rows = (read: Effect.Effect<ReadonlyArray<unknown>, unknown>, message: string) =>
      read.pipe(Effect.flatMap(decodeRows), failed(message))
    return {
      launch: (b, owner) =>
        sql`INSERT INTO panel_backtests ${sql.insert({
          id: b.id,
          strategy: b.strategy,
          params: JSON.stringify(b.params),
          instruments: JSON.stringify(b.instruments),
          from_ts: b.from,
          to_ts: b.to,
          launched_by: b.launchedBy,
          launched_at: b.launchedAt,
          state: "running",
          owner,
          heartbeat_at: b.launchedAt
        })}`.pipe(Effect.asVoid, failed(`cannot record backtest ${b.id}`)),
      finish: (id, outcome) =>
        sql`UPDATE panel_backtests SET state = ${outcome.state},
          run_id = ${outcome.state === "completed" ? outcome.runId : null},
          error = ${outcome.state === "failed" ? outcome.error : null} WHERE id = ${id}`.pipe(
          Effect.asVoid,
          failed(`cannot record how backtest ${id} ended`)
        ),
      list: (limit) =>
        rows(
          sql`SELECT ${columns} FROM panel_backtests ORDER BY launched_at DESC, id LIMIT ${limit}`,
          "cannot read the backtests"
        ),
      find: (id) =>
        rows(sql`SELECT ${columns} FROM panel_backtests WHERE id = ${id}`, `cannot read backtest ${id}`).pipe(
          Effect.map((found) => Option.fromNullable(found[0]))
        ),
      heartbeat: (owner, now) =>
        sql`UPDATE panel_backtests SET heartbeat_at = ${now} WHERE owner = ${owner} AND state = 'running'`.pipe(
          Effect.asVoid,
          failed("cannot record the heartbeat of the running backtests")
        ),
      settleStale: (reason, staleBefore) =>
        sql<{ id: string }>`UPDATE panel_backtests SET state = 'failed', error = ${reason}
          WHERE state = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < ${staleBefore}) RETURNING id`.pipe(
          Effect.map((settled) => settled.map((r) => r.id)),
          failed("cannot close the backtests left running")
        )
    }
  }
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<PanelBacktests, never, SqlClient.SqlClient> = Layer.effect(PanelBacktests, make)
