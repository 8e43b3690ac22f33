/**
 * The replay connector: the market data history of some instruments as one stream of domain events, in the order
 * a backtest of the same data replays them (`meridian backtest --data catalog:<ids>`): every stored kind, merged
 * by `mergeByTime` with kinds in the catalog's order (bar, trade, quote, book) and rows in the history's replay
 * order. So bars are placed among ticks by their stored time (their open), as the backtest places them.
 *
 * The history is read in windows of time holding about `windowRows` rows, so memory does not grow with the length
 * of the replay; a window never splits one instant, so the order is that of one merge over everything.
 *
 * @since 0.1.0
 */
import type { FileSystem, Path } from "@effect/platform"
import { Context, Effect, Layer, type Scope } from "effect"
import { mergeByTime } from "../../data/Merge"
import type { InstrumentId } from "../../domain/Ids"
import type { MarketDataEvent } from "../../domain/MarketData"
import { History, HistoryError, layer as historyLayer, type Kind } from "../../history/History"
import { RowConverter } from "./internal/events"

export interface ReplayOptions {
  /** Root of the history. */
  readonly root: string
  /** Replay order of ties, as in a backtest's `catalog:` list. */
  readonly instruments: ReadonlyArray<InstrumentId>
  /** Inclusive start and exclusive end on each row's stored time, µs. */
  readonly from?: number
  readonly to?: number
  /** Events of the replay to pass over first: those a previous run already published. */
  readonly skip?: number
  /** Rows read per window (default 50,000). */
  readonly windowRows?: number
}

export interface ReplayConnector {
  /** Up to `max` next events; none once the replay is over. */
  readonly next: (max: number) => Effect.Effect<ReadonlyArray<MarketDataEvent>, HistoryError>
}

/** Open the history and position the replay after `skip` events; the scope closes the history. */
export const openReplay = (
  options: ReplayOptions
): Effect.Effect<ReplayConnector, HistoryError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const history = Context.get(yield* Layer.build(historyLayer(options.root)), History)
    const entries = (yield* history.catalog).filter((entry) => options.instruments.includes(entry.instrument))
    for (const id of options.instruments) {
      if (!entries.some((entry) => entry.instrument === id)) {
        return yield* new HistoryError({ reason: "NotFound", message: `no stored market data for ${id}` })
      }
    }
    const kinds: Array<Kind> = []
    for (const entry of entries) if (!kinds.includes(entry.kind)) kinds.push(entry.kind)
    const firstTs = Math.min(...entries.map((entry) => entry.firstTs))
    const lastTs = Math.max(...entries.map((entry) => entry.lastTs))
    const rows = entries.reduce((sum, entry) => sum + entry.rows, 0)
    const start = Math.max(options.from ?? firstTs, firstTs)
    const end = Math.min(options.to ?? Number.POSITIVE_INFINITY, lastTs + 1)
    // Rows are assumed spread evenly over the stored span; a denser stretch only makes one window larger.
    const windowUs = Math.max(1, Math.ceil(((lastTs - firstTs + 1) * (options.windowRows ?? 50_000)) / rows))
    const converter = new RowConverter(options.instruments)
    let windowStart = start
    let buffer: Array<MarketDataEvent> = []
    let taken = 0
    let toSkip = options.skip ?? 0

    /** Read windows until one has events past those to skip, or the range is over. */
    const fill = Effect.gen(function* () {
      while (taken >= buffer.length && windowStart < end) {
        const windowEnd = Math.min(windowStart + windowUs, end)
        const range = { instruments: options.instruments, from: windowStart, to: windowEnd }
        const sources = yield* Effect.forEach(kinds, (kind) => history.load({ ...range, kind }))
        windowStart = windowEnd
        buffer = []
        taken = 0
        converter.convert(sources, mergeByTime(sources), buffer)
        const skipped = Math.min(toSkip, buffer.length)
        toSkip -= skipped
        taken = skipped
      }
    })

    return {
      next: (max) =>
        Effect.map(fill, () => {
          const events = buffer.slice(taken, taken + max)
          taken += events.length
          return events
        })
    }
  })
