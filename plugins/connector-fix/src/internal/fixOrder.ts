/**
 * Domain orders as FIX 4.4 messages: NewOrderSingle (D), OrderCancelRequest (F), OrderCancelReplaceRequest (G).
 * Prices and quantities leave the integer world here, as exact decimal strings on the instrument's tick and lot.
 */
import * as Decimal from "@meridian/core/domain/Decimal"
import { increments } from "@meridian/core/domain/Instrument"
import type { InstrumentSpec } from "@meridian/core/domain/InstrumentSpec"
import type { Order } from "@meridian/core/domain/Order"
import { Either } from "effect"

type Body = Record<string, unknown>

/** FIX 4.4 OrdType(40) and, for the auction types, the TimeInForce(59) that makes them one. */
const ORD_TYPE: Partial<Record<Order["type"], { readonly ordType: string; readonly tif?: string }>> = {
  market: { ordType: "1" },
  limit: { ordType: "2" },
  stop: { ordType: "3" },
  "stop-limit": { ordType: "4" },
  "market-if-touched": { ordType: "J" },
  "market-to-limit": { ordType: "K" },
  "market-on-open": { ordType: "1", tif: "2" },
  "market-on-close": { ordType: "1", tif: "7" }
}

const TIF: Record<Order["timeInForce"], string> = { DAY: "0", GTC: "1", IOC: "3", FOK: "4", GTD: "6" }

export const price = (spec: InstrumentSpec, ticks: number): string =>
  Decimal.fromUnits(ticks, increments(spec.instrument).tick)
export const quantity = (spec: InstrumentSpec, lots: number): string =>
  Decimal.fromUnits(lots, increments(spec.instrument).lot)

export const instrumentBlock = (spec: InstrumentSpec) => ({
  Symbol: spec.instrument.symbol,
  SecurityExchange: spec.instrument.venue
})

/** Why the order cannot go out over FIX 4.4, or `undefined` when it can. */
export const unsupported = (order: Order): string | undefined => {
  if (ORD_TYPE[order.type] === undefined) return `${order.type} orders have no FIX 4.4 OrdType at this venue`
  if (order.reduceOnly) return "reduceOnly has no FIX 4.4 tag"
  if (order.notionalLimit !== undefined) return "notionalLimit has no FIX 4.4 tag"
  if (order.fundsShare !== undefined) return "fundsShare has no FIX 4.4 tag"
  return undefined
}

const sideOf = (order: Order): string => (order.side === "buy" ? "1" : "2")

const prices = (spec: InstrumentSpec, limitPrice: number | undefined, stopPrice: number | undefined): Body => ({
  ...(limitPrice === undefined ? {} : { Price: price(spec, limitPrice) }),
  ...(stopPrice === undefined ? {} : { StopPx: price(spec, stopPrice) })
})

export const newOrderSingle = (
  spec: InstrumentSpec,
  order: Order,
  clOrdId: string,
  account: string | undefined,
  transactTime: Date,
  possResend: boolean
): Body => {
  const type = ORD_TYPE[order.type]!
  return {
    ...(possResend ? { StandardHeader: { PossResend: true } } : {}),
    ClOrdID: clOrdId,
    ...(account === undefined ? {} : { Account: account }),
    ...(order.postOnly ? { ExecInst: "6" } : {}),
    ...(order.displayQuantity === undefined
      ? {}
      : { DisplayInstruction: { MaxFloor: quantity(spec, order.displayQuantity) } }),
    Instrument: instrumentBlock(spec),
    Side: sideOf(order),
    TransactTime: transactTime,
    OrderQtyData: { OrderQty: quantity(spec, order.quantity) },
    OrdType: type.ordType,
    ...prices(spec, order.limitPrice, order.stopPrice),
    TimeInForce: type.tif ?? TIF[order.timeInForce],
    ...(order.expireAt === undefined ? {} : { ExpireTime: new Date(Math.floor(order.expireAt / 1000)) })
  }
}

export const orderCancelRequest = (
  spec: InstrumentSpec,
  order: Order,
  origClOrdId: string,
  clOrdId: string,
  transactTime: Date
): Body => ({
  OrigClOrdID: origClOrdId,
  ClOrdID: clOrdId,
  Instrument: instrumentBlock(spec),
  Side: sideOf(order),
  TransactTime: transactTime,
  OrderQtyData: { OrderQty: quantity(spec, order.quantity) }
})

export const orderCancelReplaceRequest = (
  spec: InstrumentSpec,
  order: Order,
  origClOrdId: string,
  clOrdId: string,
  change: {
    readonly quantity: number
    readonly limitPrice?: number | undefined
    readonly stopPrice?: number | undefined
  },
  account: string | undefined,
  transactTime: Date
): Body => {
  const type = ORD_TYPE[order.type]!
  return {
    OrigClOrdID: origClOrdId,
    ClOrdID: clOrdId,
    ...(account === undefined ? {} : { Account: account }),
    Instrument: instrumentBlock(spec),
    Side: sideOf(order),
    TransactTime: transactTime,
    OrderQtyData: { OrderQty: quantity(spec, change.quantity) },
    OrdType: type.ordType,
    ...prices(spec, change.limitPrice ?? order.limitPrice, change.stopPrice ?? order.stopPrice),
    TimeInForce: type.tif ?? TIF[order.timeInForce]
  }
}

/** Decimal text on the instrument's grid as whole ticks or lots; `undefined` when off the grid or malformed. */
export const units = (text: string | null, inc: Decimal.Increment): number | undefined => {
  if (text === null) return undefined
  const r = Decimal.toUnits(text, inc)
  return Either.isRight(r) ? r.right : undefined
}
