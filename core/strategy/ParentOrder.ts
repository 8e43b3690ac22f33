/**
 * A parent order worked through one child order at a time: the bookkeeping every execution algorithm needs.
 * It follows its child through the account's events (filled, canceled, expired, rejected), counts what filled,
 * and tells the algorithm when the child ended, so the algorithm decides what to send next. Once the parent is
 * complete, canceled or expired it sends nothing more; when the strategy stops, its working child is canceled.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import type { AccountEvent } from "../domain/Events"
import type { ClientOrderId, InstrumentId, OrderId } from "../domain/Ids"
import type { OrderSide, TimeInForce } from "../domain/Order"
import type { Accounts, AccountsService } from "../services/Accounts"
import type { MarketData, MarketDataError } from "../services/MarketData"
import { traded } from "./Instruments"
import { onStop } from "./Timers"

/** How a child order ended. */
export type ChildEnd = "filled" | "canceled" | "expired" | "rejected"

/** `working` until the parent quantity filled (`filled`), or it was canceled or ran out of time (`expired`). */
export type ParentStatus = "working" | "filled" | "canceled" | "expired"

export interface ParentOrderOptions {
  readonly instrumentId: InstrumentId
  readonly side: OrderSide
  /** The parent quantity in lots. */
  readonly quantity: number
  /** Children are limit orders at this price (ticks); market orders when left out. */
  readonly limitPrice?: number
  readonly timeInForce?: TimeInForce
  /** The working child ended, on its own or after `cancelChild` (`requested`); the parent is still working. */
  readonly onChildEnd?: (end: ChildEnd, requested: boolean) => void
  /** The parent left `working`. */
  readonly onFinish?: (status: ParentStatus) => void
}

/** What the parent order is: its instrument, side, quantity and limit, without the callbacks. */
export type ParentOrderTarget = Omit<ParentOrderOptions, "onChildEnd" | "onFinish">

/** The decoded `parentOrderFields` of an algorithm's parameters. */
export interface ParentOrderParams {
  readonly instrument?: string | undefined
  readonly side: OrderSide
  readonly quantity: number
  readonly limitPrice?: number | undefined
}

/** The parent order that `params` describe, on its instrument, with the Accounts Service that will work it. */
export const parentOrderOf = (
  params: ParentOrderParams
): Effect.Effect<
  { readonly accounts: AccountsService; readonly order: ParentOrderTarget },
  MarketDataError,
  MarketData | Accounts
> =>
  Effect.map(traded(params.instrument), ({ accounts, instrument }) => ({
    accounts,
    order: {
      instrumentId: instrument.id,
      side: params.side,
      quantity: params.quantity,
      ...(params.limitPrice === undefined ? {} : { limitPrice: params.limitPrice })
    }
  }))

interface Child {
  clientOrderId: ClientOrderId | undefined
  orderId: OrderId | undefined
  readonly quantity: number
  filled: number
  canceling: boolean
}

/** One parent order and its working child. Create it with `make`. */
export class ParentOrder {
  status: ParentStatus = "working"
  /** Lots filled over all children. */
  filled = 0
  /** Children sent so far. */
  children = 0
  private child: Child | undefined = undefined

  private constructor(
    private readonly accounts: AccountsService,
    readonly options: ParentOrderOptions
  ) {}

  /** A parent order following the account's events until the strategy stops, then canceling its child. */
  static make(accounts: AccountsService, options: ParentOrderOptions): Effect.Effect<ParentOrder, never, Scope.Scope> {
    return Effect.gen(function* () {
      const parent = new ParentOrder(accounts, options)
      yield* accounts.subscribe((event) => parent.onEvent(event))
      yield* onStop(Effect.sync(() => parent.cancelChild()))
      return parent
    })
  }

  /** Lots still to fill. */
  get remaining(): number {
    return this.options.quantity - this.filled
  }

  /** Whether a child is working (sent and not yet ended). */
  get hasChild(): boolean {
    return this.child !== undefined
  }

  /** Lots of the working child not yet filled (0 without one). */
  get childLeaves(): number {
    return this.child === undefined ? 0 : this.child.quantity - this.child.filled
  }

  /** Send a child of `quantity` lots, capped at what remains; nothing while a child works or the parent is over. */
  send(quantity: number): void {
    const lots = Math.min(quantity, this.remaining)
    if (this.status !== "working" || this.child !== undefined || lots <= 0) return
    const { instrumentId, side, limitPrice, timeInForce = "GTC" } = this.options
    const child: Child = { clientOrderId: undefined, orderId: undefined, quantity: lots, filled: 0, canceling: false }
    this.child = child
    this.children++
    child.clientOrderId = this.accounts.submit(
      limitPrice === undefined
        ? { instrumentId, side, type: "market", quantity: lots, timeInForce }
        : { instrumentId, side, type: "limit", quantity: lots, limitPrice, timeInForce }
    )
  }

  /** Ask the venue to cancel the working child; its end arrives as an event. */
  cancelChild(): void {
    const child = this.child
    if (child === undefined || child.canceling || child.clientOrderId === undefined) return
    child.canceling = true
    this.accounts.cancel(child.clientOrderId)
  }

  /** Cancel the parent (`canceled`) or end it at its end time (`expired`): cancel the child, send nothing more. */
  stop(status: "canceled" | "expired"): void {
    if (this.status !== "working") return
    this.cancelChild()
    this.finish(status)
  }

  private finish(status: ParentStatus): void {
    this.status = status
    this.options.onFinish?.(status)
  }

  private isChild(clientOrderId: ClientOrderId): boolean {
    return this.child?.clientOrderId === clientOrderId
  }

  private onEvent(event: AccountEvent): void {
    const child = this.child
    if (child === undefined) return
    switch (event._tag) {
      case "OrderSubmitted":
        if (this.isChild(event.order.clientOrderId)) child.orderId = event.order.orderId
        return
      case "OrderRejected":
        if (this.isChild(event.clientOrderId)) this.end("rejected")
        return
      case "OrderFilled":
        if (event.fill.clientOrderId !== child.clientOrderId) return
        child.filled += event.fill.quantity
        this.filled += event.fill.quantity
        if (event.status === "filled") this.end("filled")
        return
      case "OrderCanceled":
      case "OrderExpired":
        if (event.orderId === child.orderId) this.end(event._tag === "OrderCanceled" ? "canceled" : "expired")
        return
      default:
        return
    }
  }

  private end(end: ChildEnd): void {
    const requested = this.child?.canceling === true
    this.child = undefined
    if (this.status !== "working") return
    if (this.filled >= this.options.quantity) this.finish("filled")
    else this.options.onChildEnd?.(end, requested)
  }
}
