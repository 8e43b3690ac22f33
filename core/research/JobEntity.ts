/**
 * A backtest job as an `@effect/cluster` entity: one entity per job id, one persisted message (`Run`) per job. The
 * message is stored in the cluster's message storage (PostgreSQL) before it is delivered, so a job whose runner dies
 * is delivered again to the runner that takes over its shard; the job's result is recorded once (`Sweeps`) whoever
 * ran it. A runner runs one job at a time (a backtest is CPU-bound: run one runner per core).
 *
 * @since 0.1.0
 */
import { ClusterSchema, Entity } from "@effect/cluster"
import { Rpc } from "@effect/rpc"
import { Effect, Layer, Schema } from "effect"
import { executeJob } from "./JobRunner"
import { jobFields } from "./ResearchJob"

/**
 * The job's result could not be recorded (the database stayed unreachable).
 *
 * @since 0.1.0
 * @category errors
 */
export class ResearchError extends Schema.TaggedError<ResearchError>()("ResearchError", {
  reason: Schema.Literal("Store"),
  message: Schema.String
}) {}

/**
 * Run a job and record its outcome; replies whether the outcome was recorded now (false: the job had one).
 * Persisted, and deduplicated by the job id.
 *
 * @since 0.1.0
 * @category rpcs
 */
export const Run = Rpc.make("Run", {
  payload: jobFields,
  success: Schema.Boolean,
  error: ResearchError,
  primaryKey: (job) => job.jobId
}).annotate(ClusterSchema.Persisted, true)

/**
 * @since 0.1.0
 * @category entities
 */
export const ResearchJob = Entity.make("ResearchJob", [Run])

/**
 * The entity's handler on a runner, named `worker` in the jobs it records. Jobs wait for the runner's single slot.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (worker: string) =>
  Layer.unwrapEffect(
    // One slot for the runner, made before the handlers: those are built anew for each job's entity.
    Effect.map(Effect.makeSemaphore(1), (slot) =>
      ResearchJob.toLayer(
        {
          Run: (request) =>
            slot.withPermits(1)(
              executeJob(request.payload, worker).pipe(
                Effect.mapError((e) => new ResearchError({ reason: "Store", message: e.message }))
              )
            )
        },
        // A job's entity is used once: free it soon after.
        { maxIdleTime: "10 seconds" }
      )
    )
  )
