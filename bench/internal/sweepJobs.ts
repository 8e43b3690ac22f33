/**
 * The jobs of `bench/sweep` and `bench/sweep-record`: SMA-crossover backtests of the first instrument of a CSV file,
 * on the S&P 500's daily bars of 2000-2010 (`bars` 5105) or on `bars` seeded one-minute bars written to `dir`.
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { type JobSpec, staticDataVersion } from "../../core/research/ResearchJob"
import type { StaticDataSet } from "../../core/staticdata/StaticDataSet"
import { barsCsv } from "./barsCsv"

/** The data file of jobs of `bars` bars (written into `dir` unless it is the daily file), and whether it is daily. */
export const benchData = (bars: number, dir: string): { readonly file: string; readonly daily: boolean } => {
  if (bars === 5105) {
    return { file: join(process.cwd(), "node_modules", "vega-datasets", "data", "sp500-2000.csv"), daily: true }
  }
  const file = join(dir, "bars.csv")
  writeFileSync(file, barsCsv(bars, 7).text)
  return { file, daily: false }
}

/** Job `jobId` of sweep `sweepId` with parameters `fast`/`slow` on `file`, as `meridian sweep` submits it. */
export const benchSpec = (
  set: StaticDataSet,
  file: string,
  sweepId: string,
  jobId: string,
  params: { readonly fast: string; readonly slow: string }
): JobSpec => ({
  jobId,
  sweepId,
  strategy: "sma-cross",
  strategyVersion: "0.1.0",
  params,
  data: [file],
  instruments: ["SPX.SIM"],
  historyDir: ".meridian/history",
  staticData: { version: staticDataVersion(set) },
  settings: {
    cash: "100000",
    currency: "USD",
    tickSize: "0.01",
    lotSize: "1",
    accountKind: "cash",
    closeAtEnd: false,
    periodsPerYear: 252,
    venue: { barFill: "next-open", commission: "0", latencyUs: 0, seed: 1 }
  }
})
