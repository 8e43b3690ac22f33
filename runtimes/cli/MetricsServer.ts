/**
 * The live services' Prometheus endpoint on Node's (and Bun's) HTTP server.
 *
 * @since 0.1.0
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect } from "effect"
import type { AccountsRuntime } from "../../core/live/accounts/AccountsProgram"

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
