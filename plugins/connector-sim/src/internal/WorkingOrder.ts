/**
 * The simulated venue's mutable record of an order it is working, and the price tests every matching mode shares.
 *
 * @since 0.1.0
 */
import type { Order } from "@meridian/core/domain/Order"
import type { InstrumentSpec } from "@meridian/core/engine/InstrumentSpec"
import type { OcoGroup } from "./OcoGroups"

/** What the order currently is: a stop becomes `market`, a stop-limit becomes `limit`, once triggered. */
export type WorkingKind = "market" | "limit" | "stop" | "stop-limit" | "trailing-stop"

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
  /** Notional plus fees of its fills so far, against `order.notionalLimit`. */
  spent: number
  done: boolean
}

/** A new working record for an order that just arrived. */
export const makeWorkingOrder = (
  order: Order,
  spec: InstrumentSpec,
  arrivedAt: number,
  expiresAt: number
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
  resting: false,
  queueAhead: 0,
  tradedAtLevel: 0,
  shown: Math.min(order.displayQuantity ?? order.quantity, order.quantity - order.filledQuantity),
  hadBar: false,
  oco: undefined,
  spent: 0,
  done: false
})

export const leaves = (o: WorkingOrder): number => o.quantity - o.filled

/** Lots an iceberg may fill in one event outside book mode: one display slice at most. */
export const eventCap = (o: WorkingOrder): number => Math.min(leaves(o), o.order.displayQuantity ?? leaves(o))

/** Whether the order trades at `price` now: a market order always, a limit order at its limit or better. */
export const acceptsPrice = (o: WorkingOrder, price: number): boolean =>
  o.kind === "market" || (o.kind === "limit" && o.limit !== undefined && (o.buy ? price <= o.limit : price >= o.limit))

/** Whether a stop of the order is hit when the market is at `price` (buy stops from below, sell stops from above). */
export const stopHit = (o: WorkingOrder, price: number): boolean =>
  o.stop !== undefined && (o.buy ? price >= o.stop : price <= o.stop)

/** Whether the order waits on a stop. */
export const isStop = (o: WorkingOrder): boolean =>
  o.kind === "stop" || o.kind === "stop-limit" || o.kind === "trailing-stop"

/** A trailing stop follows the best price: a sell's stop only rises, a buy's only falls. */
export const trail = (o: WorkingOrder, best: number): void => {
  const offset = o.order.trailingOffset
  if (o.kind !== "trailing-stop" || offset === undefined) return
  const candidate = o.buy ? best + offset : best - offset
  if (o.stop === undefined || (o.buy ? candidate < o.stop : candidate > o.stop)) o.stop = candidate
}

/** A triggered stop becomes a market order, a triggered stop-limit a limit order. */
export const trigger = (o: WorkingOrder): void => {
  o.kind = o.kind === "stop-limit" ? "limit" : "market"
  o.resting = false
}
