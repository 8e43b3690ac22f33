/**
 * Rows of an L2 book file (Tardis.dev's `incremental_book_L2` layout:
 * `exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount`) into `BookColumns`. Every row goes
 * through its text: sides and flags are words, and times may be integers of µs as well as ISO date-times.
 */
import { Schema } from "effect"
import { increments } from "../../domain/Instrument"
import type { InstrumentSpec } from "../../domain/InstrumentSpec"
import { Zone } from "../../domain/internal/zone"
import { BOOK_ASK, BOOK_BID, type BookBuilder } from "../Columns"
import { findColumn, type Problem, type RowHandler, scanRows } from "./csvRows"
import { FieldParser, type Grid } from "./fieldParser"
import { TimestampParser } from "./timestampParser"

/** What the caller may set, decoded before any row is read. */
export const BookCsvSettings = Schema.Struct({
  file: Schema.String,
  timezone: Schema.optional(Schema.String),
  rounding: Schema.optional(Schema.Literal("exact", "half-even", "half-up", "floor", "ceil")),
  /** Which time a row replays at: the venue's (`timestamp`, default) or the recorder's (`local_timestamp`). */
  time: Schema.optional(Schema.Literal("exchange", "local"))
})
export type BookCsvSettings = typeof BookCsvSettings.Type

/** Sides as files write them (any case), and their `BookColumns.side` codes. */
const BOOK_SIDES: ReadonlyMap<string, number> = new Map([
  ["bid", BOOK_BID],
  ["b", BOOK_BID],
  ["buy", BOOK_BID],
  ["ask", BOOK_ASK],
  ["a", BOOK_ASK],
  ["sell", BOOK_ASK],
  ["s", BOOK_ASK],
  ["offer", BOOK_ASK]
])

const FLAGS: ReadonlyMap<string, number> = new Map([
  ["true", 1],
  ["t", 1],
  ["1", 1],
  ["false", 0],
  ["f", 0],
  ["0", 0]
])

const EXCHANGE_TIME = ["timestamp", "datetime", "ts", "time", "date"]
const LOCAL_TIME = ["localtimestamp", "localts", "localtime"]

/** Digits only: µs since the epoch, as Tardis writes its times. */
const EPOCH_MICROS = /^\d{1,16}$/

/**
 * Reads `chunks` into `builder` as rows of `spec`; `missing(header, name)` words a missing column. Times must not
 * decrease; sizes are lots and never negative (0 removes the level); `is_snapshot` is required: it is what tells a
 * book file from a trade file.
 */
export const readBookRows = (
  chunks: Iterable<Uint8Array>,
  settings: BookCsvSettings,
  spec: InstrumentSpec,
  builder: BookBuilder,
  missing: (header: ReadonlyArray<string>, name: string) => Problem
): Problem | undefined => {
  const local = settings.time === "local"
  const zoneName = settings.timezone ?? "UTC"
  const zone = zoneName === "UTC" ? undefined : Zone.of(zoneName)
  if (zoneName !== "UTC" && zone === undefined) return { line: 0, message: `unknown time zone "${zoneName}"` }
  const { lot, tick } = increments(spec.instrument)
  const prices: Grid = { increment: tick, rounding: settings.rounding ?? "half-even" }
  const sizes: Grid = { increment: lot, rounding: settings.rounding ?? "exact" }
  const index = spec.index
  // The previous row's time, as a field: a closure's `let` would box each new time.
  const last = { ts: -1 }

  return scanRows(chunks, (header): RowHandler | Problem => {
    const at = {
      time: findColumn(header, local ? LOCAL_TIME : EXCHANGE_TIME),
      snapshot: findColumn(header, ["issnapshot", "snapshot"]),
      side: findColumn(header, ["side"]),
      price: findColumn(header, ["price", "px"]),
      size: findColumn(header, ["amount", "size", "qty", "quantity"])
    }
    if (at.time < 0) return missing(header, local ? "local_timestamp" : "timestamp")
    if (at.snapshot < 0) return missing(header, "is_snapshot")
    if (at.side < 0) return missing(header, "side")
    if (at.price < 0) return missing(header, "price")
    if (at.size < 0) return missing(header, "amount")
    const p = new FieldParser(header, prices, sizes, new TimestampParser(zone))
    return {
      // No row is plain: sides and flags are words, read from the row's fields.
      plain: { read: () => -1 },
      onRow: (row, line) => {
        const timeText = row.text(at.time)
        let ts: number
        if (EPOCH_MICROS.test(timeText)) {
          ts = Number(timeText)
        } else {
          const parsed = p.time(row, at.time, line, last.ts)
          if (typeof parsed !== "number") return parsed
          ts = parsed
        }
        if (ts < last.ts) {
          return p.problem(line, at.time, `timestamp ${timeText} is before the previous row's (data must be sorted)`)
        }
        const snapshot = FLAGS.get(row.text(at.snapshot).toLowerCase())
        if (snapshot === undefined) {
          return p.problem(line, at.snapshot, `"${row.text(at.snapshot)}" is not true or false`)
        }
        const side = BOOK_SIDES.get(row.text(at.side).toLowerCase())
        if (side === undefined) return p.problem(line, at.side, `unknown side "${row.text(at.side)}" (bid or ask)`)
        const price = p.price(row, at.price, line)
        if (typeof price !== "number") return price
        const size = p.size(row, at.size, line)
        if (typeof size !== "number") return size
        last.ts = ts
        builder.add(ts, index, side, price, size, snapshot)
        return undefined
      }
    }
  })
}
