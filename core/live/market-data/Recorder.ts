/**
 * The recorder: every event the service publishes, written into a market data history so that the session can be
 * backtested afterwards (`meridian backtest --history <root> --data catalog:<ids>`).
 *
 * Recording never holds up publishing: `record` only appends to in-memory columns (one set per kind); a fiber
 * writes them every `everyEvents` events or `everyMs` ms, and the scope's end writes the rest. Each write commits
 * its rows of every kind together with the sequence of the last event in them (the history's mark for this
 * recorder), so a restarted service records the journaled events after it (those it published but had not written
 * before a crash) and nothing twice — a `kill -9` between the rows and the mark cannot happen.
 *
 * @since 0.1.0
 */
import { FileSystem, type Path } from "@effect/platform"
import { Context, Effect, Layer, type Scope } from "effect"
import {
  AGGRESSOR_BUY,
  AGGRESSOR_NONE,
  AGGRESSOR_SELL,
  BarBuilder,
  BOOK_ASK,
  BOOK_BID,
  BookBuilder,
  QuoteBuilder,
  TradeBuilder
} from "../../data/Columns"
import type { InstrumentId } from "../../domain/Ids"
import { type MarketDataEvent, periodMicros } from "../../domain/MarketData"
import { History, HistoryError, layer as historyLayer } from "../../history/History"

export interface RecorderOptions {
  /** Root of the history written into. */
  readonly root: string
  /**
   * Names this recorder: the id its progress is marked under in the history (created on its first start; a file
   * of an earlier version holding `recordedThrough` is read once for where it stood).
   */
  readonly markerFile: string
  readonly everyEvents: number
  readonly everyMs: number
}

export interface Recorder {
  /** The sequence of the last event written before this start: events after it are to be recorded. */
  readonly recordedThrough: number
  /** Queue event `seq` for writing. */
  readonly record: (seq: number, event: MarketDataEvent) => void
  /** Write what is queued now. */
  readonly flush: Effect.Effect<void, HistoryError>
  /** Rows written since start. */
  readonly written: () => number
}

/** What is queued of one kind: its columns, with `instrument` an index into `ids`. */
interface Pending {
  ids: Array<InstrumentId>
  quotes: QuoteBuilder
  trades: TradeBuilder
  bars: BarBuilder
  books: BookBuilder
  /** Per instrument index, the time of the last book `clear`: the rows at that time are a snapshot's. */
  snapshotAt: Map<number, number>
  lastSeq: number
  events: number
}

const empty = (ids: Array<InstrumentId>, snapshotAt: Map<number, number>, lastSeq: number): Pending => ({
  ids,
  quotes: new QuoteBuilder(),
  trades: new TradeBuilder(),
  bars: new BarBuilder(),
  books: new BookBuilder(),
  snapshotAt,
  lastSeq,
  events: 0
})

const indexOf = (pending: Pending, id: InstrumentId): number => {
  const index = pending.ids.indexOf(id)
  if (index >= 0) return index
  pending.ids.push(id)
  return pending.ids.length - 1
}

const add = (pending: Pending, seq: number, event: MarketDataEvent): void => {
  const i = indexOf(pending, event.instrumentId)
  pending.lastSeq = seq
  pending.events++
  switch (event._tag) {
    case "Quote":
      pending.quotes.add(event.ts, i, event.bidPrice, event.bidSize, event.askPrice, event.askSize)
      return
    case "Trade": {
      const aggressor =
        event.aggressor === "buy" ? AGGRESSOR_BUY : event.aggressor === "sell" ? AGGRESSOR_SELL : AGGRESSOR_NONE
      pending.trades.add(event.ts, i, event.price, event.size, aggressor)
      return
    }
    case "Bar":
      pending.bars.add(
        event.ts,
        i,
        periodMicros(event.period),
        event.open,
        event.high,
        event.low,
        event.close,
        event.volume
      )
      return
    case "BookDelta": {
      if (event.action === "clear") {
        pending.snapshotAt.set(i, event.ts)
        // A clear that ends its update is an empty book: one snapshot row of size 0 stores it (the replay turns it
        // back into the lone clear); otherwise the levels that follow at this time are the snapshot's rows.
        if (event.last) pending.books.add(event.ts, i, BOOK_BID, 0, 0, 1)
        return
      }
      const snapshot = pending.snapshotAt.get(i) === event.ts ? 1 : 0
      const side = event.side === "bid" ? BOOK_BID : BOOK_ASK
      pending.books.add(event.ts, i, side, event.price, event.action === "delete" ? 0 : event.size, snapshot)
      return
    }
  }
}

/** The recorder over the history at `options.root`; the scope's end writes what is queued. */
export const makeRecorder = (
  options: RecorderOptions
): Effect.Effect<Recorder, HistoryError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const history = Context.get(yield* Layer.build(historyLayer(options.root)), History)
    const io = (what: string) => (e: { readonly message: string }) =>
      new HistoryError({ reason: "Io", message: `${what}: ${e.message}` })
    const marker = yield* fs.readFileString(options.markerFile).pipe(
      Effect.map((text) => JSON.parse(text) as { readonly id?: unknown; readonly recordedThrough?: unknown }),
      Effect.orElseSucceed(() => ({}) as { readonly id?: unknown; readonly recordedThrough?: unknown })
    )
    const id = typeof marker.id === "string" ? marker.id : crypto.randomUUID()
    if (marker.id !== id) {
      const temp = `${options.markerFile}.tmp`
      yield* fs
        .writeFileString(temp, JSON.stringify({ id }))
        .pipe(
          Effect.zipRight(fs.rename(temp, options.markerFile)),
          Effect.mapError(io(`writing ${options.markerFile}`))
        )
    }
    const legacy = Number(marker.recordedThrough)
    const recordedThrough = (yield* history.markOf(id)) ?? (Number.isSafeInteger(legacy) && legacy > 0 ? legacy : 0)
    let pending = empty([], new Map(), recordedThrough)
    let written = 0
    let wake: (() => void) | undefined
    const lock = yield* Effect.makeSemaphore(1)

    const flush = lock.withPermits(1)(
      Effect.gen(function* () {
        if (pending.events === 0) return
        const batch = pending
        // Instruments keep their indices: a `clear` of one batch marks the rows of the next.
        pending = empty([...batch.ids], batch.snapshotAt, batch.lastSeq)
        const columns = [batch.bars, batch.trades, batch.quotes, batch.books]
          .filter((builder) => builder.length > 0)
          .map((builder) => builder.build())
        written += (yield* history.writeMarked(batch.ids, columns, { id, value: batch.lastSeq })).rows
      }).pipe(Effect.uninterruptible)
    )
    const flushLogged = flush.pipe(
      Effect.catchAll((error) =>
        Effect.logError("recorder: a batch could not be written").pipe(
          Effect.annotateLogs({ reason: error.reason, message: error.message })
        )
      )
    )
    yield* Effect.addFinalizer(() => flushLogged)
    const signal = Effect.async<void>((resume) => {
      wake = () => resume(Effect.void)
      return Effect.sync(() => {
        wake = undefined
      })
    })
    yield* Effect.forkScoped(
      Effect.forever(Effect.race(Effect.sleep(options.everyMs), signal).pipe(Effect.zipRight(flushLogged)))
    )
    return {
      recordedThrough,
      record: (seq, event) => {
        if (seq <= pending.lastSeq) return
        add(pending, seq, event)
        if (pending.events >= options.everyEvents) wake?.()
      },
      flush,
      written: () => written
    }
  })
