/**
 * Which price of a market data event marks positions, and when: the one rule the backtest's replay and the live
 * services (the Execution Service's marks, the Strategies Service's view) share, so that a paper session values
 * an account exactly as a backtest of the same data does.
 *
 * - a quote marks at its mid, rounded down to a tick;
 * - a trade at its price;
 * - a bar at its close, at the bar's end (a bar is known once it closed);
 * - a book delta marks nothing by itself: an instrument that has only book data is marked at its book's mid
 *   (`midPrice` of the best bid and ask) once both sides have a level.
 *
 * @since 0.1.0
 */
import { type MarketDataEvent, periodMicros } from "../../domain/MarketData"

/** The mid of a bid and an ask, rounded down to a whole tick. */
export const midPrice = (bid: number, ask: number): number => Math.floor((bid + ask) / 2)

/** The price at which `event` marks its instrument, or undefined for an event that marks nothing (a book delta). */
export const markPrice = (event: MarketDataEvent): number | undefined => {
  switch (event._tag) {
    case "Quote":
      return midPrice(event.bidPrice, event.askPrice)
    case "Trade":
      return event.price
    case "Bar":
      return event.close
    case "BookDelta":
      return undefined
  }
}

/** When `event` is known, µs: a bar at its close (`ts + period`), any other event at its own `ts`. */
export const markTime = (event: MarketDataEvent): number =>
  event._tag === "Bar" ? event.ts + periodMicros(event.period) : event.ts
