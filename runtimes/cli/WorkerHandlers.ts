/**
 * What `meridian worker` runs: a cluster runner with the research job entity, on the central database's PostgreSQL
 * server (message and runner storage, shard locks, the sweeps' results), or, with `--ipc`, the local worker of a
 * `meridian sweep` without a cluster.
 *
 * @since 0.1.0
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { Console, Duration, Effect, Layer, Option } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import * as Database from "../../core/db/Database"
import { serverUrl } from "../../core/db/DatabaseChoice"
import * as Sweeps from "../../core/db/Sweeps"
import { shardingConfig } from "../../core/research/ClusterTuning"
import * as JobEntity from "../../core/research/JobEntity"
import { serveParent } from "./LocalWorkers"
import * as ResearchJobRunner from "./ResearchJobRunner"
import type { WorkerOptions } from "./WorkerCommand"

const configError = (message: string) => new BacktestError({ reason: "Config", message })

/** A runner of the cluster until interrupted (Ctrl-C, SIGTERM): it leaves the cluster on the way out. */
const runner = (o: WorkerOptions) =>
  Effect.gen(function* () {
    const url = yield* serverUrl(o)
    if (Option.isNone(url)) {
      return yield* configError("meridian worker needs the cluster's PostgreSQL server: --db <url> or DATABASE_URL")
    }
    if (o.lockExpiration < 1) return yield* configError(`--lock-expiration ${o.lockExpiration}: at least 1 second`)
    const address = `${o.host}:${o.port}`
    const cluster = NodeClusterSocket.layer({
      storage: "sql",
      shardingConfig: shardingConfig(
        { lockExpiration: Duration.seconds(o.lockExpiration) },
        Option.some({
          host: o.host,
          port: o.port,
          ...Option.match(o.listenHost, { onNone: () => ({}), onSome: (listenHost) => ({ listenHost }) })
        })
      )
    })
    const services = Layer.mergeAll(cluster, Sweeps.layer).pipe(Layer.provide(Database.layer(url.value)))
    yield* Layer.build(JobEntity.layer(address).pipe(Layer.provide(ResearchJobRunner.layer), Layer.provide(services)))
    yield* Console.log(`worker ${address} ready`)
    return yield* Effect.never
  }).pipe(Effect.scoped)

export const worker = (o: WorkerOptions) =>
  o.ipc ? serveParent.pipe(Effect.provide(ResearchJobRunner.layer)) : runner(o)
