/**
 * What the backtest's and the live `MarketData` ports share: the strategy's handlers per instrument index (the
 * replay loop, or the live session, calls them), the port over them, and the reusable event objects handed to
 * them (handlers copy what they keep, as `MarketData` says).
 */
import { Effect, type Scope } from "effect"
import type { InstrumentId } from "../../domain/Ids"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import {
  type BarEvent,
  MarketDataError,
  type MarketDataHandlers,
  type MarketDataService,
  type QuoteEvent,
  type TradeEvent
} from "../MarketData"

/** Handlers per instrument index. */
export interface MarketHandlerTables {
  readonly quote: Array<Array<NonNullable<MarketDataHandlers["onQuote"]>>>
  readonly trade: Array<Array<NonNullable<MarketDataHandlers["onTrade"]>>>
  readonly bar: Array<Array<NonNullable<MarketDataHandlers["onBar"]>>>
  readonly book: Array<Array<NonNullable<MarketDataHandlers["onBook"]>>>
}

export const makeMarketHandlerTables = (instruments: number): MarketHandlerTables => ({
  quote: Array.from({ length: instruments }, () => []),
  trade: Array.from({ length: instruments }, () => []),
  bar: Array.from({ length: instruments }, () => []),
  book: Array.from({ length: instruments }, () => [])
})

/** Add `handler` to `list` for as long as the caller's scope lives. */
export const registerScoped = <H>(list: Array<H>, handler: H | undefined): Effect.Effect<void, never, Scope.Scope> =>
  handler === undefined
    ? Effect.void
    : Effect.acquireRelease(
        Effect.sync(() => list.push(handler)),
        () =>
          Effect.sync(() => {
            const at = list.indexOf(handler)
            if (at >= 0) list.splice(at, 1)
          })
      )

/** The `MarketData` port over `tables`; `where` names what an unknown instrument is not in ("backtest", "session"). */
export const makeMarketDataPort = (
  specs: InstrumentSpecs,
  tables: MarketHandlerTables,
  where: string
): MarketDataService => ({
  instruments: specs.list.map((s) => s.instrument),
  spec: (instrumentId) => specs.byId.get(instrumentId),
  subscribe: (instrumentId, handlers) =>
    Effect.suspend(() => {
      const spec = specs.byId.get(instrumentId)
      if (spec === undefined) {
        return Effect.fail(
          new MarketDataError({ reason: "UnknownInstrument", message: `${instrumentId} is not in this ${where}` })
        )
      }
      return Effect.all([
        registerScoped(tables.quote[spec.index]!, handlers.onQuote),
        registerScoped(tables.trade[spec.index]!, handlers.onTrade),
        registerScoped(tables.bar[spec.index]!, handlers.onBar),
        registerScoped(tables.book[spec.index]!, handlers.onBook)
      ]).pipe(Effect.asVoid)
    })
})

export const newQuoteEvent = (): QuoteEvent => ({
  instrumentId: "" as InstrumentId,
  index: 0,
  ts: 0,
  bidPrice: 0,
  bidSize: 0,
  askPrice: 0,
  askSize: 0
})

export const newTradeEvent = (): TradeEvent => ({
  instrumentId: "" as InstrumentId,
  index: 0,
  ts: 0,
  price: 0,
  size: 0,
  aggressor: 0
})

export const newBarEvent = (): BarEvent => ({
  instrumentId: "" as InstrumentId,
  index: 0,
  ts: 0,
  openTs: 0,
  periodUs: 0,
  open: 0,
  high: 0,
  low: 0,
  close: 0,
  volume: 0
})
