/** Shared set-up for backtest tests: the real S&P 500 daily bars and the simulated venue. */

import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { Effect, Either, Schema } from "effect"
import { type BacktestError, type BacktestResult, run } from "../../core/backtest/Backtest"
import type { MakeSimulatedVenue } from "../../core/backtest/SimulatedVenue"
import type { BarColumns, Columns } from "../../core/data/Columns"
import { readBarsCsv } from "../../core/data/Csv"
import type { AccountEvent } from "../../core/domain/Events"
import { Instrument } from "../../core/domain/Instrument"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import type { AccountKind } from "../../core/domain/Portfolio"
import { computeReport, reportJson } from "../../core/report/Report"
import { Accounts } from "../../core/services/Accounts"
import type { MarketDataError } from "../../core/services/MarketData"
import type { StrategyRequirements } from "../../core/strategy/Strategy"
import {
  type FeeModel,
  fixedLatency,
  noFees,
  noSlippage,
  notionalFractionFee,
  SimVenue
} from "../../plugins/connector-sim/src/index"
import { currencies } from "../fixtures/instruments"

export const sp500Path = createRequire(import.meta.url)
  .resolve("vega-datasets")
  .replace(/build[/\\][^/\\]+$/, "data/sp500-2000.csv")

export const SPX = Schema.decodeUnknownSync(Instrument)({
  id: "SPX.SIM",
  venue: "SIM",
  symbol: "SPX",
  assetClass: "index",
  quoteCurrency: "USD",
  tickSize: "0.01",
  lotSize: "1",
  multiplier: "1",
  timezone: "America/New_York",
  sessions: []
})

export const sp500Bars = (): BarColumns =>
  Either.getOrThrow(
    readBarsCsv(readFileSync(sp500Path, "utf8"), {
      file: "sp500-2000.csv",
      spec: makeSpecs([SPX], currencies).list[0]!,
      timezone: "America/New_York"
    })
  )

/** The simulated venue of a test: no slippage, seed 1; by default fills at the next open, 0.1 % fees, no latency. */
export const simVenue =
  (
    barFill: "next-open" | "close" = "next-open",
    fees: FeeModel = notionalFractionFee("0.001"),
    latencyUs = 0
  ): MakeSimulatedVenue =>
  (specs, report, funds) =>
    new SimVenue({
      specs,
      barFill,
      latency: fixedLatency(latencyUs),
      fees,
      slippage: noSlippage,
      seed: 1,
      report,
      funds
    })

/** A test backtest: what it trades, over which data, with which strategy; the rest has defaults. */
export interface TestBacktest {
  readonly data: ReadonlyArray<Columns>
  readonly strategy: Effect.Effect<void, MarketDataError, StrategyRequirements>
  /** `[SPX]` when left out. */
  readonly instruments?: ReadonlyArray<Instrument>
  /** A cash account when left out. */
  readonly kind?: AccountKind
  /** Initial deposit in US cents; $100 000 when left out. */
  readonly deposit?: number
  /** A fee-free venue filling bars at their close when left out. */
  readonly venue?: MakeSimulatedVenue
  /** Receives every account event, from before the strategy starts. */
  readonly events?: Array<AccountEvent>
}

/** Run `strategy` over `data` in a USD account on the simulated venue. */
export const runBacktest = (test: TestBacktest): Effect.Effect<BacktestResult, BacktestError> => {
  const { events } = test
  return run({
    instruments: test.instruments ?? [SPX],
    currencies,
    data: test.data,
    strategyId: "test",
    strategy:
      events === undefined
        ? test.strategy
        : Effect.gen(function* () {
            const accounts = yield* Accounts
            yield* accounts.subscribe((event) => events.push(event))
            yield* test.strategy
          }),
    account: { id: "acc", kind: test.kind ?? "cash", baseCurrency: "USD", deposit: test.deposit ?? 10_000_000 },
    venue: test.venue ?? simVenue("close", noFees)
  })
}

/** The report of a run as JSON: a backtest result carries every field the report reads. */
export const reportOf = (result: BacktestResult): string => reportJson(computeReport(result))
