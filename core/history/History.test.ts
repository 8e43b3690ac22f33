import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { FileSystem, type Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, FastCheck as fc, Stream } from "effect"
import { AAPL, BTCUSDT, currencies, ES } from "../../test/fixtures/instruments"
import { type Columns, QuoteBuilder, TradeBuilder } from "../data/Columns"
import { readBarsCsv, readBookCsv } from "../data/Csv"
import { generateBars } from "../data/Generate"
import { mergeByTime } from "../data/Merge"
import { makeSpecs } from "../domain/InstrumentSpec"
import type { BarPeriod } from "../domain/MarketData"
import { History, type HistoryError, type HistoryStore, layer, loadCatalogData } from "./History"

const specs = makeSpecs([AAPL, ES, BTCUSDT], currencies)
const aapl = specs.list[0]!
const ids = [AAPL.id, ES.id, BTCUSDT.id] as const
const us = (iso: string) => Date.parse(iso) * 1000
const DAY = 86_400_000_000

/** Runs `f` against a history in a fresh temporary directory, removed afterwards. */
const withHistory = <A, E>(
  f: (history: HistoryStore, root: string) => Effect.Effect<A, E, FileSystem.FileSystem | Path.Path>
): Effect.Effect<A, unknown> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const root = yield* fs.makeTempDirectoryScoped({ prefix: "meridian-history-" })
    return yield* Effect.flatMap(History, (history) => f(history, root)).pipe(Effect.provide(layer(root)))
  }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))

const quotes = (rows: ReadonlyArray<readonly [ts: number, bid: number]>, instrument = 0): Columns => {
  const b = new QuoteBuilder()
  for (const [ts, bid] of rows) b.add(ts, instrument, bid, 1, bid + 1, 2)
  return b.build()
}

/** Every field of every row, for comparing `Columns` exactly. */
const rowsOf = (c: Columns): ReadonlyArray<ReadonlyArray<number>> => {
  const fields: ReadonlyArray<ArrayLike<number>> =
    c.kind === "quote"
      ? [c.ts, c.instrument, c.bidPrice, c.bidSize, c.askPrice, c.askSize]
      : c.kind === "trade"
        ? [c.ts, c.instrument, c.price, c.size, c.aggressor]
        : c.kind === "book"
          ? [c.ts, c.instrument, c.snapshot, c.side, c.price, c.size]
          : [c.ts, c.instrument, c.periodUs, c.open, c.high, c.low, c.close, c.volume]
  return Array.from({ length: c.length }, (_, i) => fields.map((f) => f[i]!))
}

const failure = <A>(effect: Effect.Effect<A, HistoryError>) => Effect.flip(effect)

/** Writes AAPL quotes `[ts, bid]`. */
const writeAapl = (history: HistoryStore, ...rows: ReadonlyArray<readonly [ts: number, bid: number]>) =>
  history.write(AAPL.id, quotes(rows))

describe("History layout and catalog", () => {
  it.effect("puts each day of each instrument in its own partition and catalogs it", () =>
    withHistory((history, root) =>
      Effect.gen(function* () {
        const day1 = us("2024-03-01T23:59:59Z")
        const day2 = us("2024-03-02T00:00:00Z")
        const written = yield* history.write(
          AAPL.id,
          quotes([
            [day1, 100],
            [day2, 101],
            [day2 + 5, 102]
          ])
        )
        yield* history.write(BTCUSDT.id, quotes([[day2, 5_000_000]], 2))
        expect(written).toEqual({
          rows: 3,
          parts: [
            "quotes/venue=XNAS/instrument=AAPL.XNAS/date=2024-03-01/part-0.parquet",
            "quotes/venue=XNAS/instrument=AAPL.XNAS/date=2024-03-02/part-0.parquet"
          ]
        })
        for (const part of written.parts) expect(existsSync(join(root, part))).toBe(true)
        expect(
          existsSync(join(root, "quotes/venue=BINANCE/instrument=BTC-USDT.BINANCE/date=2024-03-02/part-0.parquet"))
        ).toBe(true)
        expect(yield* history.catalog).toEqual([
          { instrument: AAPL.id, venue: "XNAS", kind: "quote", firstTs: day1, lastTs: day2 + 5, rows: 3, parts: 2 },
          { instrument: BTCUSDT.id, venue: "BINANCE", kind: "quote", firstTs: day2, lastTs: day2, rows: 1, parts: 1 }
        ])
        const file = JSON.parse(readFileSync(join(root, "_catalog.json"), "utf8"))
        expect(file.parts).toHaveLength(3)
      })
    )
  )

  it.effect("stores bars by month and keeps the catalog across reopening", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped({ prefix: "meridian-history-" })
      // 40 daily bars from 2024-01-30: 2 in January, 29 in February (leap year), 9 in March.
      const bars = generateBars({
        instruments: 1,
        count: 40,
        seed: 3,
        startTs: us("2024-01-30T00:00:00Z"),
        period: "1d" as BarPeriod,
        startPrice: 1000
      })
      const first = yield* Effect.flatMap(History, (h) => h.write(ES.id, bars)).pipe(Effect.provide(layer(root)))
      expect(first.parts).toEqual([
        "bars/venue=XCME/instrument=ESZ6.XCME/date=2024-01-01/part-0.parquet",
        "bars/venue=XCME/instrument=ESZ6.XCME/date=2024-02-01/part-0.parquet",
        "bars/venue=XCME/instrument=ESZ6.XCME/date=2024-03-01/part-0.parquet"
      ])
      // A new layer on the same root reads the catalog back and replays the same rows.
      const [catalog, loaded] = yield* Effect.flatMap(History, (h) =>
        Effect.all([h.catalog, h.load({ instruments: [ES.id], kind: "bar" })])
      ).pipe(Effect.provide(layer(root)))
      expect(catalog).toEqual([
        {
          instrument: ES.id,
          venue: "XCME",
          kind: "bar",
          firstTs: us("2024-01-30T00:00:00Z"),
          lastTs: us("2024-01-30T00:00:00Z") + 39 * DAY,
          rows: 40,
          parts: 3
        }
      ])
      expect(rowsOf(loaded)).toEqual(rowsOf(bars))
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))
  )

  it.effect("refuses a catalog file it cannot read", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped({ prefix: "meridian-history-" })
      yield* fs.writeFileString(join(root, "_catalog.json"), '{"version":1,"parts":[{"kind":"tick"}]}')
      const error = yield* Effect.flip(Effect.flatMap(History, (h) => h.catalog).pipe(Effect.provide(layer(root))))
      expect(error).toMatchObject({ _tag: "HistoryError", reason: "Catalog" })
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))
  )
})

describe("History writes are append-only", () => {
  it.effect("refuses overlapping rows, allows appending at the last timestamp and backfilling before", () =>
    withHistory((history, root) =>
      Effect.gen(function* () {
        const t = us("2024-05-06T14:00:00Z")
        yield* history.write(
          AAPL.id,
          quotes([
            [t + 10, 1],
            [t + 20, 2]
          ])
        )
        const catalogBefore = readFileSync(join(root, "_catalog.json"), "utf8")
        // [t+15, t+30] shares (t+15 .. t+20] with the stored [t+10, t+20].
        const overlap = yield* failure(
          history.write(
            AAPL.id,
            quotes([
              [t + 15, 3],
              [t + 30, 4]
            ])
          )
        )
        expect(overlap.reason).toBe("Overlap")
        expect(overlap.message).toContain("append-only")
        // Ending where stored data starts is an overlap too: those rows could not replay before the stored ones.
        expect((yield* failure(history.write(AAPL.id, quotes([[t + 10, 5]])))).reason).toBe("Overlap")
        // All or nothing: the good ES rows are not written either.
        const many = quotes([
          [t + 15, 6],
          [t + 16, 7]
        ])
        const mixed = { ...many, instrument: Uint32Array.of(0, 1) }
        expect((yield* failure(history.writeMany([ES.id, AAPL.id], mixed))).reason).toBe("Overlap")
        expect(readFileSync(join(root, "_catalog.json"), "utf8")).toBe(catalogBefore)
        // Starting at the last stored timestamp appends after it; a range wholly before is a backfill.
        yield* history.write(
          AAPL.id,
          quotes([
            [t + 20, 8],
            [t + 25, 9]
          ])
        )
        yield* history.write(AAPL.id, quotes([[t + 1, 10]]))
        const loaded = yield* history.load({ instruments: [AAPL.id], kind: "quote" })
        expect(Array.from(loaded.kind === "quote" ? loaded.bidPrice : [])).toEqual([10, 1, 2, 8, 9])
        expect(yield* history.catalog).toMatchObject([{ rows: 5, parts: 3, firstTs: t + 1, lastTs: t + 25 }])
      })
    )
  )

  it.effect("refuses unsorted or inexact rows with InvalidData and writes nothing", () =>
    withHistory((history) =>
      Effect.gen(function* () {
        const unsorted = yield* failure(
          history.write(
            AAPL.id,
            quotes([
              [20, 1],
              [10, 1]
            ])
          )
        )
        expect(unsorted).toMatchObject({ reason: "InvalidData" })
        expect(unsorted.message).toContain("row 1")
        expect((yield* failure(history.write(AAPL.id, quotes([[10, 1.5]])))).reason).toBe("InvalidData")
        const mixed = { ...quotes([[1, 1]]), length: 2, ts: Float64Array.of(1, 2), instrument: Uint32Array.of(0, 1) }
        expect((yield* failure(history.write(AAPL.id, mixed as Columns))).reason).toBe("InvalidData")
        expect(yield* history.catalog).toEqual([])
      })
    )
  )
})

/** Arbitrary sorted rows of one instrument: gaps of 0 (ties), a few µs, or hours (new date partitions). */
const instrumentRows = fc.array(
  fc.tuple(fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 }), fc.constant(7 * 3_600_000_000)), fc.nat(1000)),
  { maxLength: 25 }
)

/** Cumulative times from `start`: each row's gap after the previous one. */
const timed = (rows: ReadonlyArray<readonly [number, number]>, start: number) => {
  let ts = start
  return rows.map(([gap, price]) => {
    ts += gap
    return [ts, price] as const
  })
}

const tradesOf = (rows: ReadonlyArray<readonly [number, number]>, instrument: number): Columns => {
  const b = new TradeBuilder()
  for (const [ts, price] of rows) b.add(ts, instrument, price, 1 + (price % 7), price % 3)
  return b.build()
}

describe("History compaction", () => {
  it.effect("merges each partition's parts into one, replaying the same rows, and stays append-only", () =>
    withHistory((history, root) =>
      Effect.gen(function* () {
        const t = us("2024-05-06T14:00:00Z")
        const dir = "quotes/venue=XNAS/instrument=AAPL.XNAS/date=2024-05-06"
        // Three writes into one day, the third starting at the second's last instant (its row replays after), a
        // backfill before them all, a write over two days, and ES in one part (nothing to merge).
        yield* writeAapl(history, [t + 10, 1], [t + 20, 2])
        yield* writeAapl(history, [t + 30, 3], [t + 40, 4])
        yield* writeAapl(history, [t + 40, 5], [t + 50, 6])
        yield* writeAapl(history, [t + 1, 7])
        yield* writeAapl(history, [t + 60, 8], [t + DAY, 9])
        yield* history.write(ES.id, quotes([[t + 5, 10]], 1))
        const query = { instruments: [AAPL.id, ES.id], kind: "quote" as const }
        const before = rowsOf(yield* history.load(query))
        expect(before.map((r) => r[2])).toEqual([7, 10, 1, 2, 3, 4, 5, 6, 8, 9])

        expect(yield* history.compact).toEqual({ partitions: 1, parts: 5, total: 3 })
        expect(rowsOf(yield* history.load(query))).toEqual(before)
        expect(yield* history.catalog).toMatchObject([
          { instrument: AAPL.id, rows: 9, parts: 2, firstTs: t + 1, lastTs: t + DAY },
          { instrument: ES.id, rows: 1, parts: 1 }
        ])
        // The merged part takes the next number; the parts it replaced are gone from the disk.
        expect(readdirSync(join(root, dir))).toEqual(["part-5.parquet"])
        expect(yield* history.compact).toEqual({ partitions: 0, parts: 0, total: 3 })

        // Still append-only: an overlap is refused, an append at the last instant is not.
        expect((yield* failure(history.write(AAPL.id, quotes([[t + 15, 11]])))).reason).toBe("Overlap")
        yield* writeAapl(history, [t + DAY, 12])
        expect(rowsOf(yield* history.load(query)).map((r) => r[2])).toEqual([...before.map((r) => r[2]), 12])
      })
    )
  )
})

describe("History compaction keeps replays and rules", () => {
  it.effect("lets a replay started before a compaction read on; the files it read go when it ends", () =>
    withHistory((history, root) =>
      Effect.gen(function* () {
        const t = us("2024-05-06T14:00:00Z")
        yield* writeAapl(history, [t + 1, 1], [t + 2, 2])
        yield* writeAapl(history, [t + 3, 3], [t + DAY, 4])
        yield* writeAapl(history, [t + DAY + 1, 5])
        const dir = join(root, "quotes/venue=XNAS/instrument=AAPL.XNAS")
        const replayed = yield* Effect.scoped(
          Effect.gen(function* () {
            const pull = yield* Stream.toPull(history.replay({ instruments: [AAPL.id], kind: "quote", chunkRows: 1 }))
            const first = yield* pull
            expect(yield* history.compact).toMatchObject({ partitions: 2, parts: 4 })
            // The replaced parts stay while the replay runs.
            expect(readdirSync(join(dir, "date=2024-05-06")).sort()).toEqual([
              "part-0.parquet",
              "part-1.parquet",
              "part-2.parquet"
            ])
            const rest = yield* Stream.runCollect(Stream.repeatEffectOption(pull))
            return [
              ...Chunk.toReadonlyArray(first),
              ...Chunk.toReadonlyArray(rest).flatMap(Chunk.toReadonlyArray)
            ].flatMap(rowsOf)
          })
        )
        expect(replayed.map((r) => r[2])).toEqual([1, 2, 3, 4, 5])
        expect(readdirSync(join(dir, "date=2024-05-06"))).toEqual(["part-2.parquet"])
        expect(readdirSync(join(dir, "date=2024-05-07"))).toEqual(["part-2.parquet"])
        expect(JSON.parse(readFileSync(join(root, "_catalog.json"), "utf8")).obsolete).toBeUndefined()
      })
    )
  )

  it.effect("leaves the append-only rules as they were: gaps between merged writes can still be filled", () =>
    withHistory((history) =>
      Effect.gen(function* () {
        const t = us("2024-05-06T14:00:00Z")
        yield* writeAapl(history, [t + 10, 1], [t + 20, 2])
        yield* writeAapl(history, [t + 30, 3], [t + 40, 4])
        yield* history.compact
        const overlap = yield* failure(history.write(AAPL.id, quotes([[t + 15, 5]])))
        expect(overlap.reason).toBe("Overlap")
        // The clash named is the first write's range, not the merged part's whole span.
        expect(overlap.message).toMatch(
          /overlap stored rows from 2024-05-06T14:00:00\.000010Z to 2024-05-06T14:00:00\.000020Z/
        )
        // Into the gap, and from the first write's last instant: both allowed before the compaction, and after.
        yield* writeAapl(history, [t + 22, 6], [t + 25, 7])
        yield* writeAapl(history, [t + 20, 8], [t + 21, 9])
        const loaded = yield* history.load({ instruments: [AAPL.id], kind: "quote" })
        expect(rowsOf(loaded).map((r) => r[2])).toEqual([1, 2, 8, 9, 6, 7, 3, 4])
        // Merged again, the ranges join where they touch: [t+10, t+25] and [t+30, t+40] remain.
        yield* history.compact
        expect((yield* failure(history.write(AAPL.id, quotes([[t + 24, 10]])))).reason).toBe("Overlap")
        yield* writeAapl(history, [t + 27, 11])
        expect(rowsOf(yield* history.load({ instruments: [AAPL.id], kind: "quote" })).map((r) => r[2])).toEqual([
          1, 2, 8, 9, 6, 7, 11, 3, 4
        ])
      })
    )
  )

  it.effect("removes the obsolete files its catalog lists when it opens", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped({ prefix: "meridian-history-" })
      const t = us("2024-05-06T14:00:00Z")
      yield* Effect.flatMap(History, (h) => h.write(AAPL.id, quotes([[t, 1]]))).pipe(Effect.provide(layer(root)))
      // As a process that died while a replay ran after a compaction leaves it.
      const stale = "quotes/venue=XNAS/instrument=AAPL.XNAS/date=2024-05-06/part-7.parquet"
      yield* fs.writeFileString(join(root, stale), "old")
      const catalogFile = join(root, "_catalog.json")
      const catalog = JSON.parse(yield* fs.readFileString(catalogFile))
      yield* fs.writeFileString(catalogFile, JSON.stringify({ ...catalog, obsolete: [stale] }))
      const rows = yield* Effect.flatMap(History, (h) => h.load({ instruments: [AAPL.id], kind: "quote" })).pipe(
        Effect.provide(layer(root))
      )
      expect(rows.length).toBe(1)
      expect(existsSync(join(root, stale))).toBe(false)
      expect(JSON.parse(yield* fs.readFileString(catalogFile)).obsolete).toBeUndefined()
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))
  )
})

describe("History replay", () => {
  it("replays several instruments merged by time, then instrument order, then write order", async () => {
    const start = us("2024-01-01T20:00:00Z")
    const scenario = fc.record({
      series: fc.array(fc.tuple(instrumentRows, fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 3 }),
      order: fc.boolean(),
      chunkRows: fc.integer({ min: 1, max: 40 }),
      window: fc.tuple(fc.nat(24), fc.nat(24))
    })
    await fc.assert(
      fc.asyncProperty(scenario, ({ series, order, chunkRows, window }) =>
        Effect.runPromise(
          withHistory((history) =>
            Effect.gen(function* () {
              const all = series.map(([rows], k) => timed(rows, start + k))
              // Each instrument in two writes, split at a random row: the second may start at the first's last time.
              for (let k = 0; k < all.length; k++) {
                const rows = all[k]!
                const cut = Math.min(series[k]![1], rows.length)
                yield* history.write(ids[k]!, tradesOf(rows.slice(0, cut), 0))
                yield* history.write(ids[k]!, tradesOf(rows.slice(cut), 0))
              }
              // Query in given or reversed order; the output's instrument column is the position in the query.
              const positions = all.map((_, k) => k)
              if (order) positions.reverse()
              const [lo, hi] = [Math.min(...window), Math.max(...window)]
              const from = start + lo * 3_600_000_000
              const to = start + hi * 3_600_000_000 + 2
              const inRange = (rows: ReadonlyArray<readonly [number, number]>) =>
                rows.filter(([ts]) => ts >= from && ts < to)
              const sources = positions.map((k, q) => tradesOf(inRange(all[k]!), q))
              const merged = mergeByTime(sources)
              const expected = Array.from(merged.row, (r, i) => rowsOf(sources[merged.source[i]!]!)[r]!)

              const chunks = yield* Stream.runCollect(
                history.replay({ instruments: positions.map((k) => ids[k]!), kind: "trade", from, to, chunkRows })
              )
              const got = Chunk.toReadonlyArray(chunks)
              expect(got.every((c) => c.length > 0 && c.length <= chunkRows)).toBe(true)
              expect(got.flatMap(rowsOf)).toEqual(expected)
            })
          )
        )
      ),
      { numRuns: 20 }
    )
  })

  it.effect("replays nothing for an instrument or kind with no data, and refuses bad queries", () =>
    withHistory((history) =>
      Effect.gen(function* () {
        yield* history.write(AAPL.id, quotes([[5, 1]]))
        const none = yield* Stream.runCollect(history.replay({ instruments: [ES.id], kind: "quote" }))
        expect(Chunk.size(none)).toBe(0)
        const empty = yield* history.load({ instruments: [AAPL.id], kind: "bar" })
        expect(empty).toMatchObject({ kind: "bar", length: 0 })
        const repeated = yield* failure(history.load({ instruments: [AAPL.id, AAPL.id], kind: "quote" }))
        expect(repeated.reason).toBe("InvalidQuery")
        const chunk = yield* failure(history.load({ instruments: [AAPL.id], kind: "quote", chunkRows: 0 }))
        expect(chunk.reason).toBe("InvalidQuery")
      })
    )
  )
})

describe("History CSV import", () => {
  const sp500 = new URL("../../node_modules/vega-datasets/data/sp500-2000.csv", import.meta.url).pathname

  it.effect("round-trips every daily S&P 500 bar of 2000-2020 exactly", () =>
    withHistory((history) =>
      Effect.gen(function* () {
        const summary = yield* history.importCsv({ kind: "bar", path: sp500, spec: aapl })
        // 5,105 bars from 2000-01-03 to 2020-04-17: 20 years × 12 months + 4 months of 2020 = 244 monthly parts.
        expect(summary.rows).toBe(5_105)
        expect(summary.parts).toHaveLength(244)
        expect(yield* history.catalog).toEqual([
          {
            instrument: AAPL.id,
            venue: "XNAS",
            kind: "bar",
            firstTs: us("2000-01-03T00:00:00Z"),
            lastTs: us("2020-04-17T00:00:00Z"),
            rows: 5_105,
            parts: 244
          }
        ])
        const expected = readBarsCsv(readFileSync(sp500, "utf8"), { file: "sp500-2000.csv", spec: aapl })
        if (Either.isLeft(expected)) throw expected.left
        const loaded = yield* history.load({ instruments: [AAPL.id], kind: "bar" })
        expect(rowsOf(loaded)).toEqual(rowsOf(expected.right))
        // 2000-01-03,1469.250000,1478.000000,1438.359985,1455.219971,... in cents; one day in µs.
        expect(rowsOf(loaded)[0]).toEqual([
          us("2000-01-03T00:00:00Z"),
          0,
          DAY,
          146_925,
          147_800,
          143_836,
          145_522,
          931_800_000
        ])
      })
    )
  )

  it.effect("fails a bad row with its line and writes nothing", () =>
    withHistory((history, root) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const file = join(root, "aapl-quotes.csv")
        yield* fs
          .writeFileString(
            file,
            [
              "timestamp,bid,bid_size,ask,ask_size",
              "2024-01-02T14:30:00Z,185.10,3,185.12,4",
              "2024-01-02T14:30:01Z,185.11,3,185.13,4",
              "2024-01-02T14:30:02Z,185.20,3,185.13,4"
            ].join("\n")
          )
          .pipe(Effect.orDie)
        const error = yield* failure(history.importCsv({ kind: "quote", path: file, spec: aapl }))
        // Line 4 (the header is line 1): bid 185.20 above ask 185.13.
        expect(error).toMatchObject({ reason: "Csv", line: 4 })
        expect(error.message).toContain("aapl-quotes.csv line 4")
        expect(yield* history.catalog).toEqual([])
        const missing = yield* failure(history.importCsv({ kind: "trade", path: join(root, "nope.csv"), spec: aapl }))
        expect(missing.reason).toBe("Io")
      })
    )
  )
})

describe("loadCatalogData", () => {
  it.effect("loads each stored kind of the instruments, indexed by their order", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const root = yield* fs.makeTempDirectoryScoped({ prefix: "meridian-history-" })
      yield* Effect.flatMap(History, (h) =>
        Effect.all([
          h.write(AAPL.id, quotes([[10, 1]])),
          h.write(ES.id, quotes([[20, 2]])),
          h.write(ES.id, tradesOf([[15, 3]], 0))
        ])
      ).pipe(Effect.provide(layer(root)))
      const data = yield* loadCatalogData(root, [ES.id, AAPL.id], 0, 100)
      // Kinds in bar, trade, quote order; ES is instrument 0 and AAPL 1.
      expect(data.map((c) => [c.kind, ...rowsOf(c).map((r) => [r[0], r[1]])])).toEqual([
        ["trade", [15, 0]],
        ["quote", [10, 1], [20, 0]]
      ])
      const notFound = yield* Effect.flip(loadCatalogData(root, [BTCUSDT.id]))
      expect(notFound).toMatchObject({ reason: "NotFound" })
      const malformed = yield* Effect.flip(loadCatalogData(root, ["AAPL"]))
      expect(malformed).toMatchObject({ reason: "InvalidQuery" })
    }).pipe(Effect.scoped, Effect.provide(NodeContext.layer))
  )
})

describe("History L2 books", () => {
  const bookFile = new URL("../../test/fixtures/book/btc-usdt-book.csv", import.meta.url).pathname
  const btc = specs.list[2]!

  it.effect("imports a Tardis-style book CSV and loads back the same rows, snapshot flags and sides", () =>
    withHistory((history, root) =>
      Effect.gen(function* () {
        const summary = yield* history.importCsv({ kind: "book", path: bookFile, spec: btc })
        expect(summary).toEqual({
          rows: 11,
          parts: ["books/venue=BINANCE/instrument=BTC-USDT.BINANCE/date=2024-03-01/part-0.parquet"]
        })
        expect(existsSync(join(root, summary.parts[0]!))).toBe(true)
        expect((yield* history.catalog).map((e) => [e.kind, e.instrument, e.rows])).toEqual([["book", BTCUSDT.id, 11]])
        const expected = readBookCsv(readFileSync(bookFile), { file: "book.csv", spec: btc })
        if (Either.isLeft(expected)) throw expected.left
        const loaded = yield* history.load({ instruments: [BTCUSDT.id], kind: "book" })
        expect(loaded.kind).toBe("book")
        // The loaded rows are indexed by their place in the query, the read ones by the spec's: every other field.
        const fields = (c: Columns) => rowsOf(c).map(([ts, _instrument, ...rest]) => [ts, ...rest])
        expect(fields(loaded)).toEqual(fields(expected.right))
        expect(Array.from(loaded.instrument)).toEqual(Array(11).fill(0))
        const data = yield* loadCatalogData(root, [BTCUSDT.id])
        expect(data.map((c) => [c.kind, c.length])).toEqual([["book", 11]])
      })
    )
  )

  it.effect("fails a bad book row with its line and writes nothing", () =>
    withHistory((history, root) =>
      Effect.gen(function* () {
        const fs = yield* FileSystem.FileSystem
        const file = join(root, "book.csv")
        yield* fs
          .writeFileString(
            file,
            [
              "timestamp,is_snapshot,side,price,amount",
              "1709251200000000,true,bid,42000.00,1",
              "1709251200000000,true,up,1,1"
            ].join("\n")
          )
          .pipe(Effect.orDie)
        const error = yield* failure(history.importCsv({ kind: "book", path: file, spec: btc }))
        expect(error).toMatchObject({ reason: "Csv", line: 3 })
        expect(error.message).toBe('book.csv line 3, column "side": unknown side "up" (bid or ask)')
        expect(yield* history.catalog).toEqual([])
      })
    )
  )
})
