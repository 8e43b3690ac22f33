/**
 * Report throughput: the statistics of a seeded 1,000,000-sample equity curve (one-minute bars of one instrument)
 * with 20,000 round trips (40,000 fills), and the rendering of its equity CSV, as one string and as the chunks a
 * writer takes one by one. Median of 5 runs each after a warm-up. Prints one JSON line.
 */
import { Schema } from "effect"
import { generateBars } from "../core/data/Generate"
import { Fill } from "../core/domain/Fill"
import { makeSpecs } from "../core/domain/InstrumentSpec"
import type { BarPeriod } from "../core/domain/MarketData"
import { computeReport, equityCsv, equityCsvChunks, type ReportInput } from "../core/report/Report"
import { AAPL, currencies } from "../test/fixtures/instruments"

const SAMPLES = 1_000_000
const ROUND_TRIPS = 20_000
const HOLD = 25 // bars a trade stays open; trades open every SAMPLES / ROUND_TRIPS bars
const LOTS = 100
const FEE = 50 // cents a fill

const bars = generateBars({
  instruments: 1,
  count: SAMPLES,
  seed: 44,
  startTs: 946_684_800_000_000,
  period: "1m" as BarPeriod,
  startPrice: 15_000
})
const decodeFill = Schema.decodeUnknownSync(Fill)
const fill = (side: "buy" | "sell", i: number) =>
  decodeFill({
    tradeId: `t-${i}`,
    orderId: `o-${i}`,
    clientOrderId: `c-${i}`,
    accountId: "bench",
    instrumentId: AAPL.id,
    side,
    quantity: LOTS,
    price: bars.close[i],
    fee: FEE,
    feeCurrency: "USD",
    liquidity: "taker",
    ts: bars.ts[i]
  })

// Alternating long and short trades at the bar closes; equity is cash plus the open position, in cents.
const every = SAMPLES / ROUND_TRIPS
const equity = new Float64Array(SAMPLES)
const exposed = new Float64Array(SAMPLES)
const fills: Array<Fill> = []
let cash = 10_000_000
let position = 0
for (let i = 0; i < SAMPLES; i++) {
  const price = bars.close[i]!
  const phase = i % every
  if (phase === 0 || phase === HOLD) {
    const side = phase === 0 ? ((i / every) % 2 === 0 ? "buy" : "sell") : position > 0 ? "sell" : "buy"
    const sign = side === "buy" ? 1 : -1
    fills.push(fill(side, i))
    cash -= sign * LOTS * price + FEE
    position += sign * LOTS
  }
  equity[i] = cash + position * price
  exposed[i] = position === 0 ? 0 : 1
}

const input: ReportInput = {
  baseCurrency: currencies.find((c) => c.code === "USD")!,
  specs: makeSpecs([AAPL], currencies),
  initialEquity: 10_000_000,
  equity: { ts: bars.ts, equity, exposed },
  fills,
  benchmark: { ts: bars.ts, price: bars.close }
}

/** Median milliseconds of `runs` calls after one warm-up call. */
const median = (f: () => unknown, runs = 5): number => {
  f()
  const times: Array<number> = []
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.()
    const start = performance.now()
    f()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!
}

const report = computeReport(input)
const round = (n: number) => Math.round(n * 10) / 10
console.log(
  JSON.stringify({
    bench: "report",
    samples: SAMPLES,
    fills: fills.length,
    trades: report.stats.trades,
    compute_ms: round(median(() => computeReport(input))),
    equity_csv_ms: round(median(() => equityCsv(report))),
    equity_csv_chunks_ms: round(
      median(() => {
        let chars = 0
        for (const chunk of equityCsvChunks(report)) chars += chunk.length
        return chars
      })
    )
  })
)
