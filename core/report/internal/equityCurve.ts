/**
 * Statistics of the equity curve: exposure, drawdowns from the running peak, and daily returns (the last sample
 * of each UTC day). Equity stays integer minor units; only ratios are floating point.
 */
import * as aq from "arquero"
import { MICROS_PER_DAY } from "../../domain/Units"
import { cell, numbers } from "./columns"

/** The equity samples a backtest records, one entry per sample in every array. */
export interface EquitySamples {
  readonly ts: ArrayLike<number>
  readonly equity: ArrayLike<number>
  readonly exposed: ArrayLike<number>
}

/** What the report needs of the curve. Percentages are in percent; drawdowns are positive. */
export interface CurveStats {
  readonly ts: ReadonlyArray<number>
  readonly equity: ReadonlyArray<number>
  readonly drawdownPct: ReadonlyArray<number>
  readonly exposurePct: number
  readonly peak: number
  readonly maxDrawdownPct: number
  readonly avgDrawdownPct: number
  readonly maxDrawdownDays: number
  readonly avgDrawdownDays: number
  readonly daily: DailyReturns
}

/** Moments of the daily returns; `null` where fewer returns than the statistic needs. */
export interface DailyReturns {
  readonly count: number
  /** Mean of (return − risk-free rate per period). */
  readonly meanExcess: number | null
  /** Sample standard deviation (n − 1), as pandas and QuantStats. */
  readonly stdev: number | null
  /** sqrt(Σ min(excess, 0)² / n), QuantStats' downside deviation. */
  readonly downside: number | null
}

/** Throws a `RangeError` for an empty curve or arrays of different lengths. */
export const analyzeCurve = (samples: EquitySamples, riskFreePerPeriod: number): CurveStats => {
  const n = samples.ts.length
  if (n === 0) throw new RangeError("report: the equity curve has no samples")
  if (samples.equity.length !== n || samples.exposed.length !== n) {
    throw new RangeError("report: equity curve arrays (ts, equity, exposed) differ in length")
  }
  const curve = aq
    .table({ ts: Array.from(samples.ts), equity: Array.from(samples.equity), exposed: Array.from(samples.exposed) })
    .derive({ peak: aq.rolling("d => op.max(d.equity)", [Number.NEGATIVE_INFINITY, 0]) })
    .derive({ drawdown: "d => d.peak > 0 ? (d.peak - d.equity) / d.peak * 100 : 0" })
  const totals = curve.rollup({
    exposure: "d => op.mean(d.exposed === 1 ? 1 : 0) * 100",
    peak: "d => op.max(d.equity)"
  })
  const ts = numbers(curve, "ts")
  const drawdownPct = numbers(curve, "drawdown")
  return {
    ts,
    equity: numbers(curve, "equity"),
    drawdownPct,
    exposurePct: cell(totals, "exposure") ?? 0,
    peak: cell(totals, "peak") ?? 0,
    ...drawdownPeriods(ts, drawdownPct),
    daily: dailyReturns(curve, riskFreePerPeriod)
  }
}

/**
 * A drawdown period runs from the last sample at a peak to the first sample back at it (or the last sample when
 * the curve never recovers); its depth is the deepest drawdown inside, as in backtesting.py.
 */
const drawdownPeriods = (ts: ReadonlyArray<number>, drawdownPct: ReadonlyArray<number>) => {
  const depths: Array<number> = []
  const durations: Array<number> = []
  let i = 1
  while (i < drawdownPct.length) {
    if ((drawdownPct[i] ?? 0) === 0) {
      i++
      continue
    }
    const peakAt = i - 1
    let depth = 0
    while (i < drawdownPct.length - 1 && (drawdownPct[i] ?? 0) > 0) depth = Math.max(depth, drawdownPct[i++] ?? 0)
    depth = Math.max(depth, drawdownPct[i] ?? 0)
    depths.push(depth)
    durations.push(((ts[i] ?? 0) - (ts[peakAt] ?? 0)) / MICROS_PER_DAY)
    i++
  }
  return {
    maxDrawdownPct: max(depths),
    avgDrawdownPct: mean(depths),
    maxDrawdownDays: max(durations),
    avgDrawdownDays: mean(durations)
  }
}

// Loops rather than spreads: a long curve has more periods than a call takes arguments.
const max = (xs: ReadonlyArray<number>): number => xs.reduce((a, b) => Math.max(a, b), 0)
const mean = (xs: ReadonlyArray<number>): number => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length)

const dailyReturns = (curve: aq.ColumnTable, riskFreePerPeriod: number): DailyReturns => {
  const returns = curve
    .params({ DAY: MICROS_PER_DAY, RF: riskFreePerPeriod })
    .derive({ day: "(d, $) => op.floor(d.ts / $.DAY)" })
    .groupby("day")
    .filter("d => op.row_number() === op.count()")
    .ungroup()
    .derive({ excess: "(d, $) => d.equity / op.lag(d.equity) - 1 - $.RF" })
    .filter("d => op.row_number() > 1")
  const moments = returns.rollup({
    count: "d => op.count()",
    mean: "d => op.mean(d.excess)",
    stdev: "d => op.stdev(d.excess)",
    downside: "d => op.sqrt(op.sum(d.excess < 0 ? d.excess * d.excess : 0) / op.count())"
  })
  return {
    count: cell(moments, "count") ?? 0,
    meanExcess: cell(moments, "mean"),
    stdev: cell(moments, "stdev"),
    downside: cell(moments, "downside")
  }
}
