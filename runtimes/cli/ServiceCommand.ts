/**
 * `meridian service <name>`: run one of the platform's services in this process until it is stopped (SIGINT or
 * SIGTERM close it cleanly; a kill loses nothing it acknowledged). The work is in `ServiceHandlers.ts`, loaded when
 * the command runs.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import type { ServiceName } from "../../core/live/session/SessionPlan"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./ServiceHandlers"))

const config = Options.file("config", { exists: "yes" }).pipe(
  Options.withDescription("the service's JSON configuration")
)

const serviceCommand = (name: ServiceName, description: string) =>
  Command.make(name, { config }, (o) => handlers((h) => h.runLogged(name, o.config))).pipe(
    Command.withDescription(description)
  )

const accounts = serviceCommand(
  "accounts",
  "The Accounts Service (OMS): pre-trade risk, orders, positions, cash, write-ahead log"
)
const marketData = serviceCommand(
  "market-data",
  "The Market Data Service: replays the history (paced or in lockstep), records, publishes"
)
const strategies = serviceCommand(
  "strategies",
  "The Strategies Service: runs strategy plugins on live market data and accounts"
)
const execution = serviceCommand(
  "execution",
  "The Execution Service: a venue connector (the simulated venue: paper trading) for accounts"
)

export const service = Command.make("service").pipe(
  Command.withDescription("Run a service of the live platform"),
  Command.withSubcommands([accounts, marketData, strategies, execution])
)
