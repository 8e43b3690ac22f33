/**
 * What `meridian service strategies` runs: the Strategies Service on Node's (and Bun's) sockets and files, its
 * strategies found the way `meridian backtest --strategy` finds them (`registry/src/StrategyLoader.ts`), logging
 * JSON lines.
 *
 * @since 0.1.0
 */
import { Path } from "@effect/platform"
import { Effect, Logger } from "effect"
import {
  runStrategies,
  StrategiesConfigError,
  type StrategiesRuntime
} from "../../core/live/strategies/StrategiesProgram"
import smaCrossPackage from "../../plugins/strategy-sma-cross/package.json" with { type: "json" }
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { type LoadedStrategy, loadStrategy } from "../../registry/src/StrategyLoader"
import { nodeJournalFiles } from "../node/NodeJournalFiles"
import { nodeTransport } from "../node/NodeTransport"
import { serveMetrics } from "./ServiceHandlers"

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

export const strategies = (options: { readonly config: string }) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const runtime: StrategiesRuntime = {
      transport: nodeTransport,
      files: nodeJournalFiles,
      serveMetrics,
      loadStrategy: (name, baseDir) =>
        Effect.suspend(() =>
          // A path in the configuration is relative to the configuration's folder.
          loadStrategy(/[/\\]/.test(name) ? path.resolve(baseDir, name) : name, builtIn)
        ).pipe(
          Effect.map((loaded) => loaded.strategy),
          Effect.mapError((e) => new StrategiesConfigError({ message: e.message })),
          Effect.provideService(Path.Path, path)
        )
    }
    return yield* Effect.scoped(runStrategies(options.config, runtime))
  }).pipe(Effect.provide(Logger.replace(Logger.prettyLoggerDefault, Logger.withConsoleLog(Logger.jsonLogger))))
