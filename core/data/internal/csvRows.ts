/**
 * Lines and fields of a CSV file's bytes: a header, then rows of as many fields. Handles a BOM, CRLF, quoted fields
 * and blank lines at the end; a blank line anywhere else is a problem, never skipped. A plain row is read straight
 * from the bytes; any other line is decoded and split into fields, the one place for the rules of lines.
 */

/** What is wrong with the input, before it becomes a `CsvError`. `line` is 1-based. */
export interface Problem {
  readonly line: number
  readonly column?: string
  readonly message: string
}

/** Field name for matching: lower case, letters and digits only (`Adj Close` → `adjclose`, `bid_size` → `bidsize`). */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, "")

/** Index of the header column with the first of `names` (normalized) that occurs, or -1. */
export const findColumn = (header: ReadonlyArray<string>, names: ReadonlyArray<string>): number => {
  const normalized = header.map(normalizeName)
  for (const name of names) {
    const index = normalized.indexOf(name)
    if (index >= 0) return index
  }
  return -1
}

const splitQuoted = (line: string): Array<string> | string => {
  const fields: Array<string> = []
  let field = ""
  let i = 0
  for (;;) {
    while (line[i] === " ") i++
    if (line[i] === '"') {
      i++
      for (;;) {
        const quote = line.indexOf('"', i)
        if (quote < 0) return "a quoted field is not closed"
        field += line.slice(i, quote)
        i = quote + 1
        if (line[i] !== '"') break
        field += '"'
        i++
      }
      while (line[i] === " ") i++
      if (i < line.length && line[i] !== ",") return "text after a closing quote"
    } else {
      const comma = line.indexOf(",", i)
      const end = comma < 0 ? line.length : comma
      field = line.slice(i, end)
      if (field.includes('"')) return "a quote inside an unquoted field"
      i = end
    }
    fields.push(field.trim())
    field = ""
    if (i >= line.length) return fields
    i++
  }
}

/** The fields of one line, trimmed; a string says why the line cannot be split. */
export const splitFields = (line: string): Array<string> | string =>
  line.includes('"') ? splitQuoted(line) : line.split(",").map((field) => field.trim())

const LF = 10
const CR = 13
/** A BOM is skipped only at the start of the file, as the scanner does; elsewhere it stays in its field. */
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true })

const decode = (bytes: Uint8Array, start: number, end: number): string => utf8.decode(bytes.subarray(start, end))

/** Where the content of the line ending at `end` (its `\n` or the end of the bytes) stops: before a `\r`. */
const contentEnd = (bytes: Uint8Array, start: number, end: number): number =>
  end > start && bytes[end - 1] === CR ? end - 1 : end

/** A file as UTF-8 bytes in a plain `Uint8Array` (a Node `Buffer` too), so the scanner sees one kind of array. */
export const toBytes = (input: string | Uint8Array): Uint8Array =>
  typeof input === "string"
    ? new TextEncoder().encode(input)
    : new Uint8Array(input.buffer, input.byteOffset, input.byteLength)

/**
 * A file's UTF-8 bytes as they are read: `chunks` in order, each but the last ending with a line's `\n` (a reader
 * may hand out one buffer over and over: a chunk is done with before the next is asked for), and `byteLength` the
 * whole file's, for sizing its columns. A large file is never held whole.
 */
export interface CsvBytes {
  readonly byteLength: number
  readonly chunks: Iterable<Uint8Array>
}

/** The input of a reader: a file's text, its bytes, or its bytes in chunks. */
export type CsvInput = string | Uint8Array | CsvBytes

/** Any input as chunks, with its first chunk at hand (for the header) and still first in `chunks`. */
export const chunked = (input: CsvInput): CsvBytes & { readonly first: Uint8Array } => {
  if (typeof input === "string" || input instanceof Uint8Array) {
    const bytes = toBytes(input)
    return { byteLength: bytes.length, first: bytes, chunks: [bytes] }
  }
  const rest = input.chunks[Symbol.iterator]()
  const head = rest.next()
  const first = head.done === true ? new Uint8Array(0) : toBytes(head.value)
  return {
    byteLength: input.byteLength,
    first,
    chunks: {
      *[Symbol.iterator]() {
        yield first
        for (let next = rest.next(); next.done !== true; next = rest.next()) yield toBytes(next.value)
      }
    }
  }
}

/** The first line of a file, decoded. */
export const firstLine = (bytes: Uint8Array): string => {
  const newline = bytes.indexOf(LF)
  const end = newline < 0 ? bytes.length : newline
  return decode(bytes, 0, contentEnd(bytes, 0, end))
}

/**
 * Rows to allocate the columns for: the bytes after the header over three quarters of the first data row's length,
 * an estimate above the count for any file whose rows are about as long as its first. Capacity never written costs
 * no memory (the builders hand out views, and the pages of an untouched array are never backed), while counting
 * the newlines of a large file costs a pass over it; a file of shorter rows only makes a builder grow.
 */
export const estimateRows = (input: CsvBytes & { readonly first: Uint8Array }): number => {
  const bytes = input.first
  const header = bytes.indexOf(LF)
  if (header < 0) return 0
  const next = bytes.indexOf(LF, header + 1)
  const firstRow = (next < 0 ? bytes.length : next) - header
  return Math.ceil((input.byteLength - header) / Math.max(1, (firstRow * 3) / 4)) + 1
}

/**
 * One data row, reused from row to row. A plain row was read straight from the bytes: `values` holds the number of
 * each column its `PlainReader` reads. Any other row was split into fields. Either way `text` gives a field as
 * `splitFields` does, decoding a plain row only when asked (for a message).
 */
export class Row {
  /** Whether `values` holds the row's numbers. */
  plain = false
  /** With `plain`, whether the time was written in UTC (`Z`). */
  utc = false
  readonly values: Float64Array
  private fields: ReadonlyArray<string> | undefined
  private start = 0
  private end = 0

  /** The chunk of the file the row stands in. */
  bytes: Uint8Array = new Uint8Array(0)

  constructor(width: number) {
    this.values = new Float64Array(width)
  }

  /** The row is the plain line from `start` to `end` (its `\n` or the end of the bytes). */
  readPlain(start: number, end: number): void {
    this.plain = true
    this.fields = undefined
    this.start = start
    this.end = end
  }

  /** The row is these fields. */
  readFields(fields: ReadonlyArray<string>): void {
    this.plain = false
    this.fields = fields
  }

  /** The field of `column`, trimmed. */
  text(column: number): string {
    if (this.fields === undefined) {
      const fields = splitFields(decode(this.bytes, this.start, contentEnd(this.bytes, this.start, this.end)))
      this.fields = typeof fields === "string" ? [] : fields
    }
    return this.fields[column] ?? ""
  }
}

/** Reads plain rows straight from the bytes of a file. */
export interface PlainReader {
  /**
   * Reads the row starting at `start` into `row.values` and returns where its line ends (its `\n` or the end of the
   * bytes), or -1 if the row is not plain: it is then decoded, split and read from its fields.
   */
  read(bytes: Uint8Array, start: number, row: Row): number
}

/**
 * Reads a run of rows at once, straight from the bytes, as far as they are plain and pass its checks: the row it
 * stops before is read row by row, which words any problem.
 */
export interface BulkReader {
  /**
   * Reads the rows from `start` (a row's first byte; `line` is the last line read) and returns where it stopped;
   * `line` is then the last line it read.
   */
  read(bytes: Uint8Array, start: number, line: number): number
  readonly line: number
}

/** How to read the rows of a file, given by its header: plain rows from their bytes, then each row. */
export interface RowHandler {
  readonly plain: PlainReader
  readonly onRow: (row: Row, line: number) => Problem | undefined
  readonly bulk?: BulkReader | undefined
}

const blankBefore = (line: number): Problem => ({ line, message: "blank line before the end of the file" })

/**
 * Calls `onHeader` with the first line's fields, then the `onRow` it gives with each following row and its line
 * number, and stops at the first problem. Every row must have as many fields as the header.
 */
export const scanRows = (
  chunks: Iterable<Uint8Array>,
  onHeader: (names: ReadonlyArray<string>) => RowHandler | Problem
): Problem | undefined => {
  let line = 0
  let width = -1
  let blankLine = 0
  let handler: RowHandler | undefined
  let row: Row | undefined
  let firstChunk = true
  for (const bytes of chunks) {
    const length = bytes.length
    let start = firstChunk && length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
    firstChunk = false
    if (row !== undefined) row.bytes = bytes
    while (start < length) {
      if (handler?.bulk !== undefined && blankLine === 0) {
        start = handler.bulk.read(bytes, start, line)
        line = handler.bulk.line
        if (start >= length) break
      }
      line++
      if (handler !== undefined && row !== undefined) {
        const end = handler.plain.read(bytes, start, row)
        if (end >= 0) {
          if (blankLine !== 0) return blankBefore(blankLine)
          row.readPlain(start, end)
          const problem = handler.onRow(row, line)
          if (problem !== undefined) return problem
          start = end + 1
          continue
        }
      }
      const newline = bytes.indexOf(LF, start)
      const end = newline < 0 ? length : newline
      const content = decode(bytes, start, contentEnd(bytes, start, end))
      start = end + 1
      if (content.trim() === "") {
        if (blankLine === 0) blankLine = line
        continue
      }
      if (blankLine !== 0) return blankBefore(blankLine)
      const fields = splitFields(content)
      if (typeof fields === "string") return { line, message: fields }
      if (handler === undefined || row === undefined) {
        width = fields.length
        const given = onHeader(fields)
        if (!("onRow" in given)) return given
        handler = given
        row = new Row(width)
        row.bytes = bytes
        continue
      }
      if (fields.length !== width) return { line, message: `expected ${width} columns, found ${fields.length}` }
      row.readFields(fields)
      const problem = handler.onRow(row, line)
      if (problem !== undefined) return problem
    }
  }
  if (handler === undefined) return { line: 1, message: "the file has no header line" }
  return undefined
}
