import { describe, expect, it } from "@effect/vitest"
import { AAPL, ES } from "../../../test/fixtures/instruments"
import { AAPL_INDEX, type Bench, CASH, ES_INDEX, MARGIN, makeBench, T0 } from "../../../test/support/accounts/harness"
import type { StrategyId } from "../../domain/Ids"
import type { RiskScope } from "../../domain/Risk"
import { MICROS_PER_DAY } from "../../domain/Units"
import { reduces } from "./PreTradeRisk"

const account = (accountId = CASH): RiskScope => ({ _tag: "Account", accountId })
const funded = (b: Bench) => {
  b.deposit(100_000_000)
  b.deposit(100_000_000, MARGIN)
}

/** The outcome of the last submission: "ok" or the reject code. */
const outcome = (b: Bench, id: string, account = CASH) => {
  const order = b.order(id, account)
  if (order !== undefined) return "ok"
  const rejected = b.events.findLast((e) => e._tag === "OrderRejected" && e.clientOrderId === id)
  return rejected?._tag === "OrderRejected" ? rejected.reason : "missing"
}

describe("PreTradeRisk", () => {
  it("reduces: only orders that shrink the position without flipping it", () => {
    expect(reduces(10, "sell", 10)).toBe(true)
    expect(reduces(10, "sell", 11)).toBe(false)
    expect(reduces(10, "buy", 1)).toBe(false)
    expect(reduces(-5, "buy", 5)).toBe(true)
    expect(reduces(0, "sell", 1)).toBe(false)
  })

  it("max order quantity: at the limit passes, one lot more is rejected", () => {
    const b = makeBench()
    funded(b)
    b.limits(account(), { maxOrderQuantity: 100 as never })
    expect(b.last("RiskLimitsChanged")).toMatchObject({ accountId: CASH, limits: { maxOrderQuantity: 100 } })
    b.submit({ id: "a", quantity: 100 as never })
    b.submit({ id: "b", quantity: 101 as never })
    expect([outcome(b, "a"), outcome(b, "b")]).toEqual(["ok", "MAX_ORDER_QUANTITY"])
    expect(b.last("OrderRejected").message).toBe("quantity 101 exceeds the account cash-1 limit of 100")
  })

  it("max order notional, in the scope's currency", () => {
    const b = makeBench()
    funded(b)
    // 100 × 150.00 = 1,500,000 cents
    b.limits(account(), { maxOrderNotional: 1_500_000 as never })
    b.submit({ id: "a", quantity: 100 as never })
    b.submit({ id: "b", quantity: 101 as never })
    expect([outcome(b, "a"), outcome(b, "b")]).toEqual(["ok", "MAX_NOTIONAL"])
  })

  it("position limit counts the position and pending and working orders on the same side", () => {
    const b = makeBench()
    funded(b)
    b.limits(account(MARGIN), { maxPosition: 100 as never })
    b.submit({ id: "a", account: MARGIN, quantity: 60 as never })
    b.submit({ id: "b", account: MARGIN, quantity: 40 as never }) // 60 pending + 40 = 100
    b.submit({ id: "c", account: MARGIN, quantity: 1 as never })
    expect(["a", "b", "c"].map((id) => outcome(b, id, MARGIN))).toEqual(["ok", "ok", "POSITION_LIMIT"])
    b.fill(b.idOf("a", MARGIN), 60, 15_000, 0, MARGIN) // position 60 + working 40
    b.submit({ id: "d", account: MARGIN, quantity: 1 as never })
    expect(outcome(b, "d", MARGIN)).toBe("POSITION_LIMIT")
    // Sells: 60 − 160 = −100 is at the limit; −101 is past it.
    b.submit({ id: "e", account: MARGIN, side: "sell", quantity: 160 as never })
    b.submit({ id: "f", account: MARGIN, side: "sell", quantity: 1 as never })
    expect([outcome(b, "e", MARGIN), outcome(b, "f", MARGIN)]).toEqual(["ok", "POSITION_LIMIT"])
  })

  it("max open orders counts pending orders and frees a slot when one closes", () => {
    const b = makeBench()
    funded(b)
    b.limits(account(), { maxOpenOrders: 2 })
    b.submit({ id: "a" })
    b.submit({ id: "b" })
    b.submit({ id: "c" })
    expect(outcome(b, "c")).toBe("MAX_OPEN_ORDERS")
    b.venueCancel(b.idOf("a"))
    b.submit({ id: "d" })
    expect(outcome(b, "d")).toBe("ok")
  })

  it("price band around the last mark, for limit and stop prices; no mark passes", () => {
    const b = makeBench()
    funded(b)
    b.limits(account(), { priceBand: 100 as never })
    b.submit({ id: "nomark", limitPrice: 99_999 as never, quantity: 1 as never })
    expect(outcome(b, "nomark")).toBe("ok")
    b.mark(AAPL_INDEX, 15_000)
    // 1% of 15,000 = 150 ticks
    b.submit({ id: "a", limitPrice: 15_150 as never })
    b.submit({ id: "b", limitPrice: 15_151 as never })
    b.submit({ id: "c", limitPrice: 14_850 as never })
    b.submit({ id: "d", limitPrice: 14_849 as never })
    b.submit({ id: "e", type: "stop", stopPrice: 15_151 as never })
    expect(["a", "b", "c", "d", "e"].map((id) => outcome(b, id))).toEqual([
      "ok",
      "PRICE_BAND",
      "ok",
      "PRICE_BAND",
      "PRICE_BAND"
    ])
  })

  it("cash buying power: free cash covers the notional, reserved while working and released on cancel", () => {
    const b = makeBench()
    b.deposit(1_500_000)
    b.submit({ id: "a", quantity: 100 as never }) // exactly 1,500,000
    b.submit({ id: "b", quantity: 1 as never, limitPrice: 1 as never })
    expect([outcome(b, "a"), outcome(b, "b")]).toEqual(["ok", "INSUFFICIENT_FUNDS"])
    b.venueCancel(b.idOf("a"))
    b.submit({ id: "c", quantity: 1 as never, limitPrice: 1 as never })
    expect(outcome(b, "c")).toBe("ok")
  })

  it("an order with a notional budget counts at most its budget against free cash", () => {
    const b = makeBench()
    b.deposit(1_500_000)
    // 200 lots at 15,000 ticks would need 3,000,000; the budget caps what the venue may spend at 1,500,000.
    b.submit({ id: "uncapped", quantity: 200 as never })
    b.submit({ id: "over", quantity: 200 as never, notionalLimit: 1_500_001 as never })
    b.submit({ id: "capped", quantity: 200 as never, notionalLimit: 1_500_000 as never })
    expect([outcome(b, "uncapped"), outcome(b, "over"), outcome(b, "capped")]).toEqual([
      "INSUFFICIENT_FUNDS",
      "INSUFFICIENT_FUNDS",
      "ok"
    ])
  })

  it("a cash account cannot sell short, counting working sells", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "short", side: "sell", quantity: 1 as never })
    expect(outcome(b, "short")).toBe("BUYING_POWER")
    b.submit({ id: "buy" })
    b.fill(b.idOf("buy"), 10, 15_000)
    b.submit({ id: "s1", side: "sell", quantity: 6 as never })
    b.submit({ id: "s2", side: "sell", quantity: 4 as never })
    b.submit({ id: "s3", side: "sell", quantity: 1 as never })
    expect(["s1", "s2", "s3"].map((id) => outcome(b, id))).toEqual(["ok", "ok", "BUYING_POWER"])
  })

  it("margin: initial margin of positions and working orders within equity; lowering orders always pass", () => {
    const b = makeBench()
    // ES at 5000.00 = 20,000 ticks; a contract is 20,000 × 1,250 = 25,000,000 cents; 6% margin = 1,500,000.
    b.deposit(3_000_000, MARGIN)
    b.mark(ES_INDEX, 20_000)
    b.submit({ id: "a", account: MARGIN, instrument: "ES", quantity: 2 as never, limitPrice: 20_000 as never })
    b.submit({ id: "b", account: MARGIN, instrument: "ES", quantity: 1 as never, limitPrice: 20_000 as never })
    expect([outcome(b, "a", MARGIN), outcome(b, "b", MARGIN)]).toEqual(["ok", "BUYING_POWER"])
    // A sell of 2 against 2 working buys: the worse side stays 2 contracts, so no more margin is needed.
    b.submit({
      id: "c",
      account: MARGIN,
      instrument: "ES",
      side: "sell",
      quantity: 2 as never,
      limitPrice: 20_000 as never
    })
    b.submit({
      id: "d",
      account: MARGIN,
      instrument: "ES",
      side: "sell",
      quantity: 1 as never,
      limitPrice: 20_000 as never
    })
    expect([outcome(b, "c", MARGIN), outcome(b, "d", MARGIN)]).toEqual(["ok", "BUYING_POWER"])
    // A cash account trades a margined instrument on margin too: nothing is reserved.
    b.deposit(1_500_000)
    b.submit({ id: "e", instrument: "ES", quantity: 1 as never, limitPrice: 20_000 as never })
    expect(outcome(b, "e")).toBe("ok")
  })

  it("margin: an order with a budget needs the margin of the lots its budget buys, long and short", () => {
    const b = makeBench()
    // AAPL at 150.00: a margin account of 1,500,000 cents holds 100 lots at 100% initial margin.
    b.deposit(1_500_000, MARGIN)
    b.mark(AAPL_INDEX, 15_000)
    // Sizing at the fill price sends twice the lots as a bound, and the budget: 100 lots' worth, not 200.
    for (const side of ["buy", "sell"] as const) {
      b.submit({ id: `${side}-all`, account: MARGIN, side, quantity: 200 as never, notionalLimit: 1_500_000 as never })
      b.submit({ id: `${side}-over`, account: MARGIN, side, quantity: 200 as never, notionalLimit: 1_515_000 as never })
      b.submit({ id: `${side}-bare`, account: MARGIN, side, quantity: 200 as never })
      expect([`${side}-all`, `${side}-over`, `${side}-bare`].map((id) => outcome(b, id, MARGIN))).toEqual([
        "ok",
        "BUYING_POWER",
        "BUYING_POWER"
      ])
      b.venueCancel(b.idOf(`${side}-all`, MARGIN), MARGIN)
    }
    // A reversal: the long of 100 is closed by a reduce-only sell, and a budgeted sell of all the equity goes short.
    b.submit({ id: "long", account: MARGIN, quantity: 100 as never })
    b.fill(b.idOf("long", MARGIN), 100, 15_000, 0, MARGIN)
    b.submit({ id: "close", account: MARGIN, side: "sell", quantity: 100 as never, reduceOnly: true })
    b.submit({ id: "short", account: MARGIN, side: "sell", quantity: 200 as never, notionalLimit: 1_500_000 as never })
    expect([outcome(b, "close", MARGIN), outcome(b, "short", MARGIN)]).toEqual(["ok", "ok"])
  })

  it("fundsShare: a reversal is counted at the funds it has when placed, and sees the cash its close leaves", () => {
    const b = makeBench()
    b.deposit(1_500_000, MARGIN)
    b.mark(AAPL_INDEX, 15_000)
    b.submit({ id: "long", account: MARGIN, quantity: 100 as never })
    b.fill(b.idOf("long", MARGIN), 100, 15_000, 0, MARGIN)
    // All in: no cash left, and the margin of the long holds all the equity. The reversal is not refused for the
    // buying power its close will free.
    b.submit({ id: "close", account: MARGIN, side: "sell", quantity: 100 as never, reduceOnly: true })
    b.submit({ id: "short", account: MARGIN, side: "sell", quantity: 200 as never, fundsShare: 10_000 as never })
    expect([outcome(b, "close", MARGIN), outcome(b, "short", MARGIN)]).toEqual(["ok", "ok"])
    const short = b.idOf("short", MARGIN)
    b.mark(AAPL_INDEX, 16_000)
    expect(b.engine.funds(short as never)).toBe(0)
    // The close fills at 160.00: the account is flat with 1,600,000 cents, all of it for the short.
    b.fill(b.idOf("close", MARGIN), 100, 16_000, 0, MARGIN)
    expect(b.engine.funds(short as never)).toBe(1_600_000)
    // Half of it filled: the short's margin holds half the equity; what is left is for the rest.
    b.fill(short, 50, 16_000, 0, MARGIN)
    expect(b.engine.funds(short as never)).toBe(800_000)
  })

  it("fundsShare on a cash account: reserves its share of free cash, and sizes at the fill with it given back", () => {
    const b = makeBench()
    b.deposit(1_500_000)
    b.mark(AAPL_INDEX, 15_000)
    b.submit({ id: "half", quantity: 1_000 as never, fundsShare: 5_000 as never })
    expect(outcome(b, "half")).toBe("ok")
    expect(b.engine.portfolio(CASH).freeCash("USD" as never)).toBe(750_000)
    // What it may spend at the fill counts its own reservation: half of that is its 750,000.
    expect(b.engine.funds(b.idOf("half") as never)).toBe(1_500_000)
    b.submit({ id: "more", quantity: 60 as never })
    expect(outcome(b, "more")).toBe("INSUFFICIENT_FUNDS")
  })

  it("order rate: at most N orders per window, the window slides", () => {
    const b = makeBench()
    funded(b)
    b.limits(account(), { maxOrdersPerWindow: 3, orderRateWindow: 1_000_000 })
    b.at(T0 + 1_000)
    b.submit({ id: "a", quantity: 1 as never }) // T0 + 1,001
    b.submit({ id: "b", quantity: 1 as never })
    b.submit({ id: "c", quantity: 1 as never })
    b.submit({ id: "d", quantity: 1 as never })
    expect(["a", "b", "c", "d"].map((id) => outcome(b, id))).toEqual(["ok", "ok", "ok", "ORDER_RATE"])
    // "a" (T0 + 1,001) still counts at T0 + 1,001,000 and drops out one window after it, at T0 + 1,001,001.
    b.at(T0 + 1_000_999)
    b.submit({ id: "e", quantity: 1 as never })
    b.submit({ id: "f", quantity: 1 as never })
    expect([outcome(b, "e"), outcome(b, "f")]).toEqual(["ORDER_RATE", "ok"])
  })

  it("daily-loss kill switch trips once, lets reducing orders through and resets at the UTC day boundary", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.mark(AAPL_INDEX, 15_000)
    b.submit({ id: "buy", quantity: 100 as never })
    b.fill(b.idOf("buy"), 100, 15_000)
    b.limits(account(), { dailyLossLimit: 10_000 as never })
    b.mark(AAPL_INDEX, 14_901) // −99 × 100 = −9,900: not yet
    expect(b.events.some((e) => e._tag === "KillSwitchChanged")).toBe(false)
    b.mark(AAPL_INDEX, 14_900) // −10,000: trips
    expect(b.last("KillSwitchChanged")).toMatchObject({ accountId: CASH, active: true })
    b.mark(AAPL_INDEX, 14_800)
    expect(b.events.filter((e) => e._tag === "KillSwitchChanged")).toHaveLength(1)
    b.submit({ id: "more", limitPrice: 14_800 as never, quantity: 1 as never })
    b.submit({ id: "exit", side: "sell", limitPrice: 14_800 as never, quantity: 50 as never })
    expect([outcome(b, "more"), outcome(b, "exit")]).toEqual(["KILL_SWITCH", "ok"])
    // The margin account has its own (absent) limit: unaffected.
    b.deposit(10_000_000, MARGIN)
    b.submit({ id: "other", account: MARGIN, limitPrice: 14_800 as never })
    expect(outcome(b, "other", MARGIN)).toBe("ok")

    b.at(Math.ceil(b.now() / MICROS_PER_DAY) * MICROS_PER_DAY - 1) // the next command is at midnight UTC
    b.submit({ id: "tomorrow", limitPrice: 14_800 as never, quantity: 1 as never })
    expect(b.last("KillSwitchChanged")).toMatchObject({ active: false })
    expect(outcome(b, "tomorrow")).toBe("ok")
  })

  it("a realized loss (net of fees) trips the kill switch on the fill itself", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.limits(account(), { dailyLossLimit: 100 as never })
    b.submit({ id: "buy" })
    b.fill(b.idOf("buy"), 10, 15_000, 50) // −50 fee: day PnL −50
    expect(b.events.some((e) => e._tag === "KillSwitchChanged")).toBe(false)
    b.submit({ id: "sell", side: "sell", limitPrice: 14_995 as never })
    b.fill(b.idOf("sell"), 10, 14_995) // realized 10 × −5 = −50: day PnL −100
    expect(b.tags().slice(-4)).toEqual(["OrderFilled", "PositionChanged", "CashChanged", "KillSwitchChanged"])
  })

  it("a firm-wide daily-loss limit trips for every account; raising it resets the switch", () => {
    const b = makeBench()
    funded(b)
    b.mark(AAPL_INDEX, 15_000)
    b.submit({ id: "x", quantity: 10 as never })
    b.fill(b.idOf("x"), 10, 15_000)
    b.submit({ id: "y", account: MARGIN, quantity: 10 as never })
    b.fill(b.idOf("y", MARGIN), 10, 15_000, 0, MARGIN)
    b.limits({ _tag: "Firm" }, { dailyLossLimit: 2_000 as never })
    b.mark(AAPL_INDEX, 14_900) // −1,000 in each account: −2,000 firm-wide
    expect(b.events.filter((e) => e._tag === "KillSwitchChanged" && e.active).map((e) => e.accountId)).toEqual([
      CASH,
      MARGIN
    ])
    b.submit({ id: "z", account: MARGIN, quantity: 1 as never })
    expect(outcome(b, "z", MARGIN)).toBe("KILL_SWITCH")
    b.limits({ _tag: "Firm" }, { dailyLossLimit: 5_000 as never })
    expect(b.last("KillSwitchChanged")).toMatchObject({ active: false })
    b.submit({ id: "w", account: MARGIN, quantity: 1 as never })
    expect(outcome(b, "w", MARGIN)).toBe("ok")
  })

  it("gross and net exposure count positions at the mark and working orders' notional", () => {
    const b = makeBench()
    funded(b)
    b.mark(AAPL_INDEX, 15_000)
    b.limits(account(MARGIN), { maxGrossExposure: 1_500_000 as never })
    b.submit({ id: "a", account: MARGIN, quantity: 100 as never })
    b.submit({ id: "b", account: MARGIN, quantity: 1 as never, limitPrice: 1 as never })
    expect([outcome(b, "a", MARGIN), outcome(b, "b", MARGIN)]).toEqual(["ok", "EXPOSURE_LIMIT"])
    b.fill(b.idOf("a", MARGIN), 100, 15_000, 0, MARGIN)
    // Net: |+1,500,000| + working. 33 × 15,000 = 495,000 → 1,995,000; then 5,000 more → 2,000,000; then 1 more.
    b.limits(account(MARGIN), { maxNetExposure: 2_000_000 as never })
    b.submit({ id: "c", account: MARGIN, quantity: 33 as never })
    b.submit({ id: "d", account: MARGIN, quantity: 1 as never, limitPrice: 5_000 as never })
    b.submit({ id: "e", account: MARGIN, quantity: 1 as never, limitPrice: 1 as never })
    expect(["c", "d", "e"].map((id) => outcome(b, id, MARGIN))).toEqual(["ok", "ok", "EXPOSURE_LIMIT"])
    // An order that reduces the position is exempt.
    b.submit({ id: "f", account: MARGIN, side: "sell", quantity: 50 as never })
    expect(outcome(b, "f", MARGIN)).toBe("ok")
  })

  it("reduce-only orders may not open, increase or flip a position", () => {
    const b = makeBench()
    funded(b)
    b.submit({ id: "a", account: MARGIN, side: "sell", reduceOnly: true })
    expect(outcome(b, "a", MARGIN)).toBe("REDUCE_ONLY")
    b.submit({ id: "buy", account: MARGIN })
    b.fill(b.idOf("buy", MARGIN), 10, 15_000, 0, MARGIN)
    b.submit({ id: "b", account: MARGIN, side: "sell", quantity: 11 as never, reduceOnly: true })
    b.submit({ id: "c", account: MARGIN, side: "sell", quantity: 10 as never, reduceOnly: true })
    b.submit({ id: "d", account: MARGIN, side: "buy", quantity: 1 as never, reduceOnly: true })
    expect(["b", "c", "d"].map((id) => outcome(b, id, MARGIN))).toEqual(["REDUCE_ONLY", "ok", "REDUCE_ONLY"])
  })

  it("a notional past 2^53 is refused with PRECISION_LOSS", () => {
    const b = makeBench()
    funded(b)
    b.submit({ id: "huge", account: MARGIN, limitPrice: (2 ** 52) as never, quantity: 4 as never })
    expect(outcome(b, "huge", MARGIN)).toBe("PRECISION_LOSS")
  })

  it("strategy scope: limits follow request.strategyId across accounts", () => {
    const b = makeBench()
    funded(b)
    b.limits({ _tag: "Strategy", strategyId: "s1" as StrategyId }, { maxOpenOrders: 1 })
    expect(b.events.filter((e) => e._tag === "RiskLimitsChanged")).toHaveLength(2) // both streams hear of it
    b.submit({ id: "a", strategy: "s1" })
    b.submit({ id: "b", strategy: "s1", account: MARGIN })
    b.submit({ id: "c", strategy: "s2" })
    b.submit({ id: "d" })
    expect([outcome(b, "a"), outcome(b, "b", MARGIN), outcome(b, "c"), outcome(b, "d")]).toEqual([
      "ok",
      "MAX_OPEN_ORDERS",
      "ok",
      "ok"
    ])
    expect(b.last("OrderRejected").message).toMatch(/strategy s1/)
  })

  it("firm scope: a position limit summed over accounts", () => {
    const b = makeBench()
    funded(b)
    b.limits({ _tag: "Firm" }, { maxPosition: 100 as never })
    b.submit({ id: "a", quantity: 60 as never })
    b.submit({ id: "b", account: MARGIN, quantity: 40 as never })
    b.submit({ id: "c", account: MARGIN, quantity: 1 as never })
    expect([outcome(b, "a"), outcome(b, "b", MARGIN), outcome(b, "c", MARGIN)]).toEqual(["ok", "ok", "POSITION_LIMIT"])
  })

  it("account-instrument scope binds only that instrument; every scope must pass", () => {
    const b = makeBench()
    funded(b)
    b.limits({ _tag: "AccountInstrument", accountId: MARGIN, instrumentId: AAPL.id }, { maxOrderQuantity: 5 as never })
    b.limits(account(MARGIN), { maxOrderQuantity: 8 as never })
    b.submit({ id: "a", account: MARGIN, quantity: 6 as never })
    b.submit({ id: "b", account: MARGIN, quantity: 5 as never })
    b.submit({ id: "c", account: MARGIN, instrument: "ES", quantity: 8 as never, limitPrice: 20_000 as never })
    b.submit({ id: "d", account: MARGIN, instrument: "ES", quantity: 9 as never, limitPrice: 20_000 as never })
    expect(["a", "b", "c", "d"].map((id) => outcome(b, id, MARGIN))).toEqual([
      "MAX_ORDER_QUANTITY",
      "ok",
      "ok",
      "MAX_ORDER_QUANTITY"
    ])
    b.limits({ _tag: "AccountInstrument", accountId: MARGIN, instrumentId: ES.id }, {})
    expect(b.last("RiskLimitsChanged")).toMatchObject({ accountId: MARGIN, limits: {} })
  })

  it("a replace is checked as the amended order", () => {
    const b = makeBench()
    funded(b)
    b.limits(account(), { maxOrderQuantity: 10 as never })
    b.submit({ id: "a" })
    b.replace("a", { quantity: 11 })
    expect(b.last("OrderModifyRejected")).toMatchObject({ clientOrderId: "a", reason: "MAX_ORDER_QUANTITY" })
    b.replace("a", { quantity: 9 })
    expect(b.executions.at(-1)).toMatchObject({ _tag: "VenueReplace", quantity: 9 })
  })
})
