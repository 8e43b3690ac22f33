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
import type { InstrumentSpec } from "../engine/InstrumentSpec"

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

export interface MarketDataHandlers {
  readonly onQuote?: (quote: QuoteEvent) => void
  readonly onTrade?: (trade: TradeEvent) => void
  readonly onBar?: (bar: BarEvent) => void
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
