/**
 * Backtest runs in the central database: what ran (strategy, version, parameters, data and its range, code hash)
 * and what came out (statistics, trades, equity curve), written in one transaction, listed newest first and
 * compared statistic by statistic.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { SqlClient, type SqlError } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type BacktestReport, type Stats, statKeys, type TradeRow } from "../report/Report"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"

/**
 * No run has this id.
 *
 * @since 0.1.0
 * @category errors
 */
export class BacktestRunNotFound extends Schema.TaggedError<BacktestRunNotFound>()("BacktestRunNotFound", {
  id: Schema.String,
  message: Schema.String
}) {}

/** The states of `backtest_runs.status`. */
export type RunStatus = "queued" | "running" | "completed" | "failed" | "canceled"

/**
 * A run as recorded.
 *
 * @since 0.1.0
 * @category models
 */
export interface BacktestRun {
  /** Strategy id, e.g. `strategy-sma-cross`. */
  readonly strategy: string
  /** The plugin package version, or `local` for a strategy loaded from a file. */
  readonly strategyVersion: string
  /** The strategy's parameters, as JSON. */
  readonly parameters: Readonly<Record<string, unknown>>
  /** The data sources (files, `catalog:` lists) and the first and last event timestamps (µs). */
  readonly data: { readonly sources: ReadonlyArray<string>; readonly from: number; readonly to: number }
  /** sha256 (hex) of the strategy's code. */
  readonly codeHash: string
  /** µs since the epoch. */
  readonly createdAt: number
  readonly status: RunStatus
  readonly error?: string
  /** The report of a completed run. */
  readonly report?: BacktestReport
}

/**
 * A stored run with its id.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredRun extends BacktestRun {
  readonly id: string
}

/**
 * One line of `list`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunSummary {
  readonly id: string
  readonly strategy: string
  readonly strategyVersion: string
  readonly createdAt: number
  readonly status: RunStatus
  readonly dataFrom: number
  readonly dataTo: number
  readonly returnPct: number | null
  readonly trades: number | null
}

/**
 * One statistic of two runs: `difference` is b − a (exact for money, `null` when either is missing or the
 * statistic is not a quantity, such as a date).
 *
 * @since 0.1.0
 * @category models
 */
export interface StatComparison {
  readonly statistic: keyof Stats
  readonly a: string | number | null
  readonly b: string | number | null
  readonly difference: string | number | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BacktestRunsService {
  /** Store a run and its results in one transaction; returns its id (12 hex digits). */
  readonly record: (run: BacktestRun) => Effect.Effect<string, DatabaseError>
  /** The latest `limit` runs, newest first, optionally of one strategy. */
  readonly list: (options: {
    readonly limit: number
    readonly strategy?: string
  }) => Effect.Effect<ReadonlyArray<RunSummary>, DatabaseError>
  readonly show: (id: string) => Effect.Effect<StoredRun, DatabaseError | BacktestRunNotFound>
  /** Every statistic of run `a` beside run `b`, in the report's order. */
  readonly compare: (
    a: string,
    b: string
  ) => Effect.Effect<ReadonlyArray<StatComparison>, DatabaseError | BacktestRunNotFound>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class BacktestRuns extends Context.Tag("@meridian/core/db/BacktestRuns")<BacktestRuns, BacktestRunsService>() {}

const Micros = Schema.NumberFromString
const Status = Schema.Literal("queued", "running", "completed", "failed", "canceled")
const StatValue = Schema.Union(Schema.Number, Schema.String, Schema.Null)

const RunRow = Schema.Struct({
  id: Schema.String,
  strategy: Schema.String,
  strategy_version: Schema.String,
  parameters: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  data_from: Micros,
  data_to: Micros,
  data_sources: Schema.Array(Schema.String),
  code_hash: Schema.String,
  created_at: Micros,
  status: Status,
  error: Schema.NullOr(Schema.String),
  statistics: Schema.NullOr(Schema.Record({ key: Schema.String, value: StatValue })),
  trades: Schema.NullOr(Schema.Array(Schema.Unknown)),
  equity_curve: Schema.NullOr(Schema.Array(Schema.Unknown))
})

const SummaryRow = Schema.Struct({
  id: Schema.String,
  strategy: Schema.String,
  strategy_version: Schema.String,
  created_at: Micros,
  status: Status,
  data_from: Micros,
  data_to: Micros,
  return_pct: Schema.NullOr(Schema.Number),
  trades: Schema.NullOr(Schema.Number)
})

/** The statistics in the report's order (jsonb keeps keys in its own order). */
const orderedStats = (stored: Readonly<Record<string, string | number | null>>): Stats =>
  Object.fromEntries(statKeys.map((key) => [key, stored[key] ?? null])) as unknown as Stats

const toRun = (row: typeof RunRow.Type): StoredRun => ({
  id: row.id,
  strategy: row.strategy,
  strategyVersion: row.strategy_version,
  parameters: row.parameters,
  data: { sources: row.data_sources, from: row.data_from, to: row.data_to },
  codeHash: row.code_hash,
  createdAt: row.created_at,
  status: row.status,
  ...(row.error !== null && { error: row.error }),
  // Results are written by `record` only, from a `BacktestReport`.
  ...(row.statistics !== null && {
    report: {
      stats: orderedStats(row.statistics),
      trades: (row.trades ?? []) as ReadonlyArray<TradeRow>,
      equity: (row.equity_curve ?? []) as BacktestReport["equity"]
    }
  })
})

/** A short id from what the run is and when it was made: the same run recorded twice at once collides. */
const runId = (run: BacktestRun): string =>
  createHash("sha256")
    .update(JSON.stringify([run.strategy, run.strategyVersion, run.parameters, run.data, run.codeHash, run.createdAt]))
    .digest("hex")
    .slice(0, 12)

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

/** b − a of two decimal strings, exactly (scaled to the longer fraction); `null` unless both are decimals. */
const decimalDifference = (a: string, b: string): string | null => {
  const ma = DECIMAL.exec(a)
  const mb = DECIMAL.exec(b)
  if (ma === null || mb === null) return null
  const digits = Math.max(ma[3]?.length ?? 0, mb[3]?.length ?? 0)
  const scaled = (m: RegExpExecArray) => {
    const n = BigInt(`${m[2]}${(m[3] ?? "").padEnd(digits, "0")}`)
    return m[1] === "-" ? -n : n
  }
  const d = scaled(mb) - scaled(ma)
  const abs = (d < 0n ? -d : d).toString().padStart(digits + 1, "0")
  const sign = d < 0n ? "-" : ""
  return digits === 0 ? `${sign}${abs}` : `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`
}

const difference = (a: string | number | null, b: string | number | null): string | number | null => {
  if (typeof a === "number" && typeof b === "number") return b - a
  if (typeof a === "string" && typeof b === "string") return decimalDifference(a, b)
  return null
}

/**
 * The service over the central database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<BacktestRunsService, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const query = (message: string) => Effect.mapError(toDatabaseError("Query", message))

  const record = (run: BacktestRun) => {
    const id = runId(run)
    const insertRun = sql`INSERT INTO backtest_runs ${sql.insert({
      id,
      strategy: run.strategy,
      strategy_version: run.strategyVersion,
      parameters: JSON.stringify(run.parameters),
      data_from: run.data.from,
      data_to: run.data.to,
      data_sources: JSON.stringify(run.data.sources),
      code_hash: run.codeHash,
      created_at: run.createdAt,
      status: run.status,
      error: run.error ?? null
    })}`
    const insertResults: Effect.Effect<void, SqlError.SqlError> =
      run.report === undefined
        ? Effect.void
        : sql`INSERT INTO backtest_results ${sql.insert({
            run_id: id,
            statistics: JSON.stringify(run.report.stats),
            trades: JSON.stringify(run.report.trades),
            equity_curve: JSON.stringify(run.report.equity),
            completed_at: run.createdAt
          })}`.pipe(Effect.asVoid)
    return sql
      .withTransaction(Effect.zipRight(insertRun, insertResults))
      .pipe(Effect.as(id), query(`cannot store the run of ${run.strategy}`))
  }

  const list = (options: { readonly limit: number; readonly strategy?: string }) =>
    sql`
      SELECT r.id, r.strategy, r.strategy_version, r.created_at, r.status, r.data_from, r.data_to,
        s.statistics -> 'returnPct' AS return_pct, s.statistics -> 'trades' AS trades
      FROM backtest_runs r LEFT JOIN backtest_results s ON s.run_id = r.id
      WHERE ${options.strategy === undefined ? sql.literal("TRUE") : sql`r.strategy = ${options.strategy}`}
      ORDER BY r.created_at DESC, r.id DESC
      LIMIT ${options.limit}`.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Array(SummaryRow))),
      Effect.map((rows) =>
        rows.map(
          (row): RunSummary => ({
            id: row.id,
            strategy: row.strategy,
            strategyVersion: row.strategy_version,
            createdAt: row.created_at,
            status: row.status,
            dataFrom: row.data_from,
            dataTo: row.data_to,
            returnPct: row.return_pct,
            trades: row.trades
          })
        )
      ),
      query("cannot list the runs")
    )

  const show = (id: string) =>
    sql`
      SELECT r.*, s.statistics, s.trades, s.equity_curve
      FROM backtest_runs r LEFT JOIN backtest_results s ON s.run_id = r.id
      WHERE r.id = ${id}`.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Array(RunRow))),
      query(`cannot read run ${id}`),
      Effect.flatMap((rows) =>
        Option.match(Option.fromNullable(rows[0]), {
          onNone: () => Effect.fail(new BacktestRunNotFound({ id, message: `no backtest run ${id}` })),
          onSome: (row) => Effect.succeed(toRun(row))
        })
      )
    )

  const compare = (a: string, b: string) =>
    Effect.map(Effect.all([show(a), show(b)]), ([runA, runB]) =>
      statKeys.map((statistic): StatComparison => {
        const valueA = runA.report?.stats[statistic] ?? null
        const valueB = runB.report?.stats[statistic] ?? null
        return { statistic, a: valueA, b: valueB, difference: difference(valueA, valueB) }
      })
    )

  return { record, list, show, compare }
})

/**
 * `BacktestRuns` on the database layer's client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<BacktestRuns, never, SqlClient.SqlClient> = Layer.effect(BacktestRuns, make)
