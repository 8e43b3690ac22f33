/**
 * The catalog file kept beside the data: one entry per Parquet part with its time range and row count. The store
 * reads parts only through it, so a part written by a failed write (its catalog update never landed) is ignored.
 */
import { Schema } from "effect"
import { InstrumentId, splitInstrumentId } from "../../domain/Ids"
import { type Kind, layoutOf } from "./kinds"

/** Name of the catalog file in the dataset's root. The underscore keeps it out of `**\/*.parquet` globs. */
export const CATALOG_FILE = "_catalog.json"

const Micros = Schema.Number.pipe(Schema.int(), Schema.nonNegative())

/** One Parquet file of the dataset. */
export const Part = Schema.Struct({
  kind: Schema.Literal("bar", "trade", "quote", "book"),
  instrument: InstrumentId,
  /** First UTC day of the partition, `YYYY-MM-DD`: the day of every row, or for bars their month's first day. */
  date: Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/)),
  /** `part-<n>.parquet`; within a date, a later write has a larger `n`. */
  part: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
  firstTs: Micros,
  lastTs: Micros,
  rows: Schema.Number.pipe(Schema.int(), Schema.positive()),
  /**
   * A compacted part's stored time ranges, when the writes it merged leave gaps between them: writes into a gap
   * stay allowed, as before the compaction. Absent: the one range `[firstTs, lastTs]`.
   */
  ranges: Schema.optionalWith(Schema.Array(Schema.Tuple(Micros, Micros)), { exact: true })
})
export type Part = typeof Part.Type

/** The catalog file's content. */
export const CatalogFile = Schema.Struct({
  version: Schema.Literal(1),
  parts: Schema.Array(Part),
  /** Files a compaction replaced, relative to the root: removed once no replay may still read them. */
  obsolete: Schema.optionalWith(Schema.Array(Schema.String), { exact: true }),
  /** Writers' progress committed with their rows (the recorder's last event sequence), by writer id. */
  marks: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.Number }), { exact: true })
})
export type CatalogFile = typeof CatalogFile.Type

/** Microseconds in a UTC day. */
export const DAY_US = 86_400_000_000

/** The UTC date `YYYY-MM-DD` of a timestamp in microseconds. */
export const dateOf = (ts: number): string => new Date(Math.floor(ts / DAY_US) * 86_400_000).toISOString().slice(0, 10)

/**
 * The partition of a row of `kind` at `ts`: its UTC date for trades, quotes and books, the first day of its UTC month for
 * bars (a day holds one daily bar; twenty years of them in one file per day would be 5,000 tiny files).
 */
export const partitionOf = (kind: Kind, ts: number): string => {
  const date = dateOf(ts)
  return kind === "bar" ? `${date.slice(0, 8)}01` : date
}

/** Where a part lives, relative to the dataset's root, with `/` separators. */
export const partPath = (p: Pick<Part, "kind" | "instrument" | "date" | "part">): string => {
  const { venue } = splitInstrumentId(p.instrument)
  const folder = layoutOf(p.kind).folder
  return `${folder}/venue=${venue}/instrument=${encodeURIComponent(p.instrument)}/date=${p.date}/part-${p.part}.parquet`
}

/** A stored time range `[first, last]`, µs. */
export type Range = readonly [first: number, last: number]

/** The time ranges a part stores. */
export const rangesOf = (p: Part): ReadonlyArray<Range> => p.ranges ?? [[p.firstTs, p.lastTs]]

/**
 * Ranges sorted by start, those that overlap or touch joined: a write overlaps a joined range (by the rule of
 * `overlapping`) exactly when it overlaps one of the ranges joined in it.
 */
export const joinRanges = (ranges: ReadonlyArray<Range>): ReadonlyArray<Range> => {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1])
  const joined: Array<[number, number]> = []
  for (const [first, last] of sorted) {
    const previous = joined.at(-1)
    if (previous !== undefined && first <= previous[1]) previous[1] = Math.max(previous[1], last)
    else joined.push([first, last])
  }
  return joined
}

/**
 * The stored range (and its part) that a write of `kind` rows of `instrument` from `firstTs` to `lastTs` would
 * overlap, if any. Touching the end of a stored range is allowed (a write that starts at its last timestamp appends
 * rows after it); any other shared instant, including ending where a stored range starts, is an overlap.
 */
export const overlapping = (
  parts: ReadonlyArray<Part>,
  kind: Kind,
  instrument: InstrumentId,
  firstTs: number,
  lastTs: number
): { readonly part: Part; readonly range: Range } | undefined => {
  for (const part of parts) {
    if (part.kind !== kind || part.instrument !== instrument) continue
    for (const range of rangesOf(part)) if (firstTs < range[1] && lastTs >= range[0]) return { part, range }
  }
  return undefined
}

/** The next part number of a date: one more than the largest there, or 0. */
export const nextPart = (parts: ReadonlyArray<Part>, kind: Kind, instrument: InstrumentId, date: string): number => {
  let next = 0
  for (const p of parts) {
    if (p.kind === kind && p.instrument === instrument && p.date === date && p.part >= next) next = p.part + 1
  }
  return next
}
