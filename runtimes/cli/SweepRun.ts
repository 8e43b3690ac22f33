/**
 * How `meridian sweep` runs a job source (`core/research/JobSource.ts`): in local worker processes, each free one
 * taking the next job and the parent recording each outcome; or on the cluster, the jobs sent as persisted messages
 * (at most `parallel` in flight) and their results read back from the central database.
 *
 * @since 0.1.0
 */
import { Deferred, Effect, Option, Ref } from "effect"
import type { BacktestError } from "../../core/backtest/Backtest"
import type { DatabaseError } from "../../core/db/DatabaseError"
import { type JobResult, Sweeps } from "../../core/db/Sweeps"
import * as Batcher from "../../core/research/Batcher"
import { jobResult, recordResults } from "../../core/research/JobRunner"
import type { JobSource } from "../../core/research/JobSource"
import type { StatValues } from "../../core/research/Objective"
import type { JobSpec } from "../../core/research/ResearchJob"
import { runInProcesses, type Workers } from "./LocalWorkers"

/** A job's value for its source: the objective of its statistics (null: it failed). */
export type ScoreOf = (stats: StatValues | null) => number

/**
 * How the outcomes of local workers are recorded: up to `maxSize` in one transaction, the first of them waiting at
 * most `maxWait` for others (a job's result is acknowledged, to its source and on the progress bar, once committed).
 * A transaction's fixed cost in the embedded database is paid in this process, which shares the cores with the
 * workers: when jobs finish a few a second (longer jobs, a loaded machine), 200 ms gathered one result each. With 1 s,
 * a 1-process sweep of 24 jobs of 250,000 minute bars cost this process 30-41 ms of CPU per job against 47-63 ms (3
 * alternating pairs, load 13-16); a result reaches the progress bar, the optimizer or the next walk-forward window up
 * to 1 s after its job ended.
 */
const RECORDING = { maxSize: 64, maxWait: "1 second" } as const

/**
 * Run `source` in the local worker processes `workers`; `progress` hears how many jobs have finished.
 *
 * @since 0.1.0
 */
export const runLocally = (
  source: JobSource,
  workers: Workers,
  scoreOf: ScoreOf,
  progress: (finished: number) => void
): Effect.Effect<void, DatabaseError | BacktestError, Sweeps> =>
  Effect.gen(function* () {
    // Completed and replaced at each batch of finished jobs: a worker told to wait sleeps until the next one.
    const signal = yield* Ref.make(yield* Deferred.make<void>())
    let finished = 0
    const next = Effect.gen(function* () {
      while (true) {
        // Taken before asking: a job finishing meanwhile completes this one, so the wait cannot miss it.
        const woken = yield* Ref.get(signal)
        const step = yield* source.take
        if (step._tag === "Job") return Option.some(step.spec)
        if (step._tag === "Done") return Option.none<JobSpec>()
        yield* Deferred.await(woken)
      }
    })
    const recorder = yield* Batcher.make(
      (batch: ReadonlyArray<readonly [JobSpec, JobResult]>) =>
        Effect.gen(function* () {
          yield* recordResults(batch.map(([, result]) => result))
          for (const [spec, result] of batch) {
            const stats = result._tag === "Completed" ? (result.run.report?.stats as StatValues | undefined) : undefined
            source.finished(spec, scoreOf(stats ?? null))
          }
          const woken = yield* Ref.getAndSet(signal, yield* Deferred.make<void>())
          yield* Deferred.succeed(woken, undefined)
          finished += batch.length
          progress(finished)
        }),
      RECORDING
    )
    const ran = yield* Effect.exit(
      Effect.raceFirst(
        runInProcesses(next, workers, (spec, outcome, worker) =>
          Effect.flatMap(jobResult(spec.jobId, outcome, worker), (result) => recorder.offer([spec, result] as const))
        ),
        // Results that cannot be stored end the sweep now: a worker waiting for one (a walk-forward's next window)
        // would wait forever.
        recorder.failure
      )
    )
    // What finished is recorded even when a worker failed for good.
    yield* recorder.close
    yield* ran
  }).pipe(Effect.scoped)

/**
 * Run `source` on the cluster: `send` delivers jobs to the workers, at most `parallel` in flight; results are read
 * from the jobs' sweeps every half second.
 *
 * @since 0.1.0
 */
export const runOnCluster = <E, R>(
  source: JobSource,
  parallel: number,
  scoreOf: ScoreOf,
  progress: (finished: number) => void,
  send: (specs: ReadonlyArray<JobSpec>) => Effect.Effect<void, E, R>
): Effect.Effect<void, DatabaseError | E, Sweeps | R> =>
  Effect.gen(function* () {
    const sweeps = yield* Sweeps
    const inFlight = new Map<string, JobSpec>()
    let finished = 0
    let ended = false
    while (true) {
      for (const sweepId of new Set([...inFlight.values()].map((spec) => spec.sweepId))) {
        for (const row of yield* sweeps.jobs(sweepId)) {
          const spec = inFlight.get(row.jobId)
          if (spec === undefined || row.status === "queued") continue
          inFlight.delete(row.jobId)
          source.finished(spec, scoreOf(row.statistics))
          progress(++finished)
        }
      }
      const batch: Array<JobSpec> = []
      while (!ended && inFlight.size + batch.length < parallel) {
        const step = yield* source.take
        if (step._tag === "Job") batch.push(step.spec)
        else {
          ended = step._tag === "Done"
          break
        }
      }
      if (batch.length > 0) {
        yield* send(batch)
        for (const spec of batch) inFlight.set(spec.jobId, spec)
        continue
      }
      if (ended && inFlight.size === 0) return
      yield* Effect.sleep("500 millis")
    }
  })
