/**
 * The inbox of the embedded database: a backtest stores its run as one durable file instead of opening PGlite
 * (about a second), and whoever opens the database next ingests the files into it.
 *
 * A file is `<dir>/inbox/<id>.run`: the byte length (uint32, big-endian) of a msgpack head `{ format: 1, run }`, the
 * head, then the run's equity curve in the binary form of `equitySeries.ts` (empty without a report). The head holds
 * the run as `insertRun` stores it, trades as columns, less the curve: kept apart, the megabytes of a long curve are
 * neither copied into msgpack nor out of it. The file is written to `<id>.run.tmp`, fsynced, renamed and the folder
 * fsynced, so a file under its final name is always whole.
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { SqlClient, type SqlError } from "@effect/sql"
import { Array as Arr, Clock, Effect, Either, Option, Order, ParseResult, Predicate, Schema } from "effect"
import { Packr } from "msgpackr"
import type { BacktestRun } from "../BacktestRuns"
import { type DatabaseError, toDatabaseError } from "../DatabaseError"
import { type EncodedRun, encodeRun, insertRun, orderedStats } from "./backtestRuns"
import { checkEquity } from "./equitySeries"

const FORMAT = 1
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

const InboxFile = Schema.Struct({
  format: Schema.Literal(FORMAT),
  run: Schema.Struct({
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
        trades: Trades,
        currencyDecimals: SafeInt
      }),
      { exact: true }
    )
  })
})

const decodeFile = Schema.decodeUnknownEither(InboxFile, { errors: "all" })

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

/** The parts of a file: the head's length, the head, the curve. */
const fileParts = (head: unknown, equity: Uint8Array): ReadonlyArray<Uint8Array> => {
  const packed = packr.pack({ format: FORMAT, run: head })
  const length = Buffer.alloc(4)
  length.writeUInt32BE(packed.length)
  // An empty write is an error to the platform's `writeAll`.
  return equity.length === 0 ? [length, packed] : [length, packed, equity]
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
      try: () => {
        const { report, ...encoded } = encodeRun(run)
        if (report === undefined) return { id: encoded.id, parts: fileParts(encoded, new Uint8Array(0)) }
        const { equity, ...rest } = report
        return { id: encoded.id, parts: fileParts({ ...encoded, report: rest }, equity) }
      },
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
  const equity = bytes.subarray(4 + length)
  return decodeFile(raw).pipe(
    // The first problem, by its path: a message a log line can hold.
    Either.mapLeft((e) => {
      const [first] = ParseResult.ArrayFormatter.formatErrorSync(e)
      return first === undefined ? "not a run" : `${first.path.join(".")}: ${first.message.slice(0, 200)}`
    }),
    Either.flatMap(({ run: { report, ...run } }): Either.Either<EncodedRun, string> => {
      if (`${run.id}${SUFFIX}` !== name) return Either.left(`holds run ${run.id}`)
      if (report === undefined) return equity.length === 0 ? Either.right(run) : Either.left("a curve without a report")
      const lengths = new Set(Object.values(report.trades).map((c) => c.length))
      if (lengths.size > 1) return Either.left(`trade columns of different lengths (${[...lengths].join(", ")})`)
      try {
        checkEquity(equity)
      } catch (cause) {
        return Either.left(cause instanceof Error ? cause.message : String(cause))
      }
      return Either.right({ ...run, report: { ...report, stats: orderedStats(report.stats), equity } })
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
