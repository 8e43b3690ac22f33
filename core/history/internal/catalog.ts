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
  kind: Schema.Literal("bar", "trade", "quote"),
  instrument: InstrumentId,
  /** First UTC day of the partition, `YYYY-MM-DD`: the day of every row, or for bars their month's first day. */
  date: Schema.String.pipe(Schema.pattern(/^\d{4}-\d{2}-\d{2}$/)),
  /** `part-<n>.parquet`; within a date, a later write has a larger `n`. */
  part: Schema.Number.pipe(Schema.int(), Schema.nonNegative()),
  firstTs: Micros,
  lastTs: Micros,
  rows: Schema.Number.pipe(Schema.int(), Schema.positive())
})
export type Part = typeof Part.Type

/** The catalog file's content. */
export const CatalogFile = Schema.Struct({
  version: Schema.Literal(1),
  parts: Schema.Array(Part)
})
export type CatalogFile = typeof CatalogFile.Type

/** Microseconds in a UTC day. */
export const DAY_US = 86_400_000_000

/** The UTC date `YYYY-MM-DD` of a timestamp in microseconds. */
export const dateOf = (ts: number): string => new Date(Math.floor(ts / DAY_US) * 86_400_000).toISOString().slice(0, 10)

/**
 * The partition of a row of `kind` at `ts`: its UTC date for trades and quotes, the first day of its UTC month for
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

/**
 * The existing part that a write of `kind` rows of `instrument` from `firstTs` to `lastTs` would overlap, if any.
 * Touching the end of existing data is allowed (a write that starts at the last stored timestamp appends rows after
 * it); any other shared instant, including ending where existing data starts, is an overlap.
 */
export const overlapping = (
  parts: ReadonlyArray<Part>,
  kind: Kind,
  instrument: InstrumentId,
  firstTs: number,
  lastTs: number
): Part | undefined =>
  parts.find((p) => p.kind === kind && p.instrument === instrument && firstTs < p.lastTs && lastTs >= p.firstTs)

/** The next part number of a date: one more than the largest there, or 0. */
export const nextPart = (parts: ReadonlyArray<Part>, kind: Kind, instrument: InstrumentId, date: string): number => {
  let next = 0
  for (const p of parts) {
    if (p.kind === kind && p.instrument === instrument && p.date === date && p.part >= next) next = p.part + 1
  }
  return next
}
