/**
 * What `meridian service` runs, on Node's (and Bun's) sockets, files and HTTP server, logging JSON lines.
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Logger } from "effect"
import { type AccountsRuntime, runAccounts } from "../../core/live/accounts/AccountsProgram"
import { runMarketData } from "../../core/live/market-data/MarketDataProgram"
import { nodeJournalFiles } from "../node/NodeJournalFiles"
import { nodeTransport } from "../node/NodeTransport"

/** `GET /metrics` on host:port for as long as the scope lives; any other path is 404. */
export const serveMetrics: AccountsRuntime["serveMetrics"] = (host, port, metrics) =>
  Effect.acquireRelease(
    Effect.async<{ readonly port: number; readonly close: () => void }>((resume) => {
      const server = createServer((request, response) => {
        if (request.method !== "GET" || request.url !== "/metrics") {
          response.writeHead(404).end()
          return
        }
        metrics.render().then(
          (text) => response.writeHead(200, { "content-type": metrics.contentType }).end(text),
          (error) => response.writeHead(500).end(String(error))
        )
      })
      server.listen(port, host, () =>
        resume(Effect.succeed({ port: (server.address() as AddressInfo).port, close: () => server.close() }))
      )
    }),
    (server) => Effect.sync(server.close)
  )

// JSON lines in place of the pretty logger the process starts with.
const jsonLogs = Logger.replace(Logger.prettyLoggerDefault, Logger.withConsoleLog(Logger.jsonLogger))

export const accounts = (options: { readonly config: string }) =>
  Effect.scoped(runAccounts(options.config, { transport: nodeTransport, files: nodeJournalFiles, serveMetrics })).pipe(
    Effect.provide(jsonLogs)
  )

export const marketData = (options: { readonly config: string }) =>
  Effect.scoped(
    runMarketData(options.config, { transport: nodeTransport, files: nodeJournalFiles, serveMetrics })
  ).pipe(Effect.provide(jsonLogs))
