/**
 * The strategy's own open orders, followed from the account's events. An order is open from the call that sent it
 * until it is filled, canceled, expired or rejected; a bracket's held exits count from the start.
 *
 * @since 0.1.0
 */
import type { AccountEvent } from "@meridian/core/domain/Events"
import type { ClientOrderId, OrderId } from "@meridian/core/domain/Ids"

export class OwnOrders {
  private readonly open = new Set<ClientOrderId>()
  private readonly byOrderId = new Map<OrderId, ClientOrderId>()

  /** Number of open orders. */
  get size(): number {
    return this.open.size
  }

  isOpen(clientOrderId: ClientOrderId | undefined): boolean {
    return clientOrderId !== undefined && this.open.has(clientOrderId)
  }

  /** Follow the orders just sent (the ids a `submit` or `submitList` call returned); their events come after. */
  track<A extends ClientOrderId | ReadonlyArray<ClientOrderId>>(ids: A): A {
    if (typeof ids === "string") this.open.add(ids)
    else for (const id of ids as ReadonlyArray<ClientOrderId>) this.open.add(id)
    return ids
  }

  /** Feed every account event here (`accounts.subscribe`). */
  onEvent(event: AccountEvent): void {
    switch (event._tag) {
      case "OrderSubmitted":
        if (this.open.has(event.order.clientOrderId)) this.byOrderId.set(event.order.orderId, event.order.clientOrderId)
        return
      case "OrderRejected":
        this.close(event.clientOrderId, event.orderId)
        return
      case "OrderFilled":
        if (event.leavesQuantity === 0) this.close(event.fill.clientOrderId, event.fill.orderId)
        return
      case "OrderCanceled":
      case "OrderExpired": {
        const clientOrderId = this.byOrderId.get(event.orderId)
        if (clientOrderId !== undefined) this.close(clientOrderId, event.orderId)
        return
      }
    }
  }

  private close(clientOrderId: ClientOrderId, orderId: OrderId | undefined): void {
    this.open.delete(clientOrderId)
    if (orderId !== undefined) this.byOrderId.delete(orderId)
  }
}
