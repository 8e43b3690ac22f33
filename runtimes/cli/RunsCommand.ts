/**
 * `meridian runs list|show|compare`: the backtest runs stored in the central database, and the options that pick
 * that database (`--db <url>`, else `DATABASE_URL`, else the embedded one in `--db-dir`). The work itself is in
 * `RunsHandlers.ts`, loaded when a command runs.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { Option } from "effect"
import { databaseOptions } from "./DatabaseOptions"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./RunsHandlers"))
const sweepHandlers = lazy(() => import("./SweepHandlers"))

const html = (what: string) =>
  Options.file("html").pipe(
    Options.optional,
    Options.withDescription(`also write ${what} as one HTML page that opens offline`)
  )

const list = Command.make(
  "list",
  {
    ...databaseOptions,
    limit: Options.integer("limit").pipe(Options.withDefault(20), Options.withDescription("most runs shown")),
    strategy: Options.text("strategy").pipe(Options.optional, Options.withDescription("only runs of this strategy")),
    sweep: Options.text("sweep").pipe(
      Options.optional,
      Options.withDescription("every job of this sweep (meridian sweep prints its id), best return first")
    )
  },
  (o) =>
    Option.match(o.sweep, {
      onNone: () => handlers((h) => h.list(o)),
      onSome: (sweep) => sweepHandlers((h) => h.listSweep({ ...o, sweep }))
    })
).pipe(Command.withDescription("List the stored backtest runs, newest first"))

const show = Command.make(
  "show",
  {
    ...databaseOptions,
    id: Args.text({ name: "id" }).pipe(Args.withDescription("the run's id (as runs list prints it)")),
    html: html("the run's report (equity, drawdown, trades, statistics)")
  },
  (o) => handlers((h) => h.show(o))
).pipe(Command.withDescription("Show a stored run: what ran, its statistics and its number of trades"))

const compare = Command.make(
  "compare",
  {
    ...databaseOptions,
    a: Args.text({ name: "a" }).pipe(Args.withDescription("the first run's id")),
    b: Args.text({ name: "b" }).pipe(Args.withDescription("the second run's id")),
    html: html("the comparison (equity curves overlaid, statistics and parameters side by side)")
  },
  (o) => handlers((h) => h.compare(o))
).pipe(Command.withDescription("Compare two stored runs statistic by statistic (difference = b - a)"))

/** `meridian runs`. */
export const runs = Command.make("runs").pipe(
  Command.withDescription("The backtest runs stored in the central database"),
  Command.withSubcommands([list, show, compare])
)
