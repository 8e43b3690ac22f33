/**
 * Walk-forward analysis: optimize on a training window, test the best parameter set on the window that follows, and
 * roll forward. `--walk-forward train=2y,test=6m[,step=6m][,anchored]` over `--from`/`--to` gives the windows; the
 * tests' equity curves are chained into one out-of-sample curve (each window starts from the equity the previous
 * one ended with), whose statistics are what the strategy would have earned had it been re-optimized at each step.
 *
 * @since 0.1.0
 */
import { Either } from "effect"

/**
 * A calendar length: days, weeks, months or years (UTC calendar).
 *
 * @since 0.1.0
 * @category models
 */
export interface Period {
  readonly count: number
  readonly unit: "d" | "w" | "m" | "y"
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WalkForwardSpec {
  readonly train: Period
  readonly test: Period
  /** How far each window moves; the test length by default, so that the tests follow each other without overlap. */
  readonly step: Period
  /** Every training window starts at `from` (an expanding window) instead of rolling with the step. */
  readonly anchored: boolean
}

/**
 * One window: train on `[trainFrom, trainTo)`, test on `[testFrom, testTo)` (µs since the epoch, `trainTo` =
 * `testFrom`). The last test may be shorter than the others when the range ends first.
 *
 * @since 0.1.0
 * @category models
 */
export interface Window {
  readonly trainFrom: number
  readonly trainTo: number
  readonly testFrom: number
  readonly testTo: number
}

const PERIOD = /^(\d+)([dwmy])$/

/** `6m` as a period. */
const parsePeriod = (key: string, text: string): Either.Either<Period, string> => {
  const m = PERIOD.exec(text.trim())
  if (m === null || Number(m[1]) < 1) {
    return Either.left(`--walk-forward ${key}=${text}: expected a length such as 30d, 8w, 6m or 2y`)
  }
  return Either.right({ count: Number(m[1]), unit: m[2] as Period["unit"] })
}

/**
 * The `--walk-forward` argument: `train=<len>,test=<len>[,step=<len>][,anchored]`, lengths as `30d`, `8w`, `6m`,
 * `2y`. Left: what is wrong, naming the part.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseWalkForward = (text: string): Either.Either<WalkForwardSpec, string> => {
  const parts = new Map<string, string>()
  let anchored = false
  for (const part of text.split(",").map((p) => p.trim())) {
    if (part === "anchored") {
      anchored = true
      continue
    }
    const eq = part.indexOf("=")
    const key = eq < 0 ? part : part.slice(0, eq)
    if (eq < 0 || !["train", "test", "step"].includes(key)) {
      return Either.left(`--walk-forward ${text}: unknown part ${part} (expected train=, test=, step= or anchored)`)
    }
    parts.set(key, part.slice(eq + 1))
  }
  const train = parts.get("train")
  const test = parts.get("test")
  if (train === undefined || test === undefined) {
    return Either.left(`--walk-forward ${text}: give train=<length> and test=<length>, e.g. train=2y,test=6m`)
  }
  return Either.all({
    train: parsePeriod("train", train),
    test: parsePeriod("test", test),
    step: parsePeriod("step", parts.get("step") ?? test)
  }).pipe(Either.map((periods) => ({ ...periods, anchored })))
}

/** `micros` moved forward by `times` × `period` on the UTC calendar (a month from 31 January ends on 2 or 3 March). */
const advance = (micros: number, period: Period, times = 1): number => {
  const date = new Date(Math.floor(micros / 1000))
  const n = period.count * times
  switch (period.unit) {
    case "d":
      date.setUTCDate(date.getUTCDate() + n)
      break
    case "w":
      date.setUTCDate(date.getUTCDate() + 7 * n)
      break
    case "m":
      date.setUTCMonth(date.getUTCMonth() + n)
      break
    case "y":
      date.setUTCFullYear(date.getUTCFullYear() + n)
  }
  return date.getTime() * 1000 + (micros % 1000)
}

/**
 * The windows of `spec` over `[from, to)`: the first trains from `from`; each test starts where its training ends;
 * windows follow until a test would start at or after `to`. Left when not one window fits.
 *
 * @since 0.1.0
 * @category constructors
 */
export const windows = (
  spec: WalkForwardSpec,
  from: number,
  to: number
): Either.Either<ReadonlyArray<Window>, string> => {
  const out: Array<Window> = []
  for (let k = 0; out.length < 10_000; k++) {
    const trainFrom = spec.anchored ? from : advance(from, spec.step, k)
    const testFrom = spec.anchored ? advance(advance(from, spec.train), spec.step, k) : advance(trainFrom, spec.train)
    if (testFrom >= to) break
    out.push({ trainFrom, trainTo: testFrom, testFrom, testTo: Math.min(to, advance(testFrom, spec.test)) })
  }
  return out.length === 0
    ? Either.left("--walk-forward: the range from --from to --to is shorter than one training window")
    : Either.right(out)
}

/**
 * @since 0.1.0
 * @category models
 */
export interface Curve {
  /** µs since the epoch, ascending. */
  readonly ts: ArrayLike<number>
  readonly equity: ArrayLike<number>
}

/**
 * The test curves chained into one: each curve is scaled so that it starts at the equity the previous one ended
 * with (the first keeps its own), as if one account had run every test in turn. Curves are in time order; an empty
 * curve (a window that did not trade: no parameter set met the constraints) leaves the equity where it was.
 *
 * @since 0.1.0
 * @category constructors
 */
export const stitch = (
  curves: ReadonlyArray<Curve>
): { readonly ts: Array<number>; readonly equity: Array<number> } => {
  const ts: Array<number> = []
  const equity: Array<number> = []
  let level: number | undefined
  for (const curve of curves) {
    if (curve.equity.length === 0) continue
    const first = curve.equity[0]!
    const scale = level === undefined || first === 0 ? 1 : level / first
    for (let i = 0; i < curve.equity.length; i++) {
      // A curve's first sample repeats the previous curve's last level: keep one.
      if (i === 0 && level !== undefined) continue
      ts.push(curve.ts[i]!)
      equity.push(curve.equity[i]! * scale)
    }
    level = equity[equity.length - 1] ?? level
  }
  return { ts, equity }
}

/**
 * The statistics of an equity curve, as the report defines them: total and annualized return, annualized
 * volatility and Sharpe ratio of daily returns (the last equity of each UTC day; risk-free rate 0), and the
 * deepest drawdown from a running peak (positive, in %). Null where undefined (fewer than two days).
 *
 * @since 0.1.0
 * @category statistics
 */
export interface CurveStats {
  readonly returnPct: number | null
  readonly annualizedReturnPct: number | null
  readonly annualizedVolatilityPct: number | null
  readonly sharpe: number | null
  readonly maxDrawdownPct: number | null
}

const DAY_US = 86_400_000_000

/**
 * @since 0.1.0
 * @category statistics
 */
export const curveStats = (curve: Curve, periodsPerYear: number): CurveStats => {
  const n = curve.equity.length
  if (n === 0) {
    return {
      returnPct: null,
      annualizedReturnPct: null,
      annualizedVolatilityPct: null,
      sharpe: null,
      maxDrawdownPct: null
    }
  }
  const first = curve.equity[0]!
  const last = curve.equity[n - 1]!
  let peak = Number.NEGATIVE_INFINITY
  let maxDrawdown = 0
  const daily: Array<number> = []
  for (let i = 0; i < n; i++) {
    const e = curve.equity[i]!
    peak = Math.max(peak, e)
    if (peak > 0) maxDrawdown = Math.max(maxDrawdown, (peak - e) / peak)
    const day = Math.floor(curve.ts[i]! / DAY_US)
    const nextDay = i + 1 < n ? Math.floor(curve.ts[i + 1]! / DAY_US) : Number.NaN
    if (day !== nextDay) daily.push(e)
  }
  const returns: Array<number> = []
  for (let i = 1; i < daily.length; i++) if (daily[i - 1]! > 0) returns.push(daily[i]! / daily[i - 1]! - 1)
  const mean = returns.reduce((a, b) => a + b, 0) / Math.max(1, returns.length)
  const variance =
    returns.length < 2 ? Number.NaN : returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1)
  const sd = Math.sqrt(variance)
  const years = (curve.ts[n - 1]! - curve.ts[0]!) / (365.25 * DAY_US)
  const growth = first > 0 ? last / first : Number.NaN
  return {
    returnPct: first > 0 ? (growth - 1) * 100 : null,
    annualizedReturnPct: years > 0 && growth > 0 ? (growth ** (1 / years) - 1) * 100 : null,
    annualizedVolatilityPct: Number.isFinite(sd) ? sd * Math.sqrt(periodsPerYear) * 100 : null,
    sharpe: Number.isFinite(sd) && sd > 0 ? (mean / sd) * Math.sqrt(periodsPerYear) : null,
    maxDrawdownPct: maxDrawdown * 100
  }
}
