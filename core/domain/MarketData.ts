/**
 * Normalized market data events. Every connector publishes these and the market data history stores them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { InstrumentId, TradeId } from "./Ids"
import { NonNegativeLots, PositiveLots, Ticks, Timestamp } from "./Units"

/** Which side initiated a trade; `none` where the venue does not say. */
export const Aggressor = Schema.Literal("buy", "sell", "none")
export type Aggressor = typeof Aggressor.Type

export const Trade = Schema.TaggedStruct("Trade", {
  instrumentId: InstrumentId,
  ts: Timestamp,
  price: Ticks,
  size: PositiveLots,
  aggressor: Aggressor,
  tradeId: Schema.optionalWith(TradeId, { exact: true })
})
export type Trade = typeof Trade.Type

/** Top of book. A side with no order has size 0. */
export const Quote = Schema.TaggedStruct("Quote", {
  instrumentId: InstrumentId,
  ts: Timestamp,
  bidPrice: Ticks,
  bidSize: NonNegativeLots,
  askPrice: Ticks,
  askSize: NonNegativeLots
})
export type Quote = typeof Quote.Type

export const BookSide = Schema.Literal("bid", "ask")
export type BookSide = typeof BookSide.Type

/**
 * A change to one price level of an L2 book: `set` the level's total size, `delete` it, or `clear` the whole book
 * (then `side`, `price` and `size` are ignored). `last` marks the end of an atomic batch of deltas.
 */
export const BookDelta = Schema.TaggedStruct("BookDelta", {
  instrumentId: InstrumentId,
  ts: Timestamp,
  action: Schema.Literal("set", "delete", "clear"),
  side: BookSide,
  price: Ticks,
  size: NonNegativeLots,
  last: Schema.Boolean
})
export type BookDelta = typeof BookDelta.Type

/** A bar period: a count and a unit of seconds, minutes, hours, days or weeks (`1m`, `5m`, `1h`, `1d`). */
export const BarPeriod = Schema.String.pipe(
  Schema.pattern(/^[1-9]\d{0,5}[smhdw]$/, { message: () => "period must be a count and a unit s|m|h|d|w, e.g. 5m" }),
  Schema.brand("BarPeriod")
)
export type BarPeriod = typeof BarPeriod.Type

const UNIT_MICROS: Record<string, number> = {
  s: 1_000_000,
  m: 60_000_000,
  h: 3_600_000_000,
  d: 86_400_000_000,
  w: 604_800_000_000
}

/** The length of a period in microseconds. */
export const periodMicros = (period: BarPeriod): number =>
  Number(period.slice(0, -1)) * (UNIT_MICROS[period.slice(-1)] ?? Number.NaN)

/** An OHLCV bar; `ts` is the bar's open time, so the bar is complete at `ts + period`. */
export const Bar = Schema.TaggedStruct("Bar", {
  instrumentId: InstrumentId,
  ts: Timestamp,
  period: BarPeriod,
  open: Ticks,
  high: Ticks,
  low: Ticks,
  close: Ticks,
  volume: NonNegativeLots
}).pipe(
  Schema.filter((b) => {
    const issues: Array<Schema.FilterIssue> = []
    if (b.high < Math.max(b.open, b.close, b.low)) {
      issues.push({ path: ["high"], message: "high must be at least open, close and low" })
    }
    if (b.low > Math.min(b.open, b.close)) issues.push({ path: ["low"], message: "low must be at most open and close" })
    return issues
  })
)
export type Bar = typeof Bar.Type

export const MarketDataEvent = Schema.Union(Trade, Quote, BookDelta, Bar)
export type MarketDataEvent = typeof MarketDataEvent.Type
