/**
 * The simulated venue's mutable record of an order it is working, and the price tests every matching mode shares.
 *
 * @since 0.1.0
 */

import type { InstrumentSpec } from "@meridian/core/domain/InstrumentSpec"
import type { Order, OrderType } from "@meridian/core/domain/Order"
import type { OcoGroup } from "./OcoGroups"

/**
 * What the order currently is. Once triggered, a stop, trailing stop or market-if-touched order becomes `market`, a
 * stop-limit, trailing-stop-limit or limit-if-touched order `limit`; a market-to-limit order becomes `limit` at its
 * first fill price. Auction orders (market-on-open / -close) keep their kind until their auction.
 */
export type WorkingKind = OrderType

export interface WorkingOrder {
  readonly order: Order
  readonly spec: InstrumentSpec
  readonly buy: boolean
  kind: WorkingKind
  quantity: number
  filled: number
  limit: number | undefined
  stop: number | undefined
  /** When it arrived at the venue; bars that opened earlier do not trigger it. */
  arrivedAt: number
  /** When it expires (GTD, DAY); `Infinity` otherwise. */
  expiresAt: number
  /** An auction order's auction: the session open (market-on-open) or close (market-on-close); `Infinity` otherwise. */
  auctionAt: number
  /** Whether it has rested on the book: from then on the other side comes to it and it fills as maker. */
  resting: boolean
  /** Book mode: lots queued ahead at its price level. */
  queueAhead: number
  /** Book mode: traded volume at its level since the last delta there, so the delta that follows is not counted twice. */
  tradedAtLevel: number
  /** Iceberg: visible lots left in the current slice. */
  shown: number
  /** Bar mode: an IOC or FOK order had its one bar. */
  hadBar: boolean
  /** The one-cancels-other group it belongs to while it lives. */
  oco: OcoGroup | undefined
  /** Notional plus fees of its fills so far, against `order.notionalLimit` and `fundsBudget`. */
  spent: number
  /** With `order.fundsShare`: its share of the account's funds at its first fill, set then. */
  fundsBudget: number | undefined
  done: boolean
}

/** A new working record for an order that just arrived. */
export const makeWorkingOrder = (
  order: Order,
  spec: InstrumentSpec,
  arrivedAt: number,
  expiresAt: number,
  auctionAt: number
): WorkingOrder => ({
  order,
  spec,
  buy: order.side === "buy",
  kind: order.type,
  quantity: order.quantity,
  filled: order.filledQuantity,
  limit: order.limitPrice,
  stop: order.stopPrice,
  arrivedAt,
  expiresAt,
  auctionAt,
  resting: false,
  queueAhead: 0,
  tradedAtLevel: 0,
  shown: Math.min(order.displayQuantity ?? order.quantity, order.quantity - order.filledQuantity),
  hadBar: false,
  oco: undefined,
  spent: 0,
  fundsBudget: undefined,
  done: false
})

export const leaves = (o: WorkingOrder): number => o.quantity - o.filled

/** Lots an iceberg may fill in one event outside book mode: one display slice at most. */
export const eventCap = (o: WorkingOrder): number => Math.min(leaves(o), o.order.displayQuantity ?? leaves(o))

/** Whether the order takes liquidity now: a market order, a limit order, a market-to-limit before its first fill. */
export const isLive = (o: WorkingOrder): boolean =>
  o.kind === "market" || o.kind === "limit" || o.kind === "market-to-limit"

/**
 * Whether the order trades at `price` now: a market order (and a market-to-limit before its first fill) always, a
 * limit order at its limit or better.
 */
export const acceptsPrice = (o: WorkingOrder, price: number): boolean =>
  o.kind === "market" ||
  o.kind === "market-to-limit" ||
  (o.kind === "limit" && o.limit !== undefined && (o.buy ? price <= o.limit : price >= o.limit))

/** Whether the order waits on a stop (reached from below by a buy, from above by a sell). */
export const isStop = (o: WorkingOrder): boolean =>
  o.kind === "stop" || o.kind === "stop-limit" || o.kind === "trailing-stop" || o.kind === "trailing-stop-limit"

/** Whether the order waits to be touched (reached from above by a buy, from below by a sell). */
export const isTouch = (o: WorkingOrder): boolean => o.kind === "market-if-touched" || o.kind === "limit-if-touched"

/** Whether the order waits on a trigger price: a stop or an if-touched order. */
export const waitsOnTrigger = (o: WorkingOrder): boolean => isStop(o) || isTouch(o)

/** Whether an auction order (market-on-open / -close) waits for its auction. */
export const isAuctionOrder = (o: WorkingOrder): boolean => o.kind === "market-on-open" || o.kind === "market-on-close"

/**
 * Whether the order's trigger is reached with the market at `price`: a stop's from its side (buy: at or above, sell:
 * at or below), an if-touched order's from the other (buy: at or below, sell: at or above).
 */
export const triggerHit = (o: WorkingOrder, price: number): boolean =>
  o.stop !== undefined && (o.buy === isStop(o) ? price >= o.stop : price <= o.stop)

/** The end of a price range `[bottom, top]` that reaches the order's trigger if any part does. */
export const triggerSide = (o: WorkingOrder, top: number, bottom: number): number =>
  o.buy === isStop(o) ? top : bottom

/** Whether the order trails the best price. */
export const isTrailingOrder = (o: WorkingOrder): boolean =>
  o.kind === "trailing-stop" || o.kind === "trailing-stop-limit"

/** A trailing stop follows the best price: a sell's stop only rises, a buy's only falls. */
export const trail = (o: WorkingOrder, best: number): void => {
  const offset = o.order.trailingOffset
  if (!isTrailingOrder(o) || offset === undefined) return
  const candidate = o.buy ? best + offset : best - offset
  if (o.stop === undefined || (o.buy ? candidate < o.stop : candidate > o.stop)) o.stop = candidate
}

/**
 * Release a triggered order: a stop, trailing stop or market-if-touched order becomes a market order; a stop-limit
 * or limit-if-touched order a limit at its limit; a trailing-stop-limit a limit at its stop ± `limitOffset`.
 */
export const trigger = (o: WorkingOrder): void => {
  if (o.kind === "trailing-stop-limit") {
    const offset = o.order.limitOffset ?? 0
    o.limit = o.buy ? o.stop! + offset : o.stop! - offset
  }
  o.kind =
    o.kind === "stop-limit" || o.kind === "limit-if-touched" || o.kind === "trailing-stop-limit" ? "limit" : "market"
  o.resting = false
}
