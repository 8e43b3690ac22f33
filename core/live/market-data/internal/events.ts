/**
 * Rows of the history (`Columns`, merged by `mergeByTime`) as domain `MarketDataEvent`s, in the order a backtest
 * replays them, and back (for the recorder).
 */
import { AGGRESSOR_BUY, AGGRESSOR_SELL, BOOK_BID, type BookColumns, type Columns } from "../../../data/Columns"
import type { Timeline } from "../../../data/Merge"
import type { InstrumentId } from "../../../domain/Ids"
import { type BarPeriod, type MarketDataEvent, periodMicros } from "../../../domain/MarketData"
import { lots, ticks, timestamp } from "../../../domain/Units"

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ["w", 604_800_000_000],
  ["d", 86_400_000_000],
  ["h", 3_600_000_000],
  ["m", 60_000_000],
  ["s", 1_000_000]
]

/** A bar length in µs as a `BarPeriod`, in the largest unit that divides it; undefined when none does. */
export const barPeriod = (us: number): BarPeriod | undefined => {
  for (const [unit, size] of UNITS) {
    const count = us / size
    if (Number.isInteger(count) && count >= 1 && count < 1_000_000) return `${count}${unit}` as BarPeriod
  }
  return undefined
}

/** When an event is known: a bar at its close, a tick at its own time (µs). */
export const knownAt = (event: MarketDataEvent): number =>
  event._tag === "Bar" ? event.ts + periodMicros(event.period) : event.ts

const aggressorOf = (code: number) => (code === AGGRESSOR_BUY ? "buy" : code === AGGRESSOR_SELL ? "sell" : "none")

/**
 * Turns merged rows into events. Book rows keep state across calls (which instrument's last row was a snapshot
 * row, and when), so one converter must see every row of a replay in order, skipped ones included.
 */
export class RowConverter {
  /** Per instrument, the time of its last book row if that row was a snapshot row, else NaN (as the backtest). */
  private readonly snapshotTs: Float64Array

  constructor(private readonly ids: ReadonlyArray<InstrumentId>) {
    this.snapshotTs = new Float64Array(ids.length).fill(Number.NaN)
  }

  /** Every event of `sources` merged by `timeline`, appended to `into`. */
  convert(sources: ReadonlyArray<Columns>, timeline: Timeline, into: Array<MarketDataEvent>): void {
    for (let i = 0; i < timeline.length; i++) {
      const columns = sources[timeline.source[i]!]!
      const r = timeline.row[i]!
      const instrumentId = this.ids[columns.instrument[r]!]!
      const ts = timestamp(columns.ts[r]!)
      switch (columns.kind) {
        case "quote":
          into.push({
            _tag: "Quote",
            instrumentId,
            ts,
            bidPrice: ticks(columns.bidPrice[r]!),
            bidSize: lots(columns.bidSize[r]!),
            askPrice: ticks(columns.askPrice[r]!),
            askSize: lots(columns.askSize[r]!)
          })
          break
        case "trade":
          into.push({
            _tag: "Trade",
            instrumentId,
            ts,
            price: ticks(columns.price[r]!),
            size: lots(columns.size[r]!),
            aggressor: aggressorOf(columns.aggressor[r]!)
          })
          break
        case "bar": {
          const period = barPeriod(columns.periodUs[r]!)
          if (period === undefined) throw new RangeError(`${instrumentId}: a bar of ${columns.periodUs[r]} µs`)
          into.push({
            _tag: "Bar",
            instrumentId,
            ts,
            period,
            open: ticks(columns.open[r]!),
            high: ticks(columns.high[r]!),
            low: ticks(columns.low[r]!),
            close: ticks(columns.close[r]!),
            volume: lots(columns.volume[r]!)
          })
          break
        }
        case "book":
          this.book(columns, r, instrumentId, i, timeline, into)
          break
      }
    }
  }

  /**
   * A book row as a delta; a row that starts a snapshot is preceded by a `clear`. `last` closes the update the
   * backtest applies whole: the rows of one instrument at one time, up to a row that starts a new snapshot.
   */
  private book(
    c: BookColumns,
    r: number,
    instrumentId: InstrumentId,
    at: number,
    timeline: Timeline,
    into: Array<MarketDataEvent>
  ): void {
    const index = c.instrument[r]!
    const ts = timestamp(c.ts[r]!)
    const side = c.side[r] === BOOK_BID ? "bid" : "ask"
    const starts = c.snapshot[r] === 1 && this.snapshotTs[index] !== ts
    // A clear's side means nothing; always "bid", as the live connectors send it, so a recorded stream replays equal.
    const clear: MarketDataEvent = {
      _tag: "BookDelta",
      instrumentId,
      ts,
      action: "clear",
      side: "bid",
      price: ticks(0),
      size: lots(0),
      last: false
    }
    this.snapshotTs[index] = c.snapshot[r] === 1 ? ts : Number.NaN
    const next = r + 1
    const continues =
      at + 1 < timeline.length &&
      timeline.source[at + 1] === timeline.source[at] &&
      timeline.row[at + 1] === next &&
      c.ts[next] === ts &&
      c.instrument[next] === index &&
      !(c.snapshot[next] === 1 && c.snapshot[r] === 0)
    const size = c.size[r]!
    // A lone snapshot row of size 0 is an empty book (as the recorder stores one): the clear alone is the update.
    if (starts && size === 0 && !continues) {
      into.push({ ...clear, last: true })
      return
    }
    if (starts) into.push(clear)
    into.push({
      _tag: "BookDelta",
      instrumentId,
      ts,
      action: size === 0 ? "delete" : "set",
      side,
      price: ticks(c.price[r]!),
      size: lots(size),
      last: !continues
    })
  }
}
