/**
 * Parameter sweeps in the central database: a sweep and its jobs are written when it is submitted (every job
 * `queued`), and each job's result is stored exactly once, whichever worker and however many times it ran: the
 * result's transaction locks the job's row, stores the run only while the job is still queued, and marks it done.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Clock, Context, Effect, Layer, Schema } from "effect"
import type { BacktestRun } from "./BacktestRuns"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"
import { encodeRun, insertRun } from "./internal/backtestRuns"

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
   * Store a job's completed run, once: true when stored now, false when the job had its result already (or is not
   * a job of any sweep). `worker` names who ran it.
   */
  readonly complete: (jobId: string, run: BacktestRun, worker: string) => Effect.Effect<boolean, DatabaseError>
  /** Mark a job failed with `error`, once, as `complete`. */
  readonly fail: (jobId: string, error: string, worker: string) => Effect.Effect<boolean, DatabaseError>
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

  /** Locks the job's row for the transaction: true while it is queued (this transaction may finish it). */
  const claim = (jobId: string) =>
    Effect.map(
      sql<{ status: string }>`SELECT status FROM sweep_jobs WHERE job_id = ${jobId} FOR UPDATE`,
      (rows) => rows[0]?.status === "queued"
    )

  const complete = (jobId: string, run: BacktestRun, worker: string) =>
    Effect.try({ try: () => encodeRun(run), catch: (e) => e }).pipe(
      Effect.flatMap((encoded) =>
        sql.withTransaction(
          Effect.gen(function* () {
            if (!(yield* claim(jobId))) return false
            // A retried job stores a run of another `createdAt`, so another id: the claim, not the id, dedupes.
            yield* insertRun(sql, encoded, { ifNew: false })
            yield* sql`UPDATE sweep_jobs SET status = 'completed', run_id = ${encoded.id}, worker = ${worker},
              completed_at = ${run.createdAt} WHERE job_id = ${jobId}`
            return true
          })
        )
      ),
      query(`cannot store the result of job ${jobId}`)
    )

  const fail = (jobId: string, error: string, worker: string) =>
    sql
      .withTransaction(
        Effect.gen(function* () {
          if (!(yield* claim(jobId))) return false
          const nanos = yield* Clock.currentTimeNanos
          yield* sql`UPDATE sweep_jobs SET status = 'failed', error = ${error}, worker = ${worker},
            completed_at = ${Number(nanos / 1000n)} WHERE job_id = ${jobId}`
          return true
        })
      )
      .pipe(query(`cannot store the failure of job ${jobId}`))

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

  return { submit, complete, fail, isQueued, progress, jobs }
})

/**
 * `Sweeps` on the database layer's client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Sweeps, never, SqlClient.SqlClient> = Layer.effect(Sweeps, make)
