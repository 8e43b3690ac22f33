import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer, type Vitest } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { BacktestReport, Stats, TradeRow } from "../report/Report"
import * as BacktestRuns from "./BacktestRuns"
import * as Database from "./Database"
import { serverLayer, serverRequired, serverSource } from "./internal/testServer"

type Env = BacktestRuns.BacktestRuns | Database.Database

const stats = (overrides: Partial<Stats>): Stats => ({
  start: "2020-01-02T00:00:00.000Z",
  end: "2020-12-31T00:00:00.000Z",
  durationDays: 364,
  exposureTimePct: 55.5,
  finalEquity: "110000.00",
  peakEquity: "112000.50",
  returnPct: 10,
  buyAndHoldReturnPct: null,
  annualizedReturnPct: 10.1234567,
  annualizedVolatilityPct: 15,
  sharpe: 0.1 + 0.2, // 0.30000000000000004: jsonb keeps every digit of a double
  sortino: null,
  calmar: 1.5,
  maxDrawdownPct: 7.25,
  avgDrawdownPct: 2,
  maxDrawdownDurationDays: 40,
  avgDrawdownDurationDays: 10,
  trades: 3,
  winRatePct: 66.66666666666667,
  bestTradePct: 8,
  worstTradePct: -3,
  avgTradePct: 2.1,
  maxTradeDurationDays: 30,
  avgTradeDurationDays: 12,
  profitFactor: 2.5,
  expectancy: "3333.33",
  sqn: 1.2,
  fees: "12.34",
  ...overrides
})

const trade: TradeRow = {
  instrumentId: "SPX.SIM",
  side: "long",
  quantity: 10,
  entryTs: 1_577_923_200_000_000,
  exitTs: 1_580_601_600_000_000,
  entryPrice: "3257.85",
  exitPrice: "3225.52",
  pnl: "-323.30",
  pnlMinor: -32_330,
  returnPct: -0.992,
  fees: "0.00",
  durationDays: 31
}

const report = (overrides: Partial<Stats>, trades: ReadonlyArray<TradeRow> = [trade]): BacktestReport => ({
  stats: stats(overrides),
  trades,
  equity: [
    { ts: "2020-01-02T00:00:00.000Z", equity: "100000.00", drawdownPct: 0 },
    { ts: "2020-12-31T00:00:00.000Z", equity: "110000.00", drawdownPct: 1.75 }
  ]
})

const run = (strategy: string, createdAt: number, overrides: Partial<BacktestRuns.BacktestRun> = {}) =>
  ({
    strategy,
    strategyVersion: "0.1.0",
    parameters: { fast: 10, slow: 30, sizing: "equity:95" },
    data: { sources: ["prices.csv", "catalog:SPY.ARCX"], from: 1_577_923_200_000_000, to: 1_609_372_800_000_001 },
    codeHash: "ab".repeat(32),
    createdAt,
    status: "completed",
    report: report({}),
    ...overrides
  }) satisfies BacktestRuns.BacktestRun

/** A run that failed: no report. */
const failed = (strategy: string, createdAt: number, error: string): BacktestRuns.BacktestRun => {
  const { report: _, ...rest } = run(strategy, createdAt, { status: "failed", error })
  return rest
}

const suite = (it: Vitest.MethodsNonLive<Env, true>) => {
  it.effect("stores a run and its results and reads them back exactly", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const recorded = run("exact", 1_700_000_000_000_001)
      const id = yield* runs.record(recorded)
      expect(id).toMatch(/^[0-9a-f]{12}$/)
      const shown = yield* runs.show(id)
      expect(shown).toEqual({ id, ...recorded })
      // Statistics come back in the report's order, whatever order jsonb keeps.
      expect(Object.keys(shown.report!.stats)).toEqual(Object.keys(recorded.report.stats))
      expect(shown.report!.stats.sharpe).toBe(0.30000000000000004)
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
    })
  )

  it.effect("refuses an unknown run and stores nothing when part of a run fails", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const sql = yield* SqlClient.SqlClient
      const missing = yield* runs.show("000000000000").pipe(Effect.flip)
      expect(missing._tag).toBe("BacktestRunNotFound")
      expect((yield* runs.compare("000000000000", "000000000000").pipe(Effect.flip))._tag).toBe("BacktestRunNotFound")
      // PostgreSQL's jsonb refuses \u0000: the results fail after the run row went in, and the run is rolled back.
      const bad = run("atomic", 5, { report: report({}, [{ ...trade, instrumentId: "A\u0000B" }]) })
      const error = yield* runs.record(bad).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "DatabaseError", reason: "Query" })
      const left = yield* sql<{ n: string }>`SELECT count(*) AS n FROM backtest_runs WHERE strategy = 'atomic'`
      expect(left).toEqual([{ n: "0" }])
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
