/**
 * Bars of one period for a strategy, whatever the data carry: the instrument's own bars when their period is the
 * one asked for, shorter bars merged, or bars built from trades or quote mid prices. A strategy written on bar
 * closes therefore sees the same bars, at the same times, from bar data and from the ticks they were built from.
 *
 * @since 0.1.0
 */
import { Effect, type Scope } from "effect"
import type { InstrumentId } from "../domain/Ids"
import { type BarPeriod, periodMicros } from "../domain/MarketData"
import { MICROS_PER_DAY } from "../domain/Units"
import type { BarEvent, MarketDataError, MarketDataService } from "../services/MarketData"
import { BarAggregator } from "./BarAggregator"
import { nowMicros, sleepUntil } from "./Timers"

const QUARTER_HOUR_US = 900_000_000

/** Where bars come from; `auto` takes the first of these kinds the instrument delivers. */
export type BarSource = "auto" | "bars" | "trades" | "quotes"

export interface SubscribeBarsOptions {
  readonly source?: BarSource
  /** IANA zone whose midnights start day and week bars built from ticks (`UTC` when left out). */
  readonly timezone?: string
}

/**
 * Call `onBar` with each completed bar of `period` until the caller's scope closes. A bar built from ticks is
 * complete at its period's end on the clock (a timer, so it arrives at the time a recorded bar would), or at the
 * first later tick if that comes first. Bars already of the period are passed through as they arrive.
 */
export const subscribeBars = (
  marketData: MarketDataService,
  instrumentId: InstrumentId,
  period: BarPeriod,
  onBar: (bar: BarEvent) => void,
  options: SubscribeBarsOptions = {}
): Effect.Effect<void, MarketDataError, Scope.Scope> =>
  Effect.gen(function* () {
    const index = marketData.instruments.findIndex((i) => i.id === instrumentId)
    const targetUs = periodMicros(period)
    const aggregator = new BarAggregator({
      instrumentId,
      index: Math.max(0, index),
      period,
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
      onBar
    })
    let source: BarSource = options.source ?? "auto"
    yield* marketData.subscribe(instrumentId, {
      onBar: (bar) => {
        if (source !== "auto" && source !== "bars") return
        if (bar.periodUs === targetUs) {
          source = "bars"
          onBar(bar)
        } else if (bar.periodUs < targetUs && targetUs % bar.periodUs === 0) {
          source = "bars"
          aggregator.bar(bar.openTs, bar.periodUs, bar.open, bar.high, bar.low, bar.close, bar.volume)
        }
      },
      onTrade: (trade) => {
        if (source === "auto") source = "trades"
        if (source === "trades") aggregator.trade(trade.ts, trade.price, trade.size)
      },
      onQuote: (quote) => {
        if (source === "auto") source = "quotes"
        if (source === "quotes") {
          aggregator.quote(quote.ts, quote.bidPrice, quote.bidSize, quote.askPrice, quote.askSize)
        }
      }
    })
    if (source === "bars") return
    // Close each bar built from ticks at its end. With no bar open, wake at each boundary the next bar could end
    // on (a quarter hour for day and week bars, whose local midnights fall on quarter hours of UTC); stop once
    // the source turns out to be bars.
    const idleUs = targetUs >= MICROS_PER_DAY ? QUARTER_HOUR_US : targetUs
    yield* Effect.forkScoped(
      Effect.gen(function* () {
        for (;;) {
          const now = yield* nowMicros
          yield* sleepUntil(aggregator.isOpen ? aggregator.barEnd : (Math.floor(now / idleUs) + 1) * idleUs)
          if (source === "bars") return
          aggregator.closeDue(yield* nowMicros)
        }
      })
    )
  })
