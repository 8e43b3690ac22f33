/**
 * Backtest runs for the tests and benchmarks: a small hand-written one, and a seeded synthetic one of any size
 * (minute bars with overnight gaps, a random walk of equity, round-trip trades).
 */
import type { BacktestReport, EquityCurve, Stats, TradeRow } from "../../report/Report"
import type { BacktestRun } from "../BacktestRuns"

export const sampleStats = (overrides: Partial<Stats> = {}): Stats => ({
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
  openTrades: 0,
  tradesAtEnd: "left open, not counted",
  periodsPerYear: 252,
  ...overrides
})

export const sampleTrade: TradeRow = {
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

/** The curve of these samples, drawdown from the running peak as the report computes it. */
export const curveOf = (ts: ReadonlyArray<number>, equity: ReadonlyArray<number>): EquityCurve => {
  let peak = Number.NEGATIVE_INFINITY
  return {
    ts: Float64Array.from(ts),
    equity: Float64Array.from(equity),
    drawdownPct: Float64Array.from(equity, (e) => {
      peak = Math.max(peak, e)
      return peak > 0 ? ((peak - e) / peak) * 100 : 0
    })
  }
}

export const sampleReport = (
  overrides: Partial<Stats> = {},
  trades: ReadonlyArray<TradeRow> = [sampleTrade]
): BacktestReport => ({
  stats: sampleStats(overrides),
  trades,
  equity: curveOf(
    [1_577_923_200_000_000, 1_577_923_260_000_000, 1_578_182_400_000_000, 1_609_372_800_000_000],
    [10_000_000, 11_200_050, 10_400_000, 11_000_000]
  ),
  currencyDecimals: 2
})

/** A completed run of `strategy` made at `createdAt` (µs). */
export const sampleRun = (strategy: string, createdAt: number, overrides: Partial<BacktestRun> = {}): BacktestRun => ({
  strategy,
  strategyVersion: "0.1.0",
  parameters: { fast: 10, slow: 30 },
  settings: { sizing: "equity:95", fill: "next-open", fees: { bps: 1 }, account: "margin", cash: "100000", seed: 7 },
  data: { sources: ["prices.csv", "catalog:SPY.ARCX"], from: 1_577_923_200_000_000, to: 1_609_372_800_000_001 },
  codeHash: "ab".repeat(32),
  createdAt,
  status: "completed",
  report: sampleReport(),
  ...overrides
})

/** A deterministic generator of 32-bit floats in [0, 1) (mulberry32). */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

const MINUTE = 60_000_000
const money = (minor: number) => {
  const abs = Math.abs(minor)
  return `${minor < 0 ? "-" : ""}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`
}

/**
 * A run with `samples` minute bars (390 a session, overnight gaps) of a random walk of equity in cents and
 * `trades` round trips, all from `seed`.
 */
export const syntheticRun = (options: {
  readonly samples: number
  readonly trades: number
  readonly seed: number
  readonly createdAt?: number
}): BacktestRun => {
  const next = random(options.seed)
  const n = options.samples
  const ts = new Float64Array(n)
  const equity = new Float64Array(n)
  let t = 1_577_977_800_000_000
  let e = 10_000_000
  for (let i = 0; i < n; i++) {
    t += i % 390 === 0 && i > 0 ? 17.5 * 60 * MINUTE : MINUTE
    e += Math.round((next() - 0.5) * 20_000)
    ts[i] = t
    equity[i] = e
  }
  const span = Math.max(1, Math.floor(n / Math.max(1, options.trades)))
  const trades = Array.from({ length: options.trades }, (_, k): TradeRow => {
    const entry = Math.min(k * span, n - 1)
    const exit = Math.min(entry + Math.max(1, Math.floor(next() * span)), n - 1)
    const quantity = 1 + Math.floor(next() * 100)
    const entryPrice = 300_000 + Math.floor(next() * 10_000)
    const exitPrice = entryPrice + Math.floor((next() - 0.5) * 2_000)
    const fees = Math.floor(next() * 500)
    const side = next() < 0.5 ? "long" : "short"
    const pnlMinor = (side === "long" ? 1 : -1) * (exitPrice - entryPrice) * quantity - fees
    return {
      instrumentId: k % 3 === 0 ? "SPY.ARCX" : "QQQ.XNAS",
      side,
      quantity,
      entryTs: ts[entry] ?? 0,
      exitTs: ts[exit] ?? 0,
      entryPrice: money(entryPrice),
      exitPrice: money(exitPrice),
      pnl: money(pnlMinor),
      pnlMinor,
      returnPct: (pnlMinor / (entryPrice * quantity)) * 100,
      fees: money(fees),
      durationDays: ((ts[exit] ?? 0) - (ts[entry] ?? 0)) / 86_400_000_000
    }
  })
  let peak = Number.NEGATIVE_INFINITY
  const drawdownPct = equity.map((v) => {
    peak = Math.max(peak, v)
    return peak > 0 ? ((peak - v) / peak) * 100 : 0
  })
  return sampleRun("strategy-synthetic", options.createdAt ?? 1_700_000_000_000_000, {
    parameters: { samples: n, trades: options.trades, seed: options.seed },
    data: { sources: ["synthetic"], from: ts[0] ?? 0, to: ts[n - 1] ?? 0 },
    report: {
      stats: sampleStats({ trades: options.trades, finalEquity: money(equity[n - 1] ?? 0) }),
      trades,
      equity: { ts, equity, drawdownPct },
      currencyDecimals: 2
    }
  })
}
