/**
 * A session's account events as lines a person reads while it trades: orders, fills, rejections, and after each
 * fill the position with its average price and realized PnL. Ticks, lots and minor units are printed as the
 * decimals they stand for.
 *
 * @since 0.1.0
 */
import { Either } from "effect"
import * as Decimal from "../../domain/Decimal"
import type { AccountEvent } from "../../domain/Events"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import type { Order } from "../../domain/Order"

/** `YYYY-MM-DD HH:MM:SS` in `zone` (the Swedish locale writes ISO order). */
const clockIn = (zone: string) => {
  const format = new Intl.DateTimeFormat("sv-SE", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit"
  })
  return (ts: number) => format.format(new Date(Math.floor(ts / 1000)))
}

export interface TradeTape {
  /** The line for `event`, or `undefined` for an event the tape leaves out (cash movements of a trade, ...). */
  readonly line: (event: AccountEvent) => string | undefined
}

/** Times print in the zone of the session's first instrument, where its trading day is. */
export const make = (specs: InstrumentSpecs, zone: string): TradeTape => {
  const dateTime = clockIn(zone)
  const increments = new Map(
    specs.list.map((spec) => {
      const instrument = spec.instrument
      return [
        instrument.id as string,
        {
          tick: Either.getOrUndefined(Decimal.increment(instrument.tickSize)),
          lot: Either.getOrUndefined(Decimal.increment(instrument.lotSize)),
          money: Decimal.minorIncrement(spec.currency.decimals)
        }
      ] as const
    })
  )
  const ticks = (instrumentId: string, value: number) => {
    const inc = increments.get(instrumentId)?.tick
    return inc === undefined ? String(value) : Decimal.fromUnits(value, inc)
  }
  const lots = (instrumentId: string, value: number) => {
    const inc = increments.get(instrumentId)?.lot
    return inc === undefined ? String(value) : Decimal.fromUnits(value, inc)
  }
  const money = (instrumentId: string, value: number) => {
    const inc = increments.get(instrumentId)?.money
    return inc === undefined ? String(value) : Decimal.fromUnits(value, inc)
  }
  const describeOrder = (order: Order) => {
    const price = order.limitPrice === undefined ? "" : ` ${ticks(order.instrumentId, order.limitPrice as number)}`
    const stop = order.stopPrice === undefined ? "" : ` stop ${ticks(order.instrumentId, order.stopPrice as number)}`
    return `${order.side.toUpperCase()} ${lots(order.instrumentId, order.quantity)} ${order.instrumentId} ${order.type}${price}${stop}`
  }
  const orders = new Map<string, Order>()
  const at = (ts: number, what: string, text: string) => `${dateTime(ts)}  ${what.padEnd(9)} ${text}`
  return {
    line: (event) => {
      switch (event._tag) {
        case "OrderSubmitted":
          orders.set(event.order.orderId, event.order)
          return at(event.ts, "order", `${describeOrder(event.order)}  ${event.order.clientOrderId}`)
        case "OrderRejected":
          return at(event.ts, "rejected", `${event.clientOrderId}: ${event.reason} ${event.message}`)
        case "OrderCanceled":
        case "OrderExpired": {
          const order = orders.get(event.orderId)
          return at(
            event.ts,
            event._tag === "OrderCanceled" ? "canceled" : "expired",
            order?.clientOrderId ?? event.orderId
          )
        }
        case "OrderFilled": {
          const { fill } = event
          const id = fill.instrumentId
          return at(
            event.ts,
            "fill",
            `${fill.side.toUpperCase()} ${lots(id, fill.quantity)} ${id} @ ${ticks(id, fill.price)}  fee ${money(id, fill.fee)} ${fill.feeCurrency}`
          )
        }
        case "PositionChanged": {
          const { position } = event
          const id = position.instrumentId
          const average =
            position.quantity === 0 ? "" : ` @ ${ticks(id, Math.round(position.openCost / position.quantity))}`
          return at(
            event.ts,
            "position",
            `${id} ${lots(id, position.quantity)}${average}  realized PnL ${money(id, position.realizedPnl - position.fees)} ${position.currency}`
          )
        }
        case "KillSwitchChanged":
          return at(event.ts, "kill", `${event.active ? "tripped" : "reset"}: ${event.reason}`)
        default:
          return undefined
      }
    }
  }
}
