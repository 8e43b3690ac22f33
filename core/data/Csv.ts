/**
 * Market data from CSV files into columns: OHLCV bars (`Date,Open,High,Low,Close,Volume`), quotes
 * (`timestamp,bid,bid_size,ask,ask_size`) and trades (`timestamp,price,size[,side]`) of one instrument. Decimals
 * become ticks and lots exactly; any bad row fails the whole file with its line and column, nothing is skipped.
 *
 * A file is read from its UTF-8 bytes in one pass: a plain row (unquoted ISO times and decimals) straight into
 * numbers, any other row through its text. The rules of rows and their messages are the same either way.
 *
 * @since 0.1.0
 */
import { Data, Either, ParseResult, Schema } from "effect"
import type * as Decimal from "../domain/Decimal"
import { increments } from "../domain/Instrument"
import type { InstrumentSpec } from "../domain/InstrumentSpec"
import { Zone } from "../domain/internal/zone"
import { BarPeriod, periodMicros } from "../domain/MarketData"
import {
  AGGRESSOR_NONE,
  BarBuilder,
  type BarColumns,
  BookBuilder,
  type BookColumns,
  type Columns,
  QuoteBuilder,
  type QuoteColumns,
  TradeBuilder,
  type TradeColumns
} from "./Columns"
import { BookCsvSettings, readBookRows } from "./internal/bookRows"
import { ByteFields, type FieldKind } from "./internal/byteFields"
import {
  type BulkReader,
  type CsvBytes,
  type CsvInput,
  chunked,
  estimateRows,
  findColumn,
  firstLine,
  normalizeName,
  type Problem,
  type Row,
  scanRows,
  splitFields
} from "./internal/csvRows"

export type { CsvBytes, CsvInput }

import { FieldParser, type Grid, type UnitsField } from "./internal/fieldParser"
import { FIRST_ROWS, type PlainBarScan, plainBarScan, scanPlainBars } from "./internal/plainBars"
import { TimestampParser } from "./internal/timestampParser"

/** A CSV file that cannot be read. `line` is 1-based (the header is line 1); 0 means the options are wrong. */
export class CsvError extends Data.TaggedError("CsvError")<{
  readonly file: string
  readonly line: number
  readonly column?: string
  readonly message: string
}> {}

/** How to read a file of quotes or trades. */
export interface TickCsvOptions {
  /** Name of the file, for messages. */
  readonly file: string
  /** The instrument of every row: its tick and lot sizes, and its index for the `instrument` column. */
  readonly spec: InstrumentSpec
  /** IANA zone of dates and date-times written without an offset; default UTC. */
  readonly timezone?: string
  /** Rounding to the grid: default `half-even` for prices and `exact` for sizes; when given, for both. */
  readonly rounding?: Decimal.Rounding
}

/** How to read a file of bars. */
export interface BarCsvOptions extends TickCsvOptions {
  /** Default: the smallest gap between consecutive bars in wall-clock time (daily data gives `1d`). */
  readonly period?: BarPeriod
}

/**
 * A column a reader looks for: its names in the header (normalized), what it holds, and if required its name in a
 * "missing" error (lower case; written in the header's own style, see `nameInStyle`).
 */
interface ColumnSpec {
  readonly names: ReadonlyArray<string>
  readonly holds: FieldKind
  readonly required?: string
}

/** Where each column of `C` stands in the header; -1 for an optional column the header lacks. */
type ColumnIndexes<C> = { readonly [K in keyof C]: number }

type RowReader = (row: Row, line: number) => Problem | undefined

/** The grids of a file's prices and sizes. */
interface Grids {
  readonly prices: Grid
  readonly sizes: Grid
}

const TIME = ["timestamp", "datetime", "ts", "time", "date"]

const BAR_COLUMNS = {
  time: { names: TIME, holds: "time", required: "date" },
  open: { names: ["open"], holds: "price", required: "open" },
  high: { names: ["high"], holds: "price", required: "high" },
  low: { names: ["low"], holds: "price", required: "low" },
  close: { names: ["close"], holds: "price", required: "close" },
  volume: { names: ["volume", "vol"], holds: "size" }
} satisfies Record<string, ColumnSpec>

const QUOTE_COLUMNS = {
  time: { names: TIME, holds: "time", required: "timestamp" },
  bid: { names: ["bid", "bidprice", "bidpx"], holds: "price", required: "bid" },
  bidSize: { names: ["bidsize", "bidqty", "bidsz", "bidvolume"], holds: "size", required: "bid_size" },
  ask: { names: ["ask", "askprice", "askpx", "offer", "offerprice"], holds: "price", required: "ask" },
  askSize: { names: ["asksize", "askqty", "asksz", "askvolume", "offersize"], holds: "size", required: "ask_size" }
} satisfies Record<string, ColumnSpec>

const TRADE_COLUMNS = {
  time: { names: TIME, holds: "time", required: "timestamp" },
  price: { names: ["price", "px", "last"], holds: "price", required: "price" },
  size: { names: ["size", "qty", "quantity", "volume", "amount"], holds: "size", required: "size" },
  side: { names: ["side", "aggressor"], holds: "side" }
} satisfies Record<string, ColumnSpec>

const errorOf = (file: string, problem: Problem): CsvError => {
  const where = problem.column === undefined ? "" : `, column "${problem.column}"`
  return new CsvError({ ...problem, file, message: `${file} line ${problem.line}${where}: ${problem.message}` })
}

/**
 * `name` as the header would write it: capitalized (`Close`) or upper case (`CLOSE`) when every name the header gives
 * is, else as it is. The error then names the column the user has to write.
 */
const nameInStyle = (header: ReadonlyArray<string>, name: string): string => {
  const names = header.filter((cell) => /[a-z]/i.test(cell))
  if (names.length > 0 && names.every((cell) => cell === cell.toUpperCase())) return name.toUpperCase()
  if (names.length > 0 && names.every((cell) => /^[^a-z]*[A-Z]/.test(cell))) {
    return name.charAt(0).toUpperCase() + name.slice(1)
  }
  return name
}

const missing = (header: ReadonlyArray<string>, required: string): Problem => {
  const name = nameInStyle(header, required)
  return { line: 1, column: name, message: `missing column "${name}"` }
}

/**
 * Where a column stands in the header; the time column is also the first column when its header cell is empty, as
 * pandas' `DataFrame.to_csv` writes a date index.
 */
const columnIndex = (header: ReadonlyArray<string>, key: string, column: ColumnSpec): number => {
  const index = findColumn(header, column.names)
  return index < 0 && key === "time" && header.length > 1 && header[0] === "" ? 0 : index
}

/** The zone of a file's times without an offset (undefined for UTC), or the error of an unknown one. */
const zoneOf = (options: TickCsvOptions): Zone | undefined | Problem => {
  const zoneName = options.timezone ?? "UTC"
  if (zoneName === "UTC") return undefined
  return Zone.of(zoneName) ?? { line: 0, message: `unknown time zone "${zoneName}"` }
}

/**
 * Scans `chunks` of a file whose header must hold every required column of `columns`: then `rowReader`, given the file's
 * field parser and where the columns stand, makes the function that reads each row.
 */
const scanColumns = <C extends Record<string, ColumnSpec>>(
  chunks: Iterable<Uint8Array>,
  options: TickCsvOptions,
  columns: C,
  rowReader: (parser: FieldParser, at: ColumnIndexes<C>) => RowReader,
  bulkReader?: (at: ColumnIndexes<C>, width: number, grids: Grids, zone: Zone | undefined) => BulkReader | undefined
): Problem | undefined =>
  scanRows(chunks, (header) => {
    const at: Record<string, number> = {}
    const kinds = header.map((): FieldKind | undefined => undefined)
    for (const [key, column] of Object.entries(columns)) {
      const index = columnIndex(header, key, column)
      if (index < 0 && column.required !== undefined) return missing(header, column.required)
      at[key] = index
      if (index >= 0) kinds[index] = column.holds
    }
    const zone = zoneOf(options)
    if (zone !== undefined && !(zone instanceof Zone)) return zone
    const { lot, tick } = increments(options.spec.instrument)
    const prices: Grid = { increment: tick, rounding: options.rounding ?? "half-even" }
    const sizes: Grid = { increment: lot, rounding: options.rounding ?? "exact" }
    const parser = new FieldParser(header, prices, sizes, new TimestampParser(zone))
    return {
      plain: new ByteFields(kinds, prices, sizes),
      onRow: rowReader(parser, at as ColumnIndexes<C>),
      bulk: bulkReader?.(at as ColumnIndexes<C>, header.length, { prices, sizes }, zone)
    }
  })

const backwards = (parser: FieldParser, row: Row, column: number, line: number) =>
  parser.problem(line, column, `timestamp ${row.text(column)} is before the previous row's (data must be sorted)`)

/**
 * Reads a file of quotes or trades, whose times must not decrease: `rowReader` makes the function that reads the
 * rest of a row at time `ts` into `builder`.
 */
const readTicks = <C extends { readonly time: ColumnSpec } & Record<string, ColumnSpec>, Out>(
  chunks: Iterable<Uint8Array>,
  options: TickCsvOptions,
  columns: C,
  builder: { build(): Out },
  rowReader: (parser: FieldParser, at: ColumnIndexes<C>) => (row: Row, line: number, ts: number) => Problem | undefined
): Either.Either<Out, CsvError> => {
  // The previous row's time, as a field: a closure's `let` would box each new time.
  const last = { ts: -1 }
  const problem = scanColumns(chunks, options, columns, (p, at) => {
    const readRest = rowReader(p, at)
    return (row, line) => {
      const ts = p.time(row, at.time, line, last.ts)
      if (typeof ts !== "number") return ts
      if (ts < last.ts) return backwards(p, row, at.time, line)
      last.ts = ts
      return readRest(row, line, ts)
    }
  })
  return problem === undefined ? Either.right(builder.build()) : Either.left(errorOf(options.file, problem))
}

/** A period of `gapUs` in the largest unit that divides it, if it is a `BarPeriod`. */
const periodOfGap = (gapUs: number): BarPeriod | undefined => {
  const units = [
    ["w", periodMicros(BarPeriod.make("1w"))],
    ["d", periodMicros(BarPeriod.make("1d"))],
    ["h", periodMicros(BarPeriod.make("1h"))],
    ["m", periodMicros(BarPeriod.make("1m"))],
    ["s", periodMicros(BarPeriod.make("1s"))]
  ] as const
  for (const [unit, us] of units) {
    if (gapUs % us === 0) {
      const period = `${gapUs / us}${unit}`
      return Schema.is(BarPeriod)(period) ? period : undefined
    }
  }
  return undefined
}

/**
 * The bulk reader of a bar file's plain rows: `scan` writes them into `builder`'s arrays, taking the previous bar
 * and the smallest gap from the row-by-row reader's state and giving them back.
 */
const bulkBars = (
  scan: PlainBarScan,
  builder: BarBuilder,
  last: { ts: number; wall: number },
  gaps: { get(): { minGap: number; minGapLine: number }; set(minGap: number, minGapLine: number): void }
): BulkReader => ({
  get line() {
    return scan.line
  },
  read(bytes, start, line) {
    const { minGap, minGapLine } = gaps.get()
    scan.line = line
    scan.lastTs = last.ts
    scan.lastWall = last.wall
    scan.minGap = minGap
    scan.minGapLine = minGapLine
    let at = start
    for (;;) {
      const arrays = builder.room(ROOM_ROWS)
      const before = builder.length
      const maxRows = before === 0 ? FIRST_ROWS : Number.POSITIVE_INFINITY
      scan.n = before
      scan.ts = arrays.ts
      scan.instruments = arrays.instrument
      scan.opens = arrays.open
      scan.highs = arrays.high
      scan.lows = arrays.low
      scan.closes = arrays.close
      scan.volumes = arrays.volume
      at = scanPlainBars(bytes, at, scan, maxRows)
      builder.length = scan.n
      // Stopped for room or after its first rows: go on; else at a row it does not take, or at the end.
      if (at >= bytes.length || (scan.n < scan.ts.length && scan.n - before < maxRows)) break
    }
    last.ts = scan.lastTs
    last.wall = scan.lastWall
    gaps.set(scan.minGap, scan.minGapLine)
    return at
  }
})

/** Rows a builder makes room for at least, when the bulk reader fills its arrays. */
const ROOM_ROWS = 4096

/**
 * Reads OHLCV bars of `options.spec` from a file's text or its UTF-8 bytes; header names are case-insensitive, extra
 * columns ignored, `Volume` optional. Bar times must increase, and with `options.period` bars must not overlap.
 */
export const readBarsCsv = (input: CsvInput, options: BarCsvOptions): Either.Either<BarColumns, CsvError> => {
  const source = chunked(input)
  const builder = new BarBuilder(estimateRows(source))
  const given = options.period === undefined ? undefined : periodMicros(options.period)
  // The previous bar's instant and wall-clock time, as fields: a closure's `let` would box each new time.
  const last = { ts: -1, wall: 0 }
  let minGap = Number.POSITIVE_INFINITY
  let minGapLine = 0

  const problem = scanColumns(
    source.chunks,
    options,
    BAR_COLUMNS,
    (p, at) => {
      const fields: Array<UnitsField> = [
        { kind: "price", column: at.open },
        { kind: "price", column: at.high },
        { kind: "price", column: at.low },
        { kind: "price", column: at.close }
      ]
      if (at.volume >= 0) fields.push({ kind: "size", column: at.volume })
      // open, high, low, close, volume (0 when the file has none: never written)
      const units = new Float64Array(5)
      return (row, line) => {
        // Bar times strictly increase: a repeated wall-clock hour is the later instant.
        const ts = p.time(row, at.time, line, last.ts + 1)
        if (typeof ts !== "number") return ts
        if (ts === last.ts) return p.problem(line, at.time, `a bar at ${row.text(at.time)} already exists`)
        if (ts < last.ts) return backwards(p, row, at.time, line)
        const wall = p.times.wallUs
        if (builder.length > 0) {
          // The larger of the two gaps: wall-clock days stay 24 h across DST, instants stay apart in repeated hours.
          const gap = Math.max(wall - last.wall, ts - last.ts)
          if (given !== undefined && gap < given) {
            return p.problem(line, at.time, `bar starts before the previous ${options.period} bar ends`)
          }
          if (gap < minGap) {
            minGap = gap
            minGapLine = line
          }
        }
        const unread = p.units(row, line, fields, units)
        if (unread !== undefined) return unread
        const open = units[0]!
        const high = units[1]!
        const low = units[2]!
        const close = units[3]!
        const volume = units[4]!
        if (high < low) return p.problem(line, at.high, `high ${row.text(at.high)} is below low ${row.text(at.low)}`)
        if (high < open || high < close)
          return p.problem(line, at.high, `high ${row.text(at.high)} is below open or close`)
        if (low > open || low > close) return p.problem(line, at.low, `low ${row.text(at.low)} is above open or close`)
        builder.add(ts, options.spec.index, 0, open, high, low, close, volume)
        last.ts = ts
        last.wall = wall
        return undefined
      }
    },
    (at, width, grids, zone) => {
      // Rows read in UTC with no period to check are read in runs (`scanPlainBars`), sharing the state above: a run
      // stops before any row it does not take, which the function above then reads.
      if (zone !== undefined || given !== undefined) return undefined
      const scan = plainBarScan(at, width, grids, options.spec.index)
      return scan === undefined
        ? undefined
        : bulkBars(scan, builder, last, {
            get: () => ({ minGap, minGapLine }),
            set: (gap, gapLine) => {
              minGap = gap
              minGapLine = gapLine
            }
          })
    }
  )
  if (problem !== undefined) return Either.left(errorOf(options.file, problem))

  const bars = builder.build()
  let periodUs = given
  if (periodUs === undefined && bars.length > 0) {
    if (bars.length === 1) {
      return Either.left(errorOf(options.file, { line: 2, message: "one bar cannot tell its period: pass `period`" }))
    }
    const period = periodOfGap(minGap)
    if (period === undefined) {
      return Either.left(
        errorOf(options.file, {
          line: minGapLine,
          message: `a gap of ${minGap} µs is not a bar period: pass \`period\``
        })
      )
    }
    periodUs = periodMicros(period)
  }
  bars.periodUs.fill(periodUs ?? 0)
  return Either.right(bars)
}

/**
 * Reads top-of-book quotes of `options.spec` from a file's text or its UTF-8 bytes:
 * `timestamp,bid,bid_size,ask,ask_size` (also `time`, `ts`, `date`, `bid_price`, `bidsize`, `bid_qty`...). Times
 * must not decrease; a side with size 0 is empty, and a quote whose two sides are present and crossed (bid above
 * ask) is refused.
 */
export const readQuotesCsv = (input: CsvInput, options: TickCsvOptions): Either.Either<QuoteColumns, CsvError> => {
  const source = chunked(input)
  const builder = new QuoteBuilder(estimateRows(source))
  return readTicks(source.chunks, options, QUOTE_COLUMNS, builder, (p, at) => {
    const fields: ReadonlyArray<UnitsField> = [
      { kind: "price", column: at.bid },
      { kind: "size", column: at.bidSize },
      { kind: "price", column: at.ask },
      { kind: "size", column: at.askSize }
    ]
    const units = new Float64Array(fields.length)
    return (row, line, ts) => {
      const unread = p.units(row, line, fields, units)
      if (unread !== undefined) return unread
      const bid = units[0]!
      const bidSize = units[1]!
      const ask = units[2]!
      const askSize = units[3]!
      if (bid > ask && bidSize > 0 && askSize > 0) {
        return p.problem(line, at.bid, `bid ${row.text(at.bid)} is above ask ${row.text(at.ask)}`)
      }
      builder.add(ts, options.spec.index, bid, bidSize, ask, askSize)
      return undefined
    }
  })
}

/**
 * Reads trades of `options.spec` from a file's text or its UTF-8 bytes: `timestamp,price,size[,side]` with side
 * `buy`, `sell`, `b`, `s` or empty (the aggressor is unknown). Times must not decrease and sizes must be positive.
 */
export const readTradesCsv = (input: CsvInput, options: TickCsvOptions): Either.Either<TradeColumns, CsvError> => {
  const source = chunked(input)
  const builder = new TradeBuilder(estimateRows(source))
  return readTicks(source.chunks, options, TRADE_COLUMNS, builder, (p, at) => {
    const fields: ReadonlyArray<UnitsField> = [
      { kind: "price", column: at.price },
      { kind: "size", column: at.size }
    ]
    const units = new Float64Array(fields.length)
    return (row, line, ts) => {
      const unread = p.units(row, line, fields, units)
      if (unread !== undefined) return unread
      const price = units[0]!
      const size = units[1]!
      if (size === 0) return p.problem(line, at.size, "a trade's size must be positive")
      const aggressor = at.side < 0 ? AGGRESSOR_NONE : p.side(row, at.side)
      if (aggressor < 0)
        return p.problem(line, at.side, `unknown side "${row.text(at.side)}" (buy, sell, b, s or empty)`)
      builder.add(ts, options.spec.index, price, size, aggressor)
      return undefined
    }
  })
}

/** How to read a file of L2 book rows. */
export interface BookCsvOptions extends TickCsvOptions {
  /** Which time a row replays at: the venue's `timestamp` (default) or the recorder's `local_timestamp`. */
  readonly time?: "exchange" | "local"
}

/**
 * Reads L2 book rows of `options.spec` (see `BookColumns`) from a file's text or its UTF-8 bytes, in the layout of
 * Tardis.dev's `incremental_book_L2`: `exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount`
 * (`exchange`, `symbol` and the unused time may be left out; also `size`, `qty`). Times are ISO date-times or
 * integers of µs since the epoch and must not decrease; `is_snapshot` is `true`/`false`, `side` `bid`/`ask`, `amount`
 * the level's new size (0 deletes it). The options are decoded first: a bad one fails at line 0.
 */
export const readBookCsv = (input: CsvInput, options: BookCsvOptions): Either.Either<BookColumns, CsvError> => {
  const { spec, ...rest } = options
  const settings = Schema.decodeUnknownEither(BookCsvSettings, { errors: "all" })(rest)
  if (Either.isLeft(settings)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(settings.left)
    const message = issues.map((issue) => `option ${issue.path.join(".")}: ${issue.message}`).join("; ")
    return Either.left(errorOf(options.file, { line: 0, message }))
  }
  const source = chunked(input)
  const builder = new BookBuilder(estimateRows(source))
  const problem = readBookRows(source.chunks, settings.right, spec, builder, missing)
  return problem === undefined ? Either.right(builder.build()) : Either.left(errorOf(options.file, problem))
}

/**
 * What a CSV file holds, from its header line: bars have an open, high, low or close column, books an `is_snapshot`
 * column, quotes a bid or an ask, the rest are trades. A bar file that lacks one of its prices is still read as bars,
 * so its error names that column.
 */
export const kindOfHeader = (header: string): "bar" | "quote" | "trade" | "book" => {
  const fields = splitFields(header)
  const names = (typeof fields === "string" ? header.split(",") : fields).map(normalizeName)
  const has = (...wanted: ReadonlyArray<string>) => names.some((name) => wanted.includes(name))
  if (has("open", "high", "low", "close")) return "bar"
  if (has("issnapshot")) return "book"
  return names.some((name) => /^(bid|ask|offer)/.test(name)) ? "quote" : "trade"
}

/**
 * Reads a file of bars, quotes, trades or L2 book rows, whichever its header line says (see `kindOfHeader`), from its text, its
 * UTF-8 bytes (a `Buffer` from `readFile`, never decoded whole) or those bytes in chunks as they are read (`CsvBytes`:
 * a large file never held whole). `options.period` applies to bars only.
 */
export const readMarketDataCsv = (input: CsvInput, options: BarCsvOptions): Either.Either<Columns, CsvError> => {
  const source = chunked(input)
  switch (kindOfHeader(firstLine(source.first))) {
    case "bar":
      return readBarsCsv(source, options)
    case "quote":
      return readQuotesCsv(source, options)
    case "trade":
      return readTradesCsv(source, options)
    case "book":
      return readBookCsv(source, options)
  }
}

/**
 * How the bulk reader reads a bar file whose first line is `header`, from its first row: undefined unless the file
 * is bars read in UTC with no period given, its header names every price, and its grids are safe integers. (Any
 * other file, or any row the scan does not take, is for `readBarsCsv`.)
 */
export const plainBarsScanOf = (header: string, options: BarCsvOptions): PlainBarScan | undefined => {
  if (options.period !== undefined || zoneOf(options) !== undefined || kindOfHeader(header) !== "bar") return undefined
  const fields = splitFields(header)
  if (typeof fields === "string") return undefined
  const at: Record<string, number> = {}
  for (const [key, column] of Object.entries(BAR_COLUMNS) as Array<[string, ColumnSpec]>) {
    const index = columnIndex(fields, key, column)
    if (index < 0 && column.required !== undefined) return undefined
    at[key] = index
  }
  const { lot, tick } = increments(options.spec.instrument)
  const grids = {
    prices: { increment: tick, rounding: options.rounding ?? "half-even" },
    sizes: { increment: lot, rounding: options.rounding ?? "exact" }
  } satisfies Grids
  const scan = plainBarScan(at as ColumnIndexes<typeof BAR_COLUMNS>, fields.length, grids, options.spec.index)
  if (scan === undefined) return undefined
  // As `readBarsCsv` starts: no bar before the first, whose wall-clock time is 0.
  scan.lastTs = -1
  scan.lastWall = 0
  return scan
}

/**
 * The period of bars read by a bulk scan whose smallest gap is `minGap` (`readBarsCsv`'s inference), in µs; undefined
 * where `readBarsCsv` fails (one bar, a gap that is no period).
 */
export const plainBarsPeriodUs = (rows: number, minGap: number): number | undefined => {
  if (rows < 2) return undefined
  const period = periodOfGap(minGap)
  return period === undefined ? undefined : periodMicros(period)
}
