/**
 * The byte path and the string path of the CSV readers agree on seeded random files: the same columns, or the same
 * error. A row with a quoted field always takes the string path, so each file is also read with every field quoted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { AAPL, BTCUSDT, currencies, ES } from "../../test/fixtures/instruments"
import type * as Decimal from "../domain/Decimal"
import { makeSpecs } from "../domain/InstrumentSpec"
import { BarPeriod } from "../domain/MarketData"
import type { Columns } from "./Columns"
import {
  type BarCsvOptions,
  type CsvBytes,
  type CsvError,
  type CsvInput,
  readBarsCsv,
  readMarketDataCsv,
  readQuotesCsv,
  readTradesCsv,
  type TickCsvOptions
} from "./Csv"
import { mulberry32 } from "./internal/prng"

const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies).list

/** Seeded choices; `odd` is a chance of something that may make the file fail, only in a messy file. */
const random = (seed: number) => {
  const next = mulberry32(seed)
  const int = (n: number) => next() % n
  const chance = (p: number) => next() / 2 ** 32 < p
  let messy = false
  return {
    int,
    chance,
    odd: (p: number) => messy && chance(p),
    pick: <A>(items: ReadonlyArray<A>): A => items[int(items.length)]!,
    /** The next file is messy (about a third are): the rest should parse. */
    nextFile: () => {
      messy = chance(0.35)
    }
  }
}
type Random = ReturnType<typeof random>

/** A field as written: its text, and whether the line quotes it. */
interface Field {
  readonly text: string
  readonly quoted: boolean
}

/** A file: header, then rows of fields (an empty row is a blank line), and how lines end. */
interface File {
  readonly header: string
  readonly rows: ReadonlyArray<ReadonlyArray<Field>>
  readonly newline: "\n" | "\r\n"
  readonly bom: boolean
  readonly trailer: string
}

/** The file's text; with `quoteAll`, every field of every row is quoted, so every row takes the string path. */
const render = (file: File, quoteAll: boolean): string => {
  const lines = file.rows.map((row) =>
    row.map((field) => (quoteAll || field.quoted ? `"${field.text}"` : field.text)).join(",")
  )
  const body = [file.header, ...lines].join(file.newline)
  return `${file.bom ? "\uFEFF" : ""}${body}${file.trailer}`
}

/**
 * `units` increments of `decimals` digits as a decimal, in one of the forms files use (or, rarely, an odd one). Off
 * the grid (ties, near-ties) when `rounds`, else only as an odd value.
 */
const decimal = (r: Random, units: number, decimals: number, rounds: boolean): string => {
  const negative = units < 0
  const digits = String(Math.abs(units)).padStart(decimals + 1, "0")
  const whole = digits.slice(0, digits.length - decimals)
  let fraction = digits.slice(digits.length - decimals)
  if (r.chance(0.1)) fraction += "0".repeat(1 + r.int(12)) // trailing zeros, sometimes past 15 digits
  if (rounds ? r.chance(0.1) : r.odd(0.02)) fraction += r.pick(["5", "50", "49", "51", "0000001"])
  const sign = negative ? "-" : r.chance(0.02) ? "+" : ""
  const lead = r.chance(0.02) ? "0" : ""
  const text = fraction === "" ? `${sign}${lead}${whole}` : `${sign}${lead}${whole}.${fraction}`
  return r.odd(0.01) ? r.pick([`${text}.`, "", "1e3", `${text}x`]) : text
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/** A wall-clock time (µs, as if UTC) in the file's format, now and then in another (rarely one refused). */
const timestamp = (r: Random, wallUs: number, format: "date" | "minute" | "second" | "micro", utc: boolean) => {
  const d = new Date(Math.floor(wallUs / 1000))
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
  const separator = r.chance(0.5) ? " " : "T"
  const minute = `${date}${separator}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
  const second = `${minute}:${pad(d.getUTCSeconds())}`
  const micros = wallUs % 1_000_000
  let text =
    format === "date"
      ? date
      : format === "minute"
        ? minute
        : format === "second"
          ? second
          : `${second}.${pad(micros, 6).replace(/0+$/, "") || "0"}${r.chance(0.1) ? "000" : ""}`
  if (utc) text += r.pick(["Z", "Z", "Z", "z", "+00:00", "-0000", " Z"])
  else if (r.chance(0.02)) text += " "
  else if (r.odd(0.01)) text += r.pick(["t", "+25:00", "+01:00"])
  return text
}

/** Formats and steps of bar times: every step is a bar period of at least a second. */
const BAR_TIMES = [
  { format: "date", stepUs: 86_400_000_000 },
  { format: "minute", stepUs: 60_000_000 },
  { format: "minute", stepUs: 3_600_000_000 },
  { format: "second", stepUs: 30_000_000 },
  { format: "micro", stepUs: 1_000_000 }
] as const

/** Ticks also come a fraction of a second apart. */
const TICK_TIMES = [...BAR_TIMES, { format: "micro", stepUs: 250_000 }, { format: "micro", stepUs: 1_001 }] as const

/** Wall-clock starts near the DST changes of New York, London and Sydney. */
const STARTS = ["2020-03-07T22:00:00Z", "2020-10-31T22:00:00Z", "2020-03-28T22:00:00Z", "2020-04-04T12:00:00Z"].map(
  (iso) => Date.parse(iso) * 1000
)

/** Times that increase, in one format; now and then repeated, or from the epoch (before 1970 east of UTC). */
const times = (r: Random, rows: number, formats: typeof TICK_TIMES | typeof BAR_TIMES) => {
  const { format, stepUs } = r.pick<(typeof TICK_TIMES)[number]>(formats)
  const utc = r.chance(0.2)
  let wall = r.odd(0.1) ? 0 : r.pick(STARTS)
  return Array.from({ length: rows }, () => {
    if (!r.odd(0.02)) wall += stepUs * (1 + r.int(3))
    return timestamp(r, wall, format, utc)
  })
}

const field = (r: Random, text: string): Field => ({
  text: r.chance(0.08) ? ` ${text} ` : text,
  quoted: r.chance(0.08)
})

/** A file's lines around its rows, with now and then a blank line or a short row in the middle. */
const file = (r: Random, header: string, rows: Array<Array<Field>>): File => {
  if (r.odd(0.05)) rows.splice(r.int(rows.length + 1), 0, [])
  if (r.odd(0.05)) rows.splice(r.int(rows.length + 1), 0, rows[0]?.slice(1) ?? [])
  return {
    header,
    rows,
    newline: r.chance(0.5) ? "\r\n" : "\n",
    bom: r.chance(0.2),
    trailer: r.pick(["", "\n", "\r\n", "\n\n", "\r\n  \r\n"])
  }
}

const tickOptions = (r: Random, name: string): TickCsvOptions => {
  const timezone = r.pick([undefined, "America/New_York", "Europe/London", "Australia/Sydney"])
  const rounding = r.pick<Decimal.Rounding | undefined>([undefined, undefined, "exact", "half-up", "floor", "ceil"])
  return {
    file: name,
    spec: r.pick(specs),
    ...(timezone === undefined ? {} : { timezone }),
    ...(rounding === undefined ? {} : { rounding })
  }
}

/** Decimals of a spec's tick and lot, and whether prices and sizes off their grid are rounded. */
const gridsOf = (options: TickCsvOptions) => ({
  price: options.spec.instrument.tickSize.split(".")[1]?.length ?? 0,
  size: options.spec.instrument.lotSize.split(".")[1]?.length ?? 0,
  pricesRound: options.rounding !== "exact",
  sizesRound: options.rounding !== undefined && options.rounding !== "exact"
})

const barFile = (r: Random, options: TickCsvOptions): File => {
  const header = r.pick([
    "Date,Open,High,Low,Close,Volume",
    "timestamp,open,high,low,close",
    "DATE,Open,High,Low,Close,Adj Close,Volume",
    // pandas' `to_csv` of a frame indexed by date: the first header cell is empty.
    ",Open,High,Low,Close,Volume"
  ])
  const { price, size, pricesRound, sizesRound } = gridsOf(options)
  // ES prices are in quarters: 25 hundredths make a tick.
  const step = options.spec.instrument.tickSize === "0.25" ? 25 : 1
  const count = 1 + r.int(60)
  let last = (r.chance(0.1) ? -1 : 1) * 10_000 * step
  const rows = times(r, count, BAR_TIMES).map((time) => {
    const open = last
    const close = open + step * (r.int(9) - 4)
    // Two ticks of room: a price rounded to the grid stays inside its bar.
    const high = Math.max(open, close) + step * (2 + r.int(3)) - (r.odd(0.02) ? 10 * step : 0)
    const low = Math.min(open, close) - step * (2 + r.int(3))
    last = close
    const fields = [time, ...[open, high, low, close].map((units) => decimal(r, units, price, pricesRound))]
    if (header.includes("Adj")) fields.push(decimal(r, close, price, true))
    if (header.includes("olume")) fields.push(decimal(r, (r.odd(0.02) ? -1 : 1) * r.int(100_000), size, sizesRound))
    return fields.map((text) => field(r, text))
  })
  return file(r, header, rows)
}

const quoteFile = (r: Random, options: TickCsvOptions): File => {
  const header = r.pick(["timestamp,bid,bid_size,ask,ask_size", "time,bid_price,bidsize,ask_price,asksize,exchange"])
  const { price, size, pricesRound, sizesRound } = gridsOf(options)
  let bid = 6_200_000
  const rows = times(r, 1 + r.int(60), TICK_TIMES).map((time) => {
    bid += r.int(5) - 2
    const ask = bid + 1 + r.int(3) - (r.odd(0.03) ? 5 : 0)
    const sizes = () => decimal(r, r.chance(0.1) ? 0 : r.int(1_000_000), size, sizesRound)
    const fields = [time, decimal(r, bid, price, pricesRound), sizes(), decimal(r, ask, price, pricesRound), sizes()]
    if (header.endsWith("exchange")) fields.push(r.pick(["X", "", "NYSE"]))
    return fields.map((text) => field(r, text))
  })
  return file(r, header, rows)
}

const tradeFile = (r: Random, options: TickCsvOptions): File => {
  const header = r.pick(["timestamp,price,size,side", "date,price,qty", "ts,px,quantity,aggressor"])
  const { price, size, pricesRound, sizesRound } = gridsOf(options)
  let last = 30_000
  const rows = times(r, 1 + r.int(60), TICK_TIMES).map((time) => {
    last += r.int(7) - 3
    const lots = r.odd(0.02) ? 0 : 1 + r.int(10_000)
    const fields = [time, decimal(r, last, price, pricesRound), decimal(r, lots, size, sizesRound)]
    if (header.split(",").length === 4) {
      fields.push(r.odd(0.02) ? r.pick(["hold", "buys", "sel"]) : r.pick(["buy", "sell", "b", "s", "", "BUY", "Sell"]))
    }
    return fields.map((text) => field(r, text))
  })
  return file(r, header, rows)
}

type Read = (input: CsvInput, options: BarCsvOptions) => Either.Either<Columns, CsvError>

/**
 * The bytes as a reader of a large file hands them out: chunks of `1 + i % 3` lines, each copied into one of two
 * buffers in turn (overwritten, as a file read piece by piece reuses its buffer; two, so that a row still reading
 * the previous chunk's array reads garbage).
 */
const inChunks = (bytes: Uint8Array): CsvBytes => ({
  byteLength: bytes.length,
  chunks: {
    *[Symbol.iterator]() {
      const buffers = [new Uint8Array(bytes.length), new Uint8Array(bytes.length)]
      let start = 0
      for (let i = 0; start < bytes.length; i++) {
        let end = start
        for (let lines = 0; lines < 1 + (i % 3) && end < bytes.length; lines++) {
          const newline = bytes.indexOf(10, end)
          end = newline < 0 ? bytes.length : newline + 1
        }
        const buffer = buffers[i % 2]!
        buffer.fill(0x78)
        buffer.set(bytes.subarray(start, end))
        yield buffer.subarray(0, end - start)
        start = end
      }
    }
  }
})

/**
 * Reads `made` as text, as bytes, in chunks, through `readMarketDataCsv` and with every field quoted: all agree.
 */
const expectOnePath = (read: Read, made: File, options: BarCsvOptions): Either.Either<Columns, CsvError> => {
  const text = render(made, false)
  const result = read(text, options)
  // `toEqual` does not compare errors' messages: compare the columns, or the error's line and message.
  const outcome = (r: Either.Either<Columns, CsvError>) =>
    Either.isLeft(r) ? { line: r.left.line, message: r.left.message } : r.right
  const expected = outcome(result)
  expect(outcome(read(new TextEncoder().encode(text), options)), text).toEqual(expected)
  expect(outcome(readMarketDataCsv(Buffer.from(text), options)), text).toEqual(expected)
  expect(outcome(read(inChunks(new TextEncoder().encode(text)), options)), text).toEqual(expected)
  expect(outcome(readMarketDataCsv(inChunks(Buffer.from(text)), options)), text).toEqual(expected)
  expect(outcome(read(render(made, true), options)), text).toEqual(expected)
  return result
}

/** Reads `files` seeded files of a kind; most must parse, so the comparison is mostly of columns. */
const checkFiles = (seed: number, files: number, read: Read, make: (r: Random, options: TickCsvOptions) => File) => {
  const r = random(seed)
  let parsed = 0
  for (let n = 0; n < files; n++) {
    r.nextFile()
    const options: BarCsvOptions = tickOptions(r, `random-${seed}-${n}.csv`)
    const withPeriod = r.chance(0.2) ? { ...options, period: BarPeriod.make("1s") } : options
    if (expectOnePath(read, make(r, options), withPeriod)._tag === "Right") parsed++
  }
  expect(parsed).toBeGreaterThan(files / 2)
}

describe("the byte and string paths of the CSV readers", () => {
  it("quote a bad row's own fields when the file comes in chunks", () => {
    // Chunks of 1, 2, 3, 1 lines in two buffers in turn: line 7 comes in the second buffer, after the first was reused.
    const good = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"].map((d) => `${d},10,11,9,10`)
    const text = `${["Date,Open,High,Low,Close", ...good, "2024-01-09,10,9,11,10", "2024-01-10,10,11,9,10"].join("\n")}\n`
    const options = tickOptions(random(9), "bad.csv")
    const whole = readBarsCsv(text, options)
    expect(whole).toMatchObject({ left: { message: 'bad.csv line 7, column "High": high 9 is below low 11' } })
    // `toEqual` does not compare errors' messages: compare them.
    const chunked = readBarsCsv(inChunks(new TextEncoder().encode(text)), options)
    expect(Either.isLeft(chunked) && chunked.left.message).toBe(Either.isLeft(whole) && whole.left.message)
  })

  it("give the same bars or the same error on random files", () => {
    checkFiles(1, 200, readBarsCsv, barFile)
  })

  it("give the same quotes or the same error on random files", () => {
    checkFiles(2, 150, readQuotesCsv, quoteFile)
  })

  it("give the same trades or the same error on random files", () => {
    checkFiles(3, 150, readTradesCsv, tradeFile)
  })

  it("give the same columns for plain and quoted rows mixed in one file", () => {
    // A field of every seventh row is quoted: those rows take the string path, the others the byte path.
    const rows = Array.from({ length: 200 }, (_, i) => {
      const time = new Date(Date.UTC(2020, 0, 2, 9, 30 + i)).toISOString().replace(".000Z", "")
      const fields = [time, "100.015", `100.${pad(20 + (i % 50))}`, "99.995", "100.00", String(i)]
      return fields.map((text, column) => ({ text, quoted: i % 7 === column }))
    })
    const made: File = { header: "Date,Open,High,Low,Close,Volume", rows, newline: "\n", bom: false, trailer: "" }
    const options = { file: "mixed.csv", spec: specs[0]! }
    const mixed = readBarsCsv(render(made, false), options)
    expect(mixed._tag).toBe("Right")
    expect(readBarsCsv(render(made, true), options)).toEqual(mixed)
    expect(
      readBarsCsv(
        render({ ...made, rows: rows.map((row) => row.map(({ text }) => ({ text, quoted: false }))) }, false),
        options
      )
    ).toEqual(mixed)
  })
})

describe("the bulk reader of plain bars", () => {
  const options = { file: "bulk.csv", spec: specs[0]! }
  const made = (lines: ReadonlyArray<string>): File => ({
    header: "Date,Open,High,Low,Close,Volume",
    rows: lines.map((line) => line.split(",").map((text) => ({ text, quoted: false }))),
    newline: "\n",
    bom: false,
    trailer: "\n"
  })
  /** Minutes after 2020-01-02 10:00 UTC, written as the bulk reader reads them. */
  const minute = (m: number) => new Date(Date.UTC(2020, 0, 2, 10, m)).toISOString().replace(".000Z", "Z")

  it("hands a row with a UTC offset to the row-by-row reader, whose wall-clock gap it then measures from", () => {
    // Bars 2 minutes apart, one written at -01:00: the plain bar 1 minute after it is 61 minutes after it on the
    // wall clock, so the smallest gap, and the period, stay 2 minutes.
    const lines = [0, 2, 4].map((m) => `${minute(m)},100,101,99,100,1`)
    lines.push("2020-01-02T09:06:00-01:00,100,101,99,100,1", `${minute(7)},100,101,99,100,1`)
    const bars = readBarsCsv(render(made(lines), false), options)
    expect(Either.isRight(bars) && bars.right.periodUs[0]).toBe(120_000_000)
    expect(readBarsCsv(render(made(lines), true), options)).toEqual(bars)
  })

  it("grows the columns past their estimate, and stops at a bad row after thousands of good ones", () => {
    // The first row is long, so the estimate of rows is short of the 5,000 the file holds.
    const lines = Array.from({ length: 5_000 }, (_, m) => `${minute(m)},100.5,101,99,100,${m === 0 ? 1e12 : 1}`)
    const bars = readBarsCsv(render(made(lines), false), options)
    expect(Either.isRight(bars) && bars.right.length).toBe(5_000)
    expect(readBarsCsv(render(made(lines), true), options)).toEqual(bars)
    lines[4_321] = `${minute(4_321)},100,99,101,100,1`
    const bad = readBarsCsv(render(made(lines), false), options)
    expect(Either.isLeft(bad) && bad.left.message).toBe('bulk.csv line 4323, column "High": high 99 is below low 101')
  })
})
