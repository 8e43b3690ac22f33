import { describe, expect, it } from "@effect/vitest"
import { Either, Schema } from "effect"
import { AAPL, BTCUSDT, ES } from "../../test/fixtures/instruments"
import * as Instrument from "./Instrument"

describe("Instrument", () => {
  it("values one tick of one lot exactly in minor units", () => {
    expect(Instrument.valuePerTickLot(AAPL, 2)).toEqual({ num: 1, den: 1 })
    // 0.25 points × $50 = $12.50 = 1250 cents
    expect(Instrument.valuePerTickLot(ES, 2)).toEqual({ num: 1250, den: 1 })
    // 0.01 USDT × 0.00001 BTC = 1e-7 USDT = 0.1 of a 6-decimal minor unit
    expect(Instrument.valuePerTickLot(BTCUSDT, 6)).toEqual({ num: 1, den: 10 })
  })

  it("rejects an instrument whose units or id are wrong, naming each field", () => {
    const result = Schema.decodeUnknownEither(Instrument.Instrument, { errors: "all" })({
      ...AAPL,
      id: "AAPL.XNYS",
      tickSize: "0",
      lotSize: "abc",
      assetClass: "stonk",
      sessions: [{ days: ["mon"], open: "9:30", close: "16:00" }]
    })
    expect(Either.isLeft(result)).toBe(true)
    const message = Either.isLeft(result) ? result.left.message : ""
    expect(message).toMatch(/tickSize[\s\S]*must be positive/)
    expect(message).toMatch(/lotSize[\s\S]*not a decimal number/)
    expect(message).toMatch(/assetClass/)
    expect(message).toMatch(/open[\s\S]*HH:MM/)
  })
})
