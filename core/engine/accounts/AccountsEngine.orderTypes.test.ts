import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { AAPL_INDEX, CASH, makeBench, USD } from "../../../test/support/accounts/harness"
import { ExecutionCommand } from "../../domain/Commands"
import { AccountEvent } from "../../domain/Events"
import { type BasisPoints, ticks } from "../../domain/Units"

const validEvent = Schema.is(AccountEvent)
const validExecution = Schema.is(ExecutionCommand)

/** A cash account with 100,000.00 USD and AAPL marked at 150.00. */
const marked = () => {
  const b = makeBench()
  b.deposit(10_000_000)
  b.mark(AAPL_INDEX, 15_000)
  return b
}

const reserved = (b: ReturnType<typeof makeBench>) => b.engine.portfolio(CASH).cash(USD).reserved

describe("AccountsEngine: pre-trade risk prices each order type as it will trade", () => {
  it("a limit-if-touched order at its limit, not at its trigger", () => {
    const b = marked()
    b.submit({ id: "lit", type: "limit-if-touched", stopPrice: ticks(14_950), limitPrice: ticks(14_900) })
    expect(reserved(b)).toBe(10 * 14_900)
  })

  it("market-if-touched, market-to-limit, market-on-open and market-on-close at the mark, as a market order", () => {
    for (const fields of [
      { type: "market-if-touched", stopPrice: ticks(14_500) },
      { type: "market-to-limit" },
      { type: "market-on-open", timeInForce: "DAY" },
      { type: "market-on-close" }
    ] as const) {
      const b = marked()
      b.submit({ id: fields.type, ...fields })
      expect(b.lastRefusal()).toBeUndefined()
      expect(reserved(b)).toBe(10 * 15_000)
      expect(b.last("OrderSubmitted").order).toMatchObject(fields)
    }
  })

  it("a trailing-stop-limit at the limit it would get if it triggered at the mark", () => {
    const b = marked()
    b.submit({ id: "tsl", type: "trailing-stop-limit", trailingOffset: ticks(20), limitOffset: ticks(5) })
    // Buy: 150.00 + 0.20 trail + 0.05 limit offset.
    expect(reserved(b)).toBe(10 * 15_025)
    expect(b.last("OrderSubmitted").order).toMatchObject({ trailingOffset: 20, limitOffset: 5 })
    expect(b.executions.every(validExecution)).toBe(true)
  })

  it("refuses the market-priced types on a cash account before any price, as it refuses market orders", () => {
    for (const fields of [
      { type: "market-if-touched", stopPrice: ticks(14_500) },
      { type: "market-to-limit" },
      { type: "market-on-open" },
      { type: "market-on-close" },
      { type: "trailing-stop-limit", trailingOffset: ticks(20), limitOffset: ticks(0) }
    ] as const) {
      const b = makeBench()
      b.deposit(10_000_000)
      b.submit({ id: fields.type, ...fields })
      expect(b.last("OrderRejected")).toMatchObject({ reason: "NO_REFERENCE_PRICE" })
    }
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "lit", type: "limit-if-touched", stopPrice: ticks(14_950), limitPrice: ticks(14_900) })
    expect(b.lastRefusal()).toBeUndefined()
  })

  it("checks an if-touched trigger against the price band, as a stop", () => {
    const b = marked()
    b.limits({ _tag: "Account", accountId: CASH }, { priceBand: 100 as BasisPoints })
    b.submit({ id: "far", type: "market-if-touched", stopPrice: ticks(14_000) })
    expect(b.last("OrderRejected")).toMatchObject({ reason: "PRICE_BAND" })
    b.submit({ id: "near", type: "market-if-touched", stopPrice: ticks(14_900) })
    expect(b.order("near")?.status).toBe("pending-new")
  })
})

describe("AccountsEngine: amending the new types", () => {
  it("moves an if-touched trigger; a market-if-touched order stays counted at the mark", () => {
    const b = marked()
    b.submit({ id: "mit", type: "market-if-touched", stopPrice: ticks(14_800) })
    b.submit({ id: "lit", type: "limit-if-touched", stopPrice: ticks(14_950), limitPrice: ticks(14_900) })
    b.accept(b.idOf("mit"))
    b.accept(b.idOf("lit"))
    b.replace("mit", { stopPrice: 14_700 })
    b.replace("lit", { limitPrice: 14_850 })
    expect(b.executions.slice(-2)).toMatchObject([
      { _tag: "VenueReplace", stopPrice: 14_700 },
      { _tag: "VenueReplace", limitPrice: 14_850, stopPrice: 14_950 }
    ])
    b.venueReplace(b.idOf("mit"), 10, { stopPrice: 14_700 })
    b.venueReplace(b.idOf("lit"), 10, { limitPrice: 14_850, stopPrice: 14_950 })
    expect(b.order("mit")).toMatchObject({ stopPrice: 14_700 })
    expect(b.order("lit")).toMatchObject({ stopPrice: 14_950, limitPrice: 14_850 })
    expect(reserved(b)).toBe(10 * 15_000 + 10 * 14_850)
  })

  it("a market-to-limit order takes the limit its first fill set, and only then can its limit be amended", () => {
    const b = marked()
    b.submit({ id: "mtl", type: "market-to-limit" })
    const id = b.idOf("mtl")
    b.accept(id)
    b.replace("mtl", { limitPrice: 15_100 })
    expect(b.lastRefusal()).toMatchObject({
      reason: "INVALID_PRICE",
      message: "a market-to-limit order has no limit price"
    })
    b.fill(id, 4, 15_010)
    // The venue reports the rest resting as a limit at the first fill's price.
    b.venueReplace(b.idOf("mtl"), 10, { limitPrice: 15_010 })
    expect(b.order("mtl")).toMatchObject({ type: "market-to-limit", limitPrice: 15_010, status: "partially-filled" })
    expect(b.last("OrderReplaced")).toMatchObject({ quantity: 10, limitPrice: 15_010 })
    expect(reserved(b)).toBe(6 * 15_010)
    const before = b.executions.length
    b.replace("mtl", { limitPrice: 15_020 })
    expect(b.executions.slice(before)).toMatchObject([{ _tag: "VenueReplace", limitPrice: 15_020 }])
    expect(b.events.every(validEvent)).toBe(true)
  })

  it("ignores a trailing-stop-limit's triggered limit in a venue replace: its record has no limit price", () => {
    const b = marked()
    b.submit({ id: "tsl", type: "trailing-stop-limit", trailingOffset: ticks(20), limitOffset: ticks(5) })
    b.accept(b.idOf("tsl"))
    b.venueReplace(b.idOf("tsl"), 8, { limitPrice: 15_100 })
    expect(b.order("tsl")).toMatchObject({ quantity: 8 })
    expect(b.order("tsl")?.limitPrice).toBeUndefined()
    expect(reserved(b)).toBe(8 * 15_025)
    expect(b.events.every(validEvent)).toBe(true)
  })
})
