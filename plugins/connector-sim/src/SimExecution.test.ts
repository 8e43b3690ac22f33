import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import { Effect } from "effect"
import { executionContract } from "../../../test/contracts/ExecutionContract"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import { noFees } from "./models/Fees"
import { fixedLatency } from "./models/Latency"
import { noSlippage } from "./models/Slippage"
import * as SimExecution from "./SimExecution"

executionContract(
  "simulated venue",
  SimExecution.make({
    specs: makeSpecs([AAPL], currencies),
    barFill: "close",
    latency: fixedLatency(0),
    fees: noFees,
    slippage: noSlippage,
    seed: 1
  }).pipe(
    Effect.map(({ execution, feed }) => ({
      execution,
      market: (ts: number, bid: number, ask: number) => Effect.sync(() => feed.onQuote(0, ts, bid, 1_000, ask, 1_000))
    }))
  )
)
