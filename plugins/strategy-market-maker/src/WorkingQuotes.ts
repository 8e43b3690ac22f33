/**
 * The market maker's two working orders, one per side, followed from the account's events: which order each side
 * has, whether it is on its way, working, being amended or canceled, and at what price and size.
 *
 * @since 0.1.0
 */
import type { AccountEvent } from "@meridian/core/domain/Events"
import type { ClientOrderId, OrderId } from "@meridian/core/domain/Ids"

/** `idle`: no order. `pending`: sent, not yet accepted. `amending` / `canceling`: a replace / cancel in flight. */
export type QuoteState = "idle" | "pending" | "working" | "amending" | "canceling"

/** One side's order. */
export class QuoteSlot {
  state: QuoteState = "idle"
  clientOrderId: ClientOrderId | undefined = undefined
  orderId: OrderId | undefined = undefined
  /** Limit price and total quantity as the venue last confirmed them (or as sent, while pending). */
  price = 0
  quantity = 0
  filled = 0
  /** The mid price and inventory the order was last priced for. */
  pricedMid = 0
  pricedInventory = 0
  /** Whether this side's last order was rejected (by risk, or by the venue as it would take liquidity). */
  refused = false

  /** Lots still to fill. */
  get leaves(): number {
    return this.quantity - this.filled
  }

  /** Whether an order is open on this side. */
  get live(): boolean {
    return this.state !== "idle"
  }

  reset(): void {
    this.state = "idle"
    this.clientOrderId = undefined
    this.orderId = undefined
    this.filled = 0
  }
}

export class WorkingQuotes {
  readonly bid = new QuoteSlot()
  readonly ask = new QuoteSlot()

  /** Follow the order just sent for `slot` (the id `accounts.submit` returned); its events come after. */
  place(slot: QuoteSlot, price: number, quantity: number, clientOrderId: ClientOrderId): void {
    slot.clientOrderId = clientOrderId
    slot.state = "pending"
    slot.refused = false
    slot.orderId = undefined
    slot.price = price
    slot.quantity = quantity
    slot.filled = 0
  }

  /** Feed every account event here (`accounts.subscribe`). */
  onEvent(event: AccountEvent): void {
    switch (event._tag) {
      case "OrderSubmitted": {
        const slot = this.byClientOrderId(event.order.clientOrderId)
        if (slot !== undefined) slot.orderId = event.order.orderId
        return
      }
      case "OrderAccepted": {
        const slot = this.byOrderId(event.orderId)
        if (slot?.state === "pending") slot.state = "working"
        return
      }
      case "OrderReplaced": {
        const slot = this.byOrderId(event.orderId)
        if (slot === undefined) return
        if (slot.state === "amending") slot.state = "working"
        slot.quantity = event.quantity
        if (event.limitPrice !== undefined) slot.price = event.limitPrice
        return
      }
      case "OrderModifyRejected": {
        const slot = this.byClientOrderId(event.clientOrderId)
        if (slot?.state === "amending" || slot?.state === "canceling") slot.state = "working"
        return
      }
      case "OrderFilled": {
        const slot = this.byClientOrderId(event.fill.clientOrderId)
        if (slot === undefined) return
        slot.filled += event.fill.quantity
        if (event.leavesQuantity === 0) slot.reset()
        return
      }
      case "OrderRejected": {
        const slot = this.byClientOrderId(event.clientOrderId)
        if (slot === undefined) return
        slot.reset()
        slot.refused = true
        return
      }
      case "OrderCanceled":
      case "OrderExpired":
        this.byOrderId(event.orderId)?.reset()
        return
    }
  }

  private byClientOrderId(id: ClientOrderId): QuoteSlot | undefined {
    return this.bid.clientOrderId === id ? this.bid : this.ask.clientOrderId === id ? this.ask : undefined
  }

  private byOrderId(id: OrderId): QuoteSlot | undefined {
    return this.bid.orderId === id ? this.bid : this.ask.orderId === id ? this.ask : undefined
  }
}
