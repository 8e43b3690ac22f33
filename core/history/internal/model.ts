/**
 * The history's shapes: its error, what its operations take and return, and the store's interface. `History.ts`
 * exports them; the store's implementation imports them from here, so imports go one way.
 *
 * @since 0.1.0
 */
import { type Effect, Schema, type Stream } from "effect"
import type { Columns } from "../../data/Columns"
import type * as Decimal from "../../domain/Decimal"
import type { InstrumentId, VenueId } from "../../domain/Ids"
import type { InstrumentSpec } from "../../domain/InstrumentSpec"
import type { BarPeriod } from "../../domain/MarketData"
import type { Kind } from "./kinds"
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
  /**
   * Stores each of `batches` (of any kinds; `instrument` columns index `instruments`) and sets writer `mark.id`'s
   * progress to `mark.value`, in one catalog commit: after a crash either all of it is there or none.
   */
  readonly writeMarked: (
    instruments: ReadonlyArray<InstrumentId>,
    batches: ReadonlyArray<Columns>,
    mark: { readonly id: string; readonly value: number }
  ) => Effect.Effect<WriteSummary, HistoryError>
  /** Writer `id`'s progress as its last `writeMarked` committed it. */
  readonly markOf: (id: string) => Effect.Effect<number | undefined>
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
