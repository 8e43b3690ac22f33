/**
 * What `meridian panel` runs: the Control Panel (`site/panel`) on the central database the options choose, over the
 * chosen session (`--session`, else the latest under .meridian/sessions, else none): its services asked for their
 * status and its Accounts Service followed, both as the session's `cli` peer with the key of its keys.json.
 *
 * @since 0.1.0
 */
import { resolve } from "node:path"
import type { FileSystem, Path } from "@effect/platform"
import { getConnInfo } from "@hono/node-server/conninfo"
import { Console, Duration, Effect, Layer, Logger, LogLevel, Option, Schema, type Scope } from "effect"
import * as BacktestRuns from "../../core/db/BacktestRuns"
import { databaseLayer } from "../../core/db/ChosenDatabase"
import * as ConfigAudit from "../../core/db/ConfigAudit"
import { type DatabaseChoice, serverUrl } from "../../core/db/DatabaseChoice"
import * as NavHistory from "../../core/db/NavHistory"
import * as NavRecorder from "../../core/db/NavRecorder"
import * as PanelBacktests from "../../core/db/PanelBacktests"
import * as PanelUsers from "../../core/db/PanelUsers"
import { Outcome } from "../../core/live/accounts/AccountsShard"
import { RiskControls, riskControlsRequest } from "../../core/live/accounts/RiskControls"
import * as Peer from "../../core/live/Peer"
import { KEY_ENV, SERVICES } from "../../core/live/session/SessionPlan"
import { formatAddress } from "../../core/protocol/Transport"
import { AccountsRequestError, LiveSession, type LiveSessionService } from "../../site/panel/LiveSession"
import * as Panel from "../../site/panel/Panel"
import { Research, type ResearchService } from "../../site/panel/Research"
import { SessionStrategies } from "../../site/panel/SessionStrategies"
import { AccountsDesk, type AccountsDeskService } from "../../site/portal/AccountsDesk"
import { loadChartLibrary, type ReportPageError } from "../../site/report/ReportPage"
import { nodeTransport } from "../node/NodeTransport"
import { research, sessionPaths, sessionStrategies } from "./PanelResearch"
import * as PortalHandlers from "./PortalHandlers"
import { addressOf, askStatus, open, SESSIONS_ROOT, SessionError, type SessionFolder } from "./SessionFolder"

/** How long the panel waits for the Accounts Service's risk controls before it shows an error. */
const READ_TIMEOUT = Duration.seconds(5)

/** A failed request's or an answer's problem, as the port's error. */
const invalid = (problem: unknown) =>
  new AccountsRequestError({
    reason: "Invalid",
    message:
      typeof problem === "object" && problem !== null && "error" in problem
        ? String((problem.error as { message?: unknown }).message ?? JSON.stringify(problem.error))
        : String(problem)
  })

/** The session's services and accounts, as the panel's port, for as long as the scope lives. */
const liveSession = (session: SessionFolder) =>
  Effect.gen(function* () {
    const accounts = yield* Peer.connect({
      transport: nodeTransport,
      address: addressOf(session, "accounts"),
      identity: { service: "cli", instance: `panel-${process.pid}` },
      key: session.env[KEY_ENV.cli]!,
      name: "accounts"
    })
    const service: LiveSessionService = {
      id: session.id,
      statuses: Effect.forEach(
        SERVICES,
        (name) =>
          Effect.map(askStatus(session, name, `panel-${process.pid}`), (status) => ({
            service: name,
            address: formatAddress(addressOf(session, name)),
            status
          })),
        { concurrency: "unbounded" }
        // The protocol's own logs (connections opened and closed every poll) are not the panel's.
      ).pipe(Logger.withMinimumLogLevel(LogLevel.None)),
      followEvents: (onEvent) => accounts.subscribe("events/0", 0, onEvent).unsubscribe,
      riskControls: accounts.call(riskControlsRequest).pipe(
        Effect.timeoutFail({
          duration: READ_TIMEOUT,
          onTimeout: () =>
            new AccountsRequestError({ reason: "Unanswered", message: "the Accounts Service did not answer in 5 s" })
        }),
        Effect.flatMap((answer) => Effect.mapError(Schema.decodeUnknown(RiskControls)(answer), invalid)),
        Effect.catchTag("RemoteError", (e) => Effect.fail(invalid(e)))
      ),
      send: (input) =>
        accounts.call(input).pipe(Effect.flatMap(Schema.decodeUnknown(Outcome)), Effect.mapError(invalid))
    }
    return service
  })

/** The session named, else the latest one, else none (the panel then shows backtests only). */
const chosenSession = (named: Option.Option<string>) =>
  Option.match(named, {
    onSome: (id) => Effect.map(open(id), Option.some),
    onNone: () => Effect.option(open(undefined))
  })

/** The panel's and the portal's tables on the central database the choice names. */
export const databaseServices = (choice: DatabaseChoice) =>
  Layer.unwrapEffect(
    Effect.map(serverUrl(choice), (server) =>
      Layer.mergeAll(
        Option.isSome(server) ? BacktestRuns.layer : BacktestRuns.layerIngesting(choice.dbDir),
        PanelUsers.layer,
        ConfigAudit.layer,
        PanelBacktests.layer,
        PortalHandlers.databaseLayers
      ).pipe(Layer.provide(databaseLayer(choice)))
    )
  )

/** What the panel and the portal read and write in the central database. */
export type DatabaseServices = Layer.Layer.Success<ReturnType<typeof databaseServices>>

/** Where the Control Panel and the Client Portal listen. */
export interface Addresses {
  readonly host: string
  readonly port: number
  readonly portalHost: string
  readonly portalPort: number
}

/** The URLs the panel and the portal were served on (none for a portal whose port was taken). */
export interface Served {
  readonly panel: string
  readonly portal: Option.Option<string>
  /** The backtest port of the panel: `meridian up --panel` runs its demo's backtest through it. */
  readonly research: ResearchService
  /** The session's Accounts Service, as the portal reaches it (none without a session). */
  readonly desk: Option.Option<AccountsDeskService>
}

/**
 * The Control Panel and the Client Portal over `folder` (a session, or none: backtests only) until the scope closes.
 * `quiet` leaves the printing to the caller.
 */
export const servePanel = (
  o: Addresses,
  folder: Option.Option<SessionFolder>,
  quiet = false
): Effect.Effect<
  Served,
  SessionError | ReportPageError,
  Scope.Scope | DatabaseServices | FileSystem.FileSystem | Path.Path
> =>
  Effect.gen(function* () {
    const live = yield* Effect.transposeOption(Option.map(folder, liveSession))
    const chartLibrary = yield* loadChartLibrary
    const desk = yield* PortalHandlers.desk(folder)
    // Backtests read the session's history and static data, else the data folder's history.
    const dataFolder = { historyDir: resolve(".meridian/history"), staticDir: undefined }
    const lab = yield* research(
      Option.match(folder, { onNone: () => dataFolder, onSome: (f) => sessionPaths(f, dataFolder) })
    )
    const strategies = yield* Effect.transposeOption(Option.map(folder, sessionStrategies))
    const made = Panel.make({
      chartLibrary,
      clientAddress: (c) => getConnInfo(c).remote.address ?? "unknown"
    }).pipe(
      Effect.provideService(LiveSession, live),
      Effect.provideService(Research, lab),
      Effect.provideService(AccountsDesk, desk)
    )
    const app = yield* Option.match(strategies, {
      onNone: () => made,
      onSome: (s) => Effect.provideService(made, SessionStrategies, s)
    })
    const port = yield* PortalHandlers.listen(app.fetch, o.host, o.port).pipe(
      Effect.mapError(
        (e) =>
          new SessionError({
            message: `the Control Panel cannot listen on ${o.host}:${o.port}: ${e.message} (choose another with --port)`
          })
      )
    )
    const panel = `http://${o.host}:${port}/`
    if (!quiet) {
      yield* Console.log(
        `Control Panel on ${panel} (${Option.match(live, {
          onNone: () => `no session in ${SESSIONS_ROOT}: backtests only`,
          onSome: (s) => `session ${s.id}`
        })}); add users with meridian user add`
      )
    }
    const portal = yield* PortalHandlers.serve({ host: o.portalHost, port: o.portalPort, chartLibrary, quiet }).pipe(
      Effect.provideService(AccountsDesk, desk)
    )
    return { panel, portal, research: lab, desk }
  })

export const serve = (o: DatabaseChoice & Addresses & { readonly session: Option.Option<string> }) =>
  Effect.scoped(
    Effect.gen(function* () {
      const folder = yield* chosenSession(o.session)
      const served = yield* servePanel(o, folder)
      // The session's process records its NAV history; so does a panel attached to it, for an Accounts Service
      // started without `meridian up` (the same rows: a sample is keyed by its time, a flow by its sequence).
      if (Option.isSome(served.desk)) yield* NavRecorder.start(served.desk.value, yield* NavHistory.NavHistory)
      return yield* Effect.never
    })
  ).pipe(Effect.provide(databaseServices(o)))
