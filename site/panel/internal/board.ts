/**
 * What the live page shows, kept from the Accounts Service's events: per account its positions (with their realized
 * PnL), open orders, latest fills and cash. Numbers stay in the engine's units (lots, ticks, minor units), as the
 * events carry them. Listeners hear of each change; the page is rendered from `view()`.
 */
import { Schema } from "effect"
import { AccountEvent } from "../../../core/domain/Events"
import type { Fill } from "../../../core/domain/Fill"
import type { Order } from "../../../core/domain/Order"
import type { Position } from "../../../core/domain/Portfolio"

/** The latest fills kept per account. */
const FILLS_KEPT = 50

export interface AccountView {
  readonly accountId: string
  readonly positions: ReadonlyArray<Position>
  readonly openOrders: ReadonlyArray<Order>
  /** Newest first. */
  readonly fills: ReadonlyArray<Fill>
  readonly cash: ReadonlyArray<{ readonly currency: string; readonly total: number; readonly reserved: number }>
  /** Σ realized PnL of the positions, minor units. */
  readonly realizedPnl: number
  readonly killSwitch: boolean
}

interface Account {
  readonly positions: Map<string, Position>
  readonly orders: Map<string, Order>
  readonly fills: Array<Fill>
  readonly cash: Map<string, { total: number; reserved: number }>
  killSwitch: boolean
}

const decodeEvent = Schema.decodeUnknownEither(AccountEvent)

export class Board {
  private readonly accounts = new Map<string, Account>()
  private readonly listeners = new Set<() => void>()
  /** The last sequence applied, shown on the page. */
  lastSeq = 0

  /** Apply one event as it came from the wire; one that does not decode is counted out, not applied. */
  apply(seq: number, value: unknown): void {
    const decoded = decodeEvent(value)
    this.lastSeq = seq
    if (decoded._tag === "Left") return
    const event = decoded.right
    const account = this.account(event.accountId)
    switch (event._tag) {
      case "OrderSubmitted":
        account.orders.set(event.order.orderId, event.order)
        break
      case "OrderAccepted":
        this.updateOrder(account, event.orderId, (o) => ({ ...o, status: "accepted" }))
        break
      case "OrderReplaced":
        this.updateOrder(account, event.orderId, (o) => ({ ...o, quantity: event.quantity }))
        break
      case "OrderFilled": {
        account.fills.unshift(event.fill)
        account.fills.length = Math.min(account.fills.length, FILLS_KEPT)
        if (event.leavesQuantity === 0) account.orders.delete(event.fill.orderId)
        else
          this.updateOrder(account, event.fill.orderId, (o) => ({
            ...o,
            status: event.status,
            filledQuantity: (o.filledQuantity + event.fill.quantity) as Order["filledQuantity"]
          }))
        break
      }
      case "OrderRejected":
        if (event.orderId !== undefined) account.orders.delete(event.orderId)
        break
      case "OrderCanceled":
      case "OrderExpired":
        account.orders.delete(event.orderId)
        break
      case "PositionChanged":
        account.positions.set(event.position.instrumentId, event.position)
        break
      case "CashChanged":
        account.cash.set(event.currency, { total: event.balance.total, reserved: event.balance.reserved })
        break
      case "KillSwitchChanged":
        account.killSwitch = event.active
        break
      default:
        break
    }
    for (const listener of this.listeners) listener()
  }

  /** Hear of every change; returns the function that stops listening. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  view(): ReadonlyArray<AccountView> {
    return [...this.accounts].map(([accountId, a]) => ({
      accountId,
      positions: [...a.positions.values()],
      openOrders: [...a.orders.values()],
      fills: a.fills,
      cash: [...a.cash].map(([currency, balance]) => ({ currency, ...balance })),
      realizedPnl: [...a.positions.values()].reduce((sum, p) => sum + p.realizedPnl, 0),
      killSwitch: a.killSwitch
    }))
  }

  private account(id: string): Account {
    let account = this.accounts.get(id)
    if (account === undefined) {
      account = { positions: new Map(), orders: new Map(), fills: [], cash: new Map(), killSwitch: false }
      this.accounts.set(id, account)
    }
    return account
  }

  private updateOrder(account: Account, orderId: string, change: (order: Order) => Order): void {
    const order = account.orders.get(orderId)
    if (order !== undefined) account.orders.set(orderId, change(order))
  }
}
