/**
 * `meridian panel` serves the Control Panel; `meridian user add` creates the people who log in to it. The work is in
 * `PanelHandlers.ts` and `UserHandlers.ts`, loaded when a command runs.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { databaseOptions } from "./DatabaseOptions"
import { lazy } from "./lazy"

const panelHandlers = lazy(() => import("./PanelHandlers"))
const userHandlers = lazy(() => import("./UserHandlers"))

/** `meridian panel`. */
export const panel = Command.make(
  "panel",
  {
    ...databaseOptions,
    host: Options.text("host").pipe(
      Options.withDefault("localhost"),
      Options.withDescription("address to listen on (default: this machine only)")
    ),
    port: Options.integer("port").pipe(Options.withDefault(8080), Options.withDescription("port to listen on")),
    portalHost: Options.text("portal-host").pipe(
      Options.withDefault("localhost"),
      Options.withDescription("address the Client Portal (for investors) listens on")
    ),
    portalPort: Options.integer("portal-port").pipe(
      Options.withDefault(8081),
      Options.withDescription("port of the Client Portal (0: any free port)")
    ),
    session: Options.text("session").pipe(
      Options.optional,
      Options.withDescription(
        "the session under .meridian/sessions whose services and accounts it shows (default: the latest)"
      )
    )
  },
  (o) => panelHandlers((h) => h.serve(o))
).pipe(
  Command.withDescription(
    "Serve the Control Panel (backtest runs and reports, a session's services and live accounts, cash requests) and the Client Portal for investors on its own port (users: meridian user add)"
  )
)

const add = Command.make(
  "add",
  {
    ...databaseOptions,
    name: Args.text({ name: "name" }).pipe(Args.withDescription("the login name")),
    role: Options.choice("role", ["admin", "operator", "quant", "investor"]).pipe(
      Options.withDescription("what the user may do")
    ),
    account: Options.text("account").pipe(
      Options.repeated,
      Options.withDescription("an account the investor sees (repeat for several; investors only)")
    ),
    passwordEnv: Options.text("password-env").pipe(
      Options.optional,
      Options.withDescription("read the password from this environment variable (default: the first line of stdin)")
    )
  },
  (o) => userHandlers((h) => h.add(o))
).pipe(
  Command.withDescription(
    "Add a Control Panel user; the password comes from stdin or --password-env, never an argument"
  )
)

const bind = Command.make(
  "bind",
  {
    ...databaseOptions,
    name: Args.text({ name: "name" }).pipe(Args.withDescription("the investor's login name")),
    account: Options.text("account").pipe(
      Options.repeated,
      Options.withDescription("an account the investor sees in the Client Portal (repeat for several)")
    )
  },
  (o) => userHandlers((h) => h.bind(o))
).pipe(Command.withDescription("Let an investor see more accounts in the Client Portal"))

/** `meridian user`. */
export const user = Command.make("user").pipe(
  Command.withDescription("The people who log in to the Control Panel and the Client Portal"),
  Command.withSubcommands([add, bind])
)
