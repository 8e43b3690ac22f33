import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { AAPL, BTCUSDT, currencies, ES } from "../../../test/fixtures/instruments"
import { Fill } from "../../domain/Fill"
import { type CurrencyCode, InstrumentId } from "../../domain/Ids"
import { makeSpecs, notional } from "../../domain/InstrumentSpec"
import { roundTrips } from "./roundTrips"

const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies)
const USD = "USD" as CurrencyCode
const decodeFill = Schema.decodeUnknownSync(Fill)
let tradeSeq = 0

const fill = (
  side: "buy" | "sell",
  quantity: number,
  price: number,
  fee: number,
  ts: number,
  instrumentId = "AAPL.XNAS"
) =>
  decodeFill({
    tradeId: `t-${++tradeSeq}`,
    orderId: "o-1",
    clientOrderId: "c-1",
    accountId: "acc-1",
    instrumentId,
    side,
    quantity,
    price,
    fee,
    feeCurrency: "USD",
    liquidity: "taker",
    ts
  })

describe("roundTrips", () => {
  it("splits a flip through zero into two trades and shares the fee by lots", () => {
    const { trades, fees } = roundTrips(specs, USD, [
      fill("sell", 5, 11_000, 5, 1), // short 5 @ 110.00
      fill("buy", 15, 11_200, 30, 2), // closes the short (fee 30 × 5/15 = 10), opens long 10 (fee 20)
      fill("sell", 10, 11_500, 10, 3) // closes the long
    ])
    expect(fees).toBe(45)
    // short: 5 × (110.00 − 112.00) = −10.00 → −1000 cents, fees 5 + 10 → −1015
    // long: 10 × (115.00 − 112.00) = 30.00 → 3000 cents, fees 20 + 10 → 2970
    expect(trades.map((t) => [t.side, t.quantity, t.entryTs, t.exitTs, t.pnl, t.fees, t.entryNotional])).toEqual([
      ["short", 5, 1, 2, -1015, 15, 55_000],
      ["long", 10, 2, 3, 2970, 30, 112_000]
    ])
  })

  it("values futures with their multiplier and keeps instruments apart", () => {
    const { trades } = roundTrips(specs, USD, [
      fill("buy", 1, 20_000, 0, 1, ES.id), // 5000.00 in ticks of 0.25
      fill("buy", 10, 10_000, 0, 2),
      fill("sell", 1, 20_005, 0, 3, ES.id), // +5 ticks × $12.50 = $62.50
      fill("sell", 10, 9_900, 0, 4) // 10 × (99.00 − 100.00) = −10.00
    ])
    expect(trades.map((t) => [t.spec.instrument.id, t.pnl])).toEqual([
      [ES.id, 6250],
      [AAPL.id, -1000]
    ])
  })

  it("reports open trades apart, marked at the last price, and refuses fills it cannot value in the base currency", () => {
    const marked = roundTrips(specs, USD, [fill("buy", 2, 100, 1, 1)], new Map([["AAPL.XNAS", { ts: 5, price: 130 }]]))
    expect(marked.trades).toEqual([])
    expect(marked.fees).toBe(1)
    // 2 lots from 1.00 to 1.30: 60 cents, less the fee.
    expect(marked.open).toMatchObject([{ side: "long", quantity: 2, exitTs: 5, exitPriceLots: 260, pnl: 59, fees: 1 }])
    // Without a mark, at its last fill.
    expect(roundTrips(specs, USD, [fill("sell", 2, 100, 0, 1)]).open).toMatchObject([
      { side: "short", pnl: 0, exitTs: 1 }
    ])
    expect(() => roundTrips(specs, USD, [fill("buy", 1, 100, 0, 1, BTCUSDT.id)])).toThrow(/quoted in USDT/)
    expect(() => roundTrips(specs, USD, [fill("buy", 1, 100, 0, 1, InstrumentId.make("MSFT.XNAS"))])).toThrow(
      /unknown MSFT.XNAS/
    )
  })

  it("accounts for every cent: trade pnl sums to the cash flow of a flat-ending sequence net of all fees", () => {
    const spec = specs.byId.get(ES.id)!
    const step = fc.record({
      buy: fc.boolean(),
      quantity: fc.integer({ min: 1, max: 20 }),
      price: fc.integer({ min: 1, max: 40_000 }),
      fee: fc.integer({ min: -50, max: 500 })
    })
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.integer({ min: 1, max: 40_000 }), (steps, exitPrice) => {
        const fills = steps.map((s, i) => fill(s.buy ? "buy" : "sell", s.quantity, s.price, s.fee, i, ES.id))
        const position = steps.reduce((p, s) => p + (s.buy ? s.quantity : -s.quantity), 0)
        if (position !== 0) fills.push(fill(position > 0 ? "sell" : "buy", Math.abs(position), exitPrice, 0, 99, ES.id))
        const cash = fills.reduce((c, f) => c + (f.side === "buy" ? -1 : 1) * notional(spec, f.price, f.quantity), 0)
        const { trades, fees } = roundTrips(specs, USD, fills)
        expect(trades.reduce((sum, t) => sum + t.pnl, 0)).toBe(cash - fees)
        expect(trades.reduce((sum, t) => sum + t.fees, 0)).toBe(fees)
        // Every lot opens one trade and closes it: the lots of all fills are twice the trades' lots.
        const lots = fills.reduce((q, f) => q + f.quantity, 0)
        expect(trades.reduce((q, t) => q + t.quantity, 0) * 2).toBe(lots)
      }),
      { numRuns: 200 }
    )
  })
})
