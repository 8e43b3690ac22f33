/**
 * The Client Portal in `meridian panel`: served on a port of its own (`--portal-port`, default 8081), so that it can
 * be exposed to investors while the Control Panel stays on an internal address, and in the panel's process, which
 * holds the central database (the embedded one is one process's) and the session's Accounts Service connection. The
 * NAV history it shows is recorded by the session's own process (`meridian up`, `NavRecorder`), open panel or not;
 * `meridian panel` attached to a session records it too (`PanelHandlers.serve`), for an Accounts Service started
 * without `meridian up` (both write the same rows: a sample is keyed by its time, a flow by its event's sequence).
 *
 * @since 0.1.0
 */
import { serve as serveHttp } from "@hono/node-server"
import { getConnInfo } from "@hono/node-server/conninfo"
import { Console, Effect, Layer, Option, type Scope } from "effect"
import * as CashRequests from "../../core/db/CashRequests"
import * as Investors from "../../core/db/Investors"
import * as NavHistory from "../../core/db/NavHistory"
import type { PanelUsers } from "../../core/db/PanelUsers"
import * as Peer from "../../core/live/Peer"
import { KEY_ENV } from "../../core/live/session/SessionPlan"
import { AccountsDesk, type AccountsDeskService, fromPeer } from "../../site/portal/AccountsDesk"
import * as Portal from "../../site/portal/Portal"
import type { ChartLibrary } from "../../site/report/ReportPage"
import { nodeTransport } from "../node/NodeTransport"
import { addressOf, type SessionFolder } from "./SessionFolder"

/** The portal's tables, on the database layer's client. */
export const databaseLayers = Layer.mergeAll(CashRequests.layer, Investors.layer, NavHistory.layer)

/** The session's Accounts Service as the portal's desk (its own connection, as the session's `cli` peer). */
export const desk = (
  folder: Option.Option<SessionFolder>
): Effect.Effect<Option.Option<AccountsDeskService>, never, Scope.Scope> =>
  Effect.transposeOption(
    Option.map(folder, (session) =>
      Effect.map(
        Peer.connect({
          transport: nodeTransport,
          address: addressOf(session, "accounts"),
          identity: { service: "cli", instance: `portal-${process.pid}` },
          key: session.env[KEY_ENV.cli]!,
          name: "accounts"
        }),
        fromPeer
      )
    )
  )

/** An HTTP server for `fetch` until the scope closes, and the port it got; the listen error if it cannot listen. */
export const listen = (fetch: (request: Request) => Response | Promise<Response>, host: string, port: number) =>
  Effect.gen(function* () {
    const server = yield* Effect.acquireRelease(
      Effect.async<ReturnType<typeof serveHttp>, Error>((resume) => {
        const s = serveHttp({ fetch, hostname: host, port }, () => resume(Effect.succeed(s)))
        s.once("error", (e) => resume(Effect.fail(e)))
      }),
      (s) =>
        Effect.async<void>((resume) => {
          s.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    return typeof address === "object" && address !== null ? address.port : port
  })

/**
 * Serve the portal until the scope closes; its URL, or none when its port is taken. `quiet`
 * leaves printing the URL to the caller.
 */
export const serve = (o: {
  readonly host: string
  readonly port: number
  readonly chartLibrary: ChartLibrary
  readonly quiet?: boolean
}): Effect.Effect<Option.Option<string>, never, Portal.PortalServices | PanelUsers | Scope.Scope> =>
  Effect.gen(function* () {
    const app = yield* Portal.make({
      chartLibrary: o.chartLibrary,
      clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown"
    })
    const listening = yield* Effect.either(listen(app.fetch, o.host, o.port))
    if (listening._tag === "Left") {
      // The Control Panel goes on: a second panel on this machine, say, finds the portal's port taken.
      yield* Console.log(
        `Client Portal not served: ${o.host}:${o.port}: ${listening.left.message} (choose another with --portal-port)`
      )
      return Option.none()
    }
    const url = `http://${o.host}:${listening.right}/`
    const live = Option.isSome(yield* AccountsDesk)
    if (o.quiet !== true) {
      yield* Console.log(`Client Portal on ${url} (investors${live ? "" : "; no session: recorded history only"})`)
    }
    return Option.some(url)
  })
