/**
 * Market data history throughput: 10,000,000 seeded quotes over 2 instruments written to a temporary Parquet
 * dataset in batches of 1,000,000, then replayed through the `History.replay` stream in timestamp order, counting
 * rows. Prints rows/s of both and the RSS during replay, sampled at every chunk: bounded memory means the peak
 * stays near the RSS seen after the first tenth of the rows. The last line is one JSON object.
 */
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
import { FileSystem } from "@effect/platform"
import { NodeContext } from "@effect/platform-node"
import { Effect, Stream } from "effect"
import { generateQuotes } from "../core/data/Generate"
import { History, layer } from "../core/history/History"
import { AAPL, BTCUSDT } from "../test/fixtures/instruments"

const COUNT = 10_000_000
const BATCH = 1_000_000
const STEP_US = 200_000 // 10M rows × 0.2 s ≈ 23 days: one date partition holds ≈ 430,000 rows.
const START_TS = 1_704_067_200_000_000 // 2024-01-01T00:00:00Z
const instruments = [AAPL.id, BTCUSDT.id]

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024)
const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000))

const main = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const root = yield* fs.makeTempDirectoryScoped({ prefix: "meridian-bench-replay-" })
  const result = yield* Effect.flatMap(History, (history) =>
    Effect.gen(function* () {
      const rssStart = process.memoryUsage.rss()
      const writeStart = performance.now()
      let written = 0
      for (let batch = 0; written < COUNT; batch++) {
        const count = Math.min(BATCH, COUNT - written)
        const quotes = generateQuotes({
          instruments: 2,
          count,
          seed: 42 + batch,
          startTs: START_TS + written * STEP_US,
          stepUs: STEP_US,
          startPrice: 15_000,
          spreadTicks: 1
        })
        written += (yield* history.writeMany(instruments, quotes)).rows
      }
      const writeMs = performance.now() - writeStart
      const catalog = yield* history.catalog
      const parts = catalog.reduce((sum, e) => sum + e.parts, 0)

      globalThis.gc?.()
      const rssBefore = process.memoryUsage.rss()
      let rows = 0
      let chunks = 0
      let lastTs = 0
      let ordered = true
      let peakRss = rssBefore
      let rssAtTenth = 0
      const replayStart = performance.now()
      yield* Stream.runForEach(history.replay({ instruments, kind: "quote" }), (chunk) =>
        Effect.sync(() => {
          for (let i = 0; i < chunk.length; i++) {
            const ts = chunk.ts[i]!
            if (ts < lastTs) ordered = false
            lastTs = ts
          }
          rows += chunk.length
          chunks++
          const rss = process.memoryUsage.rss()
          if (rss > peakRss) peakRss = rss
          if (rssAtTenth === 0 && rows >= COUNT / 10) rssAtTenth = peakRss
        })
      )
      const replayMs = performance.now() - replayStart
      return { rssStart, written, writeMs, parts, rows, chunks, ordered, replayMs, rssBefore, rssAtTenth, peakRss }
    })
  ).pipe(Effect.provide(layer(root)))
  const datasetBytes = (readdirSync(root, { recursive: true }) as Array<string>)
    .filter((f) => f.endsWith(".parquet"))
    .reduce((sum, f) => sum + statSync(join(root, f)).size, 0)
  return { ...result, datasetBytes }
})

const r = await Effect.runPromise(main.pipe(Effect.scoped, Effect.provide(NodeContext.layer)))
if (r.rows !== COUNT || !r.ordered) throw new Error(`replay returned ${r.rows} rows, in order: ${r.ordered}`)
console.log(
  `write: ${r.written} quotes into ${r.parts} Parquet parts (${mb(r.datasetBytes)} MB) in ${(r.writeMs / 1000).toFixed(1)} s`
)
console.log(`replay: ${r.rows} quotes in ${r.chunks} chunks in ${(r.replayMs / 1000).toFixed(1)} s`)
console.log(
  `rss: ${mb(r.rssStart)} MB with the store open, ${mb(r.rssBefore)} MB before replay, ${mb(r.rssAtTenth)} MB after 10%, peak ${mb(r.peakRss)} MB`
)
console.log(
  JSON.stringify({
    bench: "replay",
    rows: r.rows,
    write_rows_per_s: rate(r.written, r.writeMs),
    replay_rows_per_s: rate(r.rows, r.replayMs),
    parquet_parts: r.parts,
    dataset_mb: mb(r.datasetBytes),
    rss_store_open_mb: mb(r.rssStart),
    rss_before_replay_mb: mb(r.rssBefore),
    replay_rss_after_10pct_mb: mb(r.rssAtTenth),
    replay_peak_rss_mb: mb(r.peakRss)
  })
)
