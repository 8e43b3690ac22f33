/** Shared set-up for the execution algorithm tests: a quote stream, a backtest run, and the account events. */
import { Effect } from "effect"
import { type Columns, QuoteBuilder } from "../../core/data/Columns"
import type { AccountEvent } from "../../core/domain/Events"
import type { MarketDataError } from "../../core/services/MarketData"
import type { StrategyRequirements } from "../../core/strategy/Strategy"
import { noFees } from "../../plugins/connector-sim/src/index"
import { runBacktest, simVenue } from "../backtest/support"
import { AAPL } from "../fixtures/instruments"

export { AAPL }

export const SECOND = 1_000_000
export const MINUTE = 60 * SECOND
/** 2024-01-02T14:30Z, 09:30 in New York. */
export const T0 = 1_704_205_800_000_000

/** A quote every `every` µs from `from` to `to` inclusive; `prices(ts)` gives [bid, ask] in ticks; sizes `size`. */
export const quotes = (
  from: number,
  to: number,
  every: number,
  prices: (ts: number) => readonly [number, number],
  size = 1_000
): Columns => {
  const builder = new QuoteBuilder()
  for (let ts = from; ts <= to; ts += every) {
    const [bid, ask] = prices(ts)
    builder.add(ts, 0, bid, size, ask, size)
  }
  return builder.build()
}

export type Submitted = Extract<AccountEvent, { _tag: "OrderSubmitted" }>
export type Filled = Extract<AccountEvent, { _tag: "OrderFilled" }>

/** Run `strategy` over `data` on AAPL with a zero-latency, fee-free venue; returns every account event. */
export const runAlgo = (
  strategy: Effect.Effect<void, MarketDataError, StrategyRequirements>,
  data: Columns,
  latencyUs = 0
) =>
  Effect.gen(function* () {
    const events: Array<AccountEvent> = []
    yield* runBacktest({
      instruments: [AAPL],
      data: [data],
      strategy,
      deposit: 100_000_000_000,
      events,
      venue: simVenue("close", noFees, latencyUs)
    })
    const submitted = events.filter((e): e is Submitted => e._tag === "OrderSubmitted")
    const fills = events.filter((e): e is Filled => e._tag === "OrderFilled")
    return {
      events,
      submitted,
      fills,
      /** `[µs after T0, quantity]` of each child sent. */
      children: submitted.map((e) => [e.ts - T0, e.order.quantity] as const),
      filled: fills.reduce((sum, e) => sum + e.fill.quantity, 0),
      canceled: events.filter((e) => e._tag === "OrderCanceled").length
    }
  })
