/**
 * The inbox of the embedded database: a backtest stores its run as one durable file instead of opening PGlite
 * (about a second), and whoever opens the database next ingests the files into it.
 *
 * A file is `<dir>/inbox/<id>.run`: the byte length (uint32, big-endian) of a msgpack head, the head, then the raw
 * bytes of the columns the head lists, one after the other. Format 2 (written now) is made to cost the backtest
 * next to nothing: the numbers of the trades and the equity curve go as typed-array bytes (the curve as int32 deltas
 * where they fit), the decimal strings of the trades as one comma-joined string per column, and the conversion to
 * the database's forms (trade rows, the curve's varints of `equitySeries.ts`) is left to `ingest`, off the
 * backtest's path. Format 1 (a head `{ format: 1, run }` with the trades as arrays and the run as `insertRun` stores
 * it, then the curve in the binary form of `equitySeries.ts`) is still read.
 *
 * The file is written to `<id>.run.tmp`, fsynced, renamed and the folder fsynced, so a file under its final name is
 * always whole.
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { SqlClient, type SqlError } from "@effect/sql"
import { Array as Arr, Clock, Effect, Either, Option, Order, ParseResult, Predicate, Schema } from "effect"
import { Packr } from "msgpackr"
import type { TradeRow } from "../../report/Report"
import type { BacktestRun } from "../BacktestRuns"
import { type DatabaseError, toDatabaseError } from "../DatabaseError"
import { type EncodedRun, insertRun, orderedStats, runId, type TradeColumns } from "./backtestRuns"
import { checkEquity, encodeEquity } from "./equitySeries"

/** The format written; format 1 is still read. */
const FORMAT = 2
const SUFFIX = ".run"

/** Record definitions travel inside each file, so any reader decodes it alone. */
const packr = new Packr({ useRecords: true, mapsAsObjects: true, int64AsType: "number" })

const Json = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const isSafeInt = (u: unknown): u is number => Number.isSafeInteger(u)
const SafeInt = Schema.Number.pipe(Schema.filter(isSafeInt, { message: () => "not a safe integer" }))

/** A column of trades, checked in one plain loop: a schema per element would take longer than storing the run. */
const column = <A>(identifier: string, is: (u: unknown) => u is A) =>
  Schema.declare((u: unknown): u is ReadonlyArray<A> => Array.isArray(u) && u.every(is), { identifier })
const Strings = column("strings", Predicate.isString)
const SafeInts = column("safe integers", isSafeInt)
const Numbers = column("numbers", Predicate.isNumber)

const Trades = Schema.Struct({
  instrumentId: Strings,
  side: column("sides", (u): u is "long" | "short" => u === "long" || u === "short"),
  quantity: SafeInts,
  entryTs: SafeInts,
  exitTs: SafeInts,
  entryPrice: Strings,
  exitPrice: Strings,
  pnl: Strings,
  pnlMinor: SafeInts,
  returnPct: Numbers,
  fees: Strings,
  durationDays: Numbers
})

const RunHead = <T extends Schema.Schema.Any>(trades: T) =>
  Schema.Struct({
    id: Schema.String,
    strategy: Schema.String,
    strategyVersion: Schema.String,
    parameters: Json,
    settings: Json,
    data: Schema.Struct({ sources: Schema.Array(Schema.String), from: SafeInt, to: SafeInt }),
    codeHash: Schema.String,
    createdAt: SafeInt,
    status: Schema.Literal("queued", "running", "completed", "failed", "canceled"),
    error: Schema.optionalWith(Schema.String, { exact: true }),
    report: Schema.optionalWith(
      Schema.Struct({
        stats: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String, Schema.Null) }),
        trades,
        currencyDecimals: SafeInt
      }),
      { exact: true }
    )
  })

const InboxFile1 = Schema.Struct({ format: Schema.Literal(1), run: RunHead(Trades) })

/** A binary column after the head: raw doubles, or int32 deltas (`value[i] = value[i - 1] + delta[i] × unit`). */
const BinaryColumn = Schema.Union(
  Schema.Struct({ name: Schema.String, kind: Schema.Literal("f64"), length: SafeInt }),
  Schema.Struct({ name: Schema.String, kind: Schema.Literal("d32"), length: SafeInt, first: SafeInt, unit: SafeInt })
)

/** Trades of format 2: strings from a dictionary (by index column) or comma-joined; numbers in binary columns. */
const Trades2 = Schema.Struct({
  count: SafeInt,
  instrumentIds: Strings,
  sides: Strings,
  entryPrice: Schema.String,
  exitPrice: Schema.String,
  pnl: Schema.String,
  fees: Schema.String
})

const InboxFile2 = Schema.Struct({
  format: Schema.Literal(2),
  run: RunHead(Trades2),
  columns: Schema.Array(BinaryColumn)
})

const decodeFile = Schema.decodeUnknownEither(Schema.Union(InboxFile1, InboxFile2), { errors: "all" })

type BinaryColumn = typeof BinaryColumn.Type

const inboxError = (message: string) => toDatabaseError("Inbox", message)

/** The folder of the inbox of the embedded database in `dir`. */
const inboxOf = (path: Path.Path, dir: string) => path.join(dir, "inbox")

/** fsync a folder, so that the names created or renamed in it survive a crash. */
const syncFolder = (fs: FileSystem.FileSystem, folder: string) =>
  Effect.scoped(Effect.flatMap(fs.open(folder, { flag: "r" }), (handle) => handle.sync))

/** Makes the inbox folder (and `dir`) durably. */
export const prepare = (dir: string): Effect.Effect<void, DatabaseError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    yield* fs.makeDirectory(inboxOf(path, dir), { recursive: true })
    yield* syncFolder(fs, dir)
  }).pipe(Effect.mapError(inboxError(`cannot make the inbox of ${dir}`)))

/** The columns' bytes are those of a `Float64Array` and an `Int32Array` as they are in memory. */
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error("the run inbox needs a little-endian CPU")

const notSafe = (name: string, i: number, v: number) =>
  new RangeError(
    `equity curve: ${name}[${i}] = ${v} is not a safe integer (exact integers within ±(2^53 − 1) are stored)`
  )

const INT32_MIN = -0x80000000
const INT32_MAX = 0x7fffffff

/** Units tried for the deltas of a column, coarsest first: seconds and milliseconds of µs timestamps, then 1. */
const UNITS = [1_000_000, 1000, 1]

/**
 * A column of safe integers as int32 deltas in the coarsest unit of `UNITS` that divides them all (regular bar times
 * in seconds, equity moving by less than 2^31 minor units a sample), else as the doubles; throws a `RangeError`
 * naming the first value that is not a safe integer. A pass or two, no per-value allocation.
 */
const integerColumn = (name: string, values: Float64Array): readonly [BinaryColumn, Uint8Array] => {
  const n = values.length
  const deltas = new Int32Array(n)
  let u = 0
  for (let i = 0; i < n; i++) {
    const v = values[i]!
    if (!Number.isSafeInteger(v)) throw notSafe(name, i, v)
    if (i === 0) continue
    // Exact: a quotient of safe integers below 2^53 is an integer only when the unit divides the difference.
    const q = (v - values[i - 1]!) / UNITS[u]!
    if (!Number.isInteger(q)) {
      // Not in this unit: again with the next finer one (1 always divides).
      u++
      i = 0
    } else if (q < INT32_MIN || q > INT32_MAX) {
      for (let k = i + 1; k < n; k++) if (!Number.isSafeInteger(values[k]!)) throw notSafe(name, k, values[k]!)
      return [{ name, kind: "f64", length: n }, bytesOf(values)]
    } else {
      deltas[i] = q
    }
  }
  const first = n === 0 ? 0 : values[0]!
  return [{ name, kind: "d32", length: n, first, unit: UNITS[u]! }, bytesOf(deltas)]
}

const bytesOf = (array: Float64Array | Int32Array): Uint8Array =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength)

/** The index of `value` in `values`, added when new: a dictionary of the distinct instrument ids and sides. */
const indexIn = (values: Array<string>, value: string): number => {
  const k = values.indexOf(value)
  return k >= 0 ? k : values.push(value) - 1
}

/**
 * The trades as format 2 holds them, in one pass: numbers as doubles, instrument ids and sides as indexes in their
 * dictionaries, decimal strings comma-joined. The report renders those strings from integers, so none holds a comma;
 * `ingest` checks each column splits into one string a trade.
 */
const tradeColumns = (trades: ReadonlyArray<TradeRow>) => {
  const n = trades.length
  const numbers = {
    instrument: new Float64Array(n),
    side: new Float64Array(n),
    quantity: new Float64Array(n),
    entryTs: new Float64Array(n),
    exitTs: new Float64Array(n),
    pnlMinor: new Float64Array(n),
    returnPct: new Float64Array(n),
    durationDays: new Float64Array(n)
  }
  const strings = {
    entryPrice: new Array<string>(n),
    exitPrice: new Array<string>(n),
    pnl: new Array<string>(n),
    fees: new Array<string>(n)
  }
  const instrumentIds: Array<string> = []
  const sides: Array<string> = []
  for (let i = 0; i < n; i++) {
    const t = trades[i]!
    numbers.instrument[i] = indexIn(instrumentIds, t.instrumentId)
    numbers.side[i] = indexIn(sides, t.side)
    numbers.quantity[i] = t.quantity
    numbers.entryTs[i] = t.entryTs
    numbers.exitTs[i] = t.exitTs
    numbers.pnlMinor[i] = t.pnlMinor
    numbers.returnPct[i] = t.returnPct
    numbers.durationDays[i] = t.durationDays
    strings.entryPrice[i] = t.entryPrice
    strings.exitPrice[i] = t.exitPrice
    strings.pnl[i] = t.pnl
    strings.fees[i] = t.fees
  }
  return {
    numbers,
    head: {
      count: n,
      instrumentIds,
      sides,
      entryPrice: strings.entryPrice.join(","),
      exitPrice: strings.exitPrice.join(","),
      pnl: strings.pnl.join(","),
      fees: strings.fees.join(",")
    }
  }
}

/** The parts of a format 2 file: the head's length, the head, the columns' bytes. Throws a `RangeError`. */
const fileParts = (run: BacktestRun): { readonly id: string; readonly parts: ReadonlyArray<Uint8Array> } => {
  const { report, ...rest } = run
  const id = runId(run)
  const columns: Array<BinaryColumn> = []
  const bytes: Array<Uint8Array> = []
  const add = ([column, data]: readonly [BinaryColumn, Uint8Array]) => {
    columns.push(column)
    bytes.push(data)
  }
  let head: Record<string, unknown> = { ...rest, id }
  if (report !== undefined) {
    const { trades, equity, stats, currencyDecimals } = report
    add(integerColumn("ts", equity.ts))
    add(integerColumn("equity", equity.equity))
    const columnsOfTrades = tradeColumns(trades)
    for (const [name, values] of Object.entries(columnsOfTrades.numbers)) {
      add([{ name, kind: "f64", length: values.length }, bytesOf(values)])
    }
    head = { ...head, report: { stats, currencyDecimals, trades: columnsOfTrades.head } }
  }
  const packed = packr.pack({ format: FORMAT, run: head, columns })
  const length = Buffer.alloc(4)
  length.writeUInt32BE(packed.length)
  // An empty write is an error to the platform's `writeAll`.
  return { id, parts: [length, packed, ...bytes.filter((b) => b.length > 0)] }
}

/** Writes the run durably into the inbox of `dir`; returns its id. */
export const write = (
  dir: string,
  run: BacktestRun
): Effect.Effect<string, DatabaseError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const { id, parts } = yield* Effect.try({
      try: () => fileParts(run),
      catch: inboxError(`cannot write the run of ${run.strategy}`)
    })
    yield* prepare(dir)
    const folder = inboxOf(path, dir)
    const file = path.join(folder, `${id}${SUFFIX}`)
    const temp = `${file}.tmp`
    yield* Effect.scoped(
      Effect.flatMap(fs.open(temp, { flag: "w" }), (handle) =>
        Effect.zipRight(
          Effect.forEach(parts, (part) => handle.writeAll(part), { discard: true }),
          handle.sync
        )
      )
    ).pipe(
      Effect.zipRight(fs.rename(temp, file)),
      Effect.zipRight(syncFolder(fs, folder)),
      Effect.mapError(inboxError(`cannot write ${file}`))
    )
    return id
  })

/**
 * The run itself is refused, now and at every later attempt: a value out of range before the query, or SQLSTATE
 * class 22 (data exception) or 23 (integrity constraint violation) from the database.
 */
const refusesData = (e: SqlError.SqlError | RangeError): boolean => {
  if (e instanceof RangeError) return true
  const code = (e.cause as { readonly code?: unknown } | undefined)?.code
  return typeof code === "string" && (code.startsWith("22") || code.startsWith("23"))
}

/** Moves inbox file `name` to `rejected/`, with a warning saying why. */
const moveAside = (folder: string, name: string, why: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const rejected = path.join(folder, "rejected")
    yield* fs.makeDirectory(rejected, { recursive: true })
    yield* fs.rename(path.join(folder, name), path.join(rejected, name))
    yield* Effect.logWarning(`inbox: ${path.join(folder, name)} ${why}; moved to ${rejected}`)
  })

/** A write unfinished for this long was left by a process that died in the middle of it. */
const STALE_TEMPORARY_MS = 10 * 60_000

/** Removes the temporary files of writes that will never finish; a write in progress is far younger. */
const removeStaleTemporaries = (folder: string, entries: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const now = yield* Clock.currentTimeMillis
    for (const name of entries.filter((entry) => entry.endsWith(`${SUFFIX}.tmp`))) {
      const file = path.join(folder, name)
      const info = yield* fs.stat(file).pipe(
        Effect.map(Option.some),
        Effect.catchIf(isNotFound, () => Effect.succeedNone)
      )
      const mtime = Option.flatMap(info, (i) => i.mtime)
      if (Option.isSome(mtime) && now - mtime.value.getTime() > STALE_TEMPORARY_MS) {
        yield* fs.remove(file, { force: true })
        yield* Effect.logWarning(`inbox: removed ${file}, a write that never finished`)
      }
    }
  })

/** A copy of `bytes` from `at`, `length` long, in a buffer of its own (aligned; a `Buffer`'s `slice` is a view). */
const copied = (bytes: Uint8Array, at: number, length: number): ArrayBuffer =>
  new Uint8Array(bytes.subarray(at, at + length)).buffer

/** The values of binary column `column`, read from `bytes` at `at`. */
const columnValues = (column: BinaryColumn, bytes: Uint8Array, at: number): Float64Array => {
  if (column.kind === "f64") return new Float64Array(copied(bytes, at, column.length * 8))
  const deltas = new Int32Array(copied(bytes, at, column.length * 4))
  const values = new Float64Array(column.length)
  let v = column.first
  for (let i = 0; i < column.length; i++) {
    if (i > 0) v += deltas[i]! * column.unit
    values[i] = v
  }
  return values
}

const columnBytes = (column: BinaryColumn) => column.length * (column.kind === "f64" ? 8 : 4)

/** A format 2 report as `insertRun` stores it: trades as arrays, the curve in `equitySeries.ts`'s form. */
const storedReport = (
  report: typeof Trades2.Type,
  columns: ReadonlyMap<string, Float64Array>
): Either.Either<{ readonly trades: TradeColumns; readonly equity: Uint8Array }, string> => {
  const n = report.count
  const split = (text: string): Array<string> => (n === 0 ? [] : text.split(","))
  const column = (name: string) => columns.get(name) ?? new Float64Array(0)
  const numbers = (name: string) => Array.from(column(name))
  const trades = {
    instrumentId: Array.from(column("instrument"), (k) => report.instrumentIds[k] ?? ""),
    side: Array.from(column("side"), (k) => report.sides[k] as "long" | "short"),
    quantity: numbers("quantity"),
    entryTs: numbers("entryTs"),
    exitTs: numbers("exitTs"),
    entryPrice: split(report.entryPrice),
    exitPrice: split(report.exitPrice),
    pnl: split(report.pnl),
    pnlMinor: numbers("pnlMinor"),
    returnPct: numbers("returnPct"),
    fees: split(report.fees),
    durationDays: numbers("durationDays")
  }
  for (const [name, values] of Object.entries(trades)) {
    if (values.length !== n) return Either.left(`trades.${name}: ${values.length} values for ${n} trades`)
  }
  if (!trades.side.every((s) => s === "long" || s === "short")) return Either.left("trades.side: not a side")
  if (!trades.instrumentId.every((s) => s !== "")) return Either.left("trades.instrumentId: out of the dictionary")
  for (const name of ["quantity", "entryTs", "exitTs", "pnlMinor"] as const) {
    if (!trades[name].every(isSafeInt)) return Either.left(`trades.${name}: not safe integers`)
  }
  try {
    return Either.right({ trades, equity: encodeEquity({ ts: column("ts"), equity: column("equity") }) })
  } catch (cause) {
    return Either.left(cause instanceof Error ? cause.message : String(cause))
  }
}

/** Why the bytes of inbox file `name` are not a run, or the run. */
const readRun = (name: string, bytes: Uint8Array): Either.Either<EncodedRun, string> => {
  const length = bytes.length < 4 ? -1 : new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)
  if (length < 0 || 4 + length > bytes.length) return Either.left(`truncated: ${bytes.length} bytes`)
  let raw: unknown
  try {
    raw = packr.unpack(bytes.subarray(4, 4 + length))
  } catch (cause) {
    return Either.left(`not msgpack: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  const body = bytes.subarray(4 + length)
  return decodeFile(raw).pipe(
    // The first problem, by its path: a message a log line can hold.
    Either.mapLeft((e) => {
      const [first] = ParseResult.ArrayFormatter.formatErrorSync(e)
      return first === undefined ? "not a run" : `${first.path.join(".")}: ${first.message.slice(0, 200)}`
    }),
    Either.flatMap((file): Either.Either<EncodedRun, string> => {
      if (`${file.run.id}${SUFFIX}` !== name) return Either.left(`holds run ${file.run.id}`)
      if (file.format === 1) {
        const { report, ...run } = file.run
        const equity = body
        if (report === undefined)
          return equity.length === 0 ? Either.right(run) : Either.left("a curve without a report")
        const lengths = new Set(Object.values(report.trades).map((c) => c.length))
        if (lengths.size > 1) return Either.left(`trade columns of different lengths (${[...lengths].join(", ")})`)
        try {
          checkEquity(equity)
        } catch (cause) {
          return Either.left(cause instanceof Error ? cause.message : String(cause))
        }
        return Either.right({ ...run, report: { ...report, stats: orderedStats(report.stats), equity } })
      }
      const { report, ...run } = file.run
      const size = file.columns.reduce((sum, column) => sum + columnBytes(column), 0)
      if (size !== body.length) return Either.left(`columns of ${size} bytes, ${body.length} after the head`)
      if (report === undefined) return size === 0 ? Either.right(run) : Either.left("columns without a report")
      const columns = new Map<string, Float64Array>()
      let at = 0
      for (const column of file.columns) {
        columns.set(column.name, columnValues(column, body, at))
        at += columnBytes(column)
      }
      return Either.map(storedReport(report.trades, columns), ({ trades, equity }) => ({
        ...run,
        report: { stats: orderedStats(report.stats), currencyDecimals: report.currencyDecimals, trades, equity }
      }))
    })
  )
}

interface Dated {
  readonly name: string
  /** ms since the epoch. */
  readonly mtime: number
}

const isNotFound = (e: PlatformError) => e._tag === "SystemError" && e.reason === "NotFound"

/**
 * Records every run of the inbox of `dir`, oldest file first, each in its transaction, deleting its file after
 * the commit; a run already stored is not stored again (its file is just deleted). A file that is not a run is
 * moved to `inbox/rejected/` with a warning. Returns how many runs were stored.
 */
export const ingest = (
  dir: string
): Effect.Effect<number, DatabaseError, SqlClient.SqlClient | FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const folder = inboxOf(path, dir)
    const io = (message: string) => Effect.mapError(inboxError(message))
    if (!(yield* fs.exists(folder).pipe(io(`cannot read the inbox ${folder}`)))) return 0
    const entries = yield* fs.readDirectory(folder).pipe(io(`cannot read the inbox ${folder}`))
    yield* removeStaleTemporaries(folder, entries).pipe(io(`cannot clean the inbox ${folder}`))
    const names = entries.filter((name) => name.endsWith(SUFFIX))
    // A file that another ingest took meanwhile is gone: skipped (here and when read).
    const dated = yield* Effect.forEach(names, (name) =>
      fs.stat(path.join(folder, name)).pipe(
        Effect.map(
          (info): ReadonlyArray<Dated> => [
            { name, mtime: Option.match(info.mtime, { onNone: () => 0, onSome: (d) => d.getTime() }) }
          ]
        ),
        Effect.catchIf(isNotFound, () => Effect.succeed([])),
        io(`cannot read the inbox ${folder}`)
      )
    )
    const oldestFirst = Arr.sort(
      dated.flat(),
      Order.combine(
        Order.mapInput(Order.number, (f: Dated) => f.mtime),
        Order.mapInput(Order.string, (f: Dated) => f.name)
      )
    )
    let stored = 0
    for (const { name } of oldestFirst) {
      const file = path.join(folder, name)
      const bytes = yield* fs.readFile(file).pipe(
        Effect.map(Option.some),
        Effect.catchIf(isNotFound, () => Effect.succeedNone),
        io(`cannot read ${file}`)
      )
      if (Option.isNone(bytes)) continue
      const run = readRun(name, bytes.value)
      if (Either.isLeft(run)) {
        yield* moveAside(folder, name, `is not a backtest run (${run.left})`).pipe(io(`cannot move ${file} aside`))
        continue
      }
      const inserted = yield* insertRun(sql, run.right, { ifNew: true }).pipe(
        Effect.map(Option.some),
        // Data the database will never take (a jsonb NUL, a value out of a column's range) must not block the
        // inbox: that file goes aside like a malformed one. Other failures leave it for the next attempt.
        Effect.catchIf(refusesData, (e) =>
          moveAside(folder, name, `was refused by the database (${e.message})`).pipe(
            io(`cannot move ${file} aside`),
            Effect.as(Option.none<boolean>())
          )
        ),
        Effect.mapError(toDatabaseError("Query", `cannot ingest ${file}`))
      )
      if (Option.isNone(inserted)) continue
      yield* fs.remove(file, { force: true }).pipe(io(`cannot remove ${file}`))
      if (inserted.value) stored++
    }
    return stored
  })
