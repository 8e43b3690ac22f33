/**
 * Orders: what a strategy asks for (`OrderRequest`) and the authoritative record the Accounts Service keeps
 * (`Order`).
 *
 * @since 0.1.0
 */
import { Arbitrary, Schema } from "effect"
import { AccountId, ClientOrderId, InstrumentId, OrderId, StrategyId, VenueOrderId } from "./Ids"
import {
  Lots,
  NonNegativeLots,
  NonNegativeTicks,
  PositiveLots,
  PositiveMinor,
  PositiveTicks,
  Ticks,
  Timestamp
} from "./Units"

export const OrderSide = Schema.Literal("buy", "sell")
export type OrderSide = typeof OrderSide.Type

/**
 * - `market`, `limit`; `stop` / `stop-limit`: a market / limit order released when the price reaches `stopPrice`
 *   from below (buy) or above (sell).
 * - `trailing-stop`: a stop that follows the best price at `trailingOffset` ticks and becomes a market order;
 *   `trailing-stop-limit`: the same, released as a limit at the stop plus (buy) or minus (sell) `limitOffset`.
 * - `market-if-touched` / `limit-if-touched`: a market / limit order released when the price touches `stopPrice` (the
 *   trigger) from the other side of a stop: a buy when it falls to or below it, a sell when it rises to or above it.
 * - `market-to-limit`: a market order that fills what it can at the best price; the rest becomes a limit at that
 *   first fill price (the venue reports it with `VenueReplaced`).
 * - `market-on-open` / `market-on-close`: filled whole at the auction price of the next session's open / the current
 *   (or next) session's close.
 */
export const OrderType = Schema.Literal(
  "market",
  "limit",
  "stop",
  "stop-limit",
  "trailing-stop",
  "market-if-touched",
  "limit-if-touched",
  "trailing-stop-limit",
  "market-to-limit",
  "market-on-open",
  "market-on-close"
)
export type OrderType = typeof OrderType.Type

/** Whether a request of this type carries `limitPrice` (a market-to-limit order gains one at its first fill). */
export const hasLimitPrice = (type: OrderType): boolean =>
  type === "limit" || type === "stop-limit" || type === "limit-if-touched"

/** Whether orders of this type carry a trigger price in `stopPrice`. */
export const hasTriggerPrice = (type: OrderType): boolean =>
  type === "stop" || type === "stop-limit" || type === "market-if-touched" || type === "limit-if-touched"

/** Whether orders of this type trail the best price at `trailingOffset`. */
export const isTrailing = (type: OrderType): boolean => type === "trailing-stop" || type === "trailing-stop-limit"

/** Whether orders of this type fill in a session's opening or closing auction. */
export const isAuction = (type: OrderType): boolean => type === "market-on-open" || type === "market-on-close"

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

/** A share of the account's funds in basis points: 1 to 10 000 (all of them). */
export const FundsShare = Schema.Int.pipe(Schema.between(1, 10_000), Schema.brand("FundsShare"))
export type FundsShare = typeof FundsShare.Type

const requestFields = {
  clientOrderId: ClientOrderId,
  accountId: AccountId,
  strategyId: Schema.optionalWith(StrategyId, { exact: true }),
  instrumentId: InstrumentId,
  side: OrderSide,
  type: OrderType,
  quantity: PositiveLots,
  limitPrice: Schema.optionalWith(Ticks, { exact: true }),
  /** The trigger price: of a stop and a stop-limit, and of a market- or limit-if-touched order. */
  stopPrice: Schema.optionalWith(Ticks, { exact: true }),
  /** Distance in ticks a trailing stop keeps from the best price since it was accepted. */
  trailingOffset: Schema.optionalWith(PositiveTicks, { exact: true }),
  /** A trailing-stop-limit's limit, in ticks beyond the stop when it triggers: stop + offset (buy), − offset (sell). */
  limitOffset: Schema.optionalWith(NonNegativeTicks, { exact: true }),
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
  notionalLimit: Schema.optionalWith(PositiveMinor, { exact: true }),
  /**
   * Sizing at the fill from what the account has then: the venue fills no more lots than this share, in basis points
   * (10 000 = all), of the funds the account can spend at its first fill buys at the fill price, fee included, and
   * cancels the rest; never more than the funds at any later fill. The funds are the account's free cash (a cash
   * account) or its buying power (equity less the initial margin its positions and other orders hold). An all-in
   * reversal sends the close first and this order after it: the close's proceeds are in the funds when it fills.
   * `quantity` is then an upper bound; with `notionalLimit` too, the smaller budget holds.
   */
  fundsShare: Schema.optionalWith(FundsShare, { exact: true })
}

interface OrderShape {
  readonly type: OrderType
  readonly quantity: number
  readonly limitPrice?: number | undefined
  readonly stopPrice?: number | undefined
  readonly trailingOffset?: number | undefined
  readonly limitOffset?: number | undefined
  readonly timeInForce: TimeInForce
  readonly expireAt?: number | undefined
  readonly postOnly: boolean
  readonly displayQuantity?: number | undefined
}

/**
 * The rules that tie an order's fields together, each reported on the field at fault. `record`: the order as the
 * Accounts Service keeps it, where a market-to-limit order may carry the limit its first fill set.
 */
const consistent = (o: OrderShape, record: boolean): Array<Schema.FilterIssue> => {
  const issues: Array<Schema.FilterIssue> = []
  const needsLimit = hasLimitPrice(o.type)
  const needsStop = hasTriggerPrice(o.type)
  const stopName = o.type === "stop" || o.type === "stop-limit" ? "stop price" : "trigger price (stopPrice)"
  if (needsLimit && o.limitPrice === undefined) {
    issues.push({ path: ["limitPrice"], message: `a ${o.type} order needs a limit price` })
  }
  if (!needsLimit && o.limitPrice !== undefined && !(record && o.type === "market-to-limit")) {
    issues.push({
      path: ["limitPrice"],
      message:
        o.type === "market-to-limit"
          ? "a market-to-limit order has no limit price: its first fill sets it"
          : `a ${o.type} order has no limit price`
    })
  }
  if (needsStop && o.stopPrice === undefined) {
    issues.push({ path: ["stopPrice"], message: `a ${o.type} order needs a ${stopName}` })
  }
  if (!needsStop && o.stopPrice !== undefined) {
    issues.push({ path: ["stopPrice"], message: `a ${o.type} order has no stop price` })
  }
  if (isTrailing(o.type) && o.trailingOffset === undefined) {
    issues.push({ path: ["trailingOffset"], message: `a ${o.type} order needs a trailing offset` })
  }
  if (!isTrailing(o.type) && o.trailingOffset !== undefined) {
    issues.push({ path: ["trailingOffset"], message: `a ${o.type} order has no trailing offset` })
  }
  if (o.type === "trailing-stop-limit" && o.limitOffset === undefined) {
    issues.push({ path: ["limitOffset"], message: "a trailing-stop-limit order needs a limit offset" })
  }
  if (o.type !== "trailing-stop-limit" && o.limitOffset !== undefined) {
    issues.push({ path: ["limitOffset"], message: `a ${o.type} order has no limit offset` })
  }
  if (isAuction(o.type) && (o.timeInForce === "IOC" || o.timeInForce === "FOK")) {
    issues.push({
      path: ["timeInForce"],
      message: `a ${o.type} order waits for its auction: ${o.timeInForce} does not apply`
    })
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

/**
 * Random orders for property tests and codec round-trips: random fields, then the ones the type and the time in
 * force call for set and the others dropped, so that every type and every field is generated (rejection sampling
 * would seldom reach the types with several required fields).
 */
const madeConsistent = <O extends OrderShape>(o: O, record: boolean): O => {
  const { limitPrice, stopPrice, trailingOffset, limitOffset, expireAt, displayQuantity, ...rest } = o
  const out: Record<string, unknown> = { ...rest }
  const some = (value: number | undefined, fallback: number) => value ?? fallback
  if (hasLimitPrice(o.type)) out.limitPrice = some(limitPrice, o.quantity % 1_000)
  else if (record && o.type === "market-to-limit" && limitPrice !== undefined) out.limitPrice = limitPrice
  if (hasTriggerPrice(o.type)) out.stopPrice = some(stopPrice, o.quantity % 997)
  if (isTrailing(o.type)) out.trailingOffset = some(trailingOffset, 1 + (o.quantity % 100))
  if (o.type === "trailing-stop-limit") out.limitOffset = some(limitOffset, o.quantity % 10)
  if (isAuction(o.type) && (o.timeInForce === "IOC" || o.timeInForce === "FOK")) out.timeInForce = "DAY"
  if (out.timeInForce === "GTD") out.expireAt = some(expireAt, o.quantity)
  if (o.postOnly && o.type !== "limit") out.postOnly = false
  if (displayQuantity !== undefined && displayQuantity <= o.quantity) out.displayQuantity = displayQuantity
  return out as unknown as O
}

const RequestStruct = Schema.Struct(requestFields)

/** What a strategy or client asks for. The Accounts Service turns an accepted request into an `Order`. */
export const OrderRequest = RequestStruct.pipe(
  Schema.filter((o) => consistent(o, false), {
    arbitrary: () => () => Arbitrary.make(RequestStruct).map((o) => madeConsistent(o, false))
  })
)
export type OrderRequest = typeof OrderRequest.Type

const OrderStruct = Schema.Struct({
  ...requestFields,
  orderId: OrderId,
  venueOrderId: Schema.optionalWith(VenueOrderId, { exact: true }),
  status: OrderStatus,
  filledQuantity: NonNegativeLots,
  /** Σ price × quantity over the fills, in tick-lots; the average fill price is `filledValue / filledQuantity`. */
  filledValue: Lots,
  createdAt: Timestamp,
  updatedAt: Timestamp
})

/** The authoritative order record. */
export const Order = OrderStruct.pipe(
  Schema.filter((o) => consistent(o, true), {
    arbitrary: () => () =>
      Arbitrary.make(OrderStruct).map((o) =>
        madeConsistent(
          { ...o, filledQuantity: Math.min(o.filledQuantity, o.quantity) as typeof o.filledQuantity },
          true
        )
      )
  }),
  Schema.filter((o) =>
    o.filledQuantity <= o.quantity
      ? true
      : { path: ["filledQuantity"], message: "filledQuantity must not exceed quantity" }
  )
)
export type Order = typeof Order.Type

/** Quantity still to fill. */
export const leavesQuantity = (order: Order): number => order.quantity - order.filledQuantity
