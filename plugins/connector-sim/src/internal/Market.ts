/**
 * The simulated venue's view of one instrument: the orders it works there and the latest market data, from which
 * it matches in one of four modes.
 *
 * @since 0.1.0
 */
import type { InstrumentSpec } from "@meridian/core/domain/InstrumentSpec"
import { Book } from "./Book"
import { acceptsPrice, type WorkingOrder } from "./WorkingOrder"

// What data an instrument is matched against: the richest kind seen so far wins.
export const NONE = 0
export const TRADES = 1
export const BARS = 2
export const QUOTES = 3
export const BOOK = 4

export interface Market {
  readonly spec: InstrumentSpec
  /** Working orders in time priority. */
  working: Array<WorkingOrder>
  /** Some working order finished; `working` needs sweeping. */
  dirty: boolean
  mode: number
  readonly book: Book
  bid: number
  /** Bid size still available to simulated orders at this quote. */
  bidSize: number
  /** Whether the quote had a bid at all (its size may since have been taken). */
  hasBid: boolean
  ask: number
  askSize: number
  hasAsk: boolean
  last: number | undefined
  /** Time (µs) of the last market data event of any kind. */
  lastEventAt: number
  /** End of the last bar (µs). */
  barEnd: number
  barClose: number
  /** Volume of the last bar still available under `volumeLimit`. */
  barCapacity: number
}

export const makeMarket = (spec: InstrumentSpec): Market => ({
  spec,
  working: [],
  dirty: false,
  mode: NONE,
  book: new Book(),
  bid: 0,
  bidSize: 0,
  hasBid: false,
  ask: 0,
  askSize: 0,
  hasAsk: false,
  last: undefined,
  lastEventAt: Number.NEGATIVE_INFINITY,
  barEnd: Number.NEGATIVE_INFINITY,
  barClose: 0,
  barCapacity: 0
})

/** The best price on a side (`ask` true: the offer), from the richest data the instrument has. */
export const bestPrice = (m: Market, ask: boolean): number | undefined => {
  if (m.mode === BOOK) return m.book.levels(ask ? 1 : 0)[0]?.price
  if (m.mode === QUOTES) return ask ? (m.hasAsk ? m.ask : undefined) : m.hasBid ? m.bid : undefined
  return m.mode === BARS ? m.barClose : m.last
}

/** Lots the order could take right now from the book or the quote (for FOK). */
export const available = (m: Market, o: WorkingOrder): number => {
  if (m.mode === BOOK) {
    const levels = m.book.levels(o.buy ? 1 : 0)
    // A market-to-limit order takes the best level only: the rest of it becomes a limit there.
    if (o.kind === "market-to-limit") return levels[0]?.size ?? 0
    let total = 0
    for (const level of levels) {
      if (!acceptsPrice(o, level.price)) break
      total += level.size
    }
    return total
  }
  if (m.mode === QUOTES) return acceptsPrice(o, o.buy ? m.ask : m.bid) ? (o.buy ? m.askSize : m.bidSize) : 0
  return 0
}
