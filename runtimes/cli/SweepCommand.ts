/**
 * `meridian sweep`: one strategy backtested over a grid of parameters or a seeded random sample of them, every job
 * recorded in the central database under the sweep's id (`meridian runs list --sweep <id>`). With `--cluster` the
 * jobs go to the cluster's workers (`meridian worker`); without, they run in local worker processes, one per core.
 * The work is in `SweepHandlers.ts`, loaded when the command runs.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { databaseOptions } from "./DatabaseOptions"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./SweepHandlers"))

const config = {
  strategy: Options.text("strategy").pipe(
    Options.withDescription("a plugin by name (sma-cross), a plugin package's folder, or a TypeScript strategy file")
  ),
  grid: Options.text("grid").pipe(
    Options.repeated,
    Options.withDescription(
      "a swept parameter: name=a,b,c, name=lo..hi[:step], or a bare name for its range in the strategy's schema; repeatable"
    )
  ),
  random: Options.integer("random").pipe(
    Options.optional,
    Options.withDescription("try this many parameter sets drawn at random from the --grid ranges instead of all")
  ),
  seed: Options.integer("seed").pipe(
    Options.withDefault(1),
    Options.withDescription("seed of the --random draw: the same seed, the same sets")
  ),
  optimize: Options.choice("optimize", ["tpe"]).pipe(
    Options.optional,
    Options.withDescription(
      "propose each job from the results so far (tpe: a tree-structured Parzen estimator) over the --grid ranges"
    )
  ),
  trials: Options.integer("trials").pipe(
    Options.withDefault(50),
    Options.withDescription("with --optimize: how many jobs in all")
  ),
  objective: Options.text("objective").pipe(
    Options.withDefault("sharpe"),
    Options.withDescription("with --optimize: the statistic to maximise, or a weighted sum (sharpe+0.1*returnPct)")
  ),
  constraint: Options.text("constraint").pipe(
    Options.repeated,
    Options.withDescription(
      "with --optimize: a bound on a statistic, e.g. maxDrawdownPct<=20 or trades>=10; repeatable"
    )
  ),
  walkForward: Options.text("walk-forward").pipe(
    Options.optional,
    Options.withDescription(
      "train=<len>,test=<len>[,step=<len>][,anchored] (lengths 30d, 8w, 6m, 2y): optimize each training window of --from..--to by --objective, test its best set on the period after it, roll by step; prints the out-of-sample report"
    )
  ),
  parallel: Options.integer("parallel").pipe(
    Options.withDefault(8),
    Options.withDescription("with --optimize --cluster: jobs in flight at once")
  ),
  param: Options.keyValueMap("param").pipe(
    Options.optional,
    Options.withDescription("a parameter every job shares, k=v; repeatable")
  ),
  data: Options.text("data").pipe(
    Options.repeated,
    Options.withDescription("a CSV file of bars, quotes or trades, or catalog:<instrument>[,...] from the history")
  ),
  instrument: Options.text("instrument").pipe(
    Options.repeated,
    Options.withDescription("SYMBOL.VENUE for each --data file in order (default: the file name on venue SIM)")
  ),
  history: Options.directory("history").pipe(
    Options.withDefault(".meridian/history"),
    Options.withDescription("root of the market data history, for --data catalog:<instrument>[,...]")
  ),
  from: Options.text("from").pipe(Options.optional, Options.withDescription("first date of the history to replay")),
  to: Options.text("to").pipe(Options.optional, Options.withDescription("date of the history to stop before")),
  staticData: Options.directory("static-data").pipe(
    Options.optional,
    Options.withDescription("folder of the static data set every job uses (default: the shipped set)")
  ),
  cash: Options.text("cash").pipe(Options.withDefault("100000"), Options.withDescription("initial cash")),
  currency: Options.text("currency").pipe(Options.withDefault("USD"), Options.withDescription("quote currency")),
  tickSize: Options.text("tick-size").pipe(Options.withDefault("0.01"), Options.withDescription("price increment")),
  lotSize: Options.text("lot-size").pipe(Options.withDefault("1"), Options.withDescription("quantity increment")),
  timezone: Options.text("timezone").pipe(
    Options.optional,
    Options.withDescription("IANA zone of timestamps written without an offset")
  ),
  commission: Options.text("commission").pipe(
    Options.withDefault("0"),
    Options.withDescription("fee as a fraction of notional, e.g. 0.001")
  ),
  fill: Options.choice("fill", ["next-open", "close"]).pipe(
    Options.withDefault("next-open" as const),
    Options.withDescription("when market orders sent on a bar fill")
  ),
  accountKind: Options.choice("account", ["cash", "margin"]).pipe(
    Options.withDefault("cash" as const),
    Options.withDescription("a cash account or a margin account")
  ),
  closeAtEnd: Options.boolean("close-at-end").pipe(
    Options.withDescription("close trades still open after the last bar at its open")
  ),
  periodsPerYear: Options.integer("periods-per-year").pipe(
    Options.withDefault(252),
    Options.withDescription("daily returns in a year, for the annualised statistics")
  ),
  cluster: Options.boolean("cluster").pipe(
    Options.withDescription(
      "send the jobs to the cluster's workers (meridian worker) through the PostgreSQL server (default: MERIDIAN_CLUSTER)"
    )
  ),
  processes: Options.integer("processes").pipe(
    Options.optional,
    Options.withDescription("local worker processes without --cluster (default: one per core)")
  ),
  lockExpiration: Options.integer("lock-expiration").pipe(
    Options.withDefault(6),
    Options.withDescription("with --cluster: the workers' --lock-expiration")
  ),
  ...databaseOptions
}

/** The parsed options of `meridian sweep`. */
export type SweepOptions = Command.Command.ParseConfig<typeof config>

export const sweep = Command.make("sweep", config, (o) => handlers((h) => h.sweep(o))).pipe(
  Command.withDescription("Backtest a strategy over a grid or a random sample of its parameters")
)
