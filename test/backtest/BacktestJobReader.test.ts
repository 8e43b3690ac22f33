import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { type BacktestJob, type ReadCsv, readCsvFile } from "../../core/backtest/BacktestJob"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { runSimBacktest } from "../../runtimes/cli/SimBacktest"
import { sp500Path } from "./support"

const job: BacktestJob = {
  strategy: "sma-cross",
  data: [sp500Path],
  instruments: ["SPX.SIM"],
  params: {},
  cash: "100000",
  currency: "USD",
  tickSize: "0.01",
  lotSize: "1",
  accountKind: "cash",
  historyDir: ".meridian/history",
  venue: { barFill: "next-open", commission: "0.001", latencyUs: 0, seed: 1 }
}

const backtest = (j: BacktestJob) =>
  runSimBacktest(j).pipe(Effect.provide(StaticDataSet.layerShipped), Effect.provide(NodeContext.layer))

describe("a backtest job's CSV reader", () => {
  it.effect("reads each --data file through the reader the job names, with the same result", () =>
    Effect.gen(function* () {
      const calls: Array<{ readonly file: string; readonly instrument: string }> = []
      const readCsv: ReadCsv = (file, options) => {
        calls.push({ file, instrument: options.spec.instrument.id })
        return readCsvFile(file, options)
      }
      const plain = yield* backtest(job)
      const read = yield* backtest({ ...job, readCsv })
      expect(calls).toEqual([{ file: sp500Path, instrument: "SPX.SIM" }])
      expect(read.table).toBe(plain.table)
      expect(read.run.report).toEqual(plain.run.report)
    })
  )
})
