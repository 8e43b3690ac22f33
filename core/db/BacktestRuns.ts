/**
 * Backtest runs in the central database: what ran (strategy, version, parameters, settings, data and its range,
 * code hash) and what came out (statistics, trades, equity curve), written in one transaction, listed newest first
 * and compared statistic by statistic. Trades are typed rows and the equity curve one compact binary value, so a
 * million-sample run stores in milliseconds.
 *
 * @since 0.1.0
 */
import type { FileSystem, Path } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { formatTimestamp, timestamp } from "../domain/Units"
import type { BacktestReport, Stats } from "../report/Report"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"
import { compareStats, encodeRun, insertRun, selectRun, selectStats, selectSummaries } from "./internal/backtestRuns"
import { ingest } from "./internal/runInbox"

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
  /** What ran beyond the strategy (sizing, fill and fee settings, account kind, cash, units, seed…), as JSON. */
  readonly settings: Readonly<Record<string, unknown>>
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
  /**
   * Store a run, its results and its trades in one transaction; returns its id (12 hex digits, the same as
   * `RunInbox.write` gives). Fails when a run of that id is stored already.
   */
  readonly record: (run: BacktestRun) => Effect.Effect<string, DatabaseError>
  /** The latest `limit` runs, newest first, optionally of one strategy: its id, or the id without `strategy-`. */
  readonly list: (options: {
    readonly limit: number
    readonly strategy?: string
  }) => Effect.Effect<ReadonlyArray<RunSummary>, DatabaseError>
  /** The run with its settings and report: statistics in the report's order, trades in order, the curve decoded. */
  readonly show: (id: string) => Effect.Effect<StoredRun, DatabaseError | BacktestRunNotFound>
  /** What the run ran (strategy, version, parameters, settings, data, code), without its results. */
  readonly describe: (id: string) => Effect.Effect<StoredRun, DatabaseError | BacktestRunNotFound>
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

/**
 * The service over the central database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<BacktestRunsService, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const query = (message: string) => Effect.mapError(toDatabaseError("Query", message))

  const record = (run: BacktestRun) =>
    Effect.try({ try: () => encodeRun(run), catch: (e) => e }).pipe(
      Effect.flatMap((encoded) => Effect.as(insertRun(sql, encoded, { ifNew: false }), encoded.id)),
      query(`cannot store the run of ${run.strategy}`)
    )

  const list = (options: { readonly limit: number; readonly strategy?: string }) =>
    selectSummaries(sql, options).pipe(query("cannot list the runs"))

  const found =
    (id: string) =>
    <A, E>(self: Effect.Effect<Option.Option<A>, E>): Effect.Effect<A, E | BacktestRunNotFound> =>
      Effect.flatMap(
        self,
        Option.match({
          onNone: () => Effect.fail(new BacktestRunNotFound({ id, message: `no backtest run ${id}` })),
          onSome: Effect.succeed
        })
      )

  const show = (id: string) => selectRun(sql, id).pipe(query(`cannot read run ${id}`), found(id))

  const describe = (id: string) =>
    selectRun(sql, id, { results: false }).pipe(query(`cannot read run ${id}`), found(id))

  // Statistics only: the trades and the curve of either run are not read.
  const stats = (id: string) => selectStats(sql, id).pipe(query(`cannot read run ${id}`), found(id))

  const compare = (a: string, b: string) =>
    Effect.map(Effect.all([stats(a), stats(b)]), ([statsA, statsB]) => compareStats(statsA, statsB))

  return { record, list, show, describe, compare }
})

/**
 * `BacktestRuns` on the database layer's client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<BacktestRuns, never, SqlClient.SqlClient> = Layer.effect(BacktestRuns, make)

/**
 * `BacktestRuns` on the embedded database of data folder `dir`, built after ingesting the runs waiting in its
 * inbox (`RunInbox.ingest(dir)`): what `meridian backtest` stored without opening the database shows up here.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerIngesting = (
  dir: string
): Layer.Layer<BacktestRuns, DatabaseError, SqlClient.SqlClient | FileSystem.FileSystem | Path.Path> =>
  Layer.effect(BacktestRuns, Effect.zipRight(ingest(dir), make))

/** What a run ran, as dotted fields (`parameters.fast`, `settings.fees.rate`) and their values as text. */
export const ranFields = (
  run: Pick<BacktestRun, "strategy" | "strategyVersion" | "codeHash" | "data" | "parameters" | "settings">
): ReadonlyMap<string, string> => {
  const time = (micros: number): string => formatTimestamp(timestamp(micros))
  const fields = new Map<string, string>([
    ["strategy", run.strategy],
    ["version", run.strategyVersion],
    ["code", run.codeHash.slice(0, 12)],
    ["data", run.data.sources.join(", ")],
    ["from", time(run.data.from)],
    ["to", time(run.data.to)]
  ])
  const flatten = (prefix: string, value: unknown): void => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) flatten(`${prefix}.${key}`, inner)
    } else {
      fields.set(prefix, typeof value === "string" ? value : JSON.stringify(value))
    }
  }
  flatten("parameters", run.parameters)
  flatten("settings", run.settings)
  return fields
}
