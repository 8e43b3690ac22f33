/**
 * A strategy's local view of one account, rebuilt from the Accounts Service's events (`events/<shard>`): positions
 * and cash as the service reported them, equity at the last marks, open orders. The service is authoritative; the
 * mirror only reads its events, so after a restart a replay of the same events gives the same view.
 *
 * Equity follows the engine's `Portfolio.equity`: cash totals plus, per open position, its market value at the
 * last mark (a fully funded instrument) or its unrealized PnL (a margined one); an unmarked position counts at its
 * entry value. Marks follow `MarkPrice`, the backtest's rule.
 *
 * An order sent and not yet answered is in `openOrders()` as `pending-new` (without an order id), as the
 * backtest's engine has it the moment `submit` returns; the service's `OrderSubmitted` or `OrderRejected` then
 * replaces or drops it.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, ClientOrderId, CurrencyCode, InstrumentId, OrderId } from "../../domain/Ids"
import { type InstrumentSpecs, notional } from "../../domain/InstrumentSpec"
import { isTerminal, type Order, type OrderRequest } from "../../domain/Order"
import type { CashBalance } from "../../domain/Portfolio"
import { mulDivRound } from "../../domain/SafeInt"
import type { Timestamp } from "../../domain/Units"
import type { FxRates } from "../../engine/portfolio/FxRates"

interface Held {
  quantity: number
  openCost: number
}

type MutableOrder = { -readonly [K in keyof Order]: Order[K] }

export class AccountMirror {
  private readonly positions = new Map<InstrumentId, Held>()
  private readonly cash = new Map<CurrencyCode, CashBalance>()
  private readonly marks = new Map<InstrumentId, number>()
  /** Open orders by client order id, in the order they were sent. */
  private readonly open = new Map<ClientOrderId, MutableOrder>()
  private readonly byOrderId = new Map<OrderId, ClientOrderId>()

  constructor(
    readonly accountId: AccountId,
    private readonly specs: InstrumentSpecs,
    readonly base: Currency,
    private readonly fx: FxRates
  ) {}

  /** Apply one of the account's events (events of other accounts are ignored). */
  apply(event: AccountEvent): void {
    if (event.accountId !== this.accountId) return
    switch (event._tag) {
      case "PositionChanged": {
        const { instrumentId, quantity, openCost } = event.position
        this.positions.set(instrumentId, { quantity, openCost })
        break
      }
      case "CashChanged":
        this.cash.set(event.currency, event.balance)
        break
      case "OrderSubmitted":
        this.open.set(event.order.clientOrderId, { ...event.order })
        this.byOrderId.set(event.order.orderId, event.order.clientOrderId)
        break
      case "OrderRejected":
        this.close(event.orderId, event.clientOrderId)
        break
      case "OrderAccepted":
        this.update(event.orderId, (order) => {
          order.status = "accepted"
          order.venueOrderId = event.venueOrderId
          order.updatedAt = event.ts
        })
        break
      case "OrderReplaced":
        this.update(event.orderId, (order) => {
          order.quantity = event.quantity
          if (event.limitPrice !== undefined) order.limitPrice = event.limitPrice
          if (event.stopPrice !== undefined) order.stopPrice = event.stopPrice
          order.updatedAt = event.ts
        })
        break
      case "OrderFilled":
        this.update(event.fill.orderId, (order) => {
          order.status = event.status
          order.filledQuantity = (order.filledQuantity + event.fill.quantity) as Order["filledQuantity"]
          order.filledValue = (order.filledValue + event.fill.price * event.fill.quantity) as Order["filledValue"]
          order.updatedAt = event.ts
        })
        break
      case "OrderCanceled":
      case "OrderExpired":
        this.close(event.orderId, undefined)
        break
      default:
        break
    }
  }

  /** An order just sent: open as `pending-new` until the service answers with its events. */
  addPending(request: OrderRequest, ts: number): void {
    this.open.set(request.clientOrderId, {
      ...request,
      orderId: "" as OrderId,
      status: "pending-new",
      filledQuantity: 0 as Order["filledQuantity"],
      filledValue: 0 as Order["filledValue"],
      createdAt: ts as Timestamp,
      updatedAt: ts as Timestamp
    })
  }

  /** The last price (ticks) of an instrument, from market data. */
  mark(instrumentId: InstrumentId, price: number): void {
    this.marks.set(instrumentId, price)
  }

  /** Signed lots. */
  position(instrumentId: InstrumentId): number {
    return this.positions.get(instrumentId)?.quantity ?? 0
  }

  /** Total less reserved, minor units, as the service last reported the balance. */
  freeCash(currency: CurrencyCode): number {
    const balance = this.cash.get(currency)
    return balance === undefined ? 0 : balance.total - balance.reserved
  }

  /** Minor units of the base currency, at the last marks. */
  equity(): number {
    const sums = new Map<Currency, number>()
    const add = (currency: Currency, amount: number) => sums.set(currency, (sums.get(currency) ?? 0) + amount)
    for (const balance of this.cash.values()) {
      const currency = this.specs.currencies.get(balance.currency)
      if (currency !== undefined) add(currency, balance.total)
    }
    for (const [instrumentId, held] of this.positions) {
      if (held.quantity === 0) continue
      const spec = this.specs.byId.get(instrumentId)
      if (spec === undefined) continue
      // Σ price × lots of the open lots is in tick-lots; its money is the entry value.
      const entry =
        spec.valueDen === 1
          ? held.openCost * spec.valueNum
          : mulDivRound(held.openCost, 1, spec.valueNum, spec.valueDen)
      const last = this.marks.get(instrumentId)
      const value = last === undefined ? entry : notional(spec, last, held.quantity)
      add(spec.currency, spec.instrument.margin === undefined ? value : value - entry)
    }
    let total = 0
    for (const [currency, amount] of sums) {
      total += currency.code === this.base.code ? amount : this.fx.convertOrThrow(amount, currency, this.base)
    }
    return total
  }

  /** Open orders (pending ones included), oldest first. */
  openOrders(): ReadonlyArray<Order> {
    return [...this.open.values()]
  }

  private update(orderId: OrderId, change: (order: MutableOrder) => void): void {
    const clientOrderId = this.byOrderId.get(orderId)
    const order = clientOrderId === undefined ? undefined : this.open.get(clientOrderId)
    if (order === undefined) return
    change(order)
    if (isTerminal(order.status)) this.close(orderId, clientOrderId)
  }

  private close(orderId: OrderId | undefined, clientOrderId: ClientOrderId | undefined): void {
    const id = clientOrderId ?? (orderId === undefined ? undefined : this.byOrderId.get(orderId))
    if (id !== undefined) this.open.delete(id)
    if (orderId !== undefined) this.byOrderId.delete(orderId)
  }
}
