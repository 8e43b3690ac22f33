/**
 * Market data from CSV files into columns: OHLCV bars (`Date,Open,High,Low,Close,Volume`), quotes
 * (`timestamp,bid,bid_size,ask,ask_size`) and trades (`timestamp,price,size[,side]`) of one instrument. Decimals
 * become ticks and lots exactly; any bad row fails the whole file with its line and column, nothing is skipped.
 *
 * @since 0.1.0
 */
import { Data, Either, Schema } from "effect"
import type * as Decimal from "../domain/Decimal"
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
import { ZoneOffsets } from "./internal/zoneOffsets"

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

const TIME = ["timestamp", "datetime", "ts", "time", "date"]

const errorOf = (file: string, problem: Problem): CsvError => {
  const where = problem.column === undefined ? "" : `, column "${problem.column}"`
  return new CsvError({ ...problem, file, message: `${file} line ${problem.line}${where}: ${problem.message}` })
}

const missing = (name: string): Problem => ({ line: 1, column: name, message: `missing column "${name}"` })

/** The parser of a file's fields, or the error of options it cannot use. */
const fieldParser = (options: TickCsvOptions, header: ReadonlyArray<string>): FieldParser | Problem => {
  const zoneName = options.timezone ?? "UTC"
  const zone = zoneName === "UTC" ? undefined : ZoneOffsets.of(zoneName)
  if (zoneName !== "UTC" && zone === undefined) return { line: 0, message: `unknown time zone "${zoneName}"` }
  return new FieldParser(
    header,
    options.spec,
    options.rounding ?? "half-even",
    options.rounding ?? "exact",
    new TimestampParser(zone)
  )
}

const backwards = (parser: FieldParser, fields: ReadonlyArray<string>, column: number, line: number) =>
  parser.problem(line, column, `timestamp ${fields[column]} is before the previous row's (data must be sorted)`)

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
  let parser: FieldParser | undefined
  let iTime = -1
  let iOpen = -1
  let iHigh = -1
  let iLow = -1
  let iClose = -1
  let iVolume = -1
  let lastTs = -1
  let lastWall = 0
  let minGap = Number.POSITIVE_INFINITY
  let minGapLine = 0

  const problem = scanRows(
    text,
    (header) => {
      iTime = findColumn(header, TIME)
      iOpen = findColumn(header, ["open"])
      iHigh = findColumn(header, ["high"])
      iLow = findColumn(header, ["low"])
      iClose = findColumn(header, ["close"])
      iVolume = findColumn(header, ["volume", "vol"])
      if (iTime < 0) return missing("date")
      if (iOpen < 0) return missing("open")
      if (iHigh < 0) return missing("high")
      if (iLow < 0) return missing("low")
      if (iClose < 0) return missing("close")
      const made = fieldParser(options, header)
      if (!(made instanceof FieldParser)) return made
      parser = made
      return undefined
    },
    (fields, line) => {
      const p = parser!
      // Bar times strictly increase: a repeated wall-clock hour is the later instant.
      const ts = p.time(fields, iTime, line, lastTs + 1)
      if (typeof ts !== "number") return ts
      if (ts === lastTs) return p.problem(line, iTime, `a bar at ${fields[iTime]} already exists`)
      if (ts < lastTs) return backwards(p, fields, iTime, line)
      const wall = p.times.wallUs
      if (builder.length > 0) {
        // The larger of the two gaps: wall-clock days stay 24 h across DST, instants stay apart in repeated hours.
        const gap = Math.max(wall - lastWall, ts - lastTs)
        if (given !== undefined && gap < given) {
          return p.problem(line, iTime, `bar starts before the previous ${options.period} bar ends`)
        }
        if (gap < minGap) {
          minGap = gap
          minGapLine = line
        }
      }
      const open = p.price(fields, iOpen, line)
      if (typeof open !== "number") return open
      const high = p.price(fields, iHigh, line)
      if (typeof high !== "number") return high
      const low = p.price(fields, iLow, line)
      if (typeof low !== "number") return low
      const close = p.price(fields, iClose, line)
      if (typeof close !== "number") return close
      const volume = iVolume < 0 ? 0 : p.size(fields, iVolume, line)
      if (typeof volume !== "number") return volume
      if (high < low) return p.problem(line, iHigh, `high ${fields[iHigh]} is below low ${fields[iLow]}`)
      if (high < open || high < close) return p.problem(line, iHigh, `high ${fields[iHigh]} is below open or close`)
      if (low > open || low > close) return p.problem(line, iLow, `low ${fields[iLow]} is above open or close`)
      builder.add(ts, options.spec.index, 0, open, high, low, close, volume)
      lastTs = ts
      lastWall = wall
      return undefined
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
 * Reads top-of-book quotes of `options.spec`: `timestamp,bid,bid_size,ask,ask_size` (also `time`, `ts`, `date`,
 * `bid_price`, `bidsize`, `bid_qty`...). Times must not decrease; a side with size 0 is empty, and a quote whose
 * two sides are present and crossed (bid above ask) is refused.
 */
export const readQuotesCsv = (text: string, options: TickCsvOptions): Either.Either<QuoteColumns, CsvError> => {
  const builder = new QuoteBuilder()
  let parser: FieldParser | undefined
  let iTime = -1
  let iBid = -1
  let iBidSize = -1
  let iAsk = -1
  let iAskSize = -1
  let lastTs = -1

  const problem = scanRows(
    text,
    (header) => {
      iTime = findColumn(header, TIME)
      iBid = findColumn(header, ["bid", "bidprice", "bidpx"])
      iBidSize = findColumn(header, ["bidsize", "bidqty", "bidsz", "bidvolume"])
      iAsk = findColumn(header, ["ask", "askprice", "askpx", "offer", "offerprice"])
      iAskSize = findColumn(header, ["asksize", "askqty", "asksz", "askvolume", "offersize"])
      if (iTime < 0) return missing("timestamp")
      if (iBid < 0) return missing("bid")
      if (iBidSize < 0) return missing("bid_size")
      if (iAsk < 0) return missing("ask")
      if (iAskSize < 0) return missing("ask_size")
      const made = fieldParser(options, header)
      if (!(made instanceof FieldParser)) return made
      parser = made
      return undefined
    },
    (fields, line) => {
      const p = parser!
      const ts = p.time(fields, iTime, line, lastTs)
      if (typeof ts !== "number") return ts
      if (ts < lastTs) return backwards(p, fields, iTime, line)
      const bid = p.price(fields, iBid, line)
      if (typeof bid !== "number") return bid
      const bidSize = p.size(fields, iBidSize, line)
      if (typeof bidSize !== "number") return bidSize
      const ask = p.price(fields, iAsk, line)
      if (typeof ask !== "number") return ask
      const askSize = p.size(fields, iAskSize, line)
      if (typeof askSize !== "number") return askSize
      if (bid > ask && bidSize > 0 && askSize > 0) {
        return p.problem(line, iBid, `bid ${fields[iBid]} is above ask ${fields[iAsk]}`)
      }
      builder.add(ts, options.spec.index, bid, bidSize, ask, askSize)
      lastTs = ts
      return undefined
    }
  )
  return problem === undefined ? Either.right(builder.build()) : Either.left(errorOf(options.file, problem))
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
  let parser: FieldParser | undefined
  let iTime = -1
  let iPrice = -1
  let iSize = -1
  let iSide = -1
  let lastTs = -1

  const problem = scanRows(
    text,
    (header) => {
      iTime = findColumn(header, TIME)
      iPrice = findColumn(header, ["price", "px", "last"])
      iSize = findColumn(header, ["size", "qty", "quantity", "volume"])
      iSide = findColumn(header, ["side", "aggressor"])
      if (iTime < 0) return missing("timestamp")
      if (iPrice < 0) return missing("price")
      if (iSize < 0) return missing("size")
      const made = fieldParser(options, header)
      if (!(made instanceof FieldParser)) return made
      parser = made
      return undefined
    },
    (fields, line) => {
      const p = parser!
      const ts = p.time(fields, iTime, line, lastTs)
      if (typeof ts !== "number") return ts
      if (ts < lastTs) return backwards(p, fields, iTime, line)
      const price = p.price(fields, iPrice, line)
      if (typeof price !== "number") return price
      const size = p.size(fields, iSize, line)
      if (typeof size !== "number") return size
      if (size === 0) return p.problem(line, iSize, "a trade's size must be positive")
      const aggressor = iSide < 0 ? AGGRESSOR_NONE : aggressorOf(fields[iSide] ?? "")
      if (aggressor < 0) return p.problem(line, iSide, `unknown side "${fields[iSide]}" (buy, sell, b, s or empty)`)
      builder.add(ts, options.spec.index, price, size, aggressor)
      lastTs = ts
      return undefined
    }
  )
  return problem === undefined ? Either.right(builder.build()) : Either.left(errorOf(options.file, problem))
}
