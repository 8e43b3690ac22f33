/**
 * The cluster's settings for research jobs, shared by the runners (`meridian worker`) and the clients that submit
 * (`meridian sweep --cluster`). The library's defaults suit long-lived entities: a dead runner's shards move after
 * its lock expires (35 s) and new messages are polled every 10 s. Jobs are short and many, so a killed worker's
 * jobs should move within seconds: its runner row and shard locks expire after `lockExpiration` (6 s by default),
 * every runner refreshes its own three times per expiry and looks for new or gone runners every second, and looks
 * for messages in its shards every second.
 *
 * A job blocks its runner's event loop while it runs (the replay is one synchronous loop), so heartbeats wait for
 * it: a job longer than the expiry lets its runner be presumed dead meanwhile and its shards move. That costs a
 * second run of the job, never a second result (results are recorded once, `Sweeps`).
 *
 * @since 0.1.0
 */
import { RunnerAddress, type ShardingConfig } from "@effect/cluster"
import { Duration, Option } from "effect"

/**
 * @since 0.1.0
 * @category models
 */
export interface Tuning {
  /** How long a silent runner keeps its shards. */
  readonly lockExpiration: Duration.Duration
}

/**
 * The default: seconds, not the library's 35.
 *
 * @since 0.1.0
 */
export const defaultTuning: Tuning = { lockExpiration: Duration.seconds(6) }

/**
 * The sharding settings of a runner at `address` (`None`: a client that only submits).
 *
 * @since 0.1.0
 */
export const shardingConfig = (
  tuning: Tuning,
  address: Option.Option<{ readonly host: string; readonly port: number; readonly listenHost?: string }>
): Partial<ShardingConfig.ShardingConfig["Type"]> => ({
  runnerAddress: Option.map(address, ({ host, port }) => RunnerAddress.make(host, port)),
  runnerListenAddress: Option.flatMap(address, ({ listenHost, port }) =>
    listenHost === undefined ? Option.none() : Option.some(RunnerAddress.make(listenHost, port))
  ),
  shardLockExpiration: tuning.lockExpiration,
  shardLockRefreshInterval: Duration.divide(tuning.lockExpiration, 3).pipe(Option.getOrElse(() => Duration.seconds(2))),
  refreshAssignmentsInterval: Duration.seconds(1),
  entityMessagePollInterval: Duration.seconds(1),
  entityReplyPollInterval: Duration.millis(500),
  runnerHealthCheckInterval: Duration.seconds(5)
})
