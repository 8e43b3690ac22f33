import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { parseObjective, score } from "./Objective"

const known = ["sharpe", "returnPct", "maxDrawdownPct", "trades", "finalEquity"]
const parse = (objective: string, constraints: ReadonlyArray<string> = []) =>
  Either.getOrThrow(parseObjective(objective, constraints, known))

describe("objective", () => {
  it("scores one statistic, a weighted sum, and decimal strings", () => {
    expect(score(parse("sharpe"), { sharpe: 1.5 })).toBe(1.5)
    expect(score(parse("sharpe+0.1*returnPct"), { sharpe: 1, returnPct: 20 })).toBe(3)
    expect(score(parse("-1*maxDrawdownPct"), { maxDrawdownPct: 12 })).toBe(-12)
    expect(score(parse("finalEquity"), { finalEquity: "110000.50" })).toBe(110000.5)
  })

  it("scores -Infinity when a constraint fails, a statistic is missing, or the run failed", () => {
    const o = parse("returnPct", ["maxDrawdownPct<=20", "trades>=10"])
    expect(score(o, { returnPct: 5, maxDrawdownPct: 19, trades: 10 })).toBe(5)
    expect(score(o, { returnPct: 50, maxDrawdownPct: 21, trades: 10 })).toBe(Number.NEGATIVE_INFINITY)
    expect(score(o, { returnPct: 50, maxDrawdownPct: 1, trades: 9 })).toBe(Number.NEGATIVE_INFINITY)
    expect(score(parse("sharpe"), { sharpe: null })).toBe(Number.NEGATIVE_INFINITY)
    expect(score(parse("sharpe"), null)).toBe(Number.NEGATIVE_INFINITY)
  })

  it("names what it cannot read", () => {
    expect(parseObjective("sharp", [], known)).toEqual(
      Either.left(`--objective sharp: unknown statistic sharp (known: ${known.join(", ")})`)
    )
    expect(parseObjective("sharpe", ["maxDrawdownPct<20"], known)).toEqual(
      Either.left("--constraint maxDrawdownPct<20: expected stat>=number or stat<=number")
    )
    expect(Either.isLeft(parseObjective("2*", [], known))).toBe(true)
  })
})
