/**
 * Parameter sweeps in the central database: a sweep and its jobs are written when it is submitted (every job
 * `queued`), and each job's result is stored exactly once, whichever worker and however many times it ran: the
 * result's transaction locks the job's row, stores the run only while the job is still queued, and marks it done.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Schema } from "effect"
import type { BacktestRun } from "./BacktestRuns"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"
import { encodeRun, insertRuns, type RunWithEncodedCurve } from "./internal/backtestRuns"

export type {
  /** @since 0.1.0 */
  RunWithEncodedCurve
} from "./internal/backtestRuns"

/**
 * A sweep as submitted: its jobs, each with its own id (the same job submitted twice has the same id).
 *
 * @since 0.1.0
 * @category models
 */
export interface Sweep {
  readonly id: string
  readonly strategy: string
  /** How the parameter sets were chosen and what every job shares, as JSON. */
  readonly spec: Readonly<Record<string, unknown>>
  /** µs since the epoch. */
  readonly createdAt: number
  readonly jobs: ReadonlyArray<{ readonly jobId: string; readonly parameters: Readonly<Record<string, string>> }>
}

/**
 * A job's outcome to record: its completed run (its curve possibly in the stored binary form already), or why it
 * failed; `worker` names who ran it.
 *
 * @since 0.1.0
 * @category models
 */
export type JobResult = {
  readonly jobId: string
  readonly worker: string
} & (
  | { readonly _tag: "Completed"; readonly run: BacktestRun | RunWithEncodedCurve }
  /** `at`: when it failed, µs since the epoch. */
  | { readonly _tag: "Failed"; readonly error: string; readonly at: number }
)

/**
 * How far a sweep is.
 *
 * @since 0.1.0
 * @category models
 */
export interface SweepProgress {
  readonly total: number
  readonly completed: number
  readonly failed: number
}

/**
 * One job of a sweep as `runs list --sweep` shows it; the statistics are its run's.
 *
 * @since 0.1.0
 * @category models
 */
export interface SweepJobRow {
  readonly jobId: string
  readonly seq: number
  readonly parameters: Readonly<Record<string, unknown>>
  readonly status: "queued" | "completed" | "failed"
  readonly runId: string | null
  readonly worker: string | null
  readonly error: string | null
  /** When its outcome was recorded, µs since the epoch. */
  readonly completedAt: number | null
  readonly statistics: Readonly<Record<string, string | number | null>> | null
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SweepsService {
  /**
   * Store the sweep and queue its jobs; a sweep or job stored already is left as it is, and jobs submitted later
   * under the same sweep are added to it.
   */
  readonly submit: (sweep: Sweep) => Effect.Effect<void, DatabaseError>
  /**
   * Record each job's outcome once, all in one transaction (its statements each cover every result): for each
   * result in order, true when recorded now, false when its job had its result already (an earlier one of these,
   * another worker's) or is not a job of any sweep. Nothing is recorded unless everything is.
   */
  readonly record: (results: ReadonlyArray<JobResult>) => Effect.Effect<ReadonlyArray<boolean>, DatabaseError>
  /** Whether the job waits for its result (false when it has one, or is not a job of any sweep). */
  readonly isQueued: (jobId: string) => Effect.Effect<boolean, DatabaseError>
  readonly progress: (sweepId: string) => Effect.Effect<SweepProgress, DatabaseError>
  /** The sweep's jobs in the order submitted, with their runs' statistics. */
  readonly jobs: (sweepId: string) => Effect.Effect<ReadonlyArray<SweepJobRow>, DatabaseError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Sweeps extends Context.Tag("@meridian/core/db/Sweeps")<Sweeps, SweepsService>() {}

const Int = Schema.Union(Schema.Number, Schema.NumberFromString)
const Json = Schema.Record({ key: Schema.String, value: Schema.Unknown })
const StatValue = Schema.Union(Schema.Number, Schema.String, Schema.Null)

const ProgressRow = Schema.Struct({ total: Int, completed: Int, failed: Int })
const JobRow = Schema.Struct({
  job_id: Schema.String,
  seq: Int,
  parameters: Json,
  status: Schema.Literal("queued", "completed", "failed"),
  run_id: Schema.NullOr(Schema.String),
  worker: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  completed_at: Schema.NullOr(Int),
  statistics: Schema.NullOr(Schema.Record({ key: Schema.String, value: StatValue }))
})

/** Every recorded job's row in one statement, from one array per column. */
const JOBS_DONE = `
  UPDATE sweep_jobs j SET status = d.status, run_id = d.run_id, worker = d.worker, error = d.error,
    completed_at = d.completed_at
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
    AS d(job_id, status, run_id, worker, error, completed_at)
  WHERE j.job_id = d.job_id`

/**
 * The service over the central database.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<SweepsService, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const query = (message: string) => Effect.mapError(toDatabaseError("Query", message))

  const submit = (sweep: Sweep) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          yield* sql`INSERT INTO sweeps ${sql.insert({
            id: sweep.id,
            strategy: sweep.strategy,
            spec: JSON.stringify(sweep.spec),
            jobs: sweep.jobs.length,
            created_at: sweep.createdAt
          })} ON CONFLICT (id) DO NOTHING`
          if (sweep.jobs.length === 0) return
          // An optimizer adds jobs to its sweep as it goes: they are numbered on from the last.
          const last = yield* sql<{ next: number }>`
            SELECT coalesce(max(seq) + 1, 0)::int AS next FROM sweep_jobs WHERE sweep_id = ${sweep.id}`
          const first = last[0]?.next ?? 0
          yield* sql`INSERT INTO sweep_jobs ${sql.insert(
            sweep.jobs.map((job, i) => ({
              job_id: job.jobId,
              sweep_id: sweep.id,
              seq: first + i,
              parameters: JSON.stringify(job.parameters),
              status: "queued"
            }))
          )} ON CONFLICT (job_id) DO NOTHING`
          yield* sql`UPDATE sweeps SET jobs = (SELECT count(*) FROM sweep_jobs WHERE sweep_id = ${sweep.id})
            WHERE id = ${sweep.id}`
        })
      )
      .pipe(query(`cannot submit sweep ${sweep.id}`))

  /** The jobs' rows locked for the transaction (in one order: two transactions cannot wait for each other): those queued. */
  const claim = (jobIds: ReadonlyArray<string>) =>
    Effect.map(
      sql<{ job_id: string; status: string }>`SELECT job_id, status FROM sweep_jobs WHERE job_id IN ${sql.in(jobIds)}
        ORDER BY job_id FOR UPDATE`,
      (rows) => new Set(rows.flatMap((row) => (row.status === "queued" ? [row.job_id] : [])))
    )

  const record = (results: ReadonlyArray<JobResult>) =>
    Effect.gen(function* () {
      if (results.length === 0) return []
      const encoded = yield* Effect.try({
        try: () => results.map((r) => (r._tag === "Completed" ? encodeRun(r.run) : undefined)),
        catch: (e) => e
      })
      return yield* sql.withTransaction(
        Effect.gen(function* () {
          const queued = yield* claim([...new Set(results.map((r) => r.jobId))])
          // The first result of a job still queued is recorded; a job's later ones (run twice) are not.
          const now = results.map((r) => queued.delete(r.jobId))
          const runs = encoded.flatMap((run, i) => (run !== undefined && now[i] ? [run] : []))
          // A retried job stores a run of another `createdAt`, so another id: the claim, not the id, dedupes.
          yield* insertRuns(sql, runs, { ifNew: false })
          const done = results.flatMap((r, i) => (now[i] ? [{ r, runId: encoded[i]?.id ?? null }] : []))
          if (done.length > 0) {
            yield* sql.unsafe(JOBS_DONE, [
              done.map(({ r }) => r.jobId),
              done.map(({ r }) => (r._tag === "Completed" ? "completed" : "failed")),
              done.map(({ runId }) => runId),
              done.map(({ r }) => r.worker),
              done.map(({ r }) => (r._tag === "Failed" ? r.error : null)),
              done.map(({ r }) => String(r._tag === "Completed" ? r.run.createdAt : r.at))
            ])
          }
          return now
        })
      )
    }).pipe(
      query(
        results.length === 1
          ? `cannot store the result of job ${results[0]!.jobId}`
          : `cannot store the results of ${results.length} jobs (${results[0]?.jobId}, ...)`
      )
    )

  const isQueued = (jobId: string) =>
    Effect.map(
      sql<{ status: string }>`SELECT status FROM sweep_jobs WHERE job_id = ${jobId}`,
      (rows) => rows[0]?.status === "queued"
    ).pipe(query(`cannot read job ${jobId}`))

  const progress = (sweepId: string) =>
    sql`
      SELECT count(*) AS total, count(*) FILTER (WHERE status = 'completed') AS completed,
        count(*) FILTER (WHERE status = 'failed') AS failed
      FROM sweep_jobs WHERE sweep_id = ${sweepId}`.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Array(ProgressRow))),
      Effect.map((rows) => rows[0] ?? { total: 0, completed: 0, failed: 0 }),
      query(`cannot read the progress of sweep ${sweepId}`)
    )

  const jobs = (sweepId: string) =>
    sql`
      SELECT j.job_id, j.seq, j.parameters, j.status, j.run_id, j.worker, j.error, j.completed_at, s.statistics
      FROM sweep_jobs j LEFT JOIN backtest_results s ON s.run_id = j.run_id
      WHERE j.sweep_id = ${sweepId} ORDER BY j.seq`.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Array(JobRow))),
      Effect.map((rows) =>
        rows.map(
          (row): SweepJobRow => ({
            jobId: row.job_id,
            seq: row.seq,
            parameters: row.parameters,
            status: row.status,
            runId: row.run_id,
            worker: row.worker,
            error: row.error,
            completedAt: row.completed_at,
            statistics: row.statistics
          })
        )
      ),
      query(`cannot read the jobs of sweep ${sweepId}`)
    )

  return { submit, record, isQueued, progress, jobs }
})

/**
 * `Sweeps` on the database layer's client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Sweeps, never, SqlClient.SqlClient> = Layer.effect(Sweeps, make)
