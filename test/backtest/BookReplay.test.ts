/** L2 book data through a backtest: the strategy sees the book, the simulated venue fills with queue position. */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { run } from "../../core/backtest/Backtest"
import { BookBuilder, type Columns } from "../../core/data/Columns"
import { readBookCsv, readTradesCsv } from "../../core/data/Csv"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import { type BookEvent, MarketData } from "../../core/services/MarketData"
import { noFees } from "../../plugins/connector-sim/src/index"
import joinBid from "../fixtures/book/join-bid"
import { BTCUSDT, currencies } from "../fixtures/instruments"
import { simVenue } from "./support"

const btc = makeSpecs([BTCUSDT], currencies).list[0]!
const fixture = (name: string) => readFileSync(new URL(`../fixtures/book/${name}`, import.meta.url))
const T0 = 1_709_251_200_000_000
/** 100,000 USDT in micro-USDT. */
const DEPOSIT = 100_000_000_000

const unwrap = <A>(result: Either.Either<A, { readonly message: string }>): A => {
  if (Either.isLeft(result)) throw new Error(result.left.message)
  return result.right
}

/** What a handler saw of the book at one update: it copies, as handlers of reused events must. */
const seen = (book: BookEvent) => ({
  ts: book.ts,
  snapshot: book.snapshot,
  bids: Array.from({ length: book.bidDepth }, (_, d) => [book.bidPrice(d), book.bidSize(d)]),
  asks: Array.from({ length: book.askDepth }, (_, d) => [book.askPrice(d), book.askSize(d)])
})

/** `join-bid` for `lots` over `data`, with a second subscriber recording every book update. */
const backtest = (data: ReadonlyArray<Columns>, lots: number) => {
  const books: Array<ReturnType<typeof seen>> = []
  const objects = new Set<BookEvent>()
  const recorder = Effect.gen(function* () {
    const marketData = yield* MarketData
    yield* marketData.subscribe(BTCUSDT.id, {
      onBook: (book) => {
        objects.add(book)
        books.push(seen(book))
      }
    })
  })
  return run({
    instruments: [BTCUSDT],
    currencies,
    data,
    strategyId: "join-bid",
    strategy: Effect.all([joinBid.program({ lots }), recorder], { discard: true }),
    account: { id: "acc", kind: "cash", baseCurrency: "USDT", deposit: DEPOSIT },
    venue: simVenue("close", noFees, 0)
  }).pipe(Effect.map((result) => ({ result, books, objects })))
}

const fillsOf = (
  fills: ReadonlyArray<{ ts: number; side: string; quantity: number; price: number; liquidity: string }>
) => fills.map((f) => [f.ts - T0, f.side, f.quantity, f.price, f.liquidity])

describe("a backtest on a recorded L2 book", () => {
  it.effect("fills a resting bid only after the size ahead of it traded or left, lot for lot", () =>
    Effect.gen(function* () {
      const book = unwrap(readBookCsv(fixture("btc-usdt-book.csv"), { file: "book", spec: btc }))
      const trades = unwrap(readTradesCsv(fixture("btc-usdt-trades.csv"), { file: "trades", spec: btc }))
      // 0.3 BTC bid at 42000.00 joins 1.0 BTC ahead of it.
      const { result, books, objects } = yield* backtest([book, trades], 30_000)
      expect(result.orders).toBe(1)
      expect(fillsOf(result.fills)).toEqual([
        // +1 s: 0.6 sold at 42000.00 only eats the queue (0.4 ahead). +1.0001 s: the level shows 0.4, which the trade
        // explains. +2 s: 0.2 more leave the level, all ahead of the order: 0.2 ahead. +3 s: 0.35 sold: 0.2 for the
        // queue, 0.15 for the order.
        [3_000_000, "buy", 15_000, 4_200_000, "maker"],
        // +3.0001 s: the level is gone, nothing ahead any more; +4 s: 0.1 sold, all of it the order's.
        [4_000_000, "buy", 10_000, 4_200_000, "maker"],
        // +5 s: a new snapshot offers 0.5 at 42000.00, through the bid: the last 0.05 fill at the limit.
        [5_000_000, "buy", 5_000, 4_200_000, "maker"]
      ])
      // The strategy saw the feed's book after each update, applied whole: five updates of eleven rows.
      expect(books).toEqual([
        {
          ts: T0,
          snapshot: true,
          bids: [
            [4_200_000, 100_000],
            [4_199_950, 200_000]
          ],
          asks: [
            [4_200_050, 80_000],
            [4_200_100, 150_000]
          ]
        },
        {
          ts: T0 + 1_000_100,
          snapshot: false,
          bids: [
            [4_200_000, 40_000],
            [4_199_950, 200_000]
          ],
          asks: [
            [4_200_050, 80_000],
            [4_200_100, 150_000]
          ]
        },
        {
          ts: T0 + 2_000_000,
          snapshot: false,
          bids: [
            [4_200_000, 20_000],
            [4_199_950, 200_000]
          ],
          asks: [
            [4_200_050, 90_000],
            [4_200_100, 150_000]
          ]
        },
        {
          ts: T0 + 3_000_100,
          snapshot: false,
          bids: [[4_199_950, 200_000]],
          asks: [
            [4_200_050, 90_000],
            [4_200_100, 150_000]
          ]
        },
        {
          ts: T0 + 5_000_000,
          snapshot: true,
          bids: [[4_199_950, 200_000]],
          asks: [
            [4_200_000, 50_000],
            [4_200_050, 90_000]
          ]
        }
      ])
      // One book object for the whole run.
      expect(objects.size).toBe(1)
      expect(result.events).toBe(14)
    })
  )

  it.effect(
    "without trades: the queue moves up as size ahead is cancelled, and the book's mid marks the position",
    () =>
      Effect.gen(function* () {
        const b = new BookBuilder()
        const BID = 0
        const ASK = 1
        b.add(T0, 0, BID, 4_200_000, 100_000, 1)
        b.add(T0, 0, BID, 4_199_900, 100_000, 1)
        b.add(T0, 0, ASK, 4_200_100, 100_000, 1)
        // 0.4 of the 1.0 ahead cancel: 0.6 ahead. An offer at the bid's price while it still has size cannot fill.
        b.add(T0 + 1, 0, BID, 4_200_000, 60_000, 0)
        // The rest cancel: nothing ahead. Then a seller posts 0.5 at 42000.00, through the resting bid.
        b.add(T0 + 2, 0, BID, 4_200_000, 0, 0)
        b.add(T0 + 3, 0, ASK, 4_200_100, 0, 0)
        b.add(T0 + 3, 0, ASK, 4_200_000, 50_000, 0)
        // A new snapshot: the mid is 42010.50.
        b.add(T0 + 4, 0, BID, 4_201_000, 100_000, 1)
        b.add(T0 + 4, 0, ASK, 4_201_100, 100_000, 1)
        const { result, books } = yield* backtest([b.build()], 30_000)
        expect(fillsOf(result.fills)).toEqual([[3, "buy", 30_000, 4_200_000, "maker"]])
        expect(books.map((s) => [s.ts - T0, s.snapshot, s.bids.length, s.asks.length])).toEqual([
          [0, true, 2, 1],
          [1, false, 2, 1],
          [2, false, 1, 1],
          [3, false, 1, 1],
          [4, true, 1, 1]
        ])
        // 0.3 BTC bought for 12,600 USDT, worth 12,603.15 at the mid: equity 100,003.15 USDT.
        const equity = result.equity.equity
        expect(equity[equity.length - 1]).toBe(100_003_150_000)
      })
  )

  it.effect("keeps a snapshot's rows one update across the merge with another source at the same time", () =>
    Effect.gen(function* () {
      const b = new BookBuilder()
      b.add(T0, 0, 0, 4_200_000, 100_000, 1)
      b.add(T0, 0, 1, 4_200_100, 100_000, 1)
      b.add(T0 + 1, 0, 0, 4_200_000, 50_000, 1)
      b.add(T0 + 1, 0, 1, 4_200_200, 70_000, 1)
      const trades = unwrap(
        readTradesCsv("timestamp,price,size\n2024-03-01T00:00:00Z,42000.50,0.1\n", { file: "t", spec: btc })
      )
      const { books } = yield* backtest([trades, b.build()], 1)
      // The second snapshot (a snapshot row after a snapshot row of another time) replaces the book.
      expect(books).toEqual([
        { ts: T0, snapshot: true, bids: [[4_200_000, 100_000]], asks: [[4_200_100, 100_000]] },
        { ts: T0 + 1, snapshot: true, bids: [[4_200_000, 50_000]], asks: [[4_200_200, 70_000]] }
      ])
    })
  )
})
