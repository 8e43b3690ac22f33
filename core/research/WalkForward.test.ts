import { Either } from "effect"
import { describe, expect, it } from "vitest"
import { curveStats, parseWalkForward, stitch, windows } from "./WalkForward"

const us = (date: string) => Date.parse(`${date}T00:00:00Z`) * 1000
const day = (micros: number) => new Date(micros / 1000).toISOString().slice(0, 10)
const spans = (text: string, from: string, to: string) =>
  Either.getOrThrow(windows(Either.getOrThrow(parseWalkForward(text)), us(from), us(to))).map((w) =>
    [w.trainFrom, w.trainTo, w.testFrom, w.testTo].map(day).join(" ")
  )

describe("walk-forward windows", () => {
  it("roll by the test length by default, the last test cut at the end of the range", () => {
    expect(spans("train=2y,test=1y", "2000-01-01", "2004-07-01")).toEqual([
      "2000-01-01 2002-01-01 2002-01-01 2003-01-01",
      "2001-01-01 2003-01-01 2003-01-01 2004-01-01",
      "2002-01-01 2004-01-01 2004-01-01 2004-07-01"
    ])
  })

  it("roll by a step of their own, or grow from the start when anchored", () => {
    expect(spans("train=12m,test=6m,step=3m", "2000-01-01", "2001-10-01")).toEqual([
      "2000-01-01 2001-01-01 2001-01-01 2001-07-01",
      "2000-04-01 2001-04-01 2001-04-01 2001-10-01",
      "2000-07-01 2001-07-01 2001-07-01 2001-10-01"
    ])
    expect(spans("train=1y,test=1y,anchored", "2000-01-01", "2003-01-01")).toEqual([
      "2000-01-01 2001-01-01 2001-01-01 2002-01-01",
      "2000-01-01 2002-01-01 2002-01-01 2003-01-01"
    ])
  })

  it("refuse a range shorter than one training window, and name the bad part of the argument", () => {
    const spec = Either.getOrThrow(parseWalkForward("train=5y,test=1y"))
    expect(windows(spec, us("2000-01-01"), us("2004-12-31"))).toEqual(
      Either.left("--walk-forward: the range from --from to --to is shorter than one training window")
    )
    expect(parseWalkForward("train=2y,test=6x")).toEqual(
      Either.left("--walk-forward test=6x: expected a length such as 30d, 8w, 6m or 2y")
    )
    expect(parseWalkForward("train=2y")).toEqual(
      Either.left("--walk-forward train=2y: give train=<length> and test=<length>, e.g. train=2y,test=6m")
    )
    expect(Either.isLeft(parseWalkForward("train=2y,test=1y,roll=1m"))).toBe(true)
  })
})

describe("the out-of-sample curve", () => {
  it("chains each test from the equity the previous one ended with", () => {
    const stitched = stitch([
      { ts: [1, 2, 3], equity: [100, 110, 120] },
      { ts: [3, 4], equity: [] },
      { ts: [3, 4, 5], equity: [50, 25, 75] }
    ])
    expect(stitched.ts).toEqual([1, 2, 3, 4, 5])
    // +20 %, then -50 % and +50 % of the second test's start: 120 → 60 → 180.
    expect(stitched.equity).toEqual([100, 110, 120, 60, 180])
  })

  it("has the report's statistics: return, drawdown from the peak, annualized figures of daily returns", () => {
    const d = 86_400_000_000
    const stats = curveStats({ ts: [0, d, 2 * d, 3 * d], equity: [100, 110, 99, 121] }, 252)
    expect(stats.returnPct).toBeCloseTo(21, 9)
    expect(stats.maxDrawdownPct).toBeCloseTo(10, 9)
    const returns = [0.1, -0.1, 121 / 99 - 1]
    const mean = returns.reduce((a, b) => a + b, 0) / 3
    const sd = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 2)
    expect(stats.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 9)
    expect(curveStats({ ts: [], equity: [] }, 252).returnPct).toBeNull()
  })
})
