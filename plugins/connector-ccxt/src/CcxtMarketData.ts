/**
 * The data client: the venue's trades and L2 book of the configured instruments, as our normalized market data
 * events, in the order they happened. One combined WebSocket stream carries every instrument's depth diffs and
 * trades; each book is synced from a REST snapshot and validated by update id (`BookSync`), resynced from a fresh
 * snapshot on a gap, and after a reconnect. A book update comes out as a `clear` and the levels (snapshot) or as
 * the message's level changes, the last delta of each marked `last`.
 *
 * Bad venue input (not JSON, not the documented shape, a price off the tick grid) is logged, counted in `stats` and
 * dropped; a depth message that cannot be applied starts a resync, since the book would otherwise be wrong.
 *
 * @since 0.1.0
 */
import { Socket } from "@effect/platform"
import type { InstrumentId } from "@meridian/core/domain/Ids"
import type { BookSide, MarketDataEvent } from "@meridian/core/domain/MarketData"
import type { Lots, Ticks, Timestamp } from "@meridian/core/domain/Units"
import { Clock, Effect, Either, FiberSet, type Scope } from "effect"
import type { CcxtClient } from "./CcxtClient"
import type { CcxtConfig } from "./CcxtConfig"
import type { VenueInstrument, VenueInstruments } from "./CcxtInstruments"
import { BookSync } from "./internal/bookSync"
import { type DepthUpdate, parseMarket } from "./internal/parse"
import { keepConnected } from "./internal/reconnect"
import { emptyStats, type FeedStats } from "./internal/stats"
import { toUnits } from "./internal/units"

export interface CcxtMarketData {
  readonly instruments: VenueInstruments
  /**
   * Connect and call `handler` with every event, in order, until the scope closes (which disconnects). Events are
   * plain objects the handler may keep.
   */
  readonly events: (
    handler: (event: MarketDataEvent) => void
  ) => Effect.Effect<void, never, Scope.Scope | Socket.WebSocketConstructor>
  readonly stats: () => FeedStats
}

/** An instrument's local book and sync state. */
class LocalBook {
  readonly bids = new Map<number, number>()
  readonly asks = new Map<number, number>()
  readonly sync: BookSync
  /** The last trade id published: a trade at or below it is one seen before a reconnect. */
  lastTradeId = -1
  constructor(
    readonly venue: VenueInstrument,
    futures: boolean
  ) {
    this.sync = new BookSync(futures ? "futures" : "spot")
  }
}

const SNAPSHOT_ATTEMPTS = 5

export const make = (client: CcxtClient, instruments: VenueInstruments, config: CcxtConfig): CcxtMarketData => {
  const stats = emptyStats()
  const futures = config.exchange === "binanceusdm"
  const depthLimit = config.depth ?? 1000
  const reconnect = { initialMs: config.reconnect?.initialMs ?? 250, maxMs: config.reconnect?.maxMs ?? 30_000 }
  const streams = [...instruments.bySymbol.keys()].flatMap((symbol) => {
    const s = symbol.toLowerCase()
    return [`${s}@depth@100ms`, futures ? `${s}@aggTrade` : `${s}@trade`]
  })

  const events: CcxtMarketData["events"] = (handler) =>
    Effect.gen(function* () {
      const books = new Map<string, LocalBook>()
      for (const [symbol, venue] of instruments.bySymbol) books.set(symbol, new LocalBook(venue, futures))
      let lastTs = 0
      /** Event times only move forward: the venue's clocks differ by stream (trades, depth, snapshot). */
      const at = (venueMs: number): Timestamp => {
        lastTs = Math.max(lastTs, venueMs * 1000)
        return lastTs as Timestamp
      }
      const emit = handler

      /** Level changes as deltas; undefined (and nothing emitted) when a price or size is off the grid. */
      const levelDeltas = (
        book: LocalBook,
        ts: Timestamp,
        side: BookSide,
        levels: ReadonlyArray<readonly [string, string]>,
        out: Array<MarketDataEvent>
      ): boolean => {
        const map = side === "bid" ? book.bids : book.asks
        for (const [priceText, sizeText] of levels) {
          const price = toUnits(priceText, book.venue.tick)
          const size = toUnits(sizeText, book.venue.lot)
          if (Either.isLeft(price) || Either.isLeft(size)) return false
          if (size.right === 0) map.delete(price.right)
          else map.set(price.right, size.right)
          out.push({
            _tag: "BookDelta",
            instrumentId: book.venue.id,
            ts,
            action: size.right === 0 ? "delete" : "set",
            side,
            price: price.right as Ticks,
            size: size.right as Lots,
            last: false
          })
        }
        return true
      }

      const publish = (out: Array<MarketDataEvent>) => {
        const final = out[out.length - 1]
        if (final?._tag === "BookDelta") out[out.length - 1] = { ...final, last: true }
        for (const event of out) emit(event)
      }

      const applyUpdate = (book: LocalBook, update: DepthUpdate): boolean => {
        const out: Array<MarketDataEvent> = []
        const ts = at(update.E)
        if (!levelDeltas(book, ts, "bid", update.b, out) || !levelDeltas(book, ts, "ask", update.a, out)) return false
        publish(out)
        return true
      }

      // Snapshot fetches run beside the stream, which keeps buffering until they land.
      const fibers = yield* FiberSet.make()
      const runFork = yield* FiberSet.runtime(fibers)()

      const resync = (book: LocalBook, why: string): Effect.Effect<void> => {
        const generation = book.sync.resync()
        const attempt = (left: number): Effect.Effect<void> =>
          client.depth(book.venue.symbol, depthLimit).pipe(
            Effect.flatMap((snapshot) =>
              Effect.gen(function* () {
                if (book.sync.generation !== generation) return
                stats.snapshots++
                const buffered = book.sync.snapshot(snapshot.lastUpdateId)
                if (buffered === "gap") {
                  stats.gaps++
                  if (left <= 1)
                    return yield* Effect.logError("book snapshot keeps falling behind the stream").pipe(
                      Effect.annotateLogs({ symbol: book.venue.symbol })
                    )
                  // The book is buffering again (snapshot() reset it): fetch a newer snapshot.
                  return yield* attempt(left - 1)
                }
                const nowMs = snapshot.E ?? (yield* Clock.currentTimeMillis)
                const ts = at(nowMs)
                const bids = new Map(book.bids)
                const asks = new Map(book.asks)
                book.bids.clear()
                book.asks.clear()
                const out: Array<MarketDataEvent> = [
                  {
                    _tag: "BookDelta",
                    instrumentId: book.venue.id,
                    ts,
                    action: "clear",
                    side: "bid",
                    price: 0 as Ticks,
                    size: 0 as Lots,
                    last: false
                  }
                ]
                if (
                  !levelDeltas(book, ts, "bid", snapshot.bids, out) ||
                  !levelDeltas(book, ts, "ask", snapshot.asks, out)
                ) {
                  stats.rejected.units++
                  for (const [p, s] of bids) book.bids.set(p, s)
                  for (const [p, s] of asks) book.asks.set(p, s)
                  book.sync.resync()
                  return yield* Effect.logError("book snapshot off the instrument's grid").pipe(
                    Effect.annotateLogs({ symbol: book.venue.symbol })
                  )
                }
                publish(out)
                for (const update of buffered) {
                  if (!applyUpdate(book, update)) {
                    stats.rejected.units++
                    return yield* resync(book, "buffered update off the grid")
                  }
                }
              })
            ),
            Effect.catchAll((error) =>
              Effect.logWarning("book snapshot failed").pipe(
                Effect.annotateLogs({ symbol: book.venue.symbol, error: error.message }),
                Effect.zipRight(
                  left > 1 && book.sync.generation === generation
                    ? Effect.sleep(reconnect.initialMs).pipe(Effect.zipRight(attempt(left - 1)))
                    : Effect.void
                )
              )
            )
          )
        return Effect.logInfo("book resync").pipe(
          Effect.annotateLogs({ symbol: book.venue.symbol, why }),
          Effect.zipRight(attempt(SNAPSHOT_ATTEMPTS))
        )
      }

      const reject = (reason: keyof FeedStats["rejected"], message: string, text: string) => {
        stats.rejected[reason]++
        return Effect.logWarning("venue message rejected").pipe(
          Effect.annotateLogs({ reason, message, payload: text.slice(0, 200) })
        )
      }

      const onMessage = (data: string | Uint8Array): Effect.Effect<void> | void => {
        stats.messages++
        const text = typeof data === "string" ? data : new TextDecoder().decode(data)
        const parsed = parseMarket(text)
        if (Either.isLeft(parsed)) return reject(parsed.left.reason, parsed.left.message, text)
        const message = parsed.right
        const book = books.get(message.s)
        if (book === undefined) return reject("symbol", `symbol ${message.s} is not subscribed`, text)
        if (message.e === "depthUpdate") {
          const verdict = book.sync.judge(message)
          if (verdict === "stale") stats.stale++
          else if (verdict === "gap") {
            stats.gaps++
            runFork(resync(book, `update ${message.U}-${message.u} does not follow ${book.sync.last}`))
          } else if (verdict === "apply" && !applyUpdate(book, message)) {
            runFork(
              Effect.zipRight(
                reject("units", "price or size off the instrument's grid", text),
                resync(book, "update off the grid")
              )
            )
          }
          return
        }
        const tradeId = message.e === "trade" ? message.t : message.a
        if (tradeId <= book.lastTradeId) {
          stats.duplicateTrades++
          return
        }
        const price = toUnits(message.p, book.venue.tick)
        const size = toUnits(message.q, book.venue.lot)
        if (Either.isLeft(price) || Either.isLeft(size) || size.right <= 0) {
          return reject("units", "trade price or size off the instrument's grid", text)
        }
        book.lastTradeId = tradeId
        emit({
          _tag: "Trade",
          instrumentId: book.venue.id as InstrumentId,
          ts: at(message.T),
          price: price.right as Ticks,
          size: size.right as Trade["size"],
          aggressor: message.m ? "sell" : "buy",
          tradeId: String(tradeId) as NonNullable<Trade["tradeId"]>
        })
      }

      const connect = (healthy: () => void) =>
        Effect.scoped(
          Effect.gen(function* () {
            const socket = yield* Socket.makeWebSocket(client.streamUrl(streams), { openTimeout: 10_000 })
            let seen = false
            yield* socket.runRaw(
              (data) => {
                if (!seen) {
                  seen = true
                  healthy()
                }
                return onMessage(data)
              },
              {
                // Every book starts again from a snapshot: the stream buffers from the moment it is open.
                onOpen: Effect.forEach(
                  books.values(),
                  (book) => Effect.sync(() => runFork(resync(book, "connected"))),
                  { discard: true }
                )
              }
            )
          })
        )

      yield* Effect.forkScoped(keepConnected("market data stream", reconnect, connect, () => stats.reconnects++))
    })

  return { instruments, events, stats: () => structuredClone(stats) }
}

type Trade = Extract<MarketDataEvent, { _tag: "Trade" }>
