/**
 * The market data history: a Parquet dataset partitioned by kind, venue, instrument and UTC date, written by the
 * recorder and by CSV imports, and replayed by backtests in timestamp order. See README.md for the layout.
 *
 * @since 0.1.0
 */
import type { FileSystem, Path } from "@effect/platform"
import { Context, Effect, Layer, Schema, type Stream } from "effect"
import type { Columns } from "../data/Columns"
import type * as Decimal from "../domain/Decimal"
import { InstrumentId, type VenueId } from "../domain/Ids"
import type { InstrumentSpec } from "../domain/InstrumentSpec"
import type { BarPeriod } from "../domain/MarketData"
import { KINDS, type Kind } from "./internal/kinds"
import { makeStore } from "./internal/store"

export type { Kind } from "./internal/kinds"

/** Why the history refused or failed; `line` is the CSV line of a `Csv` failure (1 = the header). */
export class HistoryError extends Schema.TaggedError<HistoryError>()("HistoryError", {
  reason: Schema.Literal("Io", "Query", "Catalog", "Overlap", "InvalidData", "InvalidQuery", "NotFound", "Csv"),
  message: Schema.String,
  line: Schema.optionalWith(Schema.Number, { exact: true })
}) {}

/** What one write added: its rows and the new parts, as paths relative to the root. */
export interface WriteSummary {
  readonly rows: number
  readonly parts: ReadonlyArray<string>
}

/** What a compaction did: the partitions it merged and the parts they had, now one each, of `total` partitions. */
export interface CompactSummary {
  readonly partitions: number
  readonly parts: number
  readonly total: number
}

/** One line of the catalog: everything stored of one kind of one instrument. */
export interface CatalogEntry {
  readonly instrument: InstrumentId
  readonly venue: VenueId
  readonly kind: Kind
  /** First and last row timestamps, µs. */
  readonly firstTs: number
  readonly lastTs: number
  readonly rows: number
  /** Parquet files holding them. */
  readonly parts: number
}

/** A range of stored rows to replay. */
export interface ReplayQuery {
  /** In replay order of ties; the `instrument` column of the output is the position in this list. */
  readonly instruments: ReadonlyArray<InstrumentId>
  readonly kind: Kind
  /** Inclusive start, µs; default the beginning. */
  readonly from?: number
  /** Exclusive end, µs; default the end. */
  readonly to?: number
  /** Rows per chunk of `replay` (the last may be shorter); default 65,536. */
  readonly chunkRows?: number
}

/** A CSV file to import, read with the `core/data/Csv` reader of its kind. */
export interface ImportCsvOptions {
  readonly kind: Kind
  readonly path: string
  /** The instrument of every row, with its tick and lot sizes. */
  readonly spec: InstrumentSpec
  readonly timezone?: string
  readonly rounding?: Decimal.Rounding
  /** Bars only: the period, when the gaps between bars cannot tell it. */
  readonly period?: BarPeriod
}

/**
 * The dataset service. Writes append and never rewrite: a write of rows of an instrument and kind whose time range
 * overlaps stored rows is refused with reason `Overlap` and changes nothing (it may start at the last stored
 * timestamp; those rows then replay after the stored ones).
 */
export interface HistoryStore {
  /** The dataset's root directory. */
  readonly root: string
  /** Stores `columns` as rows of `instrument` (every row must carry the same `instrument` index). */
  readonly write: (instrument: InstrumentId, columns: Columns) => Effect.Effect<WriteSummary, HistoryError>
  /** Stores `columns` whose `instrument` column indexes `instruments`; all or nothing. */
  readonly writeMany: (
    instruments: ReadonlyArray<InstrumentId>,
    columns: Columns
  ) => Effect.Effect<WriteSummary, HistoryError>
  /** Reads a CSV file with `core/data/Csv` and writes it; a bad row fails with reason `Csv` and its `line`. */
  readonly importCsv: (options: ImportCsvOptions) => Effect.Effect<WriteSummary, HistoryError>
  /**
   * Merges every partition written in several parts into one part holding the same rows in replay order, so that
   * a dataset filled by many small writes replays from few files. Replay gives the same rows before and after.
   */
  readonly compact: Effect.Effect<CompactSummary, HistoryError>
  /** Every stored (kind, instrument): from the catalog file, without touching Parquet. Kinds bar, trade, quote, book. */
  readonly catalog: Effect.Effect<ReadonlyArray<CatalogEntry>>
  /** The rows of `query` in timestamp order, then instrument order, then write order, one date at a time. */
  readonly replay: (query: ReplayQuery) => Stream.Stream<Columns, HistoryError>
  /** All rows of `query` as one `Columns`: for ranges that fit in memory. */
  readonly load: (query: ReplayQuery) => Effect.Effect<Columns, HistoryError>
}

/** The market data history service. */
export class History extends Context.Tag("@meridian/core/History")<History, HistoryStore>() {}

/** The history rooted at `root` (created if missing); DuckDB is opened here and closed with the layer. */
export const layer = (root: string): Layer.Layer<History, HistoryError, FileSystem.FileSystem | Path.Path> =>
  Layer.scoped(History, makeStore(root))

/**
 * Every stored kind of `instruments` in `[from, to)` as one `Columns` per kind (bars, trades, quotes, books order), each
 * indexed by position in `instruments`: the data of `meridian backtest --data catalog:<id>[,...]`. An id that is
 * malformed fails with `InvalidQuery`, one with no stored rows at all with `NotFound`.
 */
export const loadCatalogData = (
  root: string,
  instruments: ReadonlyArray<string>,
  from?: number,
  to?: number
): Effect.Effect<ReadonlyArray<Columns>, HistoryError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const ids = yield* Schema.decodeUnknown(Schema.Array(InstrumentId))(instruments).pipe(
      Effect.mapError((e) => new HistoryError({ reason: "InvalidQuery", message: e.message }))
    )
    const history = yield* History
    const entries = yield* history.catalog
    for (const id of ids) {
      if (!entries.some((e) => e.instrument === id)) {
        return yield* new HistoryError({ reason: "NotFound", message: `no stored market data for ${id}` })
      }
    }
    const kinds = KINDS.filter((kind) => entries.some((e) => e.kind === kind && ids.includes(e.instrument)))
    const range = { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }
    return yield* Effect.forEach(kinds, (kind) => history.load({ instruments: ids, kind, ...range }))
  }).pipe(Effect.provide(layer(root)))
