/**
 * A tree-structured Parzen estimator (Bergstra et al., 2011, as in hyperopt and Optuna): it proposes the next
 * parameter sets from the trials finished so far. After `startup` random trials, the trials are split at the
 * `gamma` quantile of the objective into good and bad; for each parameter, a density of the good values `l(x)` and
 * of the bad ones `g(x)` (Gaussians around each value plus a uniform prior, or smoothed counts for a list of values)
 * is estimated, `candidates` values are drawn from `l`, and the one with the highest `l(x) / g(x)` is proposed.
 * Parameters are modelled independently, as in the original TPE. The objective is maximised; deterministic for a seed.
 *
 * No maintained TPE or CMA-ES package for TypeScript was found, so this is a small one, tested against a synthetic
 * objective with a known optimum and against random search of the same budget (`Tpe.test.ts`).
 *
 * @since 0.1.0
 */
import { type Dimension, drawValue, type ParamSet, seededUniform } from "./ParameterSpace"

/**
 * A finished trial: its parameters and the objective's value (higher is better; `-Infinity` for a failed run).
 *
 * @since 0.1.0
 * @category models
 */
export interface Trial {
  readonly params: ParamSet
  readonly value: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface TpeOptions {
  readonly seed: number
  /** Random trials before the model is used (default 10). */
  readonly startup?: number
  /** Share of the trials counted as good (default 0.15). */
  readonly gamma?: number
  /** Values drawn from `l` per parameter and proposal (default 24). */
  readonly candidates?: number
}

/**
 * A proposer: each call returns up to `count` new parameter sets, none tried before, each one `accept` allows.
 *
 * @since 0.1.0
 * @category models
 */
export type Propose = (
  trials: ReadonlyArray<Trial>,
  count: number,
  accept?: (params: ParamSet) => boolean
) => ReadonlyArray<ParamSet>

type Numeric = Extract<Dimension, { kind: "int" | "real" }>

/** A value of a numeric dimension as the job gets it: integers rounded, stepped ranges snapped, within bounds. */
const snap = (d: Numeric, x: number): string => {
  const clamped = Math.min(d.max, Math.max(d.min, x))
  const step = d.step
  if (step !== undefined) {
    const steps = Math.floor((d.max - d.min) / step + 1e-9)
    const k = Math.min(steps, Math.max(0, Math.round((clamped - d.min) / step)))
    return String(Number((d.min + k * step).toPrecision(12)))
  }
  return String(Number(clamped.toPrecision(12)))
}

/** A Parzen density over [lo, hi]: a Gaussian at each point and a uniform prior of weight one point. */
interface Parzen {
  readonly points: ReadonlyArray<number>
  readonly sigma: number
  readonly lo: number
  readonly hi: number
}

const parzen = (points: ReadonlyArray<number>, lo: number, hi: number): Parzen => {
  const range = hi - lo || 1
  // Wide with few points (explore), narrowing as they accumulate; never below 1 % of the range.
  const sigma = Math.max(range / 100, range / (1 + points.length))
  return { points, sigma, lo, hi }
}

const density = (p: Parzen, x: number): number => {
  const range = p.hi - p.lo || 1
  let sum = 1 / range
  for (const m of p.points) {
    const z = (x - m) / p.sigma
    sum += Math.exp(-0.5 * z * z) / (p.sigma * Math.sqrt(2 * Math.PI))
  }
  return sum / (p.points.length + 1)
}

const drawParzen = (p: Parzen, uniform: () => number): number => {
  const pick = Math.floor(uniform() * (p.points.length + 1))
  if (pick === p.points.length) return p.lo + uniform() * (p.hi - p.lo)
  // Box-Muller: one normal from two uniforms.
  const normal = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
  return p.points[pick]! + p.sigma * normal
}

/** Smoothed frequencies of the listed values among `chosen`. */
const frequencies = (values: ReadonlyArray<string>, chosen: ReadonlyArray<string>): ReadonlyArray<number> =>
  values.map((v) => (chosen.filter((c) => c === v).length + 1) / (chosen.length + values.length))

const drawIndex = (weights: ReadonlyArray<number>, uniform: () => number): number => {
  let u = uniform()
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i]!
    if (u < 0) return i
  }
  return weights.length - 1
}

/** One dimension's proposal: the candidate from the good density with the best ratio to the bad one. */
const proposeValue = (
  d: Dimension,
  good: ReadonlyArray<ParamSet>,
  bad: ReadonlyArray<ParamSet>,
  candidates: number,
  uniform: () => number
): string => {
  if (d.kind === "values") {
    const l = frequencies(
      d.values,
      good.map((p) => p[d.name]!)
    )
    const g = frequencies(
      d.values,
      bad.map((p) => p[d.name]!)
    )
    let best = drawIndex(l, uniform)
    for (let i = 1; i < candidates; i++) {
      const c = drawIndex(l, uniform)
      if (l[c]! / g[c]! > l[best]! / g[best]!) best = c
    }
    return d.values[best]!
  }
  const l = parzen(
    good.map((p) => Number(p[d.name])),
    d.min,
    d.max
  )
  const g = parzen(
    bad.map((p) => Number(p[d.name])),
    d.min,
    d.max
  )
  let best = Number.NaN
  let bestScore = Number.NEGATIVE_INFINITY
  for (let i = 0; i < candidates; i++) {
    const x = Number(snap(d, drawParzen(l, uniform)))
    const score = Math.log(density(l, x)) - Math.log(density(g, x))
    if (score > bestScore) {
      best = x
      bestScore = score
    }
  }
  return snap(d, best)
}

/**
 * A TPE proposer over `dimensions`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const tpe = (dimensions: ReadonlyArray<Dimension>, options: TpeOptions): Propose => {
  const uniform = seededUniform(options.seed)
  const startup = options.startup ?? 10
  const gamma = options.gamma ?? 0.15
  const candidates = options.candidates ?? 24
  return (trials, count, accept = () => true) => {
    const seen = new Set(trials.map((t) => JSON.stringify(t.params)))
    const ranked = trials.filter((t) => Number.isFinite(t.value)).sort((a, b) => b.value - a.value)
    const split = Math.max(1, Math.ceil(gamma * ranked.length))
    const good = ranked.slice(0, split).map((t) => t.params)
    const bad = ranked.slice(split).map((t) => t.params)
    const modelled = ranked.length >= startup
    const out: Array<ParamSet> = []
    for (let tries = 0; out.length < count && tries < count * 100; tries++) {
      // Past a few collisions (a converged model proposes the same set again), explore at random instead.
      const explore = !modelled || tries >= count * 10
      const set = Object.fromEntries(
        dimensions.map((d) => [
          d.name,
          explore ? drawValue(d, uniform) : proposeValue(d, good, bad, candidates, uniform)
        ])
      )
      const key = JSON.stringify(set)
      if (seen.has(key) || !accept(set)) continue
      seen.add(key)
      out.push(set)
    }
    return out
  }
}

/**
 * Random search over the same space, with the same interface: the baseline TPE must beat.
 *
 * @since 0.1.0
 * @category constructors
 */
export const randomSearch = (dimensions: ReadonlyArray<Dimension>, seed: number): Propose => {
  const uniform = seededUniform(seed)
  return (trials, count, accept = () => true) => {
    const seen = new Set(trials.map((t) => JSON.stringify(t.params)))
    const out: Array<ParamSet> = []
    for (let tries = 0; out.length < count && tries < count * 100; tries++) {
      const set = Object.fromEntries(dimensions.map((d) => [d.name, drawValue(d, uniform)]))
      const key = JSON.stringify(set)
      if (seen.has(key) || !accept(set)) continue
      seen.add(key)
      out.push(set)
    }
    return out
  }
}
