import { describe, expect, it } from "@effect/vitest"
import { Either, ParseResult, Schema } from "effect"
import { AAPL, ES } from "../../test/fixtures/instruments"
import { Order, OrderRequest } from "./Order"
import { OrderTicket } from "./OrderTicket"

const issuesOf = <A, I>(schema: Schema.Schema<A, I>, input: unknown) => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all" })(input)
  return Either.isLeft(result)
    ? ParseResult.ArrayFormatter.formatErrorSync(result.left).map((i) => `${i.path.join(".")}: ${i.message}`)
    : []
}

const limitBuy = {
  clientOrderId: "c-1",
  accountId: "acc-1",
  instrumentId: "AAPL.XNAS",
  side: "buy",
  type: "limit",
  quantity: 100,
  limitPrice: 15_000,
  timeInForce: "GTC",
  reduceOnly: false,
  postOnly: false
}

describe("OrderRequest", () => {
  it("accepts a consistent order", () => {
    expect(issuesOf(OrderRequest, limitBuy)).toEqual([])
    expect(issuesOf(OrderRequest, { ...limitBuy, type: "stop-limit", stopPrice: 14_900 })).toEqual([])
    expect(issuesOf(OrderRequest, { ...limitBuy, timeInForce: "GTD", expireAt: 1_700_000_000_000_000 })).toEqual([])
  })

  it("names every field at fault", () => {
    expect(issuesOf(OrderRequest, { ...limitBuy, quantity: -5 })).toEqual(["quantity: quantity must be positive"])
    expect(issuesOf(OrderRequest, { ...limitBuy, quantity: 1.5 })).toEqual(["quantity: quantity must be an integer"])
    expect(issuesOf(OrderRequest, { ...limitBuy, side: "long" })).toEqual([
      'side: Expected "buy", actual "long"',
      'side: Expected "sell", actual "long"'
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, limitPrice: "150" })).toEqual([
      'limitPrice: Expected number, actual "150"'
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, type: "market" })).toEqual([
      "limitPrice: a market order has no limit price"
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, type: "stop" })).toEqual([
      "limitPrice: a stop order has no limit price",
      "stopPrice: a stop order needs a stop price"
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, timeInForce: "GTD" })).toEqual([
      "expireAt: a GTD order needs expireAt"
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, displayQuantity: 101 })).toEqual([
      "displayQuantity: displayQuantity must not exceed quantity"
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, instrumentId: "AAPL" })).toEqual([
      "instrumentId: InstrumentId must be SYMBOL.VENUE, e.g. AAPL.XNAS"
    ])
  })
})

describe("OrderRequest: the order types beyond market, limit and stops", () => {
  const { limitPrice: _, ...bare } = limitBuy

  it("accepts each type with the fields it needs", () => {
    expect(issuesOf(OrderRequest, { ...bare, type: "market-if-touched", stopPrice: 14_900 })).toEqual([])
    expect(issuesOf(OrderRequest, { ...limitBuy, type: "limit-if-touched", stopPrice: 14_900 })).toEqual([])
    expect(
      issuesOf(OrderRequest, { ...bare, type: "trailing-stop-limit", trailingOffset: 20, limitOffset: 0 })
    ).toEqual([])
    expect(issuesOf(OrderRequest, { ...bare, type: "market-to-limit" })).toEqual([])
    expect(issuesOf(OrderRequest, { ...bare, type: "market-on-open", timeInForce: "DAY" })).toEqual([])
    expect(issuesOf(OrderRequest, { ...bare, type: "market-on-close" })).toEqual([])
  })

  it("names what each type is missing or must not carry", () => {
    expect(issuesOf(OrderRequest, { ...bare, type: "market-if-touched" })).toEqual([
      "stopPrice: a market-if-touched order needs a trigger price (stopPrice)"
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, type: "market-if-touched", stopPrice: 1 })).toEqual([
      "limitPrice: a market-if-touched order has no limit price"
    ])
    expect(issuesOf(OrderRequest, { ...bare, type: "limit-if-touched" })).toEqual([
      "limitPrice: a limit-if-touched order needs a limit price",
      "stopPrice: a limit-if-touched order needs a trigger price (stopPrice)"
    ])
    expect(issuesOf(OrderRequest, { ...bare, type: "trailing-stop-limit", trailingOffset: 20 })).toEqual([
      "limitOffset: a trailing-stop-limit order needs a limit offset"
    ])
    expect(
      issuesOf(OrderRequest, { ...bare, type: "trailing-stop-limit", trailingOffset: 20, limitOffset: -1 })
    ).toEqual(["limitOffset: offset must not be negative"])
    expect(issuesOf(OrderRequest, { ...bare, type: "trailing-stop", trailingOffset: 20, limitOffset: 3 })).toEqual([
      "limitOffset: a trailing-stop order has no limit offset"
    ])
    expect(issuesOf(OrderRequest, { ...limitBuy, type: "market-to-limit" })).toEqual([
      "limitPrice: a market-to-limit order has no limit price: its first fill sets it"
    ])
    expect(issuesOf(OrderRequest, { ...bare, type: "market-on-close", timeInForce: "IOC" })).toEqual([
      "timeInForce: a market-on-close order waits for its auction: IOC does not apply"
    ])
    expect(issuesOf(OrderRequest, { ...bare, type: "market-on-open", stopPrice: 1, timeInForce: "FOK" })).toEqual([
      "stopPrice: a market-on-open order has no stop price",
      "timeInForce: a market-on-open order waits for its auction: FOK does not apply"
    ])
  })

  it("lets the order record of a market-to-limit carry the limit its first fill set", () => {
    const record = {
      ...limitBuy,
      type: "market-to-limit",
      orderId: "o-1",
      status: "partially-filled",
      filledQuantity: 40,
      filledValue: 600_000,
      createdAt: 0,
      updatedAt: 0
    }
    expect(issuesOf(Order, record)).toEqual([])
    expect(issuesOf(Order, { ...record, type: "market-if-touched", stopPrice: 1 })).toEqual([
      "limitPrice: a market-if-touched order has no limit price"
    ])
  })
})

describe("OrderTicket", () => {
  const ticket = { ...limitBuy, quantity: "100", limitPrice: "150.25" }

  it("turns decimal prices and quantities into exact ticks and lots", () => {
    const decode = Schema.decodeUnknownSync(OrderTicket(AAPL))
    expect(decode(ticket)).toMatchObject({ quantity: 100, limitPrice: 15_025, reduceOnly: false })
    expect(decode({ ...ticket, limitPrice: "0.1" })).toMatchObject({ limitPrice: 10 })
    const { limitPrice: _, ...bare } = ticket
    expect(decode({ ...bare, type: "trailing-stop-limit", trailingOffset: "0.25", limitOffset: "0.05" })).toMatchObject(
      { type: "trailing-stop-limit", trailingOffset: 25, limitOffset: 5 }
    )
    expect(decode({ ...ticket, type: "limit-if-touched", stopPrice: "149.50" })).toMatchObject({ stopPrice: 14_950 })
    const es = Schema.decodeUnknownSync(OrderTicket(ES))
    expect(es({ ...ticket, instrumentId: "ESZ6.XCME", limitPrice: "5012.75", quantity: "3" })).toMatchObject({
      limitPrice: 20_051,
      quantity: 3
    })
  })

  it("refuses prices off the tick grid and bad quantities on their field", () => {
    expect(issuesOf(OrderTicket(AAPL), { ...ticket, limitPrice: "150.255" })).toEqual([
      "limitPrice: 150.255 is not a multiple of the increment 0.01"
    ])
    expect(issuesOf(OrderTicket(ES), { ...ticket, instrumentId: "ESZ6.XCME", limitPrice: "5012.1" })).toEqual([
      "limitPrice: 5012.1 is not a multiple of the increment 0.25"
    ])
    expect(issuesOf(OrderTicket(AAPL), { ...ticket, quantity: "-3" })).toEqual(["quantity: quantity must be positive"])
    expect(issuesOf(OrderTicket(AAPL), { ...ticket, quantity: "1.5" })).toEqual([
      "quantity: 1.5 is not a multiple of the increment 1"
    ])
    expect(issuesOf(OrderTicket(AAPL), { ...ticket, type: "trailing-stop-limit", trailingOffset: "0.005" })).toEqual([
      "trailingOffset: 0.005 is not a multiple of the increment 0.01"
    ])
    expect(issuesOf(OrderTicket(AAPL), { ...ticket, instrumentId: "MSFT.XNAS" })).toEqual([
      'instrumentId: Expected "AAPL.XNAS", actual "MSFT.XNAS"'
    ])
  })
})
