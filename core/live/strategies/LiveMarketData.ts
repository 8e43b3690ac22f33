/**
 * The live `MarketData` port of one strategy: the session's market data events (domain `MarketDataEvent`s) handed
 * to its handlers as the same flyweight objects a backtest hands out — a bar's `ts` is its close time, and a book
 * update is the strategy's L2 book (`OrderBook`) after a whole batch of `BookDelta`s (up to the one marked `last`).
 * The instruments and their specs come from static data; `index` counts in the strategy's own instrument list.
 *
 * @since 0.1.0
 */
import { OrderBook } from "../../data/OrderBook"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import { type MarketDataEvent, periodMicros } from "../../domain/MarketData"
import {
  type MarketHandlerTables,
  makeMarketDataPort,
  makeMarketHandlerTables,
  newBarEvent,
  newQuoteEvent,
  newTradeEvent
} from "../../services/internal/handlerTables"
import type { BarEvent, MarketDataService, QuoteEvent, TradeEvent } from "../../services/MarketData"

const AGGRESSOR = { none: 0, buy: 1, sell: 2 } as const

export class LiveMarketData {
  readonly service: MarketDataService
  private readonly tables: MarketHandlerTables
  /** Each instrument's book, made at its first delta. */
  private readonly books: Array<OrderBook | undefined>
  /** Whether the next delta of an instrument starts a new batch (the previous one ended with `last`). */
  private readonly batchStart: Array<boolean>
  /** Whether the current batch of an instrument cleared its book (a snapshot). */
  private readonly cleared: Array<boolean>
  // One reusable event object per kind (see MarketData: handlers copy what they keep).
  private readonly quoteEvent: QuoteEvent = newQuoteEvent()

  private readonly tradeEvent: TradeEvent = newTradeEvent()

  private readonly barEvent: BarEvent = newBarEvent()

  constructor(private readonly specs: InstrumentSpecs) {
    const n = specs.list.length
    this.tables = makeMarketHandlerTables(n)
    this.books = new Array(n).fill(undefined)
    this.batchStart = new Array(n).fill(true)
    this.cleared = new Array(n).fill(false)
    this.service = makeMarketDataPort(specs, this.tables, "session")
  }

  /** Hand `event` to the handlers of its instrument; an instrument the strategy does not trade is skipped. */
  deliver(event: MarketDataEvent): void {
    const spec = this.specs.byId.get(event.instrumentId)
    if (spec === undefined) return
    const index = spec.index
    switch (event._tag) {
      case "Quote": {
        const handlers = this.tables.quote[index]!
        const q = this.quoteEvent
        q.instrumentId = event.instrumentId
        q.index = index
        q.ts = event.ts
        q.bidPrice = event.bidPrice
        q.bidSize = event.bidSize
        q.askPrice = event.askPrice
        q.askSize = event.askSize
        for (let h = 0; h < handlers.length; h++) handlers[h]!(q)
        return
      }
      case "Trade": {
        const handlers = this.tables.trade[index]!
        const t = this.tradeEvent
        t.instrumentId = event.instrumentId
        t.index = index
        t.ts = event.ts
        t.price = event.price
        t.size = event.size
        t.aggressor = AGGRESSOR[event.aggressor]
        for (let h = 0; h < handlers.length; h++) handlers[h]!(t)
        return
      }
      case "Bar": {
        const handlers = this.tables.bar[index]!
        const b = this.barEvent
        const periodUs = periodMicros(event.period)
        b.instrumentId = event.instrumentId
        b.index = index
        b.ts = event.ts + periodUs
        b.openTs = event.ts
        b.periodUs = periodUs
        b.open = event.open
        b.high = event.high
        b.low = event.low
        b.close = event.close
        b.volume = event.volume
        for (let h = 0; h < handlers.length; h++) handlers[h]!(b)
        return
      }
      case "BookDelta": {
        let book = this.books[index]
        if (book === undefined) {
          book = new OrderBook(event.instrumentId, index)
          this.books[index] = book
        }
        if (this.batchStart[index]) this.cleared[index] = false
        if (event.action === "clear") {
          book.clear()
          this.cleared[index] = true
        } else book.set(event.side === "bid" ? 0 : 1, event.price, event.action === "delete" ? 0 : event.size)
        this.batchStart[index] = event.last
        // A batch is applied whole: the handlers see the book once, after its last delta.
        if (!event.last) return
        book.ts = event.ts
        book.snapshot = this.cleared[index]!
        const handlers = this.tables.book[index]!
        for (let h = 0; h < handlers.length; h++) handlers[h]!(book)
        return
      }
    }
  }
}
