import { describe, expect, it } from "@effect/vitest"
import { type Bench, CASH, MARGIN, makeBench } from "../../../test/support/accounts/harness"
import type { ExecutionCommand } from "../../domain/Commands"

/** The margin account long 10 AAPL at 150.00, with cash to spare. */
const long10 = (): Bench => {
  const b = makeBench()
  b.deposit(100_000_000, MARGIN)
  b.submit({ id: "entry", account: MARGIN })
  b.fill(b.idOf("entry", MARGIN), 10, 15_000, 0, MARGIN)
  return b
}

const exits = [
  { id: "tp", account: MARGIN, side: "sell", limitPrice: 16_000 },
  { id: "sl", account: MARGIN, side: "sell", type: "stop", stopPrice: 14_000 }
] as const

const sent = (b: Bench, from: number): Array<ExecutionCommand> => b.executions.slice(from)

describe("AccountsEngine contingent lists", () => {
  it("OCO: all go to the venue as one ocoGroup; the venue's reductions are applied, its cancel at zero does not cascade", () => {
    const b = long10()
    const from = b.executions.length
    b.submitList("OCO", exits as never)
    expect(sent(b, from).map((c) => (c._tag === "VenueSubmit" ? [c.order.clientOrderId, c.ocoGroup] : c._tag))).toEqual(
      [
        ["tp", "L1"],
        ["sl", "L1"]
      ]
    )
    const [tp, sl] = [b.idOf("tp", MARGIN), b.idOf("sl", MARGIN)]
    b.accept(tp, MARGIN)
    b.accept(sl, MARGIN)

    // The venue reduces the sibling in the same event (the ocoGroup contract): the engine sends nothing itself.
    const mark = b.executions.length
    b.fill(tp, 4, 16_000, 0, MARGIN)
    b.venueReplace(sl, 6, {}, MARGIN)
    expect(b.last("OrderReplaced")).toMatchObject({ orderId: sl, quantity: 6 })
    expect(b.order("sl", MARGIN)).toMatchObject({ quantity: 6, stopPrice: 14_000, status: "accepted" })
    b.fill(tp, 6, 16_000, 0, MARGIN)
    b.venueCancel(sl, MARGIN)
    expect(b.order("sl", MARGIN)?.status).toBe("canceled")
    expect(b.executions.length).toBe(mark)
    expect(b.engine.openOrders(MARGIN)).toEqual([])
    // Risk aggregates follow: nothing is left working.
    expect(b.engine.portfolio(MARGIN).positionQuantity(0)).toBe(0)
  })

  it("OCO: a member used up by a larger sibling's partial fill is canceled without canceling that sibling", () => {
    const b = long10()
    b.submitList("OCO", [exits[0], { ...exits[1], quantity: 4 }] as never)
    const [tp, sl] = [b.idOf("tp", MARGIN), b.idOf("sl", MARGIN)]
    const mark = b.executions.length
    b.fill(tp, 5, 16_000, 0, MARGIN)
    b.venueCancel(sl, MARGIN) // 4 − 5 < 0: the venue cancels it
    expect(b.executions.length).toBe(mark)
    expect(b.order("tp", MARGIN)).toMatchObject({ status: "partially-filled", filledQuantity: 5 })
  })

  it("OCO: a cancel, expiry or venue rejection of one cancels the others", () => {
    for (const end of ["cancel", "expire", "reject"] as const) {
      const b = long10()
      b.submitList("OCO", exits as never)
      const [tp, sl] = [b.idOf("tp", MARGIN), b.idOf("sl", MARGIN)]
      const mark = b.executions.length
      if (end === "cancel") b.venueCancel(tp, MARGIN)
      if (end === "expire") b.venueExpire(tp, MARGIN)
      if (end === "reject") b.venueReject(tp, "no", MARGIN)
      expect(sent(b, mark)).toMatchObject([{ _tag: "VenueCancel", orderId: sl }])
      b.venueCancel(sl, MARGIN)
      expect(b.executions.length).toBe(mark + 1)
    }
  })

  it("OCO: refused as a whole when one order fails its checks", () => {
    const b = long10()
    b.limits({ _tag: "Account", accountId: MARGIN }, { maxOrderQuantity: 10 as never })
    const from = b.executions.length
    b.submitList("OCO", [exits[0], { ...exits[1], quantity: 11 }] as never)
    expect(b.executions.length).toBe(from)
    const rejected = b.events.filter((e) => e._tag === "OrderRejected")
    expect(rejected.map((e) => [e.clientOrderId, e.reason])).toEqual([
      ["tp", "MAX_ORDER_QUANTITY"],
      ["sl", "MAX_ORDER_QUANTITY"]
    ])
    expect(rejected[0]?.message).toMatch(/list L1 refused because of sl/)
  })

  it("OTO: children are held until the parent is completely filled", () => {
    const b = makeBench()
    b.deposit(100_000_000)
    b.submitList("OTO", [{ id: "parent" }, { id: "child", side: "sell", limitPrice: 16_000 }] as never)
    expect(b.executions.map((c) => (c._tag === "VenueSubmit" ? c.order.clientOrderId : c._tag))).toEqual(["parent"])
    expect(b.order("child")).toBeUndefined()
    const parent = b.idOf("parent")
    b.fill(parent, 4, 15_000)
    expect(b.executions).toHaveLength(1)
    b.fill(parent, 6, 15_000)
    expect(b.last("OrderSubmitted").order).toMatchObject({ clientOrderId: "child", quantity: 10, side: "sell" })
    expect(b.executions.at(-1)).toMatchObject({ _tag: "VenueSubmit", order: { clientOrderId: "child" } })
  })

  it("OTO: a parent canceled after a partial fill releases its children cut to the filled quantity", () => {
    const b = makeBench()
    b.deposit(100_000_000)
    b.submitList("OTO", [
      { id: "parent" },
      { id: "child", side: "sell", limitPrice: 16_000, displayQuantity: 8 }
    ] as never)
    const parent = b.idOf("parent")
    b.fill(parent, 4, 15_000)
    b.cancel("parent")
    b.venueCancel(parent)
    expect(b.order("child")).toMatchObject({ quantity: 4, displayQuantity: 4, status: "pending-new" })
  })

  it("OTO: a parent that ends without a fill drops its children with a reason", () => {
    const b = makeBench()
    b.deposit(100_000_000)
    b.submitList("OTO", [{ id: "parent" }, { id: "c1" }, { id: "c2" }] as never)
    b.venueExpire(b.idOf("parent"))
    const rejected = b.events.filter((e) => e._tag === "OrderRejected")
    expect(rejected.map((e) => [e.clientOrderId, e.reason])).toEqual([
      ["c1", "ORDER_NOT_OPEN"],
      ["c2", "ORDER_NOT_OPEN"]
    ])
    expect(rejected[0]?.message).toBe("parent parent of list L1 ended expired without a fill: order dropped")
    // The held ids stay used.
    b.submit({ id: "c1" })
    expect(b.last("OrderRejected").reason).toBe("DUPLICATE_CLIENT_ORDER_ID")
  })

  it("OTO: a parent refused by risk refuses the whole list; a released child is checked on its own", () => {
    const b = makeBench()
    b.deposit(300_000)
    b.submitList("OTO", [{ id: "p1", quantity: 1_000 }, { id: "k1" }] as never)
    expect(b.events.filter((e) => e._tag === "OrderRejected").map((e) => [e.clientOrderId, e.reason])).toEqual([
      ["p1", "INSUFFICIENT_FUNDS"],
      ["k1", "INSUFFICIENT_FUNDS"]
    ])
    // Parent 10 × 15,000 = 150,000 of 300,000; the child buy of 20 (300,000) no longer fits once released.
    b.submitList("OTO", [{ id: "p2" }, { id: "k2", quantity: 20 }] as never, "L2")
    b.fill(b.idOf("p2"), 10, 15_000)
    expect(b.last("OrderRejected")).toMatchObject({ clientOrderId: "k2", reason: "INSUFFICIENT_FUNDS" })
  })

  it("bracket: the exits are released together once the entry fills, then work as an OCO pair", () => {
    const b = makeBench()
    b.deposit(100_000_000, MARGIN)
    b.submitList("bracket", [{ id: "entry", account: MARGIN }, ...exits] as never)
    expect(b.executions).toHaveLength(1)
    b.fill(b.idOf("entry", MARGIN), 10, 15_000, 0, MARGIN)
    expect(b.engine.openOrders(MARGIN).map((o) => o.clientOrderId)).toEqual(["tp", "sl"])
    const [tp, sl] = [b.idOf("tp", MARGIN), b.idOf("sl", MARGIN)]
    expect(b.executions.slice(-2).map((c) => (c._tag === "VenueSubmit" ? c.ocoGroup : undefined))).toEqual(["L1", "L1"])
    const mark = b.executions.length
    b.fill(sl, 10, 14_000, 0, MARGIN)
    b.venueCancel(tp, MARGIN) // the venue's OCO reduction to zero
    expect(b.executions.length).toBe(mark)
    expect(b.engine.openOrders(MARGIN)).toEqual([])
    expect(b.engine.portfolio(MARGIN).positionQuantity(0)).toBe(0)
  })

  it("a list with a duplicate client order id is refused whole and uses no ids", () => {
    const b = makeBench()
    b.deposit(100_000_000)
    b.submit({ id: "taken" })
    b.submitList("OCO", [{ id: "fresh" }, { id: "taken" }] as never)
    b.submitList("OCO", [{ id: "twin" }, { id: "twin" }] as never, "L2")
    const rejected = b.events.filter((e) => e._tag === "OrderRejected")
    expect(rejected.map((e) => [e.clientOrderId, e.reason])).toEqual([
      ["fresh", "DUPLICATE_CLIENT_ORDER_ID"],
      ["taken", "DUPLICATE_CLIENT_ORDER_ID"],
      ["twin", "DUPLICATE_CLIENT_ORDER_ID"],
      ["twin", "DUPLICATE_CLIENT_ORDER_ID"]
    ])
    b.submit({ id: "fresh" })
    expect(b.order("fresh")?.status).toBe("pending-new")
    expect(b.engine.openOrders(CASH)).toHaveLength(2)
  })
})
