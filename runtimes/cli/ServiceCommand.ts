/**
 * `meridian service <name>`: run one of the platform's services in this process until it is stopped (SIGINT or
 * SIGTERM close it cleanly; a kill loses nothing it acknowledged). The work is in `ServiceHandlers.ts`, loaded when
 * the command runs.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./ServiceHandlers"))
const strategiesHandlers = lazy(() => import("./StrategiesHandlers"))
const executionHandlers = lazy(() => import("./ExecutionHandlers"))

const accounts = Command.make(
  "accounts",
  {
    config: Options.file("config", { exists: "yes" }).pipe(Options.withDescription("the service's JSON configuration"))
  },
  (o) => handlers((h) => h.accounts(o))
).pipe(Command.withDescription("The Accounts Service (OMS): pre-trade risk, orders, positions, cash, write-ahead log"))

const marketData = Command.make(
  "market-data",
  {
    config: Options.file("config", { exists: "yes" }).pipe(Options.withDescription("the service's JSON configuration"))
  },
  (o) => handlers((h) => h.marketData(o))
).pipe(
  Command.withDescription("The Market Data Service: replays the history (paced or in lockstep), records, publishes")
)

const strategies = Command.make(
  "strategies",
  {
    config: Options.file("config", { exists: "yes" }).pipe(Options.withDescription("the service's JSON configuration"))
  },
  (o) => strategiesHandlers((h) => h.strategies(o))
).pipe(Command.withDescription("The Strategies Service: runs strategy plugins on live market data and accounts"))

const execution = Command.make(
  "execution",
  {
    config: Options.file("config", { exists: "yes" }).pipe(Options.withDescription("the service's JSON configuration"))
  },
  (o) => executionHandlers((h) => h.execution(o))
).pipe(
  Command.withDescription("The Execution Service: a venue connector (the simulated venue: paper trading) for accounts")
)

export const service = Command.make("service").pipe(
  Command.withDescription("Run a service of the live platform"),
  Command.withSubcommands([accounts, marketData, strategies, execution])
)
