import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { Currency } from "../../domain/Currency"
import { AccountEvent } from "../../domain/Events"
import { Instrument } from "../../domain/Instrument"
import { makeSpecs } from "../../domain/InstrumentSpec"
import * as TradeTape from "./TradeTape"

const instrument = Schema.decodeUnknownSync(Instrument)({
  id: "SPX.SIM",
  venue: "SIM",
  symbol: "SPX",
  assetClass: "equity",
  quoteCurrency: "USD",
  tickSize: "0.01",
  lotSize: "1",
  multiplier: "1",
  timezone: "America/New_York",
  sessions: []
})
const usd = Schema.decodeUnknownSync(Currency)({ code: "USD", decimals: 2, kind: "fiat" })
const specs = makeSpecs([instrument], [usd])
const event = (value: unknown) => Schema.decodeUnknownSync(AccountEvent)(value)
// 2000-03-17 00:00 in New York.
const ts = Date.parse("2000-03-17T05:00:00Z") * 1000
const header = { sequence: 1, ts, accountId: "PAPER-1" }

describe("TradeTape", () => {
  const tape = TradeTape.make(specs, "America/New_York")

  it("prints orders, fills and positions in decimals, at the instrument zone's time", () => {
    const order = {
      orderId: "O-1",
      clientOrderId: "sma-1-1",
      accountId: "PAPER-1",
      strategyId: "sma-1",
      instrumentId: "SPX.SIM",
      side: "buy",
      type: "limit",
      quantity: 68,
      limitPrice: 145_847,
      timeInForce: "GTC",
      reduceOnly: false,
      postOnly: false,
      status: "pending-new",
      filledQuantity: 0,
      filledValue: 0,
      createdAt: ts,
      updatedAt: ts
    }
    const submitted = tape.line(event({ _tag: "OrderSubmitted", ...header, order }))
    expect(submitted).toBe("2000-03-17 00:00:00  order     BUY 68 SPX.SIM limit 1458.47  sma-1-1")
    const fill = {
      tradeId: "T-1",
      orderId: "O-1",
      clientOrderId: "sma-1-1",
      accountId: "PAPER-1",
      instrumentId: "SPX.SIM",
      side: "buy",
      quantity: 68,
      price: 145_847,
      fee: 9_918,
      feeCurrency: "USD",
      liquidity: "taker",
      ts
    }
    expect(tape.line(event({ _tag: "OrderFilled", ...header, fill, status: "filled", leavesQuantity: 0 }))).toBe(
      "2000-03-17 00:00:00  fill      BUY 68 SPX.SIM @ 1458.47  fee 99.18 USD"
    )
    const position = {
      accountId: "PAPER-1",
      instrumentId: "SPX.SIM",
      quantity: 68,
      openCost: 68 * 145_847,
      realizedPnl: 0,
      fees: 9_918,
      currency: "USD",
      updatedAt: ts
    }
    expect(tape.line(event({ _tag: "PositionChanged", ...header, position }))).toBe(
      "2000-03-17 00:00:00  position  SPX.SIM 68 @ 1458.47  realized PnL -99.18 USD"
    )
  })

  it("names a rejection's reason and leaves cash movements out", () => {
    const rejected = {
      _tag: "OrderRejected",
      ...header,
      clientOrderId: "sma-1-2",
      reason: "INSUFFICIENT_FUNDS",
      message: "needs 100.00 USD"
    }
    expect(tape.line(event(rejected))).toBe(
      "2000-03-17 00:00:00  rejected  sma-1-2: INSUFFICIENT_FUNDS needs 100.00 USD"
    )
    const cash = {
      _tag: "CashChanged",
      ...header,
      currency: "USD",
      amount: 100,
      reason: "deposit",
      balance: { accountId: "PAPER-1", currency: "USD", total: 100, reserved: 0, updatedAt: ts }
    }
    expect(tape.line(event(cash))).toBeUndefined()
  })
})
