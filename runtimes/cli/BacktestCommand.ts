/**
 * `meridian backtest`: load market data files, pick a strategy by name or by path, run it through the simulated
 * venue, print (and optionally write) the report and store the run. The options are here; the work is in
 * `BacktestHandlers.ts`, loaded when the command runs.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { databaseOptions } from "./DatabaseOptions"
import { lazy } from "./lazy"

const handlers = lazy(() => import("./BacktestHandlers"))

const strategy = Options.text("strategy").pipe(
  Options.withDescription(
    "a plugin by name (sma-cross, mean-reversion, or one in ./plugins), a plugin package's folder (meridian new strategy), or a TypeScript file exporting a strategy"
  )
)
const data = Options.text("data").pipe(
  Options.repeated,
  Options.withDescription(
    "a CSV file of bars (Date,Open,High,Low,Close[,Volume]), quotes or trades, or catalog:<instrument>[,...] from the history; repeatable"
  )
)
const instrument = Options.text("instrument").pipe(
  Options.repeated,
  Options.withDescription("SYMBOL.VENUE for each --data file in order (default: the file name on venue SIM)")
)
const param = Options.keyValueMap("param").pipe(
  Options.optional,
  Options.withDescription("a strategy parameter, k=v (e.g. fast=10); repeatable; an unknown name is refused")
)
const cash = Options.text("cash").pipe(Options.withDefault("100000"), Options.withDescription("initial cash"))
const currency = Options.text("currency").pipe(
  Options.withDefault("USD"),
  Options.withDescription("quote currency of instruments made from file names")
)
const tickSize = Options.text("tick-size").pipe(
  Options.withDefault("0.01"),
  Options.withDescription("price increment of instruments made from file names")
)
const lotSize = Options.text("lot-size").pipe(
  Options.withDefault("1"),
  Options.withDescription("quantity increment of instruments made from file names")
)
const timezone = Options.text("timezone").pipe(
  Options.optional,
  Options.withDescription("IANA zone of timestamps written without an offset (default: the instrument's, else UTC)")
)
const commission = Options.text("commission").pipe(
  Options.withDefault("0"),
  Options.withDescription("fee as a fraction of notional, e.g. 0.001")
)
const fill = Options.choice("fill", ["next-open", "close"]).pipe(
  Options.withDefault("next-open" as const),
  Options.withDescription("when market orders sent on a bar fill")
)
const sizing = Options.text("sizing").pipe(
  Options.optional,
  Options.withDescription("qty:<lots>, notional:<minor units> or equity:<percent> (the strategy's sizing param)")
)
const accountKind = Options.choice("account", ["cash", "margin"]).pipe(
  Options.withDefault("cash" as const),
  Options.withDescription("a cash account (no short sales, no borrowing) or a margin account")
)
const latencyUs = Options.integer("latency-us").pipe(
  Options.withDefault(0),
  Options.withDescription("microseconds between sending an order and the venue receiving it")
)
const seed = Options.integer("seed").pipe(
  Options.withDefault(1),
  Options.withDescription("seed of the simulated venue's random choices: the same seed, the same run")
)
const history = Options.directory("history").pipe(
  Options.withDefault(".meridian/history"),
  Options.withDescription("root of the market data history, for --data catalog:<instrument>[,...]")
)
const from = Options.text("from").pipe(
  Options.optional,
  Options.withDescription("first date (or date-time, UTC) of the history to replay (catalog: data only)")
)
const to = Options.text("to").pipe(
  Options.optional,
  Options.withDescription("date (or date-time, UTC) to stop before (catalog: data only)")
)
const out = Options.directory("out").pipe(
  Options.optional,
  Options.withDescription("write report.json, trades.csv and equity.csv here")
)
const html = Options.file("html").pipe(
  Options.optional,
  Options.withDescription(
    "write the report as one HTML page that opens offline: price with fills, equity, drawdown, statistics"
  )
)
const closeAtEnd = Options.boolean("close-at-end").pipe(
  Options.withDescription(
    "close trades still open after the last bar at its open, with the fee (backtesting.py's finalize_trades); by default they are reported as open"
  )
)
const periodsPerYear = Options.integer("periods-per-year").pipe(
  Options.withDefault(252),
  Options.withDescription(
    "daily returns in a year, for annualised return, volatility, Sharpe and Sortino (365 for markets open every day)"
  )
)
const noStore = Options.boolean("no-store").pipe(
  Options.withDescription("do not store the run in the central database")
)

const config = {
  strategy,
  data,
  instrument,
  param,
  cash,
  currency,
  tickSize,
  lotSize,
  timezone,
  commission,
  fill,
  sizing,
  accountKind,
  latencyUs,
  seed,
  history,
  from,
  to,
  out,
  html,
  closeAtEnd,
  periodsPerYear,
  noStore,
  ...databaseOptions
}

/** The parsed options of `meridian backtest`. */
export type BacktestOptions = Command.Command.ParseConfig<typeof config>

export const backtest = Command.make("backtest", config, (o) => handlers((h) => h.backtest(o))).pipe(
  Command.withDescription("Backtest a strategy on market data files")
)

export const demo = Command.make("demo", {}, () => handlers((h) => h.demo)).pipe(
  Command.withDescription("Run the demo on embedded defaults: a backtest on real S&P 500 data")
)
