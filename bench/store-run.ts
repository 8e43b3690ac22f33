/**
 * Storing a backtest run: a seeded run with a 1,000,000-sample equity curve and 20,000 trades, timed through
 * `RunInbox.write` (a durable file, no database), `RunInbox.ingest` and `BacktestRuns.record` on the embedded
 * database once open (PGlite's start is not counted), and `record` on a real server: a fresh database on
 * DATABASE_URL when set, else on MERIDIAN_TEST_PG_URL or a local cluster as the other benchmarks (none: skipped).
 * Each figure is the median of 5 runs (each a new run id). Prints one JSON line at the end.
 */
import { FileSystem, Path } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Config, Effect, Layer, Option } from "effect"
import * as BacktestRuns from "../core/db/BacktestRuns"
import * as Database from "../core/db/Database"
import { decodeEquity, encodeEquity } from "../core/db/internal/equitySeries"
import { syntheticRun } from "../core/db/internal/sampleRuns"
import * as RunInbox from "../core/db/RunInbox"
import { scratchDatabase } from "../test/support/db/scratchDatabase"
import { serverLayer, serverSource } from "../test/support/db/testServer"

const SAMPLES = 1_000_000
const TRADES = 20_000
const REPEAT = 5

const base = syntheticRun({ samples: SAMPLES, trades: TRADES, seed: 42 })
/** The same run made at another instant: another id. */
const runAt = (k: number): BacktestRuns.BacktestRun => ({ ...base, createdAt: base.createdAt + k })

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const round = (ms: number) => Math.round(ms * 10) / 10

/** Median milliseconds of `REPEAT` runs of `f(k)`, each after `before(k)` (not timed). */
const timed = <E, R, E2 = never, R2 = never>(
  f: (k: number) => Effect.Effect<unknown, E, R>,
  before: (k: number) => Effect.Effect<unknown, E2, R2> = () => Effect.void
) =>
  Effect.gen(function* () {
    const times: Array<number> = []
    for (let k = 0; k < REPEAT; k++) {
      yield* before(k)
      const start = performance.now()
      yield* f(k)
      times.push(performance.now() - start)
    }
    return round(median(times))
  })

const plain = (f: () => unknown) => timed(() => Effect.sync(f))

/** The embedded figures, on a data folder on disk as `.meridian/db` is. */
const embedded = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const path = yield* Path.Path
  const dir = path.join(yield* fs.makeTempDirectoryScoped({ prefix: "meridian-bench-store-" }), "db")
  const inboxWrite = yield* timed((k) => RunInbox.write(dir, runAt(k)))
  const inbox = path.join(dir, "inbox")
  const fileBytes = (yield* fs.stat(path.join(inbox, (yield* fs.readDirectory(inbox))[0] ?? ""))).size
  const database = yield* Layer.build(Database.layerEmbedded({ dataDir: dir }))
  return yield* Effect.gen(function* () {
    const runs = yield* BacktestRuns.make
    // One file per ingest: move the others aside and bring them back one at a time.
    const names = yield* fs.readDirectory(inbox)
    const parked = path.join(path.dirname(dir), "parked")
    yield* fs.makeDirectory(parked)
    for (const name of names) yield* fs.rename(path.join(inbox, name), path.join(parked, name))
    const ingest = yield* timed(
      () => RunInbox.ingest(dir),
      (k) => fs.rename(path.join(parked, names[k] ?? ""), path.join(inbox, names[k] ?? ""))
    )
    const record = yield* timed((k) => runs.record(runAt(REPEAT + k)))
    return { inboxWrite, fileBytes: Number(fileBytes), ingest, record }
  }).pipe(Effect.provide(database))
})

/** A real server: a fresh database on DATABASE_URL, else the test server of the other benchmarks. */
const server = Effect.gen(function* () {
  const url = yield* Config.option(Config.string("DATABASE_URL"))
  const name = `meridian_bench_store_run_${process.pid}`
  if (Option.isSome(url)) {
    return { layer: Database.layer(yield* scratchDatabase(url.value, name)), from: "DATABASE_URL" }
  }
  const source = serverSource()
  if (source._tag === "None") {
    console.log(`real server: skipped (${source.why})`)
    return undefined
  }
  return { layer: serverLayer(source, name), from: source._tag === "Url" ? "MERIDIAN_TEST_PG_URL" : "local cluster" }
})

const program = Effect.gen(function* () {
  const equity = base.report!.equity
  const bytes = encodeEquity(equity)
  const encode = yield* plain(() => encodeEquity(equity))
  const decode = yield* plain(() => decodeEquity(bytes))
  console.log(`equity curve: ${SAMPLES} samples in ${bytes.length} bytes; encode ${encode} ms, decode ${decode} ms`)
  const local = yield* embedded
  console.log(
    `embedded: inbox write ${local.inboxWrite} ms (${local.fileBytes} bytes), ingest ${local.ingest} ms, record ${local.record} ms`
  )
  const real = yield* server
  const recordServer =
    real === undefined
      ? null
      : yield* Effect.flatMap(BacktestRuns.make, (runs) => timed((k) => runs.record(runAt(k)))).pipe(
          Effect.provide(real.layer)
        )
  if (real !== undefined) console.log(`real server (${real.from}): record ${recordServer} ms`)
  console.log(
    JSON.stringify({
      bench: "store-run",
      samples: SAMPLES,
      trades: TRADES,
      equity_bytes: bytes.length,
      equity_encode_ms: encode,
      equity_decode_ms: decode,
      inbox_write_ms: local.inboxWrite,
      inbox_file_bytes: local.fileBytes,
      ingest_ms: local.ingest,
      record_embedded_ms: local.record,
      record_server_ms: recordServer,
      server: real?.from ?? "none"
    })
  )
})

Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(NodeContext.layer))).catch((error) => {
  console.error(error)
  process.exit(1)
})
