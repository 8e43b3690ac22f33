import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { AAPL, currencies, ES } from "../../test/fixtures/instruments"
import { makeSpecs } from "../domain/InstrumentSpec"
import * as Sizing from "./Sizing"

const [aapl, es] = makeSpecs([AAPL, ES], currencies).list

describe("Sizing", () => {
  it("parses the command-line forms and refuses the rest", () => {
    expect(Sizing.parse("qty:10")).toEqual({ _tag: "FixedQuantity", lots: 10 })
    expect(Sizing.parse("notional:500000")).toEqual({ _tag: "FixedNotional", amount: 500_000 })
    expect(Sizing.parse("equity:95")).toEqual({ _tag: "PercentOfEquity", percent: 95, at: "signal" })
    expect(Sizing.parse("equity:50@fill")).toEqual({ _tag: "PercentOfEquity", percent: 50, at: "fill" })
    for (const bad of ["qty:1.5", "qty:-1", "equity:101", "equity:50@open", "lots:3", "qty:"]) {
      expect(Sizing.parse(bad)).toBeUndefined()
    }
    expect(() => Schema.decodeUnknownSync(Sizing.SizingFromString)("equity:200")).toThrow(/sizing must be qty:<lots>/)
    expect(Schema.encodeSync(Sizing.SizingFromString)({ _tag: "PercentOfEquity", percent: 50, at: "fill" })).toBe(
      "equity:50@fill"
    )
  })

  it("counts whole lots that fit the budget, fee included", () => {
    // $10,000.00 of equity at $150.00: 66 shares (66 × 15,000 = 990,000 ≤ 1,000,000 < 67 × 15,000).
    expect(Sizing.quantity({ _tag: "PercentOfEquity", percent: 100, at: "signal" }, aapl!, 15_000, 1_000_000)).toBe(66)
    // With a 2% fee, 66 shares cost 990,000 + 19,800 > 1,000,000; 65 cost 975,000 + 19,500.
    expect(
      Sizing.quantity({ _tag: "PercentOfEquity", percent: 100, at: "signal" }, aapl!, 15_000, 1_000_000, 0.02)
    ).toBe(65)
    // One ES contract at 5,000.00 is worth 5,000 × $50 = $250,000 = 25,000,000 cents.
    expect(Sizing.quantity({ _tag: "FixedNotional", amount: 60_000_000 }, es!, 20_000, 0)).toBe(2)
    expect(Sizing.quantity({ _tag: "FixedQuantity", lots: 7 }, aapl!, 15_000, 0)).toBe(7)
  })

  it("sends a budget and an upper bound when sized at the fill price", () => {
    const fill = { _tag: "PercentOfEquity", percent: 50, at: "fill" } as const
    expect(Sizing.entry(fill, aapl!, 15_000, 1_000_000)).toEqual({ quantity: 66, notionalLimit: 500_000 })
    expect(Sizing.entry({ ...fill, at: "signal" }, aapl!, 15_000, 1_000_000)).toEqual({ quantity: 33 })
    expect(Sizing.entry(fill, aapl!, 15_000, 0)).toEqual({ quantity: 0 })
  })
})
