/**
 * Backtest throughput: 1,000,000 seeded quotes over 2 instruments through the full engine (SMA-crossover strategy
 * on each, risk checks, matching, portfolio), the same data through a bare loop that only reads it, and 1,000,000
 * bars. Then the replay as `meridian backtest` runs it in `bench/cli-backtest` (1,000,000 bars of one instrument, SMA
 * 10/30 long-short sized at all of equity, margin: ~78,000 orders, four times the bars above make), and the same
 * bars with a strategy that subscribes to nothing: the replay's own floor, per bar; and, in CPU time, what an order of
 * that run costs beyond the floor (`cli_order_cpu_us`); and, of one more such run, its young-generation collections and
 * what they promoted (`cli_scavenges`, `cli_promoted_mb`: steady under load, where CPU times are not). Prints one
 * JSON line.
 */
import { GCProfiler, type HeapSpaceStatistics } from "node:v8"
import { Effect, Schema } from "effect"
import { type BacktestConfig, run } from "../core/backtest/Backtest"
import type { Columns } from "../core/data/Columns"
import { generateBars, generateQuotes } from "../core/data/Generate"
import { mergeByTime } from "../core/data/Merge"
import { Instrument } from "../core/domain/Instrument"
import type { BarPeriod } from "../core/domain/MarketData"
import { fixedLatency, noFees, noSlippage, notionalFractionFee, SimVenue } from "../plugins/connector-sim/src/index"
import smaCross from "../plugins/strategy-sma-cross/src/index"
import { AAPL, currencies } from "../test/fixtures/instruments"

const COUNT = 1_000_000
const MSFT = Schema.decodeUnknownSync(Instrument)({ ...AAPL, id: "MSFT.XNAS", symbol: "MSFT" })
const instruments = [AAPL, MSFT]

const backtest = (data: Columns) =>
  run({
    instruments,
    currencies,
    data: [data],
    strategyId: "bench",
    strategy: Effect.all(
      instruments.map((i) =>
        smaCross.program(
          Schema.decodeUnknownSync(smaCross.params)({ instrument: i.id, fast: 20, slow: 60, sizing: "qty:100" })
        )
      ),
      { discard: true }
    ),
    account: { id: "bench", kind: "margin", baseCurrency: "USD", deposit: 1_000_000_000 },
    venue: (specs, report) =>
      new SimVenue({
        specs,
        barFill: "next-open",
        latency: fixedLatency(0),
        fees: notionalFractionFee("0.0005"),
        slippage: noSlippage,
        seed: 7,
        report
      })
  }).pipe(Effect.runSync)

const timed = <A>(f: () => A): [A, number] => {
  const start = performance.now()
  const value = f()
  return [value, (performance.now() - start) / 1000]
}

/** CPU seconds (user + system, the GC's threads included) of `f`: steadier than wall time on a loaded machine. */
const cpuTimed = <A>(f: () => A): [A, number] => {
  const start = process.cpuUsage()
  const value = f()
  const used = process.cpuUsage(start)
  return [value, (used.user + used.system) / 1e6]
}

/**
 * The young-generation collections during `f` and the bytes they moved to the old generation: what a run keeps alive
 * past a collection, as counts that other jobs on the machine do not change (the GC's time does), unlike its CPU time.
 */
const gcCounted = <A>(f: () => A): [A, { readonly scavenges: number; readonly promotedMb: number }] => {
  const profiler = new GCProfiler()
  profiler.start()
  const value = f()
  const old = (stats: { readonly heapSpaceStatistics: ReadonlyArray<HeapSpaceStatistics> }) =>
    stats.heapSpaceStatistics
      .filter((space) => space.spaceName === "old_space" || space.spaceName === "large_object_space")
      .reduce((sum, space) => sum + space.spaceUsedSize, 0)
  const scavenges = profiler.stop().statistics.filter((gc) => gc.gcType === "Scavenge")
  const promoted = scavenges.reduce((sum, gc) => sum + Math.max(0, old(gc.afterGC) - old(gc.beforeGC)), 0)
  return [value, { scavenges: scavenges.length, promotedMb: Math.round(promoted / 1e5) / 10 }]
}

/** The floor: merge and read every column of every event, nothing else. */
const bareLoop = (data: Columns): number => {
  const timeline = mergeByTime([data])
  let sum = 0
  if (data.kind !== "quote") return sum
  for (let i = 0; i < timeline.length; i++) {
    const r = timeline.row[i]!
    sum +=
      data.ts[r]! + data.bidPrice[r]! + data.askPrice[r]! + data.bidSize[r]! + data.askSize[r]! + data.instrument[r]!
  }
  return sum
}

const quotes = generateQuotes({
  instruments: 2,
  count: COUNT,
  seed: 42,
  startTs: 1_704_067_200_000_000,
  stepUs: 100_000,
  startPrice: 15_000,
  spreadTicks: 1
})
backtest(
  generateQuotes({
    instruments: 2,
    count: 50_000,
    seed: 1,
    startTs: 0,
    stepUs: 1000,
    startPrice: 15_000,
    spreadTicks: 1
  })
)
globalThis.gc?.()
const [quoteResult, quoteSeconds] = timed(() => backtest(quotes))
const peakRssMb = process.resourceUsage().maxRSS / 1024
const [, bareSeconds] = timed(() => bareLoop(quotes))

const bars = generateBars({
  instruments: 2,
  count: COUNT,
  seed: 43,
  startTs: 946_684_800_000_000,
  period: "1m" as BarPeriod,
  startPrice: 15_000
})
const [barResult, barSeconds] = timed(() => backtest(bars))

// One instrument, as the CLI's run: each order costs the engine and the venue far more than a bar costs the replay.
const cliBars = generateBars({
  instruments: 1,
  count: COUNT,
  seed: 11,
  startTs: 1_420_070_400_000_000,
  period: "1m" as BarPeriod,
  startPrice: 10_000
})
const replayAlone = (strategy: BacktestConfig["strategy"]) =>
  run({
    instruments: [AAPL],
    currencies,
    data: [cliBars],
    strategyId: "bench",
    strategy,
    account: { id: "bench", kind: "margin", baseCurrency: "USD", deposit: 10_000_000 },
    venue: (specs, report, funds) =>
      new SimVenue({
        specs,
        barFill: "next-open",
        latency: fixedLatency(0),
        fees: noFees,
        slippage: noSlippage,
        seed: 1,
        report,
        funds
      })
  }).pipe(Effect.runSync)
const cliParams = Schema.decodeUnknownSync(smaCross.params)({ instrument: AAPL.id, mode: "long-short" })
const [cliResult, cliSeconds] = timed(() => replayAlone(smaCross.program(cliParams)))
const [, floorSeconds] = timed(() => replayAlone(Effect.void))
// What an order costs the engine, the venue and the replay around them: the CLI's run less the floor, per order.
const [, cliCpu] = cpuTimed(() => replayAlone(smaCross.program(cliParams)))
const [, floorCpu] = cpuTimed(() => replayAlone(Effect.void))
// Node's GC profiler (Bun's reports no collections).
const cliGc =
  process.versions.bun === undefined ? gcCounted(() => replayAlone(smaCross.program(cliParams)))[1] : undefined

const round = (n: number) => Math.round(n)
console.log(
  JSON.stringify({
    bench: "backtest",
    quote_events_per_s: round(COUNT / quoteSeconds),
    quote_fills: quoteResult.fills.length,
    bare_loop_events_per_s: round(COUNT / bareSeconds),
    engine_vs_bare_ratio: Math.round((bareSeconds / quoteSeconds) * 1000) / 1000,
    bar_events_per_s: round(COUNT / barSeconds),
    bar_fills: barResult.fills.length,
    cli_bar_events_per_s: round(COUNT / cliSeconds),
    cli_bar_orders: cliResult.orders,
    replay_floor_bar_events_per_s: round(COUNT / floorSeconds),
    cli_order_cpu_us: Math.round(((cliCpu - floorCpu) / cliResult.orders) * 1e7) / 10,
    ...(cliGc === undefined ? {} : { cli_scavenges: cliGc.scavenges, cli_promoted_mb: cliGc.promotedMb }),
    peak_rss_mb: round(peakRssMb)
  })
)
