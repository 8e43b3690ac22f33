import { describe, expect, it } from "@effect/vitest"
import { performance } from "./performance"

const DAY = 86_400_000_000
const T0 = Date.UTC(2025, 11, 30) * 1000
const sample = (day: number, nav: number) => ({ ts: T0 + day * DAY, nav, currency: "USD", decimals: 2 })
const flow = (day: number, amount: number, sequence: number) => ({
  sequence,
  ts: T0 + day * DAY,
  amount,
  currency: "USD",
  decimals: 2
})

describe("performance", () => {
  it("nets deposits and withdrawals out of returns, chains them, and tables them by month", () => {
    // 1,000 in, +10%, 500 out (no gain), −10%, a euro flow that is not netted into a USD account.
    const p = performance(
      [sample(0, 100_000), sample(1, 110_000), sample(2, 60_000), sample(3, 54_000)],
      [flow(0, 100_000, 1), flow(2, -50_000, 2), flow(3, 1, 3)].map((f, i) => (i === 2 ? { ...f, currency: "EUR" } : f))
    )
    expect(p.points.map((x) => x.r)).toEqual([0, 0.1, 0, expect.closeTo(-0.1, 12)])
    expect(p.inception).toBeCloseTo(1.1 * 0.9 - 1, 12)
    expect(p.maxDrawdownPct).toBeCloseTo(10, 9)
    // Days 0–1 are December 2025, days 2–3 January 2026.
    expect(p.monthly.map((y) => y.year)).toEqual([2025, 2026])
    expect(p.monthly[0]?.months[11]).toBeCloseTo(0.1, 12)
    expect(p.monthly[1]?.months[0]).toBeCloseTo(-0.1, 12)
    expect(p.year).toBeCloseTo(-0.1, 12)
    expect(p.day).toBeCloseTo(-0.1, 12)
  })

  it("has no returns without samples", () => {
    expect(performance([], [])).toMatchObject({ points: [], inception: undefined, monthly: [] })
  })
})
