/**
 * Orders: what a strategy asks for (`OrderRequest`) and the authoritative record the Accounts Service keeps
 * (`Order`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { AccountId, ClientOrderId, InstrumentId, OrderId, StrategyId, VenueOrderId } from "./Ids"
import { Lots, NonNegativeLots, PositiveLots, PositiveMinor, PositiveTicks, Ticks, Timestamp } from "./Units"

export const OrderSide = Schema.Literal("buy", "sell")
export type OrderSide = typeof OrderSide.Type

/** `trailing-stop`: a stop that follows the best price at `trailingOffset` ticks and becomes a market order. */
export const OrderType = Schema.Literal("market", "limit", "stop", "stop-limit", "trailing-stop")
export type OrderType = typeof OrderType.Type

/** Good-till-canceled, immediate-or-cancel, fill-or-kill, the trading day, good-till-date (`expireAt`). */
export const TimeInForce = Schema.Literal("GTC", "IOC", "FOK", "DAY", "GTD")
export type TimeInForce = typeof TimeInForce.Type

export const OrderStatus = Schema.Literal(
  "pending-new",
  "accepted",
  "partially-filled",
  "filled",
  "canceled",
  "rejected",
  "expired"
)
export type OrderStatus = typeof OrderStatus.Type

/** Statuses after which an order never changes again. */
export const isTerminal = (status: OrderStatus): boolean =>
  status === "filled" || status === "canceled" || status === "rejected" || status === "expired"

/** Whether an order of this status still works at the venue (counts against open-order and exposure limits). */
export const isOpen = (status: OrderStatus): boolean =>
  status === "pending-new" || status === "accepted" || status === "partially-filled"

const requestFields = {
  clientOrderId: ClientOrderId,
  accountId: AccountId,
  strategyId: Schema.optionalWith(StrategyId, { exact: true }),
  instrumentId: InstrumentId,
  side: OrderSide,
  type: OrderType,
  quantity: PositiveLots,
  limitPrice: Schema.optionalWith(Ticks, { exact: true }),
  stopPrice: Schema.optionalWith(Ticks, { exact: true }),
  /** Distance in ticks a trailing stop keeps from the best price since it was accepted. */
  trailingOffset: Schema.optionalWith(PositiveTicks, { exact: true }),
  timeInForce: TimeInForce,
  expireAt: Schema.optionalWith(Timestamp, { exact: true }),
  /** Only ever reduces the position; refused if it would open or increase one. */
  reduceOnly: Schema.Boolean,
  /** A limit order that must rest on the book; refused if it would take liquidity. */
  postOnly: Schema.Boolean,
  /** Iceberg: the quantity shown on the book at a time. */
  displayQuantity: Schema.optionalWith(PositiveLots, { exact: true }),
  /**
   * A budget in minor units of the instrument's currency: the venue fills no more lots than it covers at the fill
   * price, fee included, and cancels the rest — a venue's quote-quantity order. `quantity` is then an upper bound.
   */
  notionalLimit: Schema.optionalWith(PositiveMinor, { exact: true })
}

interface OrderShape {
  readonly type: OrderType
  readonly quantity: number
  readonly limitPrice?: number | undefined
  readonly stopPrice?: number | undefined
  readonly trailingOffset?: number | undefined
  readonly timeInForce: TimeInForce
  readonly expireAt?: number | undefined
  readonly postOnly: boolean
  readonly displayQuantity?: number | undefined
}

/** The rules that tie an order's fields together, each reported on the field at fault. */
const consistent = (o: OrderShape): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  const needsLimit = o.type === "limit" || o.type === "stop-limit"
  const needsStop = o.type === "stop" || o.type === "stop-limit"
  if (needsLimit && o.limitPrice === undefined) {
    issues.push({ path: ["limitPrice"], message: `a ${o.type} order needs a limit price` })
  }
  if (!needsLimit && o.limitPrice !== undefined) {
    issues.push({ path: ["limitPrice"], message: `a ${o.type} order has no limit price` })
  }
  if (needsStop && o.stopPrice === undefined) {
    issues.push({ path: ["stopPrice"], message: `a ${o.type} order needs a stop price` })
  }
  if (!needsStop && o.stopPrice !== undefined) {
    issues.push({ path: ["stopPrice"], message: `a ${o.type} order has no stop price` })
  }
  if (o.type === "trailing-stop" && o.trailingOffset === undefined) {
    issues.push({ path: ["trailingOffset"], message: "a trailing-stop order needs a trailing offset" })
  }
  if (o.type !== "trailing-stop" && o.trailingOffset !== undefined) {
    issues.push({ path: ["trailingOffset"], message: `a ${o.type} order has no trailing offset` })
  }
  if (o.timeInForce === "GTD" && o.expireAt === undefined) {
    issues.push({ path: ["expireAt"], message: "a GTD order needs expireAt" })
  }
  if (o.timeInForce !== "GTD" && o.expireAt !== undefined) {
    issues.push({ path: ["expireAt"], message: "expireAt is only for GTD orders" })
  }
  if (o.postOnly && o.type !== "limit") {
    issues.push({ path: ["postOnly"], message: "only limit orders can be post-only" })
  }
  if (o.displayQuantity !== undefined && o.displayQuantity > o.quantity) {
    issues.push({ path: ["displayQuantity"], message: "displayQuantity must not exceed quantity" })
  }
  return issues
}

/** What a strategy or client asks for. The Accounts Service turns an accepted request into an `Order`. */
export const OrderRequest = Schema.Struct(requestFields).pipe(Schema.filter(consistent))
export type OrderRequest = typeof OrderRequest.Type

/** The authoritative order record. */
export const Order = Schema.Struct({
  ...requestFields,
  orderId: OrderId,
  venueOrderId: Schema.optionalWith(VenueOrderId, { exact: true }),
  status: OrderStatus,
  filledQuantity: NonNegativeLots,
  /** Σ price × quantity over the fills, in tick-lots; the average fill price is `filledValue / filledQuantity`. */
  filledValue: Lots,
  createdAt: Timestamp,
  updatedAt: Timestamp
}).pipe(
  Schema.filter(consistent),
  Schema.filter((o) =>
    o.filledQuantity <= o.quantity
      ? true
      : { path: ["filledQuantity"], message: "filledQuantity must not exceed quantity" }
  )
)
export type Order = typeof Order.Type

/** Quantity still to fill. */
export const leavesQuantity = (order: Order): number => order.quantity - order.filledQuantity
