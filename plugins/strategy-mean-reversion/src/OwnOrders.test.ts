import { describe, expect, it } from "@effect/vitest"
import type { AccountEvent } from "@meridian/core/domain/Events"
import type { ClientOrderId } from "@meridian/core/domain/Ids"
import { OwnOrders } from "./OwnOrders"

const header = { sequence: 1, ts: 0, accountId: "acc" }
const event = (e: Record<string, unknown>) => ({ ...header, ...e }) as unknown as AccountEvent
const submitted = (clientOrderId: string, orderId: string) =>
  event({ _tag: "OrderSubmitted", order: { clientOrderId, orderId } })
const id = (s: string) => s as ClientOrderId

describe("OwnOrders", () => {
  it("counts an order open from its call until it fills", () => {
    const own = new OwnOrders()
    own.track(id("c1"))
    expect(own.size).toBe(1)
    own.onEvent(submitted("c1", "O-1"))
    own.onEvent(event({ _tag: "OrderFilled", fill: { clientOrderId: "c1", orderId: "O-1" }, leavesQuantity: 4 }))
    expect(own.isOpen(id("c1"))).toBe(true)
    own.onEvent(event({ _tag: "OrderFilled", fill: { clientOrderId: "c1", orderId: "O-1" }, leavesQuantity: 0 }))
    expect(own.size).toBe(0)
  })

  it("follows a bracket: held exits count until canceled or rejected; others' orders are ignored", () => {
    const own = new OwnOrders()
    const ids = own.track([id("e"), id("sl"), id("tp")])
    expect(own.size).toBe(3)
    own.onEvent(submitted("e", "O-1"))
    own.onEvent(event({ _tag: "OrderFilled", fill: { clientOrderId: "e", orderId: "O-1" }, leavesQuantity: 0 }))
    own.onEvent(submitted("sl", "O-2"))
    own.onEvent(submitted("tp", "O-3"))
    own.onEvent(submitted("other", "O-4"))
    own.onEvent(event({ _tag: "OrderCanceled", orderId: "O-4" }))
    expect(own.size).toBe(2)
    own.onEvent(event({ _tag: "OrderCanceled", orderId: "O-2" }))
    own.onEvent(event({ _tag: "OrderExpired", orderId: "O-3" }))
    expect(ids.map((i) => own.isOpen(i))).toEqual([false, false, false])
  })

  it("closes orders refused by risk", () => {
    const own = new OwnOrders()
    own.track([id("a"), id("b")])
    for (const c of ["a", "b"])
      own.onEvent(event({ _tag: "OrderRejected", clientOrderId: c, reason: "X", message: "" }))
    expect(own.size).toBe(0)
    expect(own.isOpen(undefined)).toBe(false)
  })
})
