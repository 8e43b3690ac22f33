/**
 * What `meridian service execution` runs: the Execution Service on Node's (and Bun's) sockets and files, with the
 * connectors the command line carries (`SimConnector`: the simulated venue), logging JSON lines.
 *
 * @since 0.1.0
 */
import { Effect, Logger } from "effect"
import { runExecution } from "../../core/live/execution/ExecutionProgram"
import { nodeJournalFiles } from "../node/NodeJournalFiles"
import { nodeTransport } from "../node/NodeTransport"
import { serveMetrics } from "./ServiceHandlers"
import { makeConnector } from "./SimConnector"

export const execution = (options: { readonly config: string }) =>
  Effect.scoped(
    runExecution(options.config, {
      transport: nodeTransport,
      files: nodeJournalFiles,
      serveMetrics,
      connector: makeConnector
    })
  ).pipe(
    // JSON lines in place of the pretty logger the process starts with.
    Effect.provide(Logger.replace(Logger.prettyLoggerDefault, Logger.withConsoleLog(Logger.jsonLogger)))
  )
