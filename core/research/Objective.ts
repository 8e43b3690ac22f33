/**
 * What an optimizer maximises: a statistic of the report (`sharpe`, `returnPct`, ...) or a weighted sum of several
 * (`sharpe+0.1*returnPct`), under constraints on any statistic (`maxDrawdownPct<=20`, `trades>=10`). A run that
 * breaks a constraint, lacks a statistic or failed scores `-Infinity`: the optimizer learns to avoid it.
 *
 * @since 0.1.0
 */
import { Either } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Objective {
  readonly terms: ReadonlyArray<{ readonly weight: number; readonly statistic: string }>
  readonly constraints: ReadonlyArray<{ readonly statistic: string; readonly op: ">=" | "<="; readonly bound: number }>
}

/** Statistics by name, as stored with a run (numbers, decimal strings, or null when undefined). */
export type StatValues = Readonly<Record<string, string | number | null>>

const STAT = /^[A-Za-z][A-Za-z0-9]*$/

/**
 * The objective `--objective` and `--constraint`s describe, or what is wrong with them.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseObjective = (
  objective: string,
  constraints: ReadonlyArray<string>,
  known: ReadonlyArray<string>
): Either.Either<Objective, string> => {
  const unknown = (name: string) =>
    known.includes(name) ? undefined : `unknown statistic ${name} (known: ${known.join(", ")})`
  const terms: Array<Objective["terms"][number]> = []
  for (const part of objective.split("+").map((p) => p.trim())) {
    const m = /^(?:(-?\d+(?:\.\d+)?)\*)?(.+)$/.exec(part)
    const statistic = m?.[2]?.trim() ?? ""
    if (!STAT.test(statistic)) return Either.left(`--objective ${objective}: expected stat or weight*stat joined by +`)
    const problem = unknown(statistic)
    if (problem !== undefined) return Either.left(`--objective ${objective}: ${problem}`)
    terms.push({ weight: m?.[1] === undefined ? 1 : Number(m[1]), statistic })
  }
  const parsed: Array<Objective["constraints"][number]> = []
  for (const text of constraints) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*(>=|<=)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text)
    if (m === null) return Either.left(`--constraint ${text}: expected stat>=number or stat<=number`)
    const problem = unknown(m[1]!)
    if (problem !== undefined) return Either.left(`--constraint ${text}: ${problem}`)
    parsed.push({ statistic: m[1]!, op: m[2] as ">=" | "<=", bound: Number(m[3]) })
  }
  return Either.right({ terms, constraints: parsed })
}

const numeric = (value: string | number | null | undefined): number | undefined => {
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN
  return Number.isFinite(n) ? n : undefined
}

/**
 * A run's score: the weighted sum, or `-Infinity` when a constraint fails or a statistic is missing (no statistics:
 * a failed run).
 *
 * @since 0.1.0
 */
export const score = (objective: Objective, stats: StatValues | null): number => {
  if (stats === null) return Number.NEGATIVE_INFINITY
  for (const c of objective.constraints) {
    const v = numeric(stats[c.statistic])
    if (v === undefined || (c.op === ">=" ? v < c.bound : v > c.bound)) return Number.NEGATIVE_INFINITY
  }
  let sum = 0
  for (const t of objective.terms) {
    const v = numeric(stats[t.statistic])
    if (v === undefined) return Number.NEGATIVE_INFINITY
    sum += t.weight * v
  }
  return sum
}
