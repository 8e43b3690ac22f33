import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { expect, layer } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { Packr } from "msgpackr"
import * as BacktestRuns from "./BacktestRuns"
import * as Database from "./Database"
import { encodeRun } from "./internal/backtestRuns"
import { sampleReport, sampleRun, syntheticRun } from "./internal/sampleRuns"
import * as RunInbox from "./RunInbox"

const files = (folder: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.map(fs.readDirectory(folder), (names) => names.filter((n) => n !== "rejected").sort())
  )

const tempDir = Effect.flatMap(FileSystem.FileSystem, (fs) => fs.makeTempDirectoryScoped({ prefix: "meridian-inbox-" }))

/** Runs `effect` collecting the messages it logs. */
const logged = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const messages: Array<string> = []
    const collect = Logger.make(({ logLevel, message }) => {
      messages.push(`${logLevel.label} ${String(message)}`)
    })
    const result = yield* Effect.provide(effect, Logger.replace(Logger.defaultLogger, collect))
    return [result, messages] as const
  })

layer(Layer.mergeAll(Layer.provideMerge(BacktestRuns.layer, Database.layerEmbedded()), NodeContext.layer), {
  timeout: "60 seconds",
  excludeTestServices: true
})("run inbox on the embedded database", (it) => {
  it.scoped("a run written to the inbox is ingested once, exactly as recorded", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const path = yield* Path.Path
      const dir = yield* tempDir
      const run = syntheticRun({ samples: 5_000, trades: 500, seed: 3 })
      const id = yield* RunInbox.write(dir, run)
      expect(yield* files(path.join(dir, "inbox"))).toEqual([`${id}.run`])
      expect(yield* RunInbox.ingest(dir)).toBe(1)
      expect(yield* runs.show(id)).toStrictEqual({ id, ...run })
      expect(yield* files(path.join(dir, "inbox"))).toEqual([])
      expect(yield* RunInbox.ingest(dir)).toBe(0)
      // A failed run has no report.
      const { report: _, ...failed } = sampleRun("inbox-failed", 2, { status: "failed", error: "boom" })
      const failedId = yield* RunInbox.write(dir, failed)
      expect(yield* RunInbox.ingest(dir)).toBe(1)
      expect(yield* runs.show(failedId)).toStrictEqual({ id: failedId, ...failed })
    })
  )

  it.scoped("a curve whose steps do not fit int32 deltas, and a run without trades, round-trip exactly", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const dir = yield* tempDir
      const report = sampleReport()
      const n = report.equity.ts.length
      // Times a microsecond apart from the first (no common unit) and equity leaping by 2^40 minor units: doubles.
      const ts = Float64Array.from(report.equity.ts, (t, i) => t + i)
      const equity = Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 2 ** 40 : -5) + i)
      const wide = { ...report, equity: { ts, equity, drawdownPct: report.equity.drawdownPct } }
      const run = sampleRun("inbox-wide", 8, { report: wide })
      const id = yield* RunInbox.write(dir, run)
      const empty = sampleRun("inbox-no-trades", 9, { report: { ...report, trades: [] } })
      const emptyId = yield* RunInbox.write(dir, empty)
      expect(yield* RunInbox.ingest(dir)).toBe(2)
      const shown = yield* runs.show(id)
      expect(shown.report?.equity.ts).toEqual(ts)
      expect(shown.report?.equity.equity).toEqual(equity)
      expect(shown.report?.trades).toStrictEqual(report.trades)
      expect((yield* runs.show(emptyId)).report?.trades).toEqual([])
    })
  )

  it.scoped("a file of the first format (trades as arrays, the curve as varints) is still ingested", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* tempDir
      yield* RunInbox.prepare(dir)
      const run = syntheticRun({ samples: 2_000, trades: 50, seed: 5 })
      // As format 1 wrote it: the head's length, the msgpack head, the curve's bytes.
      const { report, ...encoded } = encodeRun(run)
      const { equity, ...rest } = report!
      const head = new Packr({ useRecords: true, mapsAsObjects: true, int64AsType: "number" }).pack({
        format: 1,
        run: { ...encoded, report: rest }
      })
      const length = Buffer.alloc(4)
      length.writeUInt32BE(head.length)
      yield* fs.writeFile(path.join(dir, "inbox", `${encoded.id}.run`), Buffer.concat([length, head, equity]))
      expect(yield* RunInbox.ingest(dir)).toBe(1)
      expect(yield* runs.show(encoded.id)).toStrictEqual({ id: encoded.id, ...run })
    })
  )

  it.scoped("a file whose run is stored already is removed without a duplicate", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const path = yield* Path.Path
      const dir = yield* tempDir
      const run = sampleRun("inbox-twice", 3)
      // The same id either way: a crash after the commit and before the file's removal leaves exactly this.
      const id = yield* runs.record(run)
      expect(yield* RunInbox.write(dir, run)).toBe(id)
      expect(yield* RunInbox.ingest(dir)).toBe(0)
      expect(yield* files(path.join(dir, "inbox"))).toEqual([])
      expect(yield* runs.list({ limit: 10, strategy: "inbox-twice" })).toHaveLength(1)
    })
  )

  it.scoped("a file that is not a run is moved aside with a warning, and the others are ingested", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* tempDir
      const inbox = path.join(dir, "inbox")
      const good = yield* RunInbox.write(dir, sampleRun("inbox-good", 4))
      const cut = yield* RunInbox.write(dir, sampleRun("inbox-cut", 5))
      const whole = yield* fs.readFile(path.join(inbox, `${cut}.run`))
      yield* fs.writeFile(path.join(inbox, `${cut}.run`), whole.subarray(0, whole.length - 9))
      yield* fs.writeFileString(path.join(inbox, "0123456789ab.run"), "not msgpack at all")
      // Left by a write that crashed before its rename: not a run yet, so not touched.
      yield* fs.writeFileString(path.join(inbox, "ba9876543210.run.tmp"), "partial")
      const [count, messages] = yield* logged(RunInbox.ingest(dir))
      expect(count).toBe(1)
      expect(yield* runs.show(good)).toMatchObject({ id: good, strategy: "inbox-good" })
      expect(yield* files(path.join(inbox, "rejected"))).toEqual(["0123456789ab.run", `${cut}.run`])
      expect(yield* files(inbox)).toEqual(["ba9876543210.run.tmp"])
      expect(messages).toHaveLength(2)
      expect(messages.join("\n")).toMatch(/WARN inbox: .*0123456789ab\.run is not a backtest run \(/)
      expect(yield* RunInbox.ingest(dir)).toBe(0)
    })
  )

  it.scoped("a run the database refuses is moved aside and does not block the runs after it", () =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const path = yield* Path.Path
      const dir = yield* tempDir
      const inbox = path.join(dir, "inbox")
      // jsonb takes no NUL character: the database refuses this run at every attempt.
      const refused = yield* RunInbox.write(dir, { ...sampleRun("inbox-nul", 6), parameters: { note: "a\u0000b" } })
      const good = yield* RunInbox.write(dir, sampleRun("inbox-after", 7))
      const [count, messages] = yield* logged(RunInbox.ingest(dir))
      expect(count).toBe(1)
      expect(yield* runs.show(good)).toMatchObject({ id: good, strategy: "inbox-after" })
      expect(yield* files(path.join(inbox, "rejected"))).toEqual([`${refused}.run`])
      expect(messages.join("\n")).toMatch(new RegExp(`WARN inbox: .*${refused}\\.run was refused by the database \\(`))
      expect(yield* RunInbox.ingest(dir)).toBe(0)
    })
  )

  it.scoped("removes the temporary file of a write that died long ago, and keeps one in progress", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      const dir = yield* tempDir
      yield* RunInbox.prepare(dir)
      const inbox = path.join(dir, "inbox")
      const stale = path.join(inbox, "000000000001.run.tmp")
      const fresh = path.join(inbox, "000000000002.run.tmp")
      yield* fs.writeFileString(stale, "half a run")
      yield* fs.writeFileString(fresh, "half a run")
      const anHourAgo = new Date(Date.now() - 3_600_000)
      yield* fs.utimes(stale, anHourAgo, anHourAgo)
      const [stored, messages] = yield* logged(RunInbox.ingest(dir))
      expect(stored).toBe(0)
      expect(yield* files(inbox)).toEqual(["000000000002.run.tmp"])
      expect(messages).toEqual([`WARN inbox: removed ${stale}, a write that never finished`])
    })
  )

  it.scoped("refuses to write a curve that is not exact integers, leaving no file", () =>
    Effect.gen(function* () {
      const path = yield* Path.Path
      const dir = yield* tempDir
      const report = sampleReport()
      const inexact = { ...report, equity: { ...report.equity, ts: report.equity.ts.map((t) => t + 0.5) } }
      const error = yield* RunInbox.write(dir, sampleRun("inbox-inexact", 6, { report: inexact })).pipe(Effect.flip)
      expect(error).toMatchObject({ _tag: "DatabaseError", reason: "Inbox" })
      expect(error.message).toMatch(/ts\[0\] = .* is not a safe integer/)
      expect(yield* Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(path.join(dir, "inbox")))).toBe(false)
    })
  )
})

layer(NodeContext.layer, { timeout: "60 seconds", excludeTestServices: true })("run inbox in a data folder", (it) => {
  it.scoped("runs written before the database exists are there when it opens, PGlite sharing its folder", () =>
    Effect.gen(function* () {
      const path = yield* Path.Path
      const dataDir = path.join(yield* tempDir, "db")
      const first = sampleRun("inbox-persistent", 10)
      const second = sampleRun("inbox-persistent", 11)
      const firstId = yield* RunInbox.write(dataDir, first)
      const open = (effect: Effect.Effect<unknown, unknown, BacktestRuns.BacktestRuns>) =>
        Effect.provide(effect, Layer.provide(BacktestRuns.layerIngesting(dataDir), Database.layerEmbedded({ dataDir })))
      // A fresh data folder holding only the inbox: PGlite creates its database beside it.
      yield* open(Effect.flatMap(BacktestRuns.BacktestRuns, (runs) => runs.show(firstId)))
      const secondId = yield* RunInbox.write(dataDir, second)
      const listed = yield* open(
        Effect.flatMap(BacktestRuns.BacktestRuns, (runs) => runs.list({ limit: 10, strategy: "inbox-persistent" }))
      )
      expect(listed).toMatchObject([{ id: secondId }, { id: firstId }])
      expect(yield* files(path.join(dataDir, "inbox"))).toEqual([])
    })
  )
})
