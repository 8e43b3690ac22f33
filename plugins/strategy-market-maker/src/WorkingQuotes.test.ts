import { describe, expect, it } from "@effect/vitest"
import type { AccountEvent } from "@meridian/core/domain/Events"
import type { ClientOrderId } from "@meridian/core/domain/Ids"
import { WorkingQuotes } from "./WorkingQuotes"

const header = { sequence: 1, ts: 0, accountId: "acc" }
const submitted = (clientOrderId: string, orderId: string) =>
  ({ _tag: "OrderSubmitted", ...header, order: { clientOrderId, orderId } }) as unknown as AccountEvent
const event = (e: Record<string, unknown>) => ({ ...header, ...e }) as unknown as AccountEvent
const filled = (clientOrderId: string, quantity: number, leavesQuantity: number) =>
  event({ _tag: "OrderFilled", fill: { clientOrderId, quantity }, leavesQuantity })

describe("WorkingQuotes", () => {
  it("follows an order through its events", () => {
    const quotes = new WorkingQuotes()
    quotes.place(quotes.bid, 100, 5, "c1" as ClientOrderId)
    expect(quotes.bid).toMatchObject({ state: "pending", clientOrderId: "c1", orderId: undefined })
    quotes.onEvent(submitted("c1", "O-1"))
    expect(quotes.bid).toMatchObject({ state: "pending", clientOrderId: "c1", orderId: "O-1", price: 100, quantity: 5 })
    quotes.onEvent(event({ _tag: "OrderAccepted", orderId: "O-1" }))
    expect(quotes.bid.state).toBe("working")
    quotes.onEvent(filled("c1", 2, 3))
    expect(quotes.bid.leaves).toBe(3)
    quotes.bid.state = "amending"
    quotes.onEvent(event({ _tag: "OrderReplaced", orderId: "O-1", quantity: 4, limitPrice: 99 }))
    expect(quotes.bid).toMatchObject({ state: "working", price: 99, quantity: 4, filled: 2 })
    quotes.onEvent(filled("c1", 2, 0))
    expect(quotes.bid.state).toBe("idle")
    expect(quotes.ask.state).toBe("idle")
  })

  it("frees a side on a risk rejection, a cancel or an expiry; a refused amend keeps it", () => {
    const quotes = new WorkingQuotes()
    quotes.place(quotes.ask, 101, 1, "c1" as ClientOrderId)
    quotes.onEvent(event({ _tag: "OrderRejected", clientOrderId: "c1", reason: "BUYING_POWER", message: "" }))
    expect(quotes.ask).toMatchObject({ state: "idle", refused: true })
    quotes.place(quotes.ask, 101, 1, "c2" as ClientOrderId)
    expect(quotes.ask.refused).toBe(false)
    quotes.onEvent(submitted("c2", "O-2"))
    quotes.onEvent(event({ _tag: "OrderAccepted", orderId: "O-2" }))
    quotes.ask.state = "amending"
    quotes.onEvent(event({ _tag: "OrderModifyRejected", clientOrderId: "c2", reason: "PRICE_BAND", message: "" }))
    expect(quotes.ask).toMatchObject({ state: "working", price: 101 })
    quotes.onEvent(event({ _tag: "OrderCanceled", orderId: "O-2" }))
    expect(quotes.ask.live).toBe(false)
    // Another strategy's events change nothing.
    quotes.place(quotes.bid, 99, 1, "c3" as ClientOrderId)
    quotes.onEvent(submitted("x1", "O-9"))
    quotes.onEvent(event({ _tag: "OrderExpired", orderId: "O-9" }))
    expect(quotes.bid.state).toBe("pending")
  })
})
