import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
import { AAPL_INDEX, CASH, MARGIN, makeBench, request, USD } from "../../../test/support/accounts/harness"
import { ExecutionCommand } from "../../domain/Commands"
import { AccountEvent } from "../../domain/Events"
import type { ClientOrderId } from "../../domain/Ids"
import { lots } from "../../domain/Units"

const validEvent = Schema.is(AccountEvent)
const validExecution = Schema.is(ExecutionCommand)

describe("AccountsEngine order lifecycle", () => {
  it("submit → pending-new, OrderSubmitted and VenueSubmit with a deterministic id", () => {
    const b = makeBench({ prefix: "ORD-" })
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    expect(b.tags()).toEqual(["CashChanged", "OrderSubmitted"])
    const submitted = b.last("OrderSubmitted")
    expect(submitted.sequence).toBe(2)
    expect(submitted.order).toMatchObject({
      orderId: "ORD-1",
      status: "pending-new",
      filledQuantity: 0,
      filledValue: 0
    })
    expect(b.executions).toEqual([{ _tag: "VenueSubmit", order: submitted.order, ts: submitted.ts }])
    // 10 × 150.00 = 1,500,000 ticks×lots = 150,000 cents reserved on the cash account
    expect(b.engine.portfolio(CASH).cash(USD).reserved).toBe(150_000)
    expect(b.engine.openOrders(CASH).map((o) => o.clientOrderId)).toEqual(["c1"])
    expect(b.events.every(validEvent)).toBe(true)
    expect(b.executions.every(validExecution)).toBe(true)
  })

  it("numbers order ids prefix + n past every power of ten and finds each by its id", () => {
    const b = makeBench({ prefix: "P" })
    b.deposit(1_000_000_000_000)
    for (let n = 1; n <= 10_001; n++) b.submit({ id: `c${n}`, quantity: lots(1) })
    const ids = b.executions.map((c) => (c._tag === "VenueSubmit" ? c.order.orderId : ""))
    expect(ids.slice(0, 10_001)).toEqual(Array.from({ length: 10_001 }, (_, i) => `P${i + 1}`))
    for (const n of [999, 1_000, 1_001, 9_999, 10_000, 10_001]) {
      b.accept(`P${n}`)
      expect(b.last("OrderAccepted").orderId).toBe(`P${n}`)
    }
  })

  it("finds open orders of old generations, kept whole or, once nearly empty, one by one", () => {
    // 10,001 orders: the first 4,096 form a dropped generation kept whole; closing all but 56 of them (each closed
    // order forgotten at the next close) moves the rest to the table of stragglers.
    const b = makeBench({ prefix: "P", keepClosedOrders: 1 })
    b.deposit(1_000_000_000_000)
    for (let n = 1; n <= 10_001; n++) b.submit({ id: `c${n}`, quantity: lots(1) })
    const found = (n: number) => {
      const refusals = b.engine.refusals
      b.accept(`P${n}`)
      return b.engine.refusals === refusals && b.last("OrderAccepted").orderId === `P${n}`
    }
    expect(found(4_000)).toBe(true)
    for (let n = 1; n <= 4_040; n++) b.fill(`P${n}`, 1, 14_990)
    expect([found(4_041), found(4_096), found(4_097), found(10_001)]).toEqual([true, true, true, true])
    // Forgotten once closed: the order is not found any more.
    expect(found(5)).toBe(false)
  })

  it("accepted → partially-filled → filled, with fills booked in the ledger", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.accept(id)
    expect(b.last("OrderAccepted")).toMatchObject({ orderId: id, venueOrderId: `V-${id}` })
    expect(b.order("c1")?.status).toBe("accepted")

    const mark = b.events.length
    b.fill(id, 4, 14_990, 25)
    // OrderFilled, PositionChanged, CashChanged (trade −4 × 14,990 = −59,960), CashChanged (fee −25)
    expect(b.tags(mark)).toEqual(["OrderFilled", "PositionChanged", "CashChanged", "CashChanged"])
    expect(b.last("OrderFilled")).toMatchObject({ status: "partially-filled", leavesQuantity: 6 })
    expect(b.last("OrderFilled").fill).toMatchObject({ quantity: 4, price: 14_990, fee: 25, clientOrderId: "c1" })
    expect(b.last("PositionChanged").position).toMatchObject({ quantity: 4, openCost: 59_960 })
    const cash = b.events.slice(mark).filter((e) => e._tag === "CashChanged")
    expect(cash.map((e) => [e.reason, e.amount])).toEqual([
      ["trade", -59_960],
      ["fee", -25]
    ])
    // Reserved: 6 leaves × 15,000 = 90,000
    expect(b.engine.portfolio(CASH).cash(USD).reserved).toBe(90_000)

    b.fill(id, 6, 15_000)
    expect(b.order("c1")).toMatchObject({ status: "filled", filledQuantity: 10, filledValue: 4 * 14_990 + 6 * 15_000 })
    expect(b.engine.portfolio(CASH).cash(USD)).toMatchObject({ reserved: 0, total: 10_000_000 - 59_960 - 25 - 90_000 })
    expect(b.engine.openOrders(CASH)).toEqual([])
    expect(b.events.every(validEvent)).toBe(true)
    expect(b.events.map((e) => e.sequence)).toEqual(b.events.map((_, i) => i + 1))
  })

  it("a fill before the acknowledgement is legal; the late accept only records the venue id", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.fill(id, 3, 15_000)
    expect(b.order("c1")?.status).toBe("partially-filled")
    b.accept(id)
    expect(b.order("c1")).toMatchObject({ status: "partially-filled", venueOrderId: `V-${id}` })
    // The same accept again is a resend: nothing changes, nothing is refused; another venue id contradicts it.
    const refused = b.refusals.length
    b.accept(id)
    expect(b.refusals.length).toBe(refused)
    b.engine.report({
      _tag: "VenueAccepted",
      accountId: CASH,
      orderId: id as never,
      ts: b.ts(),
      venueOrderId: "V-other" as never
    })
    expect(b.lastRefusal()).toMatchObject({ reason: "ORDER_NOT_OPEN", command: "VenueAccepted" })
  })

  it("takes a report sent again (at-least-once delivery) as applied: no event, no refusal, no change", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    for (const c of ["c1", "c2", "c3", "c4", "c5"]) b.submit({ id: c })
    const [id1, id2, id3, id4, id5] = ["c1", "c2", "c3", "c4", "c5"].map((c) => b.idOf(c)) as [
      string,
      string,
      string,
      string,
      string
    ]
    const fill = {
      _tag: "VenueFilled",
      accountId: CASH,
      orderId: id1 as never,
      ts: b.ts(),
      tradeId: "T-1" as never,
      quantity: 4 as never,
      price: 15_000 as never,
      fee: 5 as never,
      feeCurrency: USD,
      liquidity: "taker"
    } as const
    b.accept(id1)
    b.engine.report(fill)
    b.accept(id2)
    b.venueCancel(id2)
    b.venueExpire(id3)
    b.venueReject(id4, "no")
    b.accept(id5)
    b.replace("c5", { quantity: 7 })
    b.venueReplace(id5, 7)
    const events = b.events.length
    const refused = b.refusals.length
    const orders = ["c1", "c2", "c3", "c4", "c5"].map((c) => b.order(c))
    const cash = b.engine.portfolio(CASH).cash(USD)

    b.engine.report(fill)
    b.accept(id1)
    b.accept(id2)
    b.venueCancel(id2)
    b.venueExpire(id3)
    b.venueReject(id4, "no")
    b.venueReplace(id5, 7)

    expect(b.events.length).toBe(events)
    expect(b.refusals.length).toBe(refused)
    expect(["c1", "c2", "c3", "c4", "c5"].map((c) => b.order(c))).toEqual(orders)
    expect(b.engine.portfolio(CASH).cash(USD)).toEqual(cash)
    expect(b.engine.portfolio(CASH).positionQuantity(AAPL_INDEX)).toBe(4)
    // A new trade on the order is booked.
    b.engine.report({ ...fill, tradeId: "T-2" as never, quantity: 1 as never })
    expect(b.order("c1")).toMatchObject({ filledQuantity: 5 })
  })

  it("cancel is forwarded and takes effect on VenueCanceled; expiry and venue rejection end orders too", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    b.submit({ id: "c2" })
    b.submit({ id: "c3" })
    const [id1, id2, id3] = ["c1", "c2", "c3"].map((c) => b.idOf(c)) as [string, string, string]
    b.accept(id1)
    const before = b.events.length
    b.cancel("c1")
    expect(b.events.length).toBe(before)
    expect(b.executions.at(-1)).toMatchObject({ _tag: "VenueCancel", orderId: id1, instrumentId: "AAPL.XNAS" })
    expect(b.order("c1")?.status).toBe("accepted")
    b.venueCancel(id1)
    expect(b.last("OrderCanceled").orderId).toBe(id1)
    expect(b.order("c1")?.status).toBe("canceled")

    b.accept(id2)
    b.venueExpire(id2)
    expect(b.last("OrderExpired").orderId).toBe(id2)
    expect(b.order("c2")?.status).toBe("expired")

    b.venueReject(id3, "price outside limits")
    expect(b.last("OrderRejected")).toMatchObject({
      orderId: id3,
      clientOrderId: "c3",
      reason: "VENUE_REJECTED",
      message: "price outside limits"
    })
    expect(b.order("c3")?.status).toBe("rejected")
    // Everything released: nothing reserved, nothing open.
    expect(b.engine.portfolio(CASH).cash(USD).reserved).toBe(0)
    expect(b.engine.openOrders(CASH)).toEqual([])
  })

  it("replace is risk-checked, forwarded, and applied on VenueReplaced", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.accept(id)
    b.fill(id, 2, 15_000)
    b.replace("c1", { quantity: 20, limitPrice: 14_000 })
    expect(b.executions.at(-1)).toEqual({
      _tag: "VenueReplace",
      accountId: CASH,
      orderId: id,
      instrumentId: "AAPL.XNAS",
      ts: b.now(),
      quantity: 20,
      limitPrice: 14_000
    })
    expect(b.order("c1")).toMatchObject({ quantity: 10, limitPrice: 15_000 })
    b.venueReplace(id, 20, { limitPrice: 14_000 })
    expect(b.last("OrderReplaced")).toMatchObject({ orderId: id, quantity: 20, limitPrice: 14_000 })
    expect(b.order("c1")).toMatchObject({ quantity: 20, limitPrice: 14_000, status: "partially-filled" })
    // 18 leaves × 14,000 reserved
    expect(b.engine.portfolio(CASH).cash(USD).reserved).toBe(252_000)
  })

  it("a venue rejection while a replace is in flight rejects the replace, not the order", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.accept(id)
    b.replace("c1", { quantity: 12 })
    b.venueReject(id, "too late")
    expect(b.last("OrderModifyRejected")).toMatchObject({ clientOrderId: "c1", reason: "VENUE_REJECTED" })
    expect(b.order("c1")).toMatchObject({ status: "accepted", quantity: 10 })
    // A replace can follow, based on the live quantity again.
    b.replace("c1", { limitPrice: 15_010 })
    expect(b.executions.at(-1)).toMatchObject({ _tag: "VenueReplace", quantity: 10, limitPrice: 15_010 })
  })

  it("refuses cancels and replaces of unknown, closed or already-canceling orders with a reason", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.cancel("nope")
    expect(b.last("OrderModifyRejected")).toMatchObject({ clientOrderId: "nope", reason: "UNKNOWN_ORDER" })
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.cancel("c1")
    b.cancel("c1")
    expect(b.last("OrderModifyRejected").reason).toBe("ORDER_NOT_OPEN")
    b.replace("c1", { quantity: 5 })
    expect(b.last("OrderModifyRejected").message).toMatch(/cancel .* pending/)
    b.venueCancel(id)
    b.replace("c1", { quantity: 5 })
    expect(b.last("OrderModifyRejected")).toMatchObject({ reason: "ORDER_NOT_OPEN", message: "order c1 is canceled" })

    b.submit({ id: "m1", type: "market" })
    expect(b.last("OrderRejected").reason).toBe("NO_REFERENCE_PRICE") // no price for a market order yet
    b.mark(AAPL_INDEX, 15_000)
    b.submit({ id: "m2", type: "market" })
    b.replace("m2", { limitPrice: 15_000 })
    expect(b.last("OrderModifyRejected")).toMatchObject({ reason: "INVALID_PRICE" })
    b.fill(b.idOf("m2"), 4, 15_000)
    b.replace("m2", { quantity: 4 })
    expect(b.last("OrderModifyRejected")).toMatchObject({ reason: "INVALID_QUANTITY" })
  })

  it("ignores venue reports that contradict the record, changing nothing", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.venueCancel(id)
    const snapshot = b.order("c1")
    const events = b.events.length
    const cash = b.engine.portfolio(CASH).cash(USD)

    b.fill(id, 1, 15_000)
    expect(b.lastRefusal()).toMatchObject({ command: "VenueFilled", reason: "ORDER_NOT_OPEN" })
    b.accept(id)
    b.venueReplace(id, 20)
    b.venueExpire(id)
    b.fill("O999", 1, 15_000)
    expect(b.lastRefusal()).toMatchObject({ reason: "UNKNOWN_ORDER", orderId: "O999" })
    // The same number under another prefix, with a sign or junk, or none at all, is not the order.
    for (const other of [`X${id.slice(1)}`, `${id}x`, `O-${id.slice(1)}`, "", "O"]) {
      b.fill(other, 1, 15_000)
      expect(b.lastRefusal()).toMatchObject({ reason: "UNKNOWN_ORDER", orderId: other })
    }
    b.fill(id, 1, 15_000, 0, MARGIN) // right id, wrong account
    expect(b.lastRefusal()).toMatchObject({ reason: "UNKNOWN_ORDER", accountId: MARGIN })

    expect(b.events.length).toBe(events)
    expect(b.order("c1")).toEqual(snapshot)
    expect(b.engine.portfolio(CASH).cash(USD)).toEqual(cash)
    expect(b.engine.portfolio(CASH).positionQuantity(AAPL_INDEX)).toBe(0)
  })

  it("clamps an overfill to the leaves, books them and refuses the excess", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.fill(id, 7, 15_000)
    b.fill(id, 5, 15_000)
    expect(b.order("c1")).toMatchObject({ status: "filled", filledQuantity: 10, filledValue: 150_000 })
    expect(b.last("OrderFilled")).toMatchObject({ leavesQuantity: 0 })
    expect(b.last("OrderFilled").fill.quantity).toBe(3)
    expect(b.engine.portfolio(CASH).positionQuantity(AAPL_INDEX)).toBe(10)
    expect(b.lastRefusal()).toMatchObject({ reason: "INVALID_QUANTITY", command: "VenueFilled" })
    expect(b.lastRefusal()?.message).toMatch(/overfill: 5 reported, 3 left/)
  })

  it("VenueReplaced below the filled quantity is refused; down to it completes the order", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.fill(id, 4, 15_000)
    const before = b.order("c1")
    b.venueReplace(id, 3)
    expect(b.lastRefusal()).toMatchObject({ reason: "INVALID_QUANTITY", command: "VenueReplaced" })
    expect(b.order("c1")).toEqual(before)
    b.venueReplace(id, 4)
    expect(b.order("c1")).toMatchObject({ status: "filled", quantity: 4, filledQuantity: 4 })
    expect(b.engine.openOrders(CASH)).toEqual([])
    expect(b.engine.portfolio(CASH).cash(USD).reserved).toBe(0)
  })

  it("a fill the ledger cannot book (a fee in an unknown currency) is refused and changes nothing", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    const before = b.order("c1")
    b.engine.report({
      _tag: "VenueFilled",
      accountId: CASH,
      orderId: id as never,
      ts: b.ts(),
      tradeId: "t" as never,
      quantity: 1 as never,
      price: 15_000 as never,
      fee: 5 as never,
      feeCurrency: "XYZ" as never,
      liquidity: "maker"
    })
    expect(b.lastRefusal()).toMatchObject({ reason: "UNKNOWN_INSTRUMENT", command: "VenueFilled" })
    expect(b.order("c1")).toEqual(before)
    expect(b.engine.portfolio(CASH).positionQuantity(AAPL_INDEX)).toBe(0)
  })

  it("keeping no closed order forgets one at once but for its client order id", () => {
    const b = makeBench({ keepClosedOrders: 0 })
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const id = b.idOf("c1")
    b.fill(id, 10, 15_000)
    expect(b.order("c1")).toBeUndefined()
    b.submit({ id: "c1" })
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
    b.fill(id, 1, 15_000)
    expect(b.lastRefusal()).toMatchObject({ reason: "UNKNOWN_ORDER", orderId: id })
    b.cancel("c1")
    expect(b.last("OrderModifyRejected").reason).toBe("UNKNOWN_ORDER")
  })

  it("a duplicate client order id, live or past, is rejected and changes nothing", () => {
    const b = makeBench()
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    const live = b.order("c1")
    const executions = b.executions.length
    b.submit({ id: "c1", quantity: 99 as never })
    expect(b.last("OrderRejected")).toMatchObject({ clientOrderId: "c1", reason: "DUPLICATE_CLIENT_ORDER_ID" })
    expect(b.last("OrderRejected").orderId).toBeUndefined()
    expect(b.order("c1")).toEqual(live)
    expect(b.executions.length).toBe(executions)
    expect(b.engine.openOrders(CASH)).toHaveLength(1)

    b.fill(b.idOf("c1"), 10, 15_000)
    b.submit({ id: "c1" })
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
    // An id refused by risk is used too: resubmitting it is a duplicate, not a second chance.
    b.submit({ id: "big", quantity: 1_000_000 as never })
    expect(b.last("OrderRejected").reason).toBe("INSUFFICIENT_FUNDS")
    b.submit({ id: "big", quantity: 1 as never })
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
    // The same id on another account is a different order.
    b.deposit(10_000_000, MARGIN)
    b.submit({ id: "c1", account: MARGIN })
    expect(b.last("OrderSubmitted").order.accountId).toBe(MARGIN)
    expect(b.executions.length).toBe(executions + 1)
  })

  it("a client order id is free again once `duplicateWindow` to 2 × `duplicateWindow` more ids were used", () => {
    const b = makeBench({ duplicateWindow: 2 })
    b.deposit(10_000_000)
    b.submit({ id: "c1" })
    b.fill(b.idOf("c1"), 10, 15_000)
    b.submit({ id: "big", quantity: 1_000_000 as never }) // refused, but its id is used
    b.submit({ id: "c1" })
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
    b.submit({ id: "c2" }) // generation {c1, big} becomes the older
    b.submit({ id: "c3" })
    b.submit({ id: "c1" }) // 3 used after c1: fewer than 2 × 2, still a duplicate
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
    b.submit({ id: "c4" }) // {c1, big} is dropped
    const executions = b.executions.length
    b.submit({ id: "c1" })
    expect(b.last("OrderSubmitted").order.clientOrderId).toBe("c1")
    expect(b.executions.length).toBe(executions + 1)
    // An open order's id never expires, however many are used after it.
    for (let i = 0; i < 5; i++) b.submit({ id: `x${i}`, quantity: 1_000_000 as never })
    b.submit({ id: "c1" })
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
    expect(() => makeBench({ duplicateWindow: 0 })).toThrow(RangeError)
  })

  it("keeps the latest `keepClosedOrders` closed orders; an older one is unknown", () => {
    const b = makeBench({ keepClosedOrders: 2 })
    b.deposit(10_000_000)
    const ids = ["a", "b", "c"].map((id) => {
      b.submit({ id, quantity: 1 as never })
      return b.idOf(id)
    })
    for (const orderId of ids) b.fill(orderId, 1, 15_000)
    expect(b.order("a")).toBeUndefined()
    expect(b.order("b")?.status).toBe("filled")
    expect(b.order("c")?.status).toBe("filled")
    b.fill(ids[0]!, 1, 15_000)
    expect(b.lastRefusal()).toMatchObject({ reason: "UNKNOWN_ORDER", orderId: ids[0] })
    b.fill(ids[1]!, 1, 15_000)
    expect(b.lastRefusal()).toMatchObject({ reason: "ORDER_NOT_OPEN", orderId: ids[1] })
    b.submit({ id: "a" }) // forgotten as an order, still used as an id
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
  })

  it("finds open and kept orders however many orders came after them", () => {
    // The index by order id drops generations of 4 096 orders; what they still hold must move on.
    const b = makeBench({ keepClosedOrders: 10_000 })
    b.deposit(1_000_000_000)
    b.submit({ id: "open", quantity: 1 as never })
    b.submit({ id: "kept", quantity: 1 as never })
    const [open, kept] = [b.idOf("open"), b.idOf("kept")]
    b.fill(kept, 1, 15_000)
    for (let i = 0; i < 9_000; i++) {
      b.submit({ id: `n${i}`, quantity: 1 as never })
      b.venueCancel(b.idOf(`n${i}`))
    }
    b.fill(open, 1, 15_000)
    expect(b.order("open")?.status).toBe("filled")
    b.fill(kept, 1, 15_000)
    expect(b.lastRefusal()).toMatchObject({ reason: "ORDER_NOT_OPEN", orderId: kept })
  })

  it("commands for an unknown account emit nothing and are kept as refusals", () => {
    const b = makeBench()
    b.engine.submit({ _tag: "SubmitOrder", request: request({ id: "x", account: "ghost" as never }), ts: b.ts() })
    b.cancel("x", "ghost" as never)
    expect(b.events).toEqual([])
    expect(b.refusals.map((r) => r.reason)).toEqual(["UNKNOWN_ACCOUNT", "UNKNOWN_ACCOUNT"])
    expect(b.engine.refusals).toBe(2)
  })

  it("deposits and withdrawals move cash; a withdrawal beyond free cash is refused without an event", () => {
    const b = makeBench()
    b.deposit(200_000)
    expect(b.last("CashChanged")).toMatchObject({ reason: "deposit", amount: 200_000, balance: { total: 200_000 } })
    b.submit({ id: "c1" }) // reserves 150,000
    const events = b.events.length
    b.withdraw(50_001)
    expect(b.events.length).toBe(events)
    expect(b.lastRefusal()).toMatchObject({ command: "Withdraw", reason: "INSUFFICIENT_FUNDS" })
    b.withdraw(50_000)
    expect(b.last("CashChanged")).toMatchObject({ reason: "withdrawal", amount: -50_000, balance: { total: 150_000 } })
    b.engine.deposit({
      _tag: "Deposit",
      accountId: CASH,
      currency: "XYZ" as never,
      amount: 1 as never,
      reference: "",
      ts: b.ts()
    })
    expect(b.lastRefusal()?.message).toBe("unknown currency XYZ")
  })

  it("handle dispatches every command tag", () => {
    const b = makeBench()
    const ts = b.ts()
    b.engine.handle({ _tag: "Deposit", accountId: CASH, currency: USD, amount: 1_000_000 as never, reference: "r", ts })
    b.engine.handle({ _tag: "SubmitOrder", request: request({ id: "c1" }), ts })
    const orderId = b.idOf("c1")
    const header = { accountId: CASH, orderId: orderId as never, ts }
    b.engine.handle({ _tag: "VenueAccepted", ...header, venueOrderId: "v" as never })
    b.engine.handle({
      _tag: "ReplaceOrder",
      accountId: CASH,
      clientOrderId: "c1" as ClientOrderId,
      quantity: 11 as never,
      ts
    })
    b.engine.handle({ _tag: "VenueReplaced", ...header, quantity: 11 as never })
    b.engine.handle({
      _tag: "VenueFilled",
      ...header,
      tradeId: "t" as never,
      quantity: 1 as never,
      price: 15_000 as never,
      fee: 0 as never,
      feeCurrency: USD,
      liquidity: "maker"
    })
    b.engine.handle({ _tag: "CancelOrder", accountId: CASH, clientOrderId: "c1" as ClientOrderId, ts })
    b.engine.handle({ _tag: "VenueCanceled", ...header })
    b.engine.handle({ _tag: "SetRiskLimits", scope: { _tag: "Firm" }, limits: {}, ts })
    b.engine.handle({ _tag: "Withdraw", accountId: CASH, currency: USD, amount: 1 as never, reference: "r", ts })
    b.engine.handle({
      _tag: "SubmitOrderList",
      listId: "l",
      contingency: "OCO",
      orders: [request({ id: "o1" }), request({ id: "o2" })],
      ts
    })
    const o1 = b.idOf("o1")
    b.engine.handle({ _tag: "VenueRejected", accountId: CASH, orderId: o1 as never, ts, message: "x" })
    b.engine.handle({ _tag: "VenueExpired", accountId: CASH, orderId: b.idOf("o2") as never, ts })
    expect(b.tags()).toEqual([
      "CashChanged",
      "OrderSubmitted",
      "OrderAccepted",
      "OrderReplaced",
      "OrderFilled",
      "PositionChanged",
      "CashChanged",
      "OrderCanceled",
      "RiskLimitsChanged",
      "RiskLimitsChanged",
      "CashChanged",
      "OrderSubmitted",
      "OrderSubmitted",
      "OrderRejected",
      "OrderExpired"
    ])
    expect(b.engine.refusals).toBe(1) // the venue rejection
  })

  it("mark records the last price in every ledger", () => {
    const b = makeBench()
    b.mark(AAPL_INDEX, 15_100)
    expect(b.engine.portfolio(CASH).lastPrice(AAPL_INDEX)).toBe(15_100)
    expect(b.engine.portfolio(MARGIN).lastPrice(AAPL_INDEX)).toBe(15_100)
    expect(() => b.engine.portfolio("ghost" as never)).toThrow(RangeError)
  })
})
