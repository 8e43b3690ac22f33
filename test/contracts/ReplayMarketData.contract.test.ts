/**
 * The MarketData contract for the replay connector (`core/live/market-data/ReplayConnector.ts`): the venue is a
 * market data history, written as the suite drives it (each book state a snapshot, each trade a row) and replayed
 * past what was already published at each `settle`. A history loses no update and drops no connection, so the
 * gap and reconnect cases do not apply.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { BOOK_ASK, BOOK_BID, BookBuilder, TradeBuilder } from "../../core/data/Columns"
import type { InstrumentId } from "../../core/domain/Ids"
import type { MarketDataEvent } from "../../core/domain/MarketData"
import { History, layer as historyLayer } from "../../core/history/History"
import { openReplay } from "../../core/live/market-data/ReplayConnector"
import { type ContractLevels, marketDataContract } from "./MarketDataContract"

const BTC = "BTCUSDT.BINANCE" as InstrumentId
const T0 = Date.UTC(2024, 0, 2) * 1000

marketDataContract(
  "replay connector (market data history)",
  Effect.gen(function* () {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "meridian-md-contract-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    const books: Array<{ ts: number; bids: ContractLevels; asks: ContractLevels }> = []
    const trades: Array<{ ts: number; price: number; size: number; aggressor: number }> = []
    let ts = T0
    let published = 0
    let round = 0
    let handler: (event: MarketDataEvent) => void = () => {}
    const settle = Effect.gen(function* () {
      // A fresh history of everything so far; the replay skips what an earlier settle published.
      const root = join(dir, `h${round++}`)
      const book = new BookBuilder()
      for (const b of books) {
        for (const [p, s] of b.bids) book.add(b.ts, 0, BOOK_BID, p, s, 1)
        for (const [p, s] of b.asks) book.add(b.ts, 0, BOOK_ASK, p, s, 1)
      }
      const tape = new TradeBuilder()
      for (const t of trades) tape.add(t.ts, 0, t.price, t.size, t.aggressor)
      yield* Effect.gen(function* () {
        const history = yield* History
        if (books.length > 0) yield* history.writeMany([BTC], book.build())
        if (trades.length > 0) yield* history.writeMany([BTC], tape.build())
      }).pipe(Effect.provide(historyLayer(root)))
      yield* Effect.scoped(
        Effect.gen(function* () {
          const replay = yield* openReplay({ root, instruments: [BTC], skip: published })
          for (let batch = yield* replay.next(64); batch.length > 0; batch = yield* replay.next(64)) {
            published += batch.length
            for (const event of batch) handler(event)
          }
        })
      )
    }).pipe(Effect.provide(NodeContext.layer), Effect.orDie)
    return {
      instrumentId: BTC,
      subscribe: (h) =>
        Effect.sync(() => {
          handler = h
        }),
      book: (bids, asks) =>
        Effect.sync(() => {
          ts += 1_000_000
          books.push({ ts, bids, asks })
        }),
      trade: (_id, price, size, aggressor) =>
        Effect.sync(() => {
          ts += 1_000_000
          trades.push({ ts, price, size, aggressor: aggressor === "buy" ? 1 : 2 })
        }),
      settle
    }
  }),
  { losesUpdates: false, dropsConnections: false }
)
