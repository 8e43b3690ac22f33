/**
 * Statistics of the equity curve, in plain loops over its columns: exposure, drawdowns from the running peak, and
 * daily returns (the last sample of each UTC day). Equity stays integer minor units; only ratios are floating point.
 */
import { MICROS_PER_DAY } from "../../domain/Units"
import { utcDayStart } from "./days"
import { Moments } from "./moments"

/** The equity samples a backtest records, in time order, one entry per sample in every array. */
export interface EquitySamples {
  readonly ts: ArrayLike<number>
  readonly equity: ArrayLike<number>
  readonly exposed: ArrayLike<number>
}

/**
 * Drawdown in percent of equity `e` below the running `peak` (0 while the peak is not positive): the one formula of
 * the report and of a stored curve read back, so both give the same bits.
 */
export const drawdownFromPeak = (peak: number, e: number): number => (peak > 0 ? ((peak - e) / peak) * 100 : 0)

/** What the report needs of the curve. Percentages are in percent; drawdowns are positive. */
export interface CurveStats {
  readonly ts: Float64Array
  readonly equity: Float64Array
  readonly drawdownPct: Float64Array
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

/**
 * Throws a `RangeError` for an empty curve, arrays of different lengths, or a timestamp or equity that is not a
 * safe integer. Float64Array inputs are kept as the report's columns, not copied.
 */
export const analyzeCurve = (samples: EquitySamples, riskFreePerPeriod: number): CurveStats => {
  const n = samples.ts.length
  if (n === 0) throw new RangeError("report: the equity curve has no samples")
  if (samples.equity.length !== n || samples.exposed.length !== n) {
    throw new RangeError("report: equity curve arrays (ts, equity, exposed) differ in length")
  }
  const ts = column(samples.ts)
  const equity = column(samples.equity)
  const drawdownPct = new Float64Array(n)
  let peak = Number.NEGATIVE_INFINITY
  let exposed = 0
  for (let i = 0; i < n; i++) {
    const t = ts[i]!
    const e = equity[i]!
    if (!Number.isSafeInteger(t) || !Number.isSafeInteger(e)) {
      throw new RangeError(`report: equity sample ${i} (ts ${t}, equity ${e}) is not in integer units`)
    }
    if (e > peak) peak = e
    drawdownPct[i] = drawdownFromPeak(peak, e)
    if (samples.exposed[i] === 1) exposed++
  }
  return {
    ts,
    equity,
    drawdownPct,
    // Counted, not averaged: a running mean drifts in the last digits over a million samples.
    exposurePct: (exposed * 100) / n,
    peak,
    ...drawdownPeriods(ts, drawdownPct),
    daily: dailyReturns(ts, equity, riskFreePerPeriod)
  }
}

const column = (xs: ArrayLike<number>): Float64Array => (xs instanceof Float64Array ? xs : Float64Array.from(xs))

/**
 * A drawdown period runs from the last sample at a peak to the first sample back at it (or the last sample when
 * the curve never recovers); its depth is the deepest drawdown inside, as in backtesting.py.
 */
const drawdownPeriods = (ts: Float64Array, drawdownPct: Float64Array) => {
  const n = drawdownPct.length
  let periods = 0
  let maxDepth = 0
  let sumDepth = 0
  let maxDays = 0
  let sumDays = 0
  let i = 1
  while (i < n) {
    if (drawdownPct[i] === 0) {
      i++
      continue
    }
    const peakAt = i - 1
    let depth = 0
    while (i < n - 1 && drawdownPct[i]! > 0) depth = Math.max(depth, drawdownPct[i++]!)
    depth = Math.max(depth, drawdownPct[i]!)
    const days = (ts[i]! - ts[peakAt]!) / MICROS_PER_DAY
    periods++
    maxDepth = Math.max(maxDepth, depth)
    sumDepth += depth
    maxDays = Math.max(maxDays, days)
    sumDays += days
    i++
  }
  return {
    maxDrawdownPct: maxDepth,
    avgDrawdownPct: periods === 0 ? 0 : sumDepth / periods,
    maxDrawdownDays: maxDays,
    avgDrawdownDays: periods === 0 ? 0 : sumDays / periods
  }
}

/** Returns between the last samples of consecutive UTC days that have samples. A return from zero equity is NaN. */
const dailyReturns = (ts: Float64Array, equity: Float64Array, riskFreePerPeriod: number): DailyReturns => {
  const moments = new Moments()
  let count = 0
  let downside = 0
  let previousClose: number | undefined
  // The current sample's UTC day, [dayStart, dayEnd): compared, not recomputed, while the samples stay inside.
  let dayStart = Number.POSITIVE_INFINITY
  let dayEnd = Number.NEGATIVE_INFINITY
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!
    if (t < dayStart || t >= dayEnd) {
      dayStart = utcDayStart(t)
      dayEnd = dayStart + MICROS_PER_DAY
    }
    const next = i + 1 < ts.length ? ts[i + 1]! : Number.POSITIVE_INFINITY
    if (next >= dayStart && next < dayEnd) continue
    const close = equity[i]!
    if (previousClose !== undefined) {
      const excess = close / previousClose - 1 - riskFreePerPeriod
      count++
      moments.add(excess)
      if (excess < 0) downside += excess * excess
    }
    previousClose = close
  }
  const deviation = Math.sqrt(downside / count)
  return {
    count,
    meanExcess: moments.mean,
    stdev: moments.stdev,
    downside: count === 0 || !Number.isFinite(deviation) ? null : deviation
  }
}
