import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { type Dimension, type ParamSet, parseDimension } from "./ParameterSpace"
import { type Propose, randomSearch, type Trial, tpe } from "./Tpe"

const dim = (text: string): Dimension => Either.getOrThrow(parseDimension(text))

/** Runs `budget` trials of `objective`, `batch` proposals at a time; the best value found. */
const optimise = (propose: Propose, objective: (p: ParamSet) => number, budget: number, batch = 1): number => {
  const trials: Array<Trial> = []
  while (trials.length < budget) {
    const next = propose(trials, Math.min(batch, budget - trials.length))
    if (next.length === 0) break
    for (const params of next) trials.push({ params, value: objective(params) })
  }
  return Math.max(...trials.map((t) => t.value))
}

// A smooth bowl with its optimum 0 at (3, -1), on [-10, 10]².
const bowl = (p: ParamSet) => -((Number(p.x) - 3) ** 2 + (Number(p.y) + 1) ** 2)
const bowlSpace = [dim("x=-10.0..10.0"), dim("y=-10.0..10.0")]

// Integer periods as a strategy has them, the optimum 0 at fast 12, slow 80, plus a categorical choice worth 5.
const periods = (p: ParamSet) =>
  -(Math.abs(Number(p.fast) - 12) + Math.abs(Number(p.slow) - 80) / 4) - (p.mode === "long-short" ? 0 : 5)
const periodSpace = [dim("fast=2..60"), dim("slow=20..300"), dim("mode=long-only,long-short")]

describe("TPE", () => {
  it("finds the known optimum of a synthetic objective within 60 trials", () => {
    for (const seed of [1, 2, 3]) {
      expect(optimise(tpe(bowlSpace, { seed }), bowl, 60)).toBeGreaterThan(-0.5)
    }
    // Within 0.5 of the optimum means (12, 80±2) or one step off in fast, and long-short chosen.
    expect(optimise(tpe(periodSpace, { seed: 4 }), periods, 80)).toBeGreaterThanOrEqual(-1.5)
  })

  it("beats random search of the same budget, on nearly every seed", () => {
    const seeds = [11, 12, 13, 14, 15, 16, 17, 18]
    const wins = (objective: (p: ParamSet) => number, space: ReadonlyArray<Dimension>, budget: number) =>
      seeds.filter(
        (seed) =>
          optimise(tpe(space, { seed }), objective, budget) > optimise(randomSearch(space, seed), objective, budget)
      ).length
    expect(wins(bowl, bowlSpace, 60)).toBeGreaterThanOrEqual(7)
    expect(wins(periods, periodSpace, 60)).toBeGreaterThanOrEqual(6)
  })

  it("proposes in batches (one per worker), never a set tried before, only sets the strategy accepts", () => {
    const propose = tpe(periodSpace, { seed: 5 })
    const accept = (p: ParamSet) => Number(p.fast) < Number(p.slow) / 2
    const trials: Array<Trial> = []
    for (let round = 0; round < 10; round++) {
      const next = propose(trials, 4, accept)
      expect(next).toHaveLength(4)
      for (const params of next) {
        expect(accept(params)).toBe(true)
        trials.push({ params, value: periods(params) })
      }
    }
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(40)
    for (const t of trials) expect(Number.isInteger(Number(t.params.fast))).toBe(true)
    // Batches of 4 still get close: a batch loses little against one at a time.
    expect(Math.max(...trials.map((t) => t.value))).toBeGreaterThan(-4)
  })

  it("is deterministic for a seed and ignores failed trials", () => {
    const run = () => {
      const propose = tpe(bowlSpace, { seed: 9, startup: 3 })
      const trials: Array<Trial> = [
        { params: { x: "0", y: "0" }, value: Number.NEGATIVE_INFINITY },
        { params: { x: "1", y: "1" }, value: -8 },
        { params: { x: "2", y: "-1" }, value: -1 },
        { params: { x: "-5", y: "5" }, value: -100 }
      ]
      return propose(trials, 3)
    }
    expect(run()).toEqual(run())
  })
})
