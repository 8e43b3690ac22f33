/**
 * `meridian worker`: a research runner of the cluster (`core/research/JobEntity.ts`). It registers in the central
 * database (a PostgreSQL server: `--db` or `DATABASE_URL`), takes its share of the shards and runs their backtest
 * jobs one at a time; start one per core. Workers join and leave at any time and the shards rebalance. The work is in
 * `WorkerHandlers.ts`, loaded when the command runs (the cluster's code never loads for `--help`).
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { Config } from "effect"
import { databaseOptions } from "./DatabaseOptions"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./WorkerHandlers"))

const config = {
  host: Options.text("host").pipe(
    Options.withFallbackConfig(Config.string("MERIDIAN_WORKER_HOST")),
    Options.withDefault("localhost"),
    Options.withDescription(
      "the address other runners reach this one at (default: MERIDIAN_WORKER_HOST, else localhost)"
    )
  ),
  port: Options.integer("port").pipe(
    Options.withFallbackConfig(Config.integer("MERIDIAN_WORKER_PORT")),
    Options.withDefault(34431),
    Options.withDescription("the port of that address (default: MERIDIAN_WORKER_PORT, else 34431)")
  ),
  listenHost: Options.text("listen-host").pipe(
    Options.withFallbackConfig(Config.string("MERIDIAN_WORKER_LISTEN_HOST")),
    Options.optional,
    Options.withDescription("the interface to listen on, when not --host (e.g. 0.0.0.0 behind NAT)")
  ),
  lockExpiration: Options.integer("lock-expiration").pipe(
    Options.withDefault(6),
    Options.withDescription("seconds after which a silent worker's jobs move to the others (the same on every worker)")
  ),
  ipc: Options.boolean("ipc").pipe(
    Options.withDescription("run the jobs the parent process sends (what meridian sweep starts without a cluster)")
  ),
  ...databaseOptions
}

/** The parsed options of `meridian worker`. */
export type WorkerOptions = Command.Command.ParseConfig<typeof config>

export const worker = Command.make("worker", config, (o) => handlers((h) => h.worker(o))).pipe(
  Command.withDescription("Run research jobs (backtests of sweeps) as a cluster runner; one per core")
)
