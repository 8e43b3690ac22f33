/**
 * The contract every market data connector passes: what it publishes (our normalized `MarketDataEvent`s) is in
 * order, its books rebuilt from snapshots and deltas equal the venue's, and it recovers by itself from what venues
 * do to feeds — a lost update (a sequence gap) and a dropped connection — without publishing anything twice. Each
 * connector runs it against its venue (a fake speaking the venue's protocol, or recorded history), driven through
 * `ContractFeed`; a venue that cannot lose updates or drop connections says so (`ContractCapabilities`) and those
 * tests are skipped.
 */
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Schedule, type Scope } from "effect"
import type { InstrumentId } from "../../core/domain/Ids"
import type { MarketDataEvent } from "../../core/domain/MarketData"

/** A book side, best first: [price in ticks, size in lots]. */
export type ContractLevels = ReadonlyArray<readonly [number, number]>

/** What the suite needs of a venue and its connector. */
export interface ContractFeed {
  readonly instrumentId: InstrumentId
  /** Start the connector: `handler` gets every event, in order, until the scope closes. Ready when it returns. */
  readonly subscribe: (handler: (event: MarketDataEvent) => void) => Effect.Effect<void, never, Scope.Scope>
  /** The venue's book becomes this (it publishes the change as the venue does: a diff, or a snapshot). */
  readonly book: (bids: ContractLevels, asks: ContractLevels) => Effect.Effect<void>
  /** A trade on the venue; `id` is unique and increasing. */
  readonly trade: (id: number, price: number, size: number, aggressor: "buy" | "sell") => Effect.Effect<void>
  /** Let the connector see what the venue did (a replay publishes here; a live feed needs nothing). */
  readonly settle: Effect.Effect<void>
  /** The venue's next book change is lost in transit: the connector sees a gap in the sequence. */
  readonly loseNextBookChange?: Effect.Effect<void>
  /** The connection drops; once the connector is back, the venue repeats the last trade it sent, as venues may. */
  readonly disconnect?: Effect.Effect<void>
}

/** A book rebuilt from events, and what the suite checks of the stream as it goes. */
class Observed {
  readonly bids = new Map<number, number>()
  readonly asks = new Map<number, number>()
  readonly trades: Array<{ readonly price: number; readonly size: number; readonly aggressor: string }> = []
  readonly problems: Array<string> = []
  lastTs = 0
  /** Whether the book is between a batch's first delta and its `last` one. */
  open = false

  constructor(readonly instrumentId: InstrumentId) {}

  on(event: MarketDataEvent): void {
    if (event.instrumentId !== this.instrumentId) return
    if (event.ts < this.lastTs) this.problems.push(`${event._tag} at ${event.ts} after ${this.lastTs}`)
    this.lastTs = Math.max(this.lastTs, event.ts)
    if (event._tag === "Trade") {
      this.trades.push({ price: event.price, size: event.size, aggressor: event.aggressor })
      return
    }
    if (event._tag !== "BookDelta") return
    const side = event.side === "bid" ? this.bids : this.asks
    if (event.action === "clear") {
      this.bids.clear()
      this.asks.clear()
    } else if (event.action === "delete") side.delete(event.price)
    else side.set(event.price, event.size)
    this.open = !event.last
  }

  /** The book as levels best first, once a batch is complete. */
  levels(): { readonly bids: ContractLevels; readonly asks: ContractLevels } | undefined {
    if (this.open) return undefined
    return {
      bids: [...this.bids.entries()].sort((a, b) => b[0] - a[0]),
      asks: [...this.asks.entries()].sort((a, b) => a[0] - b[0])
    }
  }
}

const same = (a: ContractLevels, b: ContractLevels) => JSON.stringify(a) === JSON.stringify(b)

/** Wait (real time, bounded at 15 s) until `done` holds; `describe` says what was seen on timeout. */
const until = (what: string, done: () => boolean, describe: () => string) =>
  Effect.suspend(() => (done() ? Effect.void : Effect.fail(what))).pipe(
    Effect.retry(Schedule.spaced(Duration.millis(10)).pipe(Schedule.upTo(Duration.seconds(15)))),
    Effect.orDieWith(() => new Error(`timed out waiting for ${what}; ${describe()}`))
  )

const start = (make: Effect.Effect<ContractFeed, never, Scope.Scope>) =>
  Effect.gen(function* () {
    const feed = yield* make
    const seen = new Observed(feed.instrumentId)
    yield* feed.subscribe((event) => seen.on(event))
    const bookIs = (bids: ContractLevels, asks: ContractLevels) =>
      Effect.zipRight(
        feed.settle,
        until(
          `the book ${JSON.stringify({ bids, asks })}`,
          () => {
            const levels = seen.levels()
            return levels !== undefined && same(levels.bids, bids) && same(levels.asks, asks)
          },
          () => `book ${JSON.stringify(seen.levels() ?? "mid-batch")}, problems ${seen.problems.join("; ")}`
        )
      )
    const tradesAre = (n: number) =>
      Effect.zipRight(
        feed.settle,
        until(
          `${n} trades`,
          () => seen.trades.length >= n,
          () => `trades ${JSON.stringify(seen.trades)}`
        )
      )
    return { feed, seen, bookIs, tradesAre }
  })

const BOOK_1 = {
  bids: [
    [10_000, 5],
    [9_999, 3]
  ],
  asks: [
    [10_001, 4],
    [10_002, 7]
  ]
} as const
const BOOK_2 = {
  bids: [
    [10_000, 8],
    [9_998, 2]
  ],
  asks: [
    [10_001, 4],
    [10_003, 1]
  ]
} as const
const BOOK_3 = {
  bids: [
    [10_001, 1],
    [10_000, 8]
  ],
  asks: [[10_002, 6]]
} as const
const BOOK_4 = {
  bids: [[9_990, 9]],
  asks: [
    [10_003, 2],
    [10_004, 3]
  ]
} as const

/** What a venue can do to a feed; a history, for one, neither loses updates nor drops connections. */
export interface ContractCapabilities {
  readonly losesUpdates: boolean
  readonly dropsConnections: boolean
}

export const marketDataContract = (
  name: string,
  make: Effect.Effect<ContractFeed, never, Scope.Scope>,
  capabilities: ContractCapabilities = { losesUpdates: true, dropsConnections: true }
) =>
  describe(`MarketData contract: ${name}`, () => {
    it.scopedLive("publishes in order: a book rebuilt from its snapshot and deltas equals the venue's", () =>
      Effect.gen(function* () {
        const { feed, seen, bookIs, tradesAre } = yield* start(make)
        yield* feed.book(BOOK_1.bids, BOOK_1.asks)
        yield* bookIs(BOOK_1.bids, BOOK_1.asks)
        yield* feed.trade(1, 10_001, 2, "buy")
        yield* feed.book(BOOK_2.bids, BOOK_2.asks)
        yield* feed.trade(2, 10_000, 3, "sell")
        yield* feed.book(BOOK_3.bids, BOOK_3.asks)
        yield* bookIs(BOOK_3.bids, BOOK_3.asks)
        yield* tradesAre(2)
        expect(seen.trades).toEqual([
          { price: 10_001, size: 2, aggressor: "buy" },
          { price: 10_000, size: 3, aggressor: "sell" }
        ])
        expect(seen.problems).toEqual([])
      })
    )

    it.scopedLive.skipIf(!capabilities.losesUpdates)(
      "resyncs after a lost update: the book ends equal to the venue's",
      () =>
        Effect.gen(function* () {
          const { feed, seen, bookIs } = yield* start(make)
          if (feed.loseNextBookChange === undefined) return yield* Effect.die("the feed cannot lose an update")
          yield* feed.book(BOOK_1.bids, BOOK_1.asks)
          yield* bookIs(BOOK_1.bids, BOOK_1.asks)
          yield* feed.loseNextBookChange
          yield* feed.book(BOOK_2.bids, BOOK_2.asks)
          yield* feed.book(BOOK_3.bids, BOOK_3.asks)
          yield* bookIs(BOOK_3.bids, BOOK_3.asks)
          yield* feed.book(BOOK_4.bids, BOOK_4.asks)
          yield* bookIs(BOOK_4.bids, BOOK_4.asks)
          expect(seen.problems).toEqual([])
        })
    )

    it.scopedLive.skipIf(!capabilities.dropsConnections)(
      "reconnects after a dropped connection without publishing a trade twice",
      () =>
        Effect.gen(function* () {
          const { feed, seen, bookIs, tradesAre } = yield* start(make)
          if (feed.disconnect === undefined) return yield* Effect.die("the feed cannot drop its connection")
          yield* feed.book(BOOK_1.bids, BOOK_1.asks)
          yield* feed.trade(1, 10_001, 2, "buy")
          yield* tradesAre(1)
          yield* feed.disconnect
          yield* feed.book(BOOK_2.bids, BOOK_2.asks)
          yield* bookIs(BOOK_2.bids, BOOK_2.asks)
          yield* feed.trade(2, 10_000, 3, "sell")
          yield* tradesAre(2)
          yield* feed.book(BOOK_3.bids, BOOK_3.asks)
          yield* bookIs(BOOK_3.bids, BOOK_3.asks)
          expect(seen.trades).toEqual([
            { price: 10_001, size: 2, aggressor: "buy" },
            { price: 10_000, size: 3, aggressor: "sell" }
          ])
          expect(seen.problems).toEqual([])
        })
    )
  })
