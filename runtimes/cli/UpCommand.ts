/**
 * `meridian up` and `meridian status`: a paper-trading session of the live services on this machine, and what
 * each service of a session reports. The work is in `UpHandlers.ts` and `StatusHandlers.ts`, loaded when the
 * command runs.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { lazy } from "./lazy"

const upHandlers = lazy(() => import("./UpHandlers"))
const statusHandlers = lazy(() => import("./StatusHandlers"))

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
    )
  },
  (o) => upHandlers((h) => h.up(o))
).pipe(
  Command.withDescription(
    "Paper trading on this machine: the Accounts, Market Data, Execution and Strategies services on a replayed feed and the simulated venue, printing orders, fills and PnL"
  )
)

export const status = Command.make("status", { session }, (o) => statusHandlers((h) => h.status(o))).pipe(
  Command.withDescription("Each service of a session: version, region, address, connections, stream sequences and lag")
)
