/**
 * The `MarketData` port: what a strategy subscribes to. A backtest provides it from recorded history; live
 * trading from a feed connector. Handlers are plain functions called once per event, in timestamp order.
 *
 * Events are flyweights: one object per kind is reused for every event, so a handler copies what it keeps.
 * That keeps the per-event path free of allocation.
 *
 * @since 0.1.0
 */
import { Context, type Effect, Schema, type Scope } from "effect"
import type { InstrumentId } from "../domain/Ids"
import type { Instrument } from "../domain/Instrument"
import type { InstrumentSpec } from "../domain/InstrumentSpec"

interface EventHeader {
  instrumentId: InstrumentId
  /** Index of the instrument in `MarketData.instruments`. */
  index: number
  /** Microseconds since the epoch at which the event is known (a bar's close time). */
  ts: number
}

export interface QuoteEvent extends EventHeader {
  bidPrice: number
  bidSize: number
  askPrice: number
  askSize: number
}

export interface TradeEvent extends EventHeader {
  price: number
  size: number
  /** 0 none, 1 buy, 2 sell. */
  aggressor: number
}

export interface BarEvent extends EventHeader {
  /** The bar's open time; `ts` is its close time. */
  openTs: number
  periodUs: number
  open: number
  high: number
  low: number
  close: number
  volume: number
}

/**
 * An instrument's L2 book after an update (a snapshot, or a feed message's deltas, applied whole): a read-only view
 * of the book itself, the same object at every update of the instrument, so a handler reads what it needs and keeps
 * nothing. Levels count from the best: depth 0 is the best bid or ask.
 */
export interface BookEvent extends Readonly<EventHeader> {
  /** Whether this update was a snapshot that replaced the book. */
  readonly snapshot: boolean
  /** Levels on each side. */
  readonly bidDepth: number
  readonly askDepth: number
  /** Price (ticks) of a level; NaN past the last level. */
  bidPrice(depth: number): number
  askPrice(depth: number): number
  /** Size (lots) of a level; 0 past the last level. */
  bidSize(depth: number): number
  askSize(depth: number): number
}

export interface MarketDataHandlers {
  readonly onQuote?: (quote: QuoteEvent) => void
  readonly onTrade?: (trade: TradeEvent) => void
  readonly onBar?: (bar: BarEvent) => void
  readonly onBook?: (book: BookEvent) => void
}

export class MarketDataError extends Schema.TaggedError<MarketDataError>()("MarketDataError", {
  reason: Schema.Literal("UnknownInstrument", "Unavailable"),
  message: Schema.String
}) {}

export interface MarketDataService {
  /** The instruments this run or session carries. */
  readonly instruments: ReadonlyArray<Instrument>
  /** The instrument with its currency and exact value per tick-lot, for sizing. */
  readonly spec: (instrumentId: InstrumentId) => InstrumentSpec | undefined
  /** Call `handlers` for every event of the instrument until the subscriber's scope closes. */
  readonly subscribe: (
    instrumentId: InstrumentId,
    handlers: MarketDataHandlers
  ) => Effect.Effect<void, MarketDataError, Scope.Scope>
}

export class MarketData extends Context.Tag("@meridian/core/MarketData")<MarketData, MarketDataService>() {}
