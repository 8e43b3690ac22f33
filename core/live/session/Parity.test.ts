import { describe, expect, it } from "vitest"
import { compare, describe as describeDifference, type Trades } from "./Parity"

const trades: Trades = {
  orders: [
    {
      instrumentId: "AAPL.XNAS",
      side: "buy",
      type: "market",
      quantity: 10,
      limitPrice: undefined,
      stopPrice: undefined,
      timeInForce: "GTC",
      ts: 1_704_205_860_000_000
    }
  ],
  fills: [
    { instrumentId: "AAPL.XNAS", side: "buy", quantity: 10, price: 10_012, fee: 100, ts: 1_704_205_860_000_000 },
    { instrumentId: "AAPL.XNAS", side: "sell", quantity: 10, price: 10_050, fee: 101, ts: 1_704_205_920_000_000 }
  ]
}

describe("Parity.compare", () => {
  it("finds nothing between identical trades", () => {
    expect(compare(trades, structuredClone(trades))).toBeUndefined()
    expect(describeDifference(trades, undefined)).toBe("parity: 1 orders and 2 fills identical")
  })

  it("names the first fill whose price changed, with both values", () => {
    const backtest = { ...trades, fills: [trades.fills[0]!, { ...trades.fills[1]!, price: 10_049 }] }
    const difference = compare(trades, backtest)
    expect(difference).toMatchObject({ stream: "fill", index: 2, field: "price" })
    expect(describeDifference(trades, difference)).toMatch(
      /^parity: fill 2 differs in price: session 10050, backtest 10049/
    )
  })

  it("reports a missing order before any fill", () => {
    const difference = compare(trades, { orders: [], fills: trades.fills })
    expect(difference).toMatchObject({ stream: "order", index: 1, field: "missing", backtest: undefined })
    expect(describeDifference(trades, difference)).toContain("backtest none")
  })
})
