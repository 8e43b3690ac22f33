/** Shared set-up for backtest tests: the real S&P 500 daily bars and the simulated venue. */

import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { Either, Schema } from "effect"
import type { MakeSimulatedVenue } from "../../core/backtest/SimulatedVenue"
import type { BarColumns } from "../../core/data/Columns"
import { readBarsCsv } from "../../core/data/Csv"
import { Instrument } from "../../core/domain/Instrument"
import { makeSpecs } from "../../core/engine/InstrumentSpec"
import { fixedLatency, noSlippage, notionalFractionFee, SimVenue } from "../../plugins/connector-sim/src/index"
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

export const simVenue =
  (barFill: "next-open" | "close" = "next-open", fee = "0.001"): MakeSimulatedVenue =>
  (specs, report) =>
    new SimVenue({
      specs,
      barFill,
      latency: fixedLatency(0),
      fees: notionalFractionFee(fee),
      slippage: noSlippage,
      seed: 1,
      report
    })
