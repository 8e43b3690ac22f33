/**
 * What `meridian panel` gives the Control Panel's strategies and backtest pages (`site/panel/Research.ts`,
 * `site/panel/SessionStrategies.ts`): the strategy plugins the registry's discovery finds where `meridian backtest`
 * looks for them, their parameters checked with the plugin's own schema, the history of the session (its replay's
 * history and static data) or of the data folder, backtests in a local worker process of their own, and the
 * session's Strategies Service as its `cli` peer.
 *
 * @since 0.1.0
 */
import { existsSync, readFileSync } from "node:fs"
import { dirname, resolve } from "node:path"
import type { FileSystem, Path } from "@effect/platform"
import { Duration, Effect, Either, Schema, type Scope } from "effect"
import * as History from "../../core/history/History"
import * as Peer from "../../core/live/Peer"
import { KEY_ENV } from "../../core/live/session/SessionPlan"
import { DeploymentRefused, DeploymentsReply, type DeployRequest } from "../../core/live/strategies/Deployments"
import { type JobOutcome, type JobSpec, staticDataVersion } from "../../core/research/ResearchJob"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { decodeParams } from "../../core/strategy/Params"
import { scan } from "../../registry/src/Discovery"
import { loadStrategyPlugin, pluginRoots } from "../../registry/src/StrategyLoader"
import type { InstalledStrategy, ResearchService } from "../../site/panel/Research"
import type { SessionStrategiesService } from "../../site/panel/SessionStrategies"
import { nodeTransport } from "../node/NodeTransport"
import { runOne } from "./LocalWorkers"
import { addressOf, type SessionFolder } from "./SessionFolder"

/**
 * How long the panel waits for the Strategies Service's answer. A deployment loads the strategy's package first, which
 * took over 10 s on a loaded 2-core machine; a shorter wait would report a deployment that still happens as refused.
 */
const ANSWER_SECONDS = 30

/** Where the backtests' data and static data are: the session's, else the data folder's and the shipped set. */
export interface ResearchPaths {
  readonly historyDir: string
  /** Undefined: the static data shipped with Meridian. */
  readonly staticDir: string | undefined
}

const SessionConfigs = Schema.Struct({
  market: Schema.parseJson(
    Schema.Struct({ source: Schema.Struct({ replay: Schema.optional(Schema.Struct({ history: Schema.String })) }) })
  ),
  strategies: Schema.parseJson(Schema.Struct({ staticData: Schema.optional(Schema.String) }))
})

/** The history a session replays and its static data, from its services' configurations. */
export const sessionPaths = (session: SessionFolder, fallback: ResearchPaths): ResearchPaths => {
  // A session folder without either configuration (a partial copy, or one made by hand) is no history: the fallback.
  const configOf = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : undefined)
  const read = Schema.decodeUnknownEither(SessionConfigs)({
    market: configOf(session.configs["market-data"]),
    strategies: configOf(session.configs.strategies)
  })
  if (Either.isLeft(read)) return fallback
  const { market, strategies } = read.right
  const base = dirname(session.configs.strategies)
  return {
    historyDir: market.source.replay === undefined ? fallback.historyDir : resolve(base, market.source.replay.history),
    staticDir: strategies.staticData === undefined ? fallback.staticDir : resolve(base, strategies.staticData)
  }
}

const message = (e: unknown) => (typeof e === "object" && e !== null && "message" in e ? String(e.message) : String(e))

/** The research port over `paths`. */
export const research = (
  paths: ResearchPaths
): Effect.Effect<ResearchService, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const platform = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    // A plugin is loaded (bundled and imported) once per folder and version.
    const loaded = yield* Effect.cachedFunction((key: string) => loadStrategyPlugin(key.slice(0, key.lastIndexOf("@"))))
    const strategies = Effect.map(
      Effect.forEach(pluginRoots(), (root) => Effect.orElseSucceed(scan(root), () => ({ plugins: [], invalid: [] }))),
      (scans) =>
        scans.flatMap((s) =>
          s.plugins.flatMap(
            ({ dir, manifest }): Array<InstalledStrategy> =>
              manifest.kind === "strategy" || manifest.kind === "algo"
                ? [
                    {
                      id: manifest.id,
                      version: manifest.version,
                      kind: manifest.kind,
                      description: manifest.description,
                      dir: resolve(dir),
                      params: manifest.params
                    }
                  ]
                : []
          )
        )
    )
    return {
      strategies,
      checkParams: (strategy, params) =>
        loaded(`${strategy.dir}@${strategy.version}`).pipe(
          Effect.map((plugin) =>
            Either.match(decodeParams(plugin.strategy.params, params), {
              // The first problem only: one line naming the field.
              onLeft: (problems) => `params.${problems.split("; ")[0]}`,
              onRight: () => undefined
            })
          ),
          Effect.catchAll((e) => Effect.succeed(`plugin: ${e.message}`))
        ),
      // DuckDB would make the folder: a panel without a history shows none.
      history: existsSync(paths.historyDir)
        ? Effect.flatMap(History.History, (h) => h.catalog).pipe(
            Effect.provide(History.layer(paths.historyDir)),
            Effect.map((entries) =>
              entries.map((e) => ({
                instrument: e.instrument,
                kind: e.kind,
                firstTs: e.firstTs,
                lastTs: e.lastTs,
                rows: e.rows
              }))
            ),
            Effect.tapError((e) => Effect.logWarning("panel: the history cannot be read", e)),
            Effect.orElseSucceed(() => []),
            Effect.provide(platform)
          )
        : Effect.succeed([]),
      run: (launch, onProgress) =>
        Effect.gen(function* () {
          const set = yield* paths.staticDir === undefined
            ? StaticDataSet.loadShipped
            : StaticDataSet.load(paths.staticDir)
          const spec: JobSpec = {
            jobId: crypto.randomUUID(),
            sweepId: "panel",
            strategy: launch.strategy.dir,
            strategyVersion: launch.strategy.version,
            params: launch.params,
            data: [`catalog:${launch.instruments.join(",")}`],
            instruments: launch.instruments,
            historyDir: paths.historyDir,
            from: launch.from,
            to: launch.to,
            staticData: {
              ...(paths.staticDir !== undefined && { dir: paths.staticDir }),
              version: staticDataVersion(set)
            },
            settings: {
              cash: launch.cash,
              currency: "USD",
              tickSize: "0.01",
              lotSize: "1",
              accountKind: "cash",
              closeAtEnd: false,
              periodsPerYear: 252,
              venue: { barFill: "next-open", commission: "0.001", latencyUs: 0, seed: 1 }
            }
          }
          return yield* runOne(spec, onProgress)
        }).pipe(
          Effect.catchAll((e) => Effect.succeed<JobOutcome>({ _tag: "Failed", error: message(e) })),
          Effect.provide(platform)
        )
    } satisfies ResearchService
  })

/** The session's Strategies Service, as the panel's port, for as long as the scope lives. */
export const sessionStrategies = (
  session: SessionFolder
): Effect.Effect<SessionStrategiesService, never, Scope.Scope> =>
  Effect.gen(function* () {
    const peer = yield* Peer.connect({
      transport: nodeTransport,
      address: addressOf(session, "strategies"),
      identity: { service: "cli", instance: `panel-${process.pid}` },
      key: session.env[KEY_ENV.cli]!,
      name: "strategies"
    })
    const ask = (body: unknown) =>
      peer.call(body).pipe(
        Effect.timeoutFail({
          duration: Duration.seconds(ANSWER_SECONDS),
          onTimeout: () =>
            new DeploymentRefused({ message: `the Strategies Service did not answer in ${ANSWER_SECONDS} s` })
        }),
        Effect.catchTag("RemoteError", (e) => Effect.fail(new DeploymentRefused({ message: message(e.error) })))
      )
    return {
      deploy: (request: DeployRequest) => Effect.asVoid(ask(request)),
      start: (id) => Effect.asVoid(ask({ _tag: "Start", id })),
      stop: (id) => Effect.asVoid(ask({ _tag: "Stop", id })),
      list: Effect.flatMap(ask({ _tag: "Deployments" }), (answer) =>
        Schema.decodeUnknown(DeploymentsReply)(answer).pipe(
          Effect.map((reply) => reply.deployments),
          Effect.mapError((e) => new DeploymentRefused({ message: `the Strategies Service's answer: ${e.message}` }))
        )
      )
    } satisfies SessionStrategiesService
  })
