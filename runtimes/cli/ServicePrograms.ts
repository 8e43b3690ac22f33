/**
 * Each live service's program on Node's (and Bun's) sockets, files and HTTP server, with the plugins the command
 * line carries: what `meridian service <name>` runs in a process of its own and `meridian up` runs side by side.
 *
 * @since 0.1.0
 */
import { type FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { runAccounts } from "../../core/live/accounts/AccountsProgram"
import type { ConnectorTable } from "../../core/live/execution/Connector"
import { runExecution } from "../../core/live/execution/ExecutionProgram"
import type { LiveSourceTable } from "../../core/live/market-data/LiveSource"
import { runMarketData } from "../../core/live/market-data/MarketDataProgram"
import type { ServiceName } from "../../core/live/session/SessionPlan"
import { runStrategies, StrategiesConfigError } from "../../core/live/strategies/StrategiesProgram"
import smaCrossPackage from "../../plugins/strategy-sma-cross/package.json" with { type: "json" }
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { type LoadedStrategy, loadStrategy } from "../../registry/src/StrategyLoader"
import { nodeJournalFiles } from "../node/NodeJournalFiles"
import { nodeTransport } from "../node/NodeTransport"
import { lazy } from "./lazy"
import { serveMetrics } from "./MetricsServer"
import { sim, simRemote } from "./SimConnector"

const smaCrossPlugin: LoadedStrategy = {
  strategy: smaCross,
  origin: {
    kind: "package",
    dir: new URL("../../plugins/strategy-sma-cross/", import.meta.url),
    version: smaCrossPackage.version
  }
}

/** The strategies the bundled command line carries; others are plugins found by name or folder, or files. */
const builtIn: Record<string, LoadedStrategy> = { "sma-cross": smaCrossPlugin, [smaCross.id]: smaCrossPlugin }

const base = { transport: nodeTransport, files: nodeJournalFiles, serveMetrics }

/**
 * The venue connectors the command line carries, by the key that names them in the Execution Service's `connector`:
 * each is `connectorKind(kind, itsOptionsSchema, make)`, where `make` builds the connector for the scope.
 */
const connectors: ConnectorTable = {
  sim,
  "sim-remote": simRemote,
  // Loaded when configured: every service starts through this module, and ccxt alone is 17 MB of JavaScript.
  fix: { make: (options, context) => lazy(() => import("./FixConnector"))((m) => m.fix.make(options, context)) },
  ccxt: { make: (options, context) => lazy(() => import("./CcxtConnector"))((m) => m.ccxt.make(options, context)) }
}

const strategies = (configFile: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    return yield* runStrategies(configFile, {
      ...base,
      loadStrategy: (name, baseDir) =>
        // A path in the configuration is relative to the configuration's folder.
        loadStrategy(/[/\\]/.test(name) ? path.resolve(baseDir, name) : name, builtIn).pipe(
          Effect.map((loaded) => ({
            strategy: loaded.strategy,
            version: loaded.origin.kind === "package" ? loaded.origin.version : "local"
          })),
          Effect.mapError((e) => new StrategiesConfigError({ message: e.message })),
          Effect.provideService(Path.Path, path)
        )
    })
  })

/** The live market data sources the command line carries, by the key that names them in the Market Data Service's `source`. */
const marketDataSources: LiveSourceTable = {
  ccxt: {
    open: (options) => lazy(() => import("./CcxtMarketDataSource"))((m) => m.ccxt.open(options))
  }
}

/** What any of the services fails with. */
export type ServiceFailure =
  | Effect.Effect.Error<ReturnType<typeof runAccounts>>
  | Effect.Effect.Error<ReturnType<typeof runMarketData>>
  | Effect.Effect.Error<ReturnType<typeof runExecution>>
  | Effect.Effect.Error<ReturnType<typeof strategies>>

/** Run service `name` from its configuration file until interrupted. */
export const runService = (
  name: ServiceName,
  configFile: string
): Effect.Effect<never, ServiceFailure, FileSystem.FileSystem | Path.Path> => {
  switch (name) {
    case "accounts":
      return Effect.scoped(runAccounts(configFile, base))
    case "market-data":
      return Effect.scoped(runMarketData(configFile, { ...base, sources: marketDataSources }))
    case "execution":
      return Effect.scoped(runExecution(configFile, { ...base, connectors }))
    case "strategies":
      return Effect.scoped(strategies(configFile))
  }
}
