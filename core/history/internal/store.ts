/**
 * The history store behind the `History` service: one DuckDB instance per layer, a catalog held in memory and
 * written through to `_catalog.json` after every write, writes serialized by a semaphore, one connection per replay.
 */
import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Effect, Either, Option, Ref, Schema, type Scope, Stream } from "effect"
import type { Columns } from "../../data/Columns"
import { readBarsCsv, readBookCsv, readQuotesCsv, readTradesCsv } from "../../data/Csv"
import { type InstrumentId, splitInstrumentId } from "../../domain/Ids"
import { formatTimestamp, timestamp } from "../../domain/Units"
import {
  CATALOG_FILE,
  CatalogFile,
  DAY_US,
  joinRanges,
  nextPart,
  overlapping,
  type Part,
  partitionOf,
  partPath,
  rangesOf
} from "./catalog"
import { concatColumns, invalidRow, splitByInstrument } from "./columnsOps"
import { KINDS, layoutOf, valuesOf } from "./kinds"
import { type CatalogEntry, HistoryError, type HistoryStore, type ImportCsvOptions, type ReplayQuery } from "./model"
import { ReplayCursor } from "./replayCursor"
import { appendStage, copyStage, type DuckDB, mergeParts, replayQuery, resetStage, type SourceFile } from "./sql"

const DEFAULT_CHUNK_ROWS = 65_536

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))
const fail = (reason: HistoryError["reason"], message: string) => new HistoryError({ reason, message })
const ioError = (what: string) => (e: PlatformError) => fail("Io", `${what}: ${e.message}`)
const queryError = (what: string) => (e: unknown) => fail("Query", `${what}: ${messageOf(e)}`)
const iso = (ts: number) => formatTimestamp(timestamp(ts))

/** The store over the dataset at `root`, opened for the lifetime of the scope. */
export const makeStore = (
  root: string
): Effect.Effect<HistoryStore, HistoryError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absolute = (relative: string) => path.join(root, ...relative.split("/"))
    const catalogPath = path.join(root, CATALOG_FILE)

    yield* fs.makeDirectory(root, { recursive: true }).pipe(Effect.mapError(ioError(`creating ${root}`)))
    const stored = yield* readCatalog(fs, catalogPath)
    const partsRef = yield* Ref.make<ReadonlyArray<Part>>(stored.parts)
    /** Files replaced by compactions and not removed yet, relative to the root (kept in the catalog file too). */
    const obsoleteRef = yield* Ref.make<ReadonlyArray<string>>(stored.obsolete ?? [])
    const marksRef = yield* Ref.make<Readonly<Record<string, number>>>(stored.marks ?? {})
    /** Replays running: while any does, no replaced file is removed (it may be reading one). */
    const replays = yield* Ref.make(0)
    const duckdb: DuckDB = yield* Effect.tryPromise({
      try: () => import("@duckdb/node-api"),
      catch: queryError("loading DuckDB")
    })
    const instance = yield* Effect.acquireRelease(
      Effect.tryPromise({ try: () => duckdb.DuckDBInstance.create(":memory:"), catch: queryError("opening DuckDB") }),
      (db) => Effect.sync(() => db.closeSync())
    )
    const connect = Effect.acquireRelease(
      Effect.tryPromise({ try: () => instance.connect(), catch: queryError("connecting to DuckDB") }),
      (c) => Effect.sync(() => c.closeSync())
    )
    const writer = yield* connect
    const lock = yield* Effect.makeSemaphore(1)

    /** Writes the catalog file, then the state in memory, uninterrupted: the two never disagree. */
    const commit = (
      parts: ReadonlyArray<Part>,
      obsolete: ReadonlyArray<string>,
      mark?: { readonly id: string; readonly value: number }
    ) =>
      Effect.gen(function* () {
        const current = yield* Ref.get(marksRef)
        const marks = mark === undefined ? current : { ...current, [mark.id]: mark.value }
        const file: CatalogFile = {
          version: 1,
          parts,
          ...(obsolete.length === 0 ? {} : { obsolete }),
          ...(Object.keys(marks).length === 0 ? {} : { marks })
        }
        const temp = `${catalogPath}.tmp`
        yield* fs
          .writeFileString(temp, `${JSON.stringify(file)}\n`)
          .pipe(Effect.zipRight(fs.rename(temp, catalogPath)), Effect.mapError(ioError(`writing ${catalogPath}`)))
        yield* Ref.set(partsRef, parts)
        yield* Ref.set(obsoleteRef, obsolete)
        yield* Ref.set(marksRef, marks)
      }).pipe(Effect.uninterruptible)

    /**
     * Removes the replaced files when no replay runs; one that cannot be removed stays listed for the next sweep.
     * Runs with the write lock held.
     */
    const sweep = Effect.gen(function* () {
      const obsolete = yield* Ref.get(obsoleteRef)
      if (obsolete.length === 0 || (yield* Ref.get(replays)) > 0) return
      const left: Array<string> = []
      for (const file of obsolete) {
        const removed = yield* Effect.either(fs.remove(absolute(file), { force: true }))
        if (Either.isLeft(removed)) left.push(file)
      }
      yield* commit(yield* Ref.get(partsRef), left)
    })
    yield* lock.withPermits(1)(sweep)

    /** Writes each (instrument, columns) after checking all of them: a refusal leaves the dataset as it was. */
    const writeSources = (
      sources: ReadonlyArray<readonly [InstrumentId, Columns]>,
      mark?: { readonly id: string; readonly value: number }
    ) =>
      lock.withPermits(1)(
        Effect.gen(function* () {
          const current = yield* Ref.get(partsRef)
          const todo = sources.filter(([, columns]) => columns.length > 0)
          for (const [id, columns] of todo) {
            const problem = invalidRow(columns)
            if (problem !== undefined) return yield* fail("InvalidData", `${id}: ${problem}`)
            const firstTs = columns.ts[0]!
            const lastTs = columns.ts[columns.length - 1]!
            const clash = overlapping(current, columns.kind, id, firstTs, lastTs)
            if (clash !== undefined) {
              return yield* fail(
                "Overlap",
                `${columns.kind}s of ${id} from ${iso(firstTs)} to ${iso(lastTs)} overlap stored rows from ` +
                  `${iso(clash.range[0])} to ${iso(clash.range[1])} (${partPath(clash.part)}): the history is ` +
                  "append-only"
              )
            }
          }
          const added: Array<Part> = []
          let rows = 0
          for (const [id, columns] of todo) {
            const layout = layoutOf(columns.kind)
            const arrays = [columns.ts, ...valuesOf(columns)]
            for (const [start, end, date] of partitionSegments(columns)) {
              const part: Part = {
                kind: columns.kind,
                instrument: id,
                date,
                part: nextPart([...current, ...added], columns.kind, id, date),
                firstTs: columns.ts[start]!,
                lastTs: columns.ts[end - 1]!,
                rows: end - start
              }
              const file = absolute(partPath(part))
              yield* fs.makeDirectory(path.dirname(file), { recursive: true }).pipe(Effect.mapError(ioError(file)))
              yield* Effect.tryPromise({
                try: async () => {
                  await resetStage(writer, layout)
                  await appendStage(duckdb, writer, layout, arrays, start, end)
                  await copyStage(writer, layout, file)
                },
                catch: queryError(`writing ${file}`)
              })
              added.push(part)
              rows += end - start
            }
          }
          if (added.length > 0 || mark !== undefined) {
            yield* commit([...current, ...added], yield* Ref.get(obsoleteRef), mark)
          }
          return { rows, parts: added.map(partPath) }
        })
      )

    const write: HistoryStore["write"] = (instrument, columns) => {
      const index = columns.instrument[0]
      for (let i = 1; i < columns.length; i++) {
        if (columns.instrument[i] !== index) {
          return Effect.fail(fail("InvalidData", `row ${i} is instrument ${columns.instrument[i]}, row 0 ${index}`))
        }
      }
      return writeSources([[instrument, columns]])
    }

    const writeMany: HistoryStore["writeMany"] = (instruments, columns) =>
      Either.match(splitByInstrument(instruments, columns), {
        onLeft: (message) => Effect.fail(fail("InvalidData", message)),
        onRight: (sources) => writeSources(sources)
      })

    const writeMarked: HistoryStore["writeMarked"] = (instruments, batches, mark) => {
      const sources: Array<readonly [InstrumentId, Columns]> = []
      for (const columns of batches) {
        const split = splitByInstrument(instruments, columns)
        if (Either.isLeft(split)) return Effect.fail(fail("InvalidData", split.left))
        sources.push(...split.right)
      }
      return writeSources(sources, mark)
    }

    const markOf: HistoryStore["markOf"] = (id) => Effect.map(Ref.get(marksRef), (marks) => marks[id])

    const importCsv = (options: ImportCsvOptions) =>
      Effect.gen(function* () {
        const text = yield* fs.readFile(options.path).pipe(Effect.mapError(ioError(`reading ${options.path}`)))
        const read = {
          file: path.basename(options.path),
          spec: options.spec,
          ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
          ...(options.rounding === undefined ? {} : { rounding: options.rounding })
        }
        const parsed: Either.Either<Columns, { readonly message: string; readonly line: number }> =
          options.kind === "bar"
            ? readBarsCsv(text, { ...read, ...(options.period === undefined ? {} : { period: options.period }) })
            : options.kind === "trade"
              ? readTradesCsv(text, read)
              : options.kind === "book"
                ? readBookCsv(text, read)
                : readQuotesCsv(text, read)
        if (Either.isLeft(parsed)) {
          return yield* new HistoryError({ reason: "Csv", message: parsed.left.message, line: parsed.left.line })
        }
        return yield* writeSources([[options.spec.instrument.id, parsed.right]])
      })

    /**
     * Each partition of several parts becomes one new part; the catalog then lists it instead of them (their stored
     * ranges kept, so the append-only rules do not change) and lists their files as obsolete, removed once no replay
     * runs. A failure before the catalog changes leaves a file no catalog lists (ignored, and overwritten by a later
     * write to its partition); after it, obsolete files are removed by the next sweep (a compaction, the end of the
     * last replay, or the store opening).
     */
    const compact = lock.withPermits(1)(
      Effect.gen(function* () {
        const current = yield* Ref.get(partsRef)
        const groups = new Map<string, Array<Part>>()
        for (const p of current) {
          const key = `${p.kind}/${p.instrument}/${p.date}`
          const group = groups.get(key)
          if (group === undefined) groups.set(key, [p])
          else group.push(p)
        }
        const merged = [...groups.values()].filter((g) => g.length > 1)
        if (merged.length === 0) return { partitions: 0, parts: 0, total: groups.size }
        let next: ReadonlyArray<Part> = current
        for (const group of merged) {
          const { kind, instrument, date } = group[0]!
          const ranges = joinRanges(group.flatMap(rangesOf))
          const part: Part = {
            kind,
            instrument,
            date,
            part: nextPart(next, kind, instrument, date),
            firstTs: ranges[0]![0],
            lastTs: Math.max(...ranges.map((r) => r[1])),
            rows: group.reduce((sum, p) => sum + p.rows, 0),
            ...(ranges.length > 1 ? { ranges } : {})
          }
          const file = absolute(partPath(part))
          const sources = group.map((p) => ({ path: absolute(partPath(p)), source: 0, part: p.part }))
          yield* Effect.tryPromise({
            try: () => mergeParts(writer, layoutOf(kind), sources, file),
            catch: queryError(`writing ${file}`)
          })
          next = [...next.filter((p) => !group.includes(p)), part]
        }
        const replaced = merged.flat().map(partPath)
        yield* commit(next, [...(yield* Ref.get(obsoleteRef)), ...replaced])
        yield* sweep
        return { partitions: merged.length, parts: replaced.length, total: groups.size }
      })
    )

    const catalog = Effect.map(Ref.get(partsRef), summarize)

    const replay = (query: ReplayQuery): Stream.Stream<Columns, HistoryError> =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const problem = invalidQuery(query)
          if (problem !== undefined) return yield* fail("InvalidQuery", problem)
          // Counted before it reads the catalog: a compaction meanwhile keeps the files it may read.
          yield* Effect.acquireRelease(
            Ref.update(replays, (n) => n + 1),
            () =>
              Ref.updateAndGet(replays, (n) => n - 1).pipe(
                // The lock only when there is something to remove: a replay's end must not wait behind a long write.
                Effect.zip(Ref.get(obsoleteRef)),
                Effect.flatMap(([n, obsolete]) =>
                  n === 0 && obsolete.length > 0 ? lock.withPermits(1)(sweep) : Effect.void
                ),
                Effect.ignore
              )
          )
          const from = query.from ?? 0
          const to = query.to ?? Number.MAX_SAFE_INTEGER
          const layout = layoutOf(query.kind)
          const byDate = new Map<string, Array<SourceFile>>()
          for (const p of yield* Ref.get(partsRef)) {
            const source = query.instruments.indexOf(p.instrument)
            if (p.kind !== query.kind || source < 0 || p.lastTs < from || p.firstTs >= to) continue
            const files = byDate.get(p.date) ?? []
            files.push({ path: absolute(partPath(p)), source, part: p.part })
            byDate.set(p.date, files)
          }
          // ISO dates sort as strings in time order.
          const queries = [...byDate.keys()].sort().map((date) => replayQuery(layout, byDate.get(date)!, from, to))
          const connection = yield* connect
          const cursor = new ReplayCursor(connection, layout, queries, query.chunkRows ?? DEFAULT_CHUNK_ROWS)
          const next = Effect.tryPromise({ try: () => cursor.next(), catch: queryError("replaying") })
          return Stream.repeatEffectOption(
            next.pipe(
              Effect.mapError(Option.some),
              Effect.flatMap((chunk) => (chunk === undefined ? Effect.fail(Option.none()) : Effect.succeed(chunk)))
            )
          )
        })
      )

    const load = (query: ReplayQuery) =>
      Stream.runCollect(replay(query)).pipe(Effect.map((chunks) => concatColumns(query.kind, [...chunks])))

    return { root, write, writeMany, writeMarked, markOf, importCsv, compact, catalog, replay, load }
  })

const readCatalog = (fs: FileSystem.FileSystem, file: string) =>
  Effect.gen(function* () {
    if (!(yield* fs.exists(file).pipe(Effect.mapError(ioError(`reading ${file}`))))) {
      return { version: 1, parts: [] } as CatalogFile
    }
    const text = yield* fs.readFileString(file).pipe(Effect.mapError(ioError(`reading ${file}`)))
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => fail("Catalog", `${file}: ${messageOf(e)}`)
    })
    const decoded = yield* Schema.decodeUnknown(CatalogFile)(json, { errors: "all" }).pipe(
      Effect.mapError((e) => fail("Catalog", `${file}: ${e.message}`))
    )
    return decoded
  })

/** `[start, end)` row ranges of `columns` (sorted by time) that share a partition, and its date. */
const partitionSegments = (columns: Columns): Array<readonly [number, number, string]> => {
  const { kind, length, ts } = columns
  const segments: Array<readonly [number, number, string]> = []
  if (length === 0) return segments
  let start = 0
  let partition = partitionOf(kind, ts[0]!)
  let day = Math.floor(ts[0]! / DAY_US)
  for (let i = 1; i < length; i++) {
    const d = Math.floor(ts[i]! / DAY_US)
    if (d === day) continue
    // The partition can only change with the day: the date string is built once per day, not per row.
    day = d
    const next = partitionOf(kind, ts[i]!)
    if (next !== partition) {
      segments.push([start, i, partition])
      start = i
      partition = next
    }
  }
  segments.push([start, length, partition])
  return segments
}

const invalidQuery = (query: ReplayQuery): string | undefined => {
  if (new Set(query.instruments).size !== query.instruments.length) return "instruments must not repeat"
  for (const [name, value] of [
    ["from", query.from],
    ["to", query.to]
  ] as const) {
    if (value !== undefined && !Number.isSafeInteger(value)) return `${name} must be a safe integer of µs, got ${value}`
  }
  const rows = query.chunkRows
  if (rows !== undefined && (!Number.isSafeInteger(rows) || rows < 1)) return `chunkRows must be positive, got ${rows}`
  return undefined
}

/** Catalog entries per (kind, instrument): kinds in `KINDS` order, instruments by id. */
const summarize = (parts: ReadonlyArray<Part>): ReadonlyArray<CatalogEntry> => {
  const entries: Array<CatalogEntry> = []
  for (const kind of KINDS) {
    const byInstrument = new Map<InstrumentId, Array<Part>>()
    for (const p of parts) {
      if (p.kind !== kind) continue
      const list = byInstrument.get(p.instrument) ?? []
      list.push(p)
      byInstrument.set(p.instrument, list)
    }
    const ids = [...byInstrument.keys()].sort()
    for (const instrument of ids) {
      const list = byInstrument.get(instrument)!
      entries.push({
        instrument,
        venue: splitInstrumentId(instrument).venue,
        kind,
        firstTs: list.reduce((min, p) => Math.min(min, p.firstTs), Number.POSITIVE_INFINITY),
        lastTs: list.reduce((max, p) => Math.max(max, p.lastTs), 0),
        rows: list.reduce((sum, p) => sum + p.rows, 0),
        parts: list.length
      })
    }
  }
  return entries
}
