import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer, type Vitest } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { serverLayer, serverRequired, serverSource } from "../../test/support/db/testServer"
import * as BacktestRuns from "./BacktestRuns"
import * as Database from "./Database"
import { compactEquity, encodeEquity } from "./internal/equitySeries"
import { sampleReport, sampleRun, syntheticRun } from "./internal/sampleRuns"
import * as Sweeps from "./Sweeps"

type Env = Sweeps.Sweeps | BacktestRuns.BacktestRuns | Database.Database

const sweep = (id: string, jobs: number): Sweeps.Sweep => ({
  id,
  strategy: "strategy-sma-cross",
  spec: { grid: ["fast=5,10"] },
  createdAt: 1,
  jobs: Array.from({ length: jobs }, (_, i) => ({ jobId: `${id}-job-${i}`, parameters: { fast: String(5 * (i + 1)) } }))
})

const suite = (it: Vitest.MethodsNonLive<Env, true>) => {
  it.effect("queues a sweep's jobs once and stores each job's result once, whoever ran it and how often", () =>
    Effect.gen(function* () {
      const sweeps = yield* Sweeps.Sweeps
      const sql = yield* SqlClient.SqlClient
      yield* sweeps.submit(sweep("s1", 3))
      // Submitting again (a client that restarted) changes nothing.
      yield* sweeps.submit(sweep("s1", 3))
      expect(yield* sweeps.progress("s1")).toEqual({ total: 3, completed: 0, failed: 0 })
      const run = (createdAt: number) => sampleRun("strategy-sma-cross", createdAt, { report: sampleReport() })
      const completed = (jobId: string, createdAt: number, worker: string): Sweeps.JobResult => ({
        _tag: "Completed",
        jobId,
        worker,
        run: run(createdAt)
      })
      const failed = (jobId: string, error: string, worker: string): Sweeps.JobResult => ({
        _tag: "Failed",
        jobId,
        worker,
        error,
        at: 40
      })
      expect(yield* sweeps.isQueued("s1-job-0")).toBe(true)
      expect(yield* sweeps.record([completed("s1-job-0", 10, "a")])).toEqual([true])
      expect(yield* sweeps.isQueued("s1-job-0")).toBe(false)
      // The same job run again elsewhere (a runner presumed dead): its run is not stored.
      expect(yield* sweeps.record([completed("s1-job-0", 11, "b")])).toEqual([false])
      expect(yield* sweeps.record([failed("s1-job-0", "late failure", "b")])).toEqual([false])
      // Two workers finishing the same job at once: exactly one stores it.
      const both = yield* Effect.all(
        [sweeps.record([completed("s1-job-1", 20, "a")]), sweeps.record([completed("s1-job-1", 21, "b")])],
        { concurrency: 2 }
      )
      expect(both.flat().filter(Boolean)).toHaveLength(1)
      // A batch: each result in order, a job's second result and a job of no sweep not recorded.
      expect(
        yield* sweeps.record([
          failed("s1-job-2", "no data", "c"),
          completed("unknown-job", 30, "a"),
          completed("s1-job-2", 31, "a"),
          completed("s1-job-0", 32, "a")
        ])
      ).toEqual([true, false, false, false])
      expect(yield* sweeps.progress("s1")).toEqual({ total: 3, completed: 2, failed: 1 })
      const jobs = yield* sweeps.jobs("s1")
      expect(jobs.map((j) => [j.jobId, j.status, j.worker, j.error])).toEqual([
        ["s1-job-0", "completed", "a", null],
        ["s1-job-1", "completed", expect.any(String), null],
        ["s1-job-2", "failed", "c", "no data"]
      ])
      expect(jobs[0]!.parameters).toEqual({ fast: "5" })
      expect(jobs[0]!.statistics?.returnPct).toBe(sampleReport().stats.returnPct)
      const stored = yield* sql<{
        n: string
      }>`SELECT count(*) AS n FROM backtest_runs WHERE created_at IN (10, 11, 20, 21, 30, 31, 32)`
      expect(Number(stored[0]!.n)).toBe(2)
      const runs = yield* BacktestRuns.BacktestRuns
      expect((yield* runs.show(jobs[0]!.runId!)).createdAt).toBe(10)
      // An optimizer's later proposals join the sweep, numbered on.
      yield* sweeps.submit({ ...sweep("s1", 0), jobs: [{ jobId: "s1-later", parameters: { fast: "50" } }] })
      expect((yield* sweeps.jobs("s1")).at(-1)).toMatchObject({ jobId: "s1-later", seq: 3, status: "queued" })
      expect(yield* sql`SELECT jobs FROM sweeps WHERE id = 's1'`).toEqual([{ jobs: 4 }])
    })
  )

  it.effect(
    "stores a batch of runs, each with its own trades and curve (sent encoded or not), as each stored alone",
    () =>
      Effect.gen(function* () {
        const sweeps = yield* Sweeps.Sweeps
        const runs = yield* BacktestRuns.BacktestRuns
        yield* sweeps.submit(sweep("s2", 4))
        const batch = [0, 3, 0, 40].map((trades, i) =>
          syntheticRun({ samples: 500 * (i + 1), trades, seed: i + 1, createdAt: 100 + i })
        )
        // The last two arrive as a local worker sends them: the curve's bytes, deflated.
        const results = batch.map((run, i): Sweeps.JobResult => {
          const sent =
            i < 2 || run.report === undefined
              ? run
              : { ...run, report: { ...run.report, equity: compactEquity(encodeEquity(run.report.equity)) } }
          return { _tag: "Completed", jobId: `s2-job-${i}`, worker: "a", run: sent }
        })
        expect(yield* sweeps.record(results)).toEqual([true, true, true, true])
        const jobs = yield* sweeps.jobs("s2")
        for (const [i, job] of jobs.entries()) {
          expect(job.status).toBe("completed")
          expect(yield* runs.show(job.runId!)).toStrictEqual({ id: job.runId, ...batch[i] })
        }
      })
  )
}

const withSweeps = (database: Layer.Layer<Database.Database, Database.DatabaseError>) =>
  Layer.provideMerge(Layer.merge(Sweeps.layer, BacktestRuns.layer), database)

layer(withSweeps(Database.layerEmbedded()), { timeout: "60 seconds", excludeTestServices: true })(
  "sweeps on the embedded database",
  suite
)

const source = serverSource()
if (source._tag === "None") {
  describe("sweeps on a real PostgreSQL server", () => {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  layer(withSweeps(serverLayer(source, `meridian_test_sweeps_${process.pid}`)), {
    timeout: "60 seconds",
    excludeTestServices: true
  })("sweeps on a real PostgreSQL server", suite)
}
