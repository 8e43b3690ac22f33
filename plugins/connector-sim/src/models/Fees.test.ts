import { describe, expect, it } from "@effect/vitest"
import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import { AAPL, BTCUSDT, currencies, ES } from "../../../../test/fixtures/instruments"
import { makerTakerFee, noFees, notionalFractionFee, perUnitFee } from "./Fees"

const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies)
const [aapl, es, btc] = specs.list as [(typeof specs.list)[0], (typeof specs.list)[0], (typeof specs.list)[0]]

describe("makerTakerFee", () => {
  const model = makerTakerFee({ makerBps: -2, takerBps: 5 })

  it("charges basis points of the notional, rounded half-even", () => {
    // AAPL 100 @ 150.00 = $15,000.00 = 1,500,000 cents; 5 bps = 750 cents.
    expect(model.fee(aapl, "taker", 15_000, 100)).toBe(750)
    // Maker rebate: -2 bps = -300 cents.
    expect(model.fee(aapl, "maker", 15_000, 100)).toBe(-300)
    // 1 @ 150.01 = 15,001 cents × 5 / 10,000 = 7.5005 → 8.
    expect(model.fee(aapl, "taker", 15_001, 1)).toBe(8)
    // 1 @ 150.00 = 15,000 × 5 / 10,000 = 7.5 → half-even 8; 1 @ 170.00 → 8.5 → 8.
    expect(model.fee(aapl, "taker", 15_000, 1)).toBe(8)
    expect(model.fee(aapl, "taker", 17_000, 1)).toBe(8)
  })

  it("values a future with its multiplier", () => {
    // ES 2 @ 5000.00 = 20,000 ticks × 0.25 × 50 × 2 = $500,000 = 50,000,000 cents; 5 bps = 25,000 cents.
    expect(model.fee(es, "taker", 20_000, 2)).toBe(25_000)
  })

  it("applies a minimum to charges only", () => {
    const floored = makerTakerFee({ makerBps: -2, takerBps: 5, minimum: 100 })
    expect(floored.fee(aapl, "taker", 15_000, 1)).toBe(100)
    expect(floored.fee(aapl, "maker", 15_000, 1)).toBe(-3) // -3 cents: -2 bps of 15,000 = -3
  })
})

describe("perUnitFee", () => {
  it("charges per lot with a minimum", () => {
    // $0.005 a share is not a whole cent; per-lot fees are whole minor units: 1 cent × 300 = 300.
    const model = perUnitFee({ perLot: 1, minimum: 100 })
    expect(model.fee(aapl, "taker", 15_000, 300)).toBe(300)
    expect(model.fee(aapl, "taker", 15_000, 20)).toBe(100)
    // ES $2.25 a contract: 225 cents × 3.
    expect(perUnitFee({ perLot: 225 }).fee(es, "maker", 20_000, 3)).toBe(675)
  })
})

describe("notionalFractionFee", () => {
  it("charges an exact decimal fraction of the notional", () => {
    // BTC-USDT 0.5 BTC (50,000 lots) @ 60,000.00 (6,000,000 ticks): notional 30,000 USDT = 30,000,000,000 µUSDT.
    // 0.001 of it = 30,000,000 µUSDT = 30 USDT.
    expect(notionalFractionFee("0.001").fee(btc, "taker", 6_000_000, 50_000)).toBe(30_000_000)
    // 1 lot @ 0.01 is 0.0000001 USDT, which rounds to 0 µUSDT; 0.00075 of it is 0, raised to the minimum of 1.
    expect(notionalFractionFee("0.00075", { minimum: 1 }).fee(btc, "taker", 1, 1)).toBe(1)
    // AAPL 3 @ 1.01 = 303 cents × 0.0025 = 0.7575 → 1.
    expect(notionalFractionFee("0.0025").fee(aapl, "maker", 101, 3)).toBe(1)
    expect(noFees.fee(aapl, "taker", 15_000, 100)).toBe(0)
  })

  it("refuses a malformed fraction", () => {
    expect(() => notionalFractionFee("0.1%")).toThrow(RangeError)
    expect(() => notionalFractionFee("0")).toThrow(RangeError)
  })
})
