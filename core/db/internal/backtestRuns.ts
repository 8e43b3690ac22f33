/**
 * The rows of a backtest run: `backtest_runs`, `backtest_results` (statistics as jsonb, the equity curve as the
 * bytes of `equitySeries.ts`) and `backtest_trades` (one typed row per trade, inserted by one `unnest`).
 */
import { createHash } from "node:crypto"
import type { SqlClient, SqlError } from "@effect/sql"
import { Effect, Option, type ParseResult, Schema } from "effect"
import { type BacktestReport, type Stats, statKeys, type TradeRow } from "../../report/Report"
import type { BacktestRun, RunSummary, StatComparison, StoredRun } from "../BacktestRuns"
import { float8Array, int8Array, textArray } from "./binaryArrays"
import { decodeEquity, emptyCurve, encodeEquity } from "./equitySeries"

/** Trades as one array per field: how they are inserted, and how the inbox holds them. */
export type TradeColumns = { readonly [K in keyof TradeRow]: ReadonlyArray<TradeRow[K]> }

/** A report with its trades as columns and its equity curve in binary form, as stored and as in the inbox. */
export interface EncodedReport extends Omit<BacktestReport, "trades" | "equity"> {
  readonly trades: TradeColumns
  readonly equity: Uint8Array
}

/** A run ready to store: its id, and its report's curve encoded. */
export interface EncodedRun extends Omit<BacktestRun, "report"> {
  readonly id: string
  readonly report?: EncodedReport
}

/**
 * A run whose report's curve is in its stored binary form already (as a sweep's local workers send it): stored as
 * it is, never decoded and encoded again.
 */
export interface RunWithEncodedCurve extends Omit<BacktestRun, "report"> {
  readonly report?: Omit<BacktestReport, "equity"> & { readonly equity: Uint8Array }
}

/**
 * A short id from what the run is (strategy, version, parameters, settings, data, code) and when it was made: the
 * same run recorded twice at once collides.
 */
export const runId = (run: BacktestRun | RunWithEncodedCurve): string =>
  createHash("sha256")
    .update(
      JSON.stringify([
        run.strategy,
        run.strategyVersion,
        run.parameters,
        run.settings,
        run.data,
        run.codeHash,
        run.createdAt
      ])
    )
    .digest("hex")
    .slice(0, 12)

/** The trades as columns, in one pass. */
const toColumns = (trades: ReadonlyArray<TradeRow>): TradeColumns => {
  const n = trades.length
  const c = {
    instrumentId: new Array<string>(n),
    side: new Array<TradeRow["side"]>(n),
    quantity: new Array<number>(n),
    entryTs: new Array<number>(n),
    exitTs: new Array<number>(n),
    entryPrice: new Array<string>(n),
    exitPrice: new Array<string>(n),
    pnl: new Array<string>(n),
    pnlMinor: new Array<number>(n),
    returnPct: new Array<number>(n),
    fees: new Array<string>(n),
    durationDays: new Array<number>(n)
  }
  for (let i = 0; i < n; i++) {
    const t = trades[i]!
    c.instrumentId[i] = t.instrumentId
    c.side[i] = t.side
    c.quantity[i] = t.quantity
    c.entryTs[i] = t.entryTs
    c.exitTs[i] = t.exitTs
    c.entryPrice[i] = t.entryPrice
    c.exitPrice[i] = t.exitPrice
    c.pnl[i] = t.pnl
    c.pnlMinor[i] = t.pnlMinor
    c.returnPct[i] = t.returnPct
    c.fees[i] = t.fees
    c.durationDays[i] = t.durationDays
  }
  return c
}

/**
 * The run with its id, its trades as columns and its curve encoded (unless it is already); throws a `RangeError`
 * for a curve that is not exact integers.
 */
export const encodeRun = (run: BacktestRun | RunWithEncodedCurve): EncodedRun => {
  const { report, ...rest } = run
  return {
    ...rest,
    id: runId(run),
    ...(report !== undefined && {
      report: {
        ...report,
        trades: toColumns(report.trades),
        equity: report.equity instanceof Uint8Array ? report.equity : encodeEquity(report.equity)
      }
    })
  }
}

/**
 * Decimal strings go as text and become numeric on the server, which checks them. Every run's trades in one
 * statement: each trade names its run and its place in that run's report.
 */
const TRADES = `
  INSERT INTO backtest_trades (run_id, seq, instrument_id, side, quantity, entry_ts, exit_ts, entry_price,
    exit_price, pnl, pnl_minor, return_pct, fees, duration_days)
  SELECT t.run_id, t.seq, t.instrument_id, t.side, t.quantity, t.entry_ts, t.exit_ts, t.entry_price, t.exit_price,
    t.pnl, t.pnl_minor, t.return_pct, t.fees, t.duration_days
  FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
    $8::text[]::numeric[], $9::text[]::numeric[], $10::text[]::numeric[], $11::bigint[], $12::float8[],
    $13::text[]::numeric[], $14::float8[])
    AS t(run_id, seq, instrument_id, side, quantity, entry_ts, exit_ts, entry_price, exit_price, pnl, pnl_minor,
      return_pct, fees, duration_days)`

/**
 * The parameters of `TRADES` for the trades of `runs`: one binary array per column. Throws a `RangeError` for a
 * count or a timestamp that is not a safe integer.
 */
const tradeArrays = (runs: ReadonlyArray<EncodedRun>): ReadonlyArray<Buffer> => {
  const ids: Array<string> = []
  const seqs: Array<number> = []
  const columns = runs.flatMap((run) => (run.report === undefined ? [] : [run.report.trades]))
  for (const run of runs) {
    const n = run.report?.trades.side.length ?? 0
    for (let i = 0; i < n; i++) {
      ids.push(run.id)
      seqs.push(i)
    }
  }
  const all = <K extends keyof TradeColumns>(key: K): Array<TradeColumns[K][number]> =>
    columns.length === 1 ? (columns[0]![key] as Array<TradeColumns[K][number]>) : columns.flatMap((c) => c[key])
  return [
    textArray(ids),
    int8Array(seqs, "trades.seq"),
    textArray(all("instrumentId")),
    textArray(all("side")),
    int8Array(all("quantity"), "trades.quantity"),
    int8Array(all("entryTs"), "trades.entryTs"),
    int8Array(all("exitTs"), "trades.exitTs"),
    textArray(all("entryPrice")),
    textArray(all("exitPrice")),
    textArray(all("pnl")),
    int8Array(all("pnlMinor"), "trades.pnlMinor"),
    float8Array(all("returnPct")),
    textArray(all("fees")),
    float8Array(all("durationDays"))
  ]
}

const tradeCount = (runs: ReadonlyArray<EncodedRun>) =>
  runs.reduce((n, r) => n + (r.report?.trades.side.length ?? 0), 0)

/**
 * Stores the runs, their results and their trades in one transaction, three statements whatever their number (a
 * statement costs far more than a row on the embedded database). With `ifNew`, a run whose id is already stored is
 * left as it is; returns the ids stored now. A `RangeError` for integers of trades that are not.
 */
export const insertRuns = (
  sql: SqlClient.SqlClient,
  runs: ReadonlyArray<EncodedRun>,
  options: { readonly ifNew: boolean }
): Effect.Effect<ReadonlySet<string>, SqlError.SqlError | RangeError> =>
  Effect.gen(function* () {
    if (runs.length === 0) return new Set<string>()
    // Built before the transaction: a refused trade leaves nothing to roll back.
    const trades =
      tradeCount(runs) === 0
        ? undefined
        : yield* Effect.try({ try: () => tradeArrays(runs), catch: (e) => e as RangeError })
    return yield* sql.withTransaction(
      Effect.gen(function* () {
        const inserted = yield* sql<{ id: string }>`INSERT INTO backtest_runs ${sql.insert(
          runs.map((run) => ({
            id: run.id,
            strategy: run.strategy,
            strategy_version: run.strategyVersion,
            parameters: JSON.stringify(run.parameters),
            settings: JSON.stringify(run.settings),
            data_from: run.data.from,
            data_to: run.data.to,
            data_sources: JSON.stringify(run.data.sources),
            code_hash: run.codeHash,
            created_at: run.createdAt,
            status: run.status,
            error: run.error ?? null
          }))
        )} ${sql.literal(options.ifNew ? "ON CONFLICT (id) DO NOTHING" : "")} RETURNING id`
        const stored = new Set(inserted.map((row) => row.id))
        // Only `ifNew` leaves runs out; their trades are then left out too (the same values: nothing to refuse).
        const now = stored.size === runs.length ? runs : runs.filter((run) => stored.has(run.id))
        const reported = now.filter((run) => run.report !== undefined)
        if (reported.length > 0) {
          yield* sql`INSERT INTO backtest_results ${sql.insert(
            reported.map((run) => ({
              run_id: run.id,
              statistics: JSON.stringify(run.report!.stats),
              equity: run.report!.equity,
              currency_decimals: run.report!.currencyDecimals,
              completed_at: run.createdAt
            }))
          )}`
        }
        const nowTrades = now === runs ? trades : tradeCount(now) === 0 ? undefined : tradeArrays(now)
        if (nowTrades !== undefined) yield* sql.unsafe(TRADES, nowTrades)
        return stored
      })
    )
  })

/**
 * Stores the run, its results and its trades in one transaction (`insertRuns` of one); returns whether it was
 * stored now.
 */
export const insertRun = (
  sql: SqlClient.SqlClient,
  run: EncodedRun,
  options: { readonly ifNew: boolean }
): Effect.Effect<boolean, SqlError.SqlError | RangeError> =>
  Effect.map(insertRuns(sql, [run], options), (stored) => stored.has(run.id))

/** bigint columns arrive as strings. */
const Int8 = Schema.NumberFromString
const Status = Schema.Literal("queued", "running", "completed", "failed", "canceled")
const StatValue = Schema.Union(Schema.Number, Schema.String, Schema.Null)
const Json = Schema.Record({ key: Schema.String, value: Schema.Unknown })

const RunRow = Schema.Struct({
  id: Schema.String,
  strategy: Schema.String,
  strategy_version: Schema.String,
  parameters: Json,
  settings: Json,
  data_from: Int8,
  data_to: Int8,
  data_sources: Schema.Array(Schema.String),
  code_hash: Schema.String,
  created_at: Int8,
  status: Status,
  error: Schema.NullOr(Schema.String),
  statistics: Schema.NullOr(Schema.Record({ key: Schema.String, value: StatValue })),
  equity: Schema.NullOr(Schema.Uint8ArrayFromSelf),
  currency_decimals: Schema.NullOr(Schema.Number)
})

/** numeric columns arrive as their exact decimal text. */
const TradeRowSchema = Schema.Struct({
  instrument_id: Schema.String,
  side: Schema.Literal("long", "short"),
  quantity: Int8,
  entry_ts: Int8,
  exit_ts: Int8,
  entry_price: Schema.String,
  exit_price: Schema.String,
  pnl: Schema.String,
  pnl_minor: Int8,
  return_pct: Schema.Number,
  fees: Schema.String,
  duration_days: Schema.Number
})

const SummaryRow = Schema.Struct({
  id: Schema.String,
  strategy: Schema.String,
  strategy_version: Schema.String,
  created_at: Int8,
  status: Status,
  data_from: Int8,
  data_to: Int8,
  return_pct: Schema.NullOr(Schema.Number),
  trades: Schema.NullOr(Schema.Number)
})

/** The statistics in the report's order (jsonb keeps keys in its own order). */
export const orderedStats = (stored: Readonly<Record<string, string | number | null>>): Stats =>
  Object.fromEntries(statKeys.map((key) => [key, stored[key] ?? null])) as unknown as Stats

const toTrade = (row: typeof TradeRowSchema.Type): TradeRow => ({
  instrumentId: row.instrument_id,
  side: row.side,
  quantity: row.quantity,
  entryTs: row.entry_ts,
  exitTs: row.exit_ts,
  entryPrice: row.entry_price,
  exitPrice: row.exit_price,
  pnl: row.pnl,
  pnlMinor: row.pnl_minor,
  returnPct: row.return_pct,
  fees: row.fees,
  durationDays: row.duration_days
})

/** Bytes the database holds that do not decode: reported as a parse failure of the row. */
const curveOf = (bytes: Uint8Array | null): Effect.Effect<BacktestReport["equity"], RangeError> =>
  bytes === null
    ? Effect.succeed(emptyCurve())
    : Effect.try({ try: () => decodeEquity(bytes), catch: (e) => e as RangeError })

/** The run of this id with its report (none when it has no results, or `results` is false), if stored. */
export const selectRun = (
  sql: SqlClient.SqlClient,
  id: string,
  options: { readonly results: boolean } = { results: true }
): Effect.Effect<Option.Option<StoredRun>, SqlError.SqlError | ParseResult.ParseError | RangeError> =>
  Effect.gen(function* () {
    const rows = yield* (
      options.results
        ? sql`
      SELECT r.*, s.statistics, s.equity, s.currency_decimals
      FROM backtest_runs r LEFT JOIN backtest_results s ON s.run_id = r.id
      WHERE r.id = ${id}`
        : sql`SELECT r.*, NULL AS statistics, NULL AS equity, NULL AS currency_decimals FROM backtest_runs r WHERE r.id = ${id}`
    ).pipe(Effect.flatMap(Schema.decodeUnknown(Schema.Array(RunRow))))
    const row = rows[0]
    if (row === undefined) return Option.none()
    const run: StoredRun = {
      id: row.id,
      strategy: row.strategy,
      strategyVersion: row.strategy_version,
      parameters: row.parameters,
      settings: row.settings,
      data: { sources: row.data_sources, from: row.data_from, to: row.data_to },
      codeHash: row.code_hash,
      createdAt: row.created_at,
      status: row.status,
      ...(row.error !== null && { error: row.error })
    }
    // Results are written by `insertRun` only, from a `BacktestReport`.
    if (row.statistics === null) return Option.some(run)
    const trades = yield* sql`
      SELECT instrument_id, side, quantity, entry_ts, exit_ts, entry_price, exit_price, pnl, pnl_minor, return_pct,
        fees, duration_days
      FROM backtest_trades WHERE run_id = ${id} ORDER BY seq`.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Array(TradeRowSchema)))
    )
    const report: BacktestReport = {
      stats: orderedStats(row.statistics),
      trades: trades.map(toTrade),
      equity: yield* curveOf(row.equity),
      currencyDecimals: row.currency_decimals ?? 0
    }
    return Option.some({ ...run, report })
  })

const StatsRow = Schema.Struct({ statistics: RunRow.fields.statistics })

/** The statistics of the run of this id (`null` when it has no results), if stored. */
export const selectStats = (
  sql: SqlClient.SqlClient,
  id: string
): Effect.Effect<Option.Option<Stats | null>, SqlError.SqlError | ParseResult.ParseError> =>
  sql`
    SELECT s.statistics FROM backtest_runs r LEFT JOIN backtest_results s ON s.run_id = r.id
    WHERE r.id = ${id}`.pipe(
    Effect.flatMap(Schema.decodeUnknown(Schema.Array(StatsRow))),
    Effect.map((rows) =>
      Option.map(Option.fromNullable(rows[0]), (row) => (row.statistics === null ? null : orderedStats(row.statistics)))
    )
  )

/** Strategy plugin ids start so (`strategy-sma-cross`); users name them without it, as the CLI does (`sma-cross`). */
const STRATEGY_PREFIX = "strategy-"

/** The latest `limit` runs, newest first, optionally of one strategy (its id, or its id without `strategy-`). */
export const selectSummaries = (
  sql: SqlClient.SqlClient,
  options: { readonly limit: number; readonly strategy?: string }
): Effect.Effect<ReadonlyArray<RunSummary>, SqlError.SqlError | ParseResult.ParseError> =>
  sql`
    SELECT r.id, r.strategy, r.strategy_version, r.created_at, r.status, r.data_from, r.data_to,
      s.statistics -> 'returnPct' AS return_pct, s.statistics -> 'trades' AS trades
    FROM backtest_runs r LEFT JOIN backtest_results s ON s.run_id = r.id
    WHERE ${
      options.strategy === undefined
        ? sql.literal("TRUE")
        : sql`r.strategy IN (${options.strategy}, ${`${STRATEGY_PREFIX}${options.strategy}`})`
    }
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
    )
  )

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

/** Every statistic of `a` beside `b` (`null`: a run without results), in the report's order. */
export const compareStats = (a: Stats | null, b: Stats | null): ReadonlyArray<StatComparison> =>
  statKeys.map((statistic): StatComparison => {
    const valueA = a?.[statistic] ?? null
    const valueB = b?.[statistic] ?? null
    return { statistic, a: valueA, b: valueB, difference: difference(valueA, valueB) }
  })
