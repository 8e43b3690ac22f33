/**
 * `meridian up`, `meridian status` and `meridian parity`: a paper-trading session of the live services on this
 * machine, what each service of a session reports, and a session compared with a backtest of it. The work is in
 * `UpHandlers.ts`, `StatusHandlers.ts` and `ParityHandlers.ts`, loaded when the command runs.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { databaseOptions } from "./DatabaseOptions"
import { lazy } from "./lazy"

const upHandlers = lazy(() => import("./UpHandlers"))
const statusHandlers = lazy(() => import("./StatusHandlers"))
const parityHandlers = lazy(() => import("./ParityHandlers"))

const session = Options.text("session").pipe(
  Options.withDescription("a session's id under .meridian/sessions (default: a new session; for status, the latest)"),
  Options.optional
)

export const up = Command.make(
  "up",
  {
    config: Options.file("config", { exists: "yes" }).pipe(
      Options.withDescription(
        "the session's JSON file (history, instruments, account, strategies, venue); default: the demo"
      ),
      Options.optional
    ),
    session,
    duration: Options.integer("duration").pipe(
      Options.withDescription("stop after this many seconds (default: when the replay is through)"),
      Options.optional
    ),
    processes: Options.boolean("processes").pipe(
      Options.withDescription("run each service in a process of its own (default: all in this process)")
    ),
    stay: Options.boolean("stay").pipe(
      Options.withDescription("keep running after the replay is through, until stopped")
    ),
    panel: Options.boolean("panel").pipe(
      Options.withDescription(
        "also serve the Control Panel and the Client Portal over the session, with a demo login (what npm start runs); keeps running after the replay until stopped or --duration"
      )
    ),
    host: Options.text("host").pipe(
      Options.withDefault("localhost"),
      Options.withDescription("with --panel: address the panel and the portal listen on (default: this machine only)")
    ),
    port: Options.integer("port").pipe(
      Options.withDefault(8080),
      Options.withDescription("with --panel: port of the Control Panel (0: any free port)")
    ),
    portalPort: Options.integer("portal-port").pipe(
      Options.withDefault(8081),
      Options.withDescription("with --panel: port of the Client Portal (0: any free port)")
    ),
    ...databaseOptions
  },
  (o) => upHandlers((h) => h.up({ ...o, portalHost: o.host }))
).pipe(
  Command.withDescription(
    "Paper trading on this machine: the Accounts, Market Data, Execution and Strategies services on a replayed feed and the simulated venue, printing orders, fills and PnL"
  )
)

export const status = Command.make("status", { session }, (o) => statusHandlers((h) => h.status(o))).pipe(
  Command.withDescription("Each service of a session: version, region, address, connections, stream sequences and lag")
)

export const parity = Command.make(
  "parity",
  {
    session: Args.text({ name: "session" }).pipe(
      Args.withDescription("a session's id under .meridian/sessions (default: the latest)"),
      Args.optional
    )
  },
  (o) => parityHandlers((h) => h.parity(o))
).pipe(
  Command.withDescription(
    "Backtest a paper session's strategies on the market data it recorded and compare orders and fills: prints the first difference (exit code 1) or that they are identical"
  )
)
