/**
 * The port that runs a job's backtest (the runtime provides it: the simulated venue and the strategy loader live
 * there), and how a job's outcome is recorded: once, in the sweep's row of the job (`Sweeps`).
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Schedule } from "effect"
import type { DatabaseError } from "../db/DatabaseError"
import { type JobResult, Sweeps } from "../db/Sweeps"
import type { EncodedOutcome, JobOutcome, JobSpec } from "./ResearchJob"

/**
 * Runs a job's backtest; a job that cannot run (bad parameters, missing data, another strategy version) is a
 * `Failed` outcome, recorded like a result.
 *
 * @since 0.1.0
 * @category tags
 */
export class JobRunner extends Context.Tag("@meridian/core/research/JobRunner")<
  JobRunner,
  {
    /** `onProgress` hears of the replay now and then (events replayed of the total), as `meridian backtest` shows it. */
    readonly run: (spec: JobSpec, onProgress?: (done: number, total: number) => void) => Effect.Effect<JobOutcome>
  }
>() {}

/**
 * Job `jobId`'s outcome as a result to record, a run stamped now (its `createdAt`, part of its id).
 *
 * @since 0.1.0
 */
export const jobResult = (
  jobId: string,
  outcome: JobOutcome | EncodedOutcome,
  worker: string
): Effect.Effect<JobResult> =>
  Effect.map(Clock.currentTimeNanos, (nanos): JobResult => {
    const at = Number(nanos / 1000n)
    return outcome._tag === "Failed"
      ? { _tag: "Failed", jobId, worker, error: outcome.error, at }
      : { _tag: "Completed", jobId, worker, run: { ...outcome.run, createdAt: at, status: "completed" } }
  })

/**
 * Record the results, each unless its job has one (`Sweeps.record`: for each, true when recorded now). Retried
 * while the database fails (a server restarting), for up to about a minute, because a job whose result cannot be
 * stored is lost work.
 *
 * @since 0.1.0
 */
export const recordResults = (
  results: ReadonlyArray<JobResult>
): Effect.Effect<ReadonlyArray<boolean>, DatabaseError, Sweeps> =>
  Effect.flatMap(Sweeps, (sweeps) =>
    sweeps
      .record(results)
      .pipe(Effect.retry(Schedule.intersect(Schedule.exponential("200 millis", 2), Schedule.recurs(8))))
  )

/**
 * Record `outcome` as job `jobId`'s result, unless it has one: true when recorded now.
 *
 * @since 0.1.0
 */
export const recordOutcome = (
  jobId: string,
  outcome: JobOutcome,
  worker: string
): Effect.Effect<boolean, DatabaseError, Sweeps> =>
  Effect.flatMap(jobResult(jobId, outcome, worker), (result) =>
    Effect.map(recordResults([result]), (recorded) => recorded[0] === true)
  )

/**
 * Run a job and record its outcome, skipping the run when the job has its result already (a message delivered
 * again after its runner was presumed dead).
 *
 * @since 0.1.0
 */
export const executeJob = (spec: JobSpec, worker: string): Effect.Effect<boolean, DatabaseError, JobRunner | Sweeps> =>
  Effect.gen(function* () {
    const sweeps = yield* Sweeps
    if (!(yield* sweeps.isQueued(spec.jobId))) return false
    const outcome = yield* Effect.flatMap(JobRunner, (runner) => runner.run(spec))
    return yield* recordOutcome(spec.jobId, outcome, worker)
  })
