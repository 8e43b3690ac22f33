/**
 * Builds bars of any period from ticks (trade prices, or quote mid prices) or from shorter bars. A bar is
 * complete when the first event of a later period arrives, when a clock says its period is over (`closeDue`), or
 * on `flush`. OHLC stay exact integer ticks; volume is the sum of trade sizes (quotes add none).
 *
 * One `BarEvent` object is reused for every bar it emits, as market data events are: copy what you keep.
 *
 * @since 0.1.0
 */
import type { InstrumentId } from "../domain/Ids"
import type { BarPeriod } from "../domain/MarketData"
import type { BarEvent } from "../services/MarketData"
import { BarBuckets } from "./internal/barBuckets"

export interface BarAggregatorOptions {
  readonly instrumentId: InstrumentId
  /** The instrument's index in `MarketData.instruments`, copied into the bars. */
  readonly index?: number
  readonly period: BarPeriod
  /** IANA zone whose midnights start day and week bars (`UTC` when left out); other periods align in UTC. */
  readonly timezone?: string
  readonly onBar: (bar: BarEvent) => void
}

/** Aggregates one instrument's events into bars of one period. */
export class BarAggregator {
  private readonly buckets: BarBuckets
  private readonly onBar: (bar: BarEvent) => void
  private readonly out: BarEvent
  private open = false
  private o = 0
  private h = 0
  private l = 0
  private c = 0
  private v = 0

  constructor(options: BarAggregatorOptions) {
    this.buckets = new BarBuckets(options.period, options.timezone)
    this.onBar = options.onBar
    this.out = {
      instrumentId: options.instrumentId,
      index: options.index ?? 0,
      ts: 0,
      openTs: 0,
      periodUs: 0,
      open: 0,
      high: 0,
      low: 0,
      close: 0,
      volume: 0
    }
  }

  /** Whether a bar is being built. */
  get isOpen(): boolean {
    return this.open
  }

  /** End (µs) of the bar being built, or of the last one; `NaN` before the first event. */
  get barEnd(): number {
    return this.buckets.end
  }

  /** A trade: its price and size. */
  trade(ts: number, price: number, size: number): void {
    this.tick(ts, price, size)
  }

  /**
   * A quote: its mid price, rounded down to a whole tick as the account marks it. A quote with an empty side has
   * no mid and is skipped.
   */
  quote(ts: number, bidPrice: number, bidSize: number, askPrice: number, askSize: number): void {
    if (bidSize > 0 && askSize > 0) this.tick(ts, Math.floor((bidPrice + askPrice) / 2), 0)
  }

  /**
   * A shorter bar (`openTs` its open time) whose period divides this one. A bar that ends where this period ends
   * completes it at once.
   */
  bar(openTs: number, periodUs: number, open: number, high: number, low: number, close: number, volume: number): void {
    if (!this.enter(openTs)) return
    if (!this.open) {
      this.open = true
      this.o = open
      this.h = high
      this.l = low
      this.v = 0
    } else {
      if (high > this.h) this.h = high
      if (low < this.l) this.l = low
    }
    this.c = close
    this.v += volume
    if (openTs + periodUs >= this.buckets.end) this.emit()
  }

  /** Complete the open bar if its period is over at `now` (µs); true if a bar was emitted. */
  closeDue(now: number): boolean {
    if (!this.open || now < this.buckets.end) return false
    this.emit()
    return true
  }

  /** Complete the open bar now, whether or not its period is over (at the end of the data). */
  flush(): void {
    if (this.open) this.emit()
  }

  private tick(ts: number, price: number, size: number): void {
    if (!this.enter(ts)) return
    if (!this.open) {
      this.open = true
      this.o = price
      this.h = price
      this.l = price
      this.v = 0
    } else if (price > this.h) this.h = price
    else if (price < this.l) this.l = price
    this.c = price
    this.v += size
  }

  /** Complete the open bar if `ts` is past it and move to the bucket of `ts`; false for an event out of order. */
  private enter(ts: number): boolean {
    const buckets = this.buckets
    if (ts < buckets.start) return false
    // `end` is NaN before the first event, so the negated test locates the first bucket too.
    if (!(ts < buckets.end)) {
      if (this.open) this.emit()
      buckets.locate(ts)
    }
    return true
  }

  private emit(): void {
    const bar = this.out
    bar.ts = this.buckets.end
    bar.openTs = this.buckets.start
    bar.periodUs = this.buckets.end - this.buckets.start
    bar.open = this.o
    bar.high = this.h
    bar.low = this.l
    bar.close = this.c
    bar.volume = this.v
    this.open = false
    this.onBar(bar)
  }
}
