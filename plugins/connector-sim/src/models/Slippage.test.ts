import { describe, expect, it } from "@effect/vitest"
import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import { AAPL, currencies } from "../../../../test/fixtures/instruments"
import { makeRng } from "../Rng"
import { fixedLatency, jitteredLatency } from "./Latency"
import { fixedSlippage, noSlippage, probabilisticSlippage } from "./Slippage"

const spec = makeSpecs([AAPL], currencies).list[0]!

describe("slippage models", () => {
  it("are fixed or none", () => {
    const rng = makeRng(1)
    expect(noSlippage.ticks(rng, spec, "buy", 10)).toBe(0)
    expect(fixedSlippage(2).ticks(rng, spec, "sell", 10)).toBe(2)
  })

  it("draws the same slippage for the same seed", () => {
    const draws = (seed: number) => {
      const rng = makeRng(seed)
      const model = probabilisticSlippage(0.5, 3)
      return Array.from({ length: 32 }, () => model.ticks(rng, spec, "buy", 1))
    }
    expect(draws(7)).toEqual(draws(7))
    expect(draws(7)).not.toEqual(draws(8))
    expect(new Set(draws(7))).toEqual(new Set([0, 3]))
    expect(probabilisticSlippage(0, 3).ticks(makeRng(1), spec, "buy", 1)).toBe(0)
    expect(probabilisticSlippage(1, 3).ticks(makeRng(1), spec, "buy", 1)).toBe(3)
  })
})

describe("latency models", () => {
  it("are fixed or jittered within bounds, reproducibly", () => {
    expect(fixedLatency(250).delay(makeRng(1))).toBe(250)
    const rng = makeRng(3)
    const delays = Array.from({ length: 50 }, () => jitteredLatency(100, 20).delay(rng))
    expect(delays.every((d) => d >= 100 && d <= 120)).toBe(true)
    const again = makeRng(3)
    expect(Array.from({ length: 50 }, () => jitteredLatency(100, 20).delay(again))).toEqual(delays)
  })
})
