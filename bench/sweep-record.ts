/**
 * What recording a sweep's results costs the sweep process: the runs of real jobs (SMA crossover on the S&P 500's
 * daily bars of 2000-2010, or with `MERIDIAN_BENCH_SWEEP_BARS=50000` on as many seeded minute bars as `bench/sweep`
 * replays; `MERIDIAN_BENCH_SWEEP_RECORD_JOBS` of them, default 128, each with its trades and curve)
 * recorded in the embedded database (opened first, not counted) one transaction per result, as a sweep recorded them
 * before, and in batches of 64 as `meridian sweep` records them now. Figures: CPU ms per result of this process (the
 * embedded database runs in it), the median of 3 rounds alternating the two ways. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as Database from "../core/db/Database"
import * as Sweeps from "../core/db/Sweeps"
import { jobResult } from "../core/research/JobRunner"
import type { JobSpec } from "../core/research/ResearchJob"
import * as StaticDataSet from "../core/staticdata/StaticDataSet"
import { runJob } from "../runtimes/cli/ResearchJobRunner"
import { benchData, benchSpec } from "./internal/sweepJobs"

const JOBS = Number(process.env.MERIDIAN_BENCH_SWEEP_RECORD_JOBS ?? 128)
const BATCH = 64
const ROUNDS = 3
const BARS = Number(process.env.MERIDIAN_BENCH_SWEEP_BARS ?? 5105)
const dir = mkdtempSync(join(tmpdir(), "meridian-bench-sweep-record-"))
const { file: data, daily } = benchData(BARS, dir)
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const round = (x: number) => Math.round(x * 10) / 10

const program = Effect.gen(function* () {
  const set = yield* StaticDataSet.loadShipped
  const spec = (sweepId: string, i: number): JobSpec =>
    benchSpec(
      set,
      data,
      sweepId,
      `${sweepId}-${i}`,
      daily
        ? { fast: String(2 + (i % 40)), slow: String(60 + 30 * Math.floor(i / 40)) }
        : { fast: String(10 * (2 + (i % 40))), slow: String(600 + 300 * Math.floor(i / 40)) }
    )
  // The outcomes once: the jobs' runs, recorded again under each round's sweep.
  const outcomes = yield* Effect.forEach(
    Array.from({ length: JOBS }, (_, i) => spec("template", i)),
    (s) => runJob(s, () => Effect.succeed(set))
  )
  const trades = outcomes.reduce((n, o) => n + (o._tag === "Completed" ? (o.run.report?.trades.length ?? 0) : 0), 0)
  const sweeps = yield* Sweeps.Sweeps
  /** CPU ms per result of recording every outcome under a new sweep `id`, `size` results per transaction. */
  const recordAll = (id: string, size: number) =>
    Effect.gen(function* () {
      yield* sweeps.submit({
        id,
        strategy: "strategy-sma-cross",
        spec: {},
        createdAt: 1,
        jobs: outcomes.map((_, i) => ({ jobId: `${id}-${i}`, parameters: spec(id, i).params }))
      })
      const results = yield* Effect.forEach(outcomes, (outcome, i) => jobResult(`${id}-${i}`, outcome, "bench"))
      const cpu = process.cpuUsage()
      for (let i = 0; i < results.length; i += size) yield* sweeps.record(results.slice(i, i + size))
      const used = process.cpuUsage(cpu)
      return (used.user + used.system) / 1000 / results.length
    })
  yield* recordAll("warm-up", BATCH)
  const alone: Array<number> = []
  const batched: Array<number> = []
  for (let r = 0; r < ROUNDS; r++) {
    alone.push(yield* recordAll(`alone-${r}`, 1))
    batched.push(yield* recordAll(`batched-${r}`, BATCH))
  }
  console.log(
    JSON.stringify({
      bench: "sweep-record",
      results: JOBS,
      bars_per_job: BARS,
      trades_per_result: round(trades / JOBS),
      cpu_ms_per_result_alone: round(median(alone)),
      cpu_ms_per_result_batched: round(median(batched)),
      batch: BATCH
    })
  )
})

await Effect.runPromise(
  program.pipe(
    Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))),
    Effect.provide(Layer.provideMerge(Sweeps.layer, Database.layerEmbedded())),
    Effect.provide(NodeContext.layer)
  )
)
