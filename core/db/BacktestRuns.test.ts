import { Migrator, SqlClient } from "@effect/sql"
import { describe, expect, it, layer, type Vitest } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { serverLayer, serverRequired, serverSource } from "../../test/support/db/testServer"
import type { TradeRow } from "../report/Report"
import * as BacktestRuns from "./BacktestRuns"
import * as Database from "./Database"
import { embeddedClient, startEmbedded } from "./internal/embedded"
import {
  sampleReport as report,
  sampleRun as run,
  sampleStats as stats,
  syntheticRun,
  sampleTrade as trade
} from "./internal/sampleRuns"
import { migrate, migrations, migrationsTable } from "./Migrations"

type Env = BacktestRuns.BacktestRuns | Database.Database

/** A run that failed: no report. */
const failed = (strategy: string, createdAt: number, error: string): BacktestRuns.BacktestRun => {
  const { report: _, ...rest } = run(strategy, createdAt, { status: "failed", error })
  return rest
}

/** Trades whose values a lossy column would change: long decimals, extremes of bigint and double. */
const awkwardTrades: ReadonlyArray<TradeRow> = [
  trade,
  {
    ...trade,
    instrumentId: 'O\'Brien "quoted", {braced}\\ Ünïcødé € 😀',
    side: "short",
    quantity: 2 ** 53 - 1,
    entryTs: -1,
    exitTs: 2 ** 53 - 1,
    entryPrice: "0.000012345678901234567890",
    exitPrice: "123456789012345678901234567890.5",
    pnl: "-0.10",
    pnlMinor: -(2 ** 53 - 1),
    returnPct: 1e-300,
    fees: "0",
    durationDays: 0.1 + 0.2
  }
]

const suite = (it: Vitest.MethodsNonLive<Env, true>) => {
  it.effect("stores a run and its results and reads them back exactly", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const recorded = run("exact", 1_700_000_000_000_001, { report: report({}, awkwardTrades) })
      const id = yield* runs.record(recorded)
      expect(id).toMatch(/^[0-9a-f]{12}$/)
      const shown = yield* runs.show(id)
      expect(shown).toStrictEqual({ id, ...recorded })
      // Statistics come back in the report's order, whatever order jsonb keeps.
      expect(Object.keys(shown.report!.stats)).toEqual(Object.keys(recorded.report!.stats))
      expect(shown.report!.stats.sharpe).toBe(0.30000000000000004)
    })
  )

  it.effect("stores thousands of trades in order and curves of any length, empty included", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const big = syntheticRun({ samples: 20_000, trades: 5_000, seed: 11 })
      expect(yield* runs.show(yield* runs.record(big))).toStrictEqual({ id: expect.any(String), ...big })
      const empty = run("empty", 7, {
        report: {
          ...report({ trades: 0 }, []),
          equity: syntheticRun({ samples: 0, trades: 0, seed: 1 }).report!.equity
        }
      })
      const id = yield* runs.record(empty)
      expect(yield* runs.show(id)).toStrictEqual({ id, ...empty })
    })
  )

  it.effect("refuses a curve or trades that are not exact integers, storing nothing", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const curve = report().equity
      const error = yield* runs
        .record(
          run("inexact", 8, { report: { ...report(), equity: { ...curve, equity: curve.equity.map((e) => e + 0.5) } } })
        )
        .pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "DatabaseError", reason: "Query" })
      expect(error.message).toMatch(/equity\[0\] = 10000000.5 is not a safe integer/)
      const lots = yield* runs
        .record(run("inexact", 9, { report: report({}, [trade, { ...trade, quantity: 1.5 }]) }))
        .pipe(Effect.flip)
      expect(lots.message).toMatch(/trades.quantity\[1\] = 1.5 is not a safe integer/)
      expect(yield* runs.list({ limit: 10, strategy: "inexact" })).toEqual([])
    })
  )

  it.effect("lists newest first, bounded, and by strategy", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const first = yield* runs.record(run("listed", 1_000, { report: report({ returnPct: 1, trades: 4 }) }))
      const second = yield* runs.record(failed("listed", 3_000, "boom"))
      const third = yield* runs.record(run("listed", 2_000, { report: report({ returnPct: -2.5, trades: 0 }) }))
      yield* runs.record(run("other", 4_000))
      const listed = yield* runs.list({ limit: 10, strategy: "listed" })
      // Created at 3000, 2000, 1000: newest first, whatever the order of recording.
      expect(listed.map((r) => r.id)).toEqual([second, third, first])
      expect(listed[0]).toMatchObject({ status: "failed", returnPct: null, trades: null, createdAt: 3_000 })
      expect(listed[1]).toMatchObject({ status: "completed", returnPct: -2.5, trades: 0, strategyVersion: "0.1.0" })
      expect(listed[2]).toMatchObject({ dataFrom: 1_577_923_200_000_000, dataTo: 1_609_372_800_000_001 })
      expect((yield* runs.list({ limit: 2, strategy: "listed" })).map((r) => r.id)).toEqual([second, third])
      const all = yield* runs.list({ limit: 1000 })
      expect(all.map((r) => r.strategy)).toContain("other")
      // A plugin's id or the name users give it: `sma-cross` finds `strategy-sma-cross`.
      const plugin = yield* runs.record(run("strategy-listed-plugin", 5_000))
      expect((yield* runs.list({ limit: 10, strategy: "listed-plugin" })).map((r) => r.id)).toEqual([plugin])
      expect((yield* runs.list({ limit: 10, strategy: "strategy-listed-plugin" })).map((r) => r.id)).toEqual([plugin])
      expect(yield* runs.show(second)).toStrictEqual({ id: second, ...failed("listed", 3_000, "boom") })
    })
  )

  it.effect("compares two runs statistic by statistic, money exactly", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const a = yield* runs.record(run("compared", 1))
      const b = yield* runs.record(
        run("compared", 2, {
          report: report({
            returnPct: 12.5,
            finalEquity: "99999.99",
            fees: "0.5",
            trades: 5,
            sharpe: null,
            sortino: 1.1,
            start: "2021-01-04T00:00:00.000Z"
          })
        })
      )
      const rows = yield* runs.compare(a, b)
      expect(rows.map((r) => r.statistic)).toEqual(Object.keys(stats({})))
      const byName = new Map(rows.map((r) => [r.statistic, r]))
      expect(byName.get("returnPct")).toEqual({ statistic: "returnPct", a: 10, b: 12.5, difference: 2.5 })
      expect(byName.get("trades")?.difference).toBe(2)
      // 99999.99 − 110000.00 = −10000.01; 0.5 − 12.34 = −11.84 (scaled to the longer fraction).
      expect(byName.get("finalEquity")?.difference).toBe("-10000.01")
      expect(byName.get("fees")?.difference).toBe("-11.84")
      expect(byName.get("peakEquity")?.difference).toBe("0.00")
      // Undefined on one side, or not a quantity: no difference.
      expect(byName.get("sharpe")).toEqual({ statistic: "sharpe", a: 0.30000000000000004, b: null, difference: null })
      expect(byName.get("sortino")?.difference).toBeNull()
      expect(byName.get("start")?.difference).toBeNull()
      // What ran, without the results: what `runs compare` sets side by side.
      const { report: _, ...ran } = run("compared", 2)
      expect(yield* runs.describe(b)).toStrictEqual({ id: b, ...ran })
      expect((yield* runs.describe("000000000000").pipe(Effect.flip))._tag).toBe("BacktestRunNotFound")
    })
  )

  it.effect("refuses an unknown run and stores nothing when part of a run fails", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const sql = yield* SqlClient.SqlClient
      const missing = yield* runs.show("000000000000").pipe(Effect.flip)
      expect(missing._tag).toBe("BacktestRunNotFound")
      expect((yield* runs.compare("000000000000", "000000000000").pipe(Effect.flip))._tag).toBe("BacktestRunNotFound")
      // PostgreSQL's text refuses \u0000: the trades fail after the run and its results went in, and all is rolled back.
      const bad = run("atomic", 5, { report: report({}, [{ ...trade, instrumentId: "A\u0000B" }]) })
      const error = yield* runs.record(bad).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "DatabaseError", reason: "Query" })
      const left = yield* sql<{ n: string }>`
        SELECT count(*) AS n FROM backtest_runs r JOIN backtest_results s ON s.run_id = r.id
        WHERE r.strategy = 'atomic'`
      expect(left).toEqual([{ n: "0" }])
      expect(yield* sql`SELECT 1 FROM backtest_runs WHERE strategy = 'atomic'`).toEqual([])
      // The same run recorded twice at the same instant has the same id: the second is refused.
      yield* runs.record(run("atomic", 6))
      expect((yield* runs.record(run("atomic", 6)).pipe(Effect.flip)).reason).toBe("Query")
      expect(yield* runs.list({ limit: 10, strategy: "atomic" })).toHaveLength(1)
    })
  )
}

const withRuns = (database: Layer.Layer<Database.Database, Database.DatabaseError>) =>
  Layer.provideMerge(BacktestRuns.layer, database)

layer(withRuns(Database.layerEmbedded()), { timeout: "60 seconds", excludeTestServices: true })(
  "backtest runs on the embedded database",
  suite
)

const source = serverSource()
if (source._tag === "None") {
  describe("backtest runs on a real PostgreSQL server", () => {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  layer(withRuns(serverLayer(source, `meridian_test_backtest_runs_${process.pid}`)), {
    timeout: "60 seconds",
    excludeTestServices: true
  })("backtest runs on a real PostgreSQL server", suite)
}

/** PGlite in memory, migrated only up to `0005`: the schema before trades and curves had their own columns. */
const beforeMigration6 = Layer.unwrapScoped(
  Effect.gen(function* () {
    const client = embeddedClient(yield* startEmbedded(undefined))
    // The database as it was before 0006: the migrations that came later are not there yet either.
    const older = Object.fromEntries(Object.entries(migrations).filter(([name]) => Number(name.slice(0, 4)) < 6))
    yield* Migrator.make({})({ loader: Migrator.fromRecord(older), table: migrationsTable }).pipe(
      Effect.provide(client)
    )
    return client
  })
)

layer(beforeMigration6, { timeout: "60 seconds", excludeTestServices: true })("migration 0006", (it) => {
  it.effect("moves the jsonb trades of older runs into rows and reads their curve as empty", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const older = run("older", 9, { report: report({ finalEquity: "1100.000" }, awkwardTrades) })
      const { settings: _, ...rest } = older
      yield* sql`INSERT INTO backtest_runs ${sql.insert({
        id: "0123456789ab",
        strategy: older.strategy,
        strategy_version: older.strategyVersion,
        parameters: JSON.stringify(older.parameters),
        data_from: older.data.from,
        data_to: older.data.to,
        data_sources: JSON.stringify(older.data.sources),
        code_hash: older.codeHash,
        created_at: older.createdAt,
        status: older.status
      })}`
      yield* sql`INSERT INTO backtest_results ${sql.insert({
        run_id: "0123456789ab",
        statistics: JSON.stringify(older.report!.stats),
        trades: JSON.stringify(older.report!.trades),
        equity_curve: JSON.stringify([{ ts: "2020-01-02T00:00:00.000Z", equity: "1000.000", drawdownPct: 0 }]),
        completed_at: older.createdAt
      })}`
      const later = Object.keys(migrations)
        .map((name) => Number(name.slice(0, 4)))
        .filter((id) => id >= 6)
      expect((yield* migrate).map(([id]) => id)).toEqual(later)
      const shown = yield* Effect.flatMap(BacktestRuns.make, (runs) => runs.show("0123456789ab"))
      expect(shown).toStrictEqual({
        id: "0123456789ab",
        ...rest,
        settings: {},
        report: {
          ...older.report!,
          equity: { ts: new Float64Array(0), equity: new Float64Array(0), drawdownPct: new Float64Array(0) },
          // From finalEquity's digits.
          currencyDecimals: 3
        }
      })
    })
  )
})
