/**
 * Market data from CSV files into columns: OHLCV bars (`Date,Open,High,Low,Close,Volume`), quotes
 * (`timestamp,bid,bid_size,ask,ask_size`) and trades (`timestamp,price,size[,side]`) of one instrument. Decimals
 * become ticks and lots exactly; any bad row fails the whole file with its line and column, nothing is skipped.
 *
 * @since 0.1.0
 */
import { Data, Either, Schema } from "effect"
import type * as Decimal from "../domain/Decimal"
import { Zone } from "../domain/internal/zone"
import { BarPeriod, periodMicros } from "../domain/MarketData"
import type { InstrumentSpec } from "../engine/InstrumentSpec"
import {
  AGGRESSOR_BUY,
  AGGRESSOR_NONE,
  AGGRESSOR_SELL,
  BarBuilder,
  type BarColumns,
  QuoteBuilder,
  type QuoteColumns,
  TradeBuilder,
  type TradeColumns
} from "./Columns"
import { findColumn, type Problem, scanRows } from "./internal/csvRows"
import { FieldParser } from "./internal/fieldParser"
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

/** A column a reader looks for: its names in the header (normalized), and its name in a "missing" error if required. */
interface ColumnSpec {
  readonly names: ReadonlyArray<string>
  readonly required?: string
}

/** Where each column of `C` stands in the header; -1 for an optional column the header lacks. */
type ColumnIndexes<C> = { readonly [K in keyof C]: number }

type RowReader = (fields: ReadonlyArray<string>, line: number) => Problem | undefined

const TIME = ["timestamp", "datetime", "ts", "time", "date"]

const BAR_COLUMNS = {
  time: { names: TIME, required: "date" },
  open: { names: ["open"], required: "open" },
  high: { names: ["high"], required: "high" },
  low: { names: ["low"], required: "low" },
  close: { names: ["close"], required: "close" },
  volume: { names: ["volume", "vol"] }
} satisfies Record<string, ColumnSpec>

const QUOTE_COLUMNS = {
  time: { names: TIME, required: "timestamp" },
  bid: { names: ["bid", "bidprice", "bidpx"], required: "bid" },
  bidSize: { names: ["bidsize", "bidqty", "bidsz", "bidvolume"], required: "bid_size" },
  ask: { names: ["ask", "askprice", "askpx", "offer", "offerprice"], required: "ask" },
  askSize: { names: ["asksize", "askqty", "asksz", "askvolume", "offersize"], required: "ask_size" }
} satisfies Record<string, ColumnSpec>

const TRADE_COLUMNS = {
  time: { names: TIME, required: "timestamp" },
  price: { names: ["price", "px", "last"], required: "price" },
  size: { names: ["size", "qty", "quantity", "volume"], required: "size" },
  side: { names: ["side", "aggressor"] }
} satisfies Record<string, ColumnSpec>

const errorOf = (file: string, problem: Problem): CsvError => {
  const where = problem.column === undefined ? "" : `, column "${problem.column}"`
  return new CsvError({ ...problem, file, message: `${file} line ${problem.line}${where}: ${problem.message}` })
}

const missing = (name: string): Problem => ({ line: 1, column: name, message: `missing column "${name}"` })

/** The parser of a file's fields, or the error of options it cannot use. */
const fieldParser = (options: TickCsvOptions, header: ReadonlyArray<string>): FieldParser | Problem => {
  const zoneName = options.timezone ?? "UTC"
  const zone = zoneName === "UTC" ? undefined : Zone.of(zoneName)
  if (zoneName !== "UTC" && zone === undefined) return { line: 0, message: `unknown time zone "${zoneName}"` }
  return new FieldParser(
    header,
    options.spec,
    options.rounding ?? "half-even",
    options.rounding ?? "exact",
    new TimestampParser(zone)
  )
}

/**
 * Scans `text` whose header must hold every required column of `columns`: then `rowReader`, given the file's
 * field parser and where the columns stand, makes the function that reads each row.
 */
const scanColumns = <C extends Record<string, ColumnSpec>>(
  text: string,
  options: TickCsvOptions,
  columns: C,
  rowReader: (parser: FieldParser, at: ColumnIndexes<C>) => RowReader
): Problem | undefined => {
  let readRow: RowReader | undefined
  return scanRows(
    text,
    (header) => {
      const at: Record<string, number> = {}
      for (const [key, column] of Object.entries(columns)) {
        const index = findColumn(header, column.names)
        if (index < 0 && column.required !== undefined) return missing(column.required)
        at[key] = index
      }
      const parser = fieldParser(options, header)
      if (!(parser instanceof FieldParser)) return parser
      readRow = rowReader(parser, at as ColumnIndexes<C>)
      return undefined
    },
    (fields, line) => readRow!(fields, line)
  )
}

const backwards = (parser: FieldParser, fields: ReadonlyArray<string>, column: number, line: number) =>
  parser.problem(line, column, `timestamp ${fields[column]} is before the previous row's (data must be sorted)`)

/**
 * Reads a file of quotes or trades, whose times must not decrease: `rowReader` makes the function that reads the
 * rest of a row at time `ts` into `builder`.
 */
const readTicks = <C extends { readonly time: ColumnSpec } & Record<string, ColumnSpec>, Columns>(
  text: string,
  options: TickCsvOptions,
  columns: C,
  builder: { build(): Columns },
  rowReader: (
    parser: FieldParser,
    at: ColumnIndexes<C>
  ) => (fields: ReadonlyArray<string>, line: number, ts: number) => Problem | undefined
): Either.Either<Columns, CsvError> => {
  let lastTs = -1
  const problem = scanColumns(text, options, columns, (p, at) => {
    const readRest = rowReader(p, at)
    return (fields, line) => {
      const ts = p.time(fields, at.time, line, lastTs)
      if (typeof ts !== "number") return ts
      if (ts < lastTs) return backwards(p, fields, at.time, line)
      lastTs = ts
      return readRest(fields, line, ts)
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
 * Reads OHLCV bars of `options.spec`; header names are case-insensitive, extra columns ignored, `Volume` optional.
 * Bar times must increase, and with `options.period` bars must not overlap.
 */
export const readBarsCsv = (text: string, options: BarCsvOptions): Either.Either<BarColumns, CsvError> => {
  const builder = new BarBuilder()
  const given = options.period === undefined ? undefined : periodMicros(options.period)
  let lastTs = -1
  let lastWall = 0
  let minGap = Number.POSITIVE_INFINITY
  let minGapLine = 0

  const problem = scanColumns(text, options, BAR_COLUMNS, (p, at) => (fields, line) => {
    // Bar times strictly increase: a repeated wall-clock hour is the later instant.
    const ts = p.time(fields, at.time, line, lastTs + 1)
    if (typeof ts !== "number") return ts
    if (ts === lastTs) return p.problem(line, at.time, `a bar at ${fields[at.time]} already exists`)
    if (ts < lastTs) return backwards(p, fields, at.time, line)
    const wall = p.times.wallUs
    if (builder.length > 0) {
      // The larger of the two gaps: wall-clock days stay 24 h across DST, instants stay apart in repeated hours.
      const gap = Math.max(wall - lastWall, ts - lastTs)
      if (given !== undefined && gap < given) {
        return p.problem(line, at.time, `bar starts before the previous ${options.period} bar ends`)
      }
      if (gap < minGap) {
        minGap = gap
        minGapLine = line
      }
    }
    const open = p.price(fields, at.open, line)
    if (typeof open !== "number") return open
    const high = p.price(fields, at.high, line)
    if (typeof high !== "number") return high
    const low = p.price(fields, at.low, line)
    if (typeof low !== "number") return low
    const close = p.price(fields, at.close, line)
    if (typeof close !== "number") return close
    const volume = at.volume < 0 ? 0 : p.size(fields, at.volume, line)
    if (typeof volume !== "number") return volume
    if (high < low) return p.problem(line, at.high, `high ${fields[at.high]} is below low ${fields[at.low]}`)
    if (high < open || high < close) return p.problem(line, at.high, `high ${fields[at.high]} is below open or close`)
    if (low > open || low > close) return p.problem(line, at.low, `low ${fields[at.low]} is above open or close`)
    builder.add(ts, options.spec.index, 0, open, high, low, close, volume)
    lastTs = ts
    lastWall = wall
    return undefined
  })
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
 * Reads top-of-book quotes of `options.spec`: `timestamp,bid,bid_size,ask,ask_size` (also `time`, `ts`, `date`,
 * `bid_price`, `bidsize`, `bid_qty`...). Times must not decrease; a side with size 0 is empty, and a quote whose
 * two sides are present and crossed (bid above ask) is refused.
 */
export const readQuotesCsv = (text: string, options: TickCsvOptions): Either.Either<QuoteColumns, CsvError> => {
  const builder = new QuoteBuilder()
  return readTicks(text, options, QUOTE_COLUMNS, builder, (p, at) => (fields, line, ts) => {
    const bid = p.price(fields, at.bid, line)
    if (typeof bid !== "number") return bid
    const bidSize = p.size(fields, at.bidSize, line)
    if (typeof bidSize !== "number") return bidSize
    const ask = p.price(fields, at.ask, line)
    if (typeof ask !== "number") return ask
    const askSize = p.size(fields, at.askSize, line)
    if (typeof askSize !== "number") return askSize
    if (bid > ask && bidSize > 0 && askSize > 0) {
      return p.problem(line, at.bid, `bid ${fields[at.bid]} is above ask ${fields[at.ask]}`)
    }
    builder.add(ts, options.spec.index, bid, bidSize, ask, askSize)
    return undefined
  })
}

const aggressorOf = (side: string): number => {
  switch (side.toLowerCase()) {
    case "":
      return AGGRESSOR_NONE
    case "buy":
    case "b":
      return AGGRESSOR_BUY
    case "sell":
    case "s":
      return AGGRESSOR_SELL
    default:
      return -1
  }
}

/**
 * Reads trades of `options.spec`: `timestamp,price,size[,side]` with side `buy`, `sell`, `b`, `s` or empty (the
 * aggressor is unknown). Times must not decrease and sizes must be positive.
 */
export const readTradesCsv = (text: string, options: TickCsvOptions): Either.Either<TradeColumns, CsvError> => {
  const builder = new TradeBuilder()
  return readTicks(text, options, TRADE_COLUMNS, builder, (p, at) => (fields, line, ts) => {
    const price = p.price(fields, at.price, line)
    if (typeof price !== "number") return price
    const size = p.size(fields, at.size, line)
    if (typeof size !== "number") return size
    if (size === 0) return p.problem(line, at.size, "a trade's size must be positive")
    const aggressor = at.side < 0 ? AGGRESSOR_NONE : aggressorOf(fields[at.side] ?? "")
    if (aggressor < 0) return p.problem(line, at.side, `unknown side "${fields[at.side]}" (buy, sell, b, s or empty)`)
    builder.add(ts, options.spec.index, price, size, aggressor)
    return undefined
  })
}

/** What a CSV file holds, from its header line: bars have a close, quotes a bid or an ask, the rest are trades. */
export const kindOfHeader = (header: string): "bar" | "quote" | "trade" => {
  const names = header.toLowerCase()
  return /\bclose\b/.test(names) ? "bar" : /\b(bid|ask)/.test(names) ? "quote" : "trade"
}
