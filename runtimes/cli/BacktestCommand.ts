/**
 * `meridian backtest`: load market data files, pick a strategy by name or by path, run it through the simulated
 * venue and print (and optionally write) the report.
 *
 * @since 0.1.0
 */
import { Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import { Console, Effect, HashMap, Option } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import * as Sizing from "../../core/strategy/Sizing"
import { fixedLatency, noFees, noSlippage, notionalFractionFee } from "../../plugins/connector-sim/src/index"
import { runBacktestJob, storeRun } from "./BacktestJob"
import { databaseOptions, runsLayer } from "./RunsCommand"

const strategy = Options.text("strategy").pipe(
  Options.withDescription("a built-in strategy (sma-cross) or the path of a TypeScript file exporting one")
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
  Options.withDescription("a strategy parameter, k=v; repeatable")
)
const cash = Options.text("cash").pipe(Options.withDefault("100000"), Options.withDescription("initial cash"))
const currency = Options.text("currency").pipe(Options.withDefault("USD"))
const tickSize = Options.text("tick-size").pipe(Options.withDefault("0.01"))
const lotSize = Options.text("lot-size").pipe(Options.withDefault("1"))
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
const accountKind = Options.choice("account", ["cash", "margin"]).pipe(Options.withDefault("cash" as const))
const latencyUs = Options.integer("latency-us").pipe(Options.withDefault(0))
const seed = Options.integer("seed").pipe(Options.withDefault(1))
const history = Options.directory("history").pipe(
  Options.withDefault(".meridian/history"),
  Options.withDescription("root of the market data history, for --data catalog:<instrument>[,...]")
)
const from = Options.text("from").pipe(
  Options.optional,
  Options.withDescription("first date (or date-time, UTC) of history to replay")
)
const to = Options.text("to").pipe(Options.optional, Options.withDescription("date (or date-time, UTC) to stop before"))
const out = Options.directory("out").pipe(
  Options.optional,
  Options.withDescription("write report.json, trades.csv and equity.csv here")
)
const noStore = Options.boolean("no-store").pipe(
  Options.withDescription("do not store the run in the central database")
)

/** An ISO date or date-time (UTC unless it says otherwise) as µs since the epoch. */
const micros = (flag: string, text: Option.Option<string>): Effect.Effect<number | undefined, BacktestError> => {
  if (Option.isNone(text)) return Effect.succeed(undefined)
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text.value) ? `${text.value}T00:00:00Z` : text.value)
  return Number.isNaN(ms)
    ? Effect.fail(new BacktestError({ reason: "Config", message: `${flag} ${text.value} is not an ISO date` }))
    : Effect.succeed(ms * 1000)
}

export const backtest = Command.make(
  "backtest",
  {
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
    noStore,
    ...databaseOptions
  },
  (o) =>
    Effect.gen(function* () {
      if (o.data.length === 0)
        return yield* new BacktestError({ reason: "Config", message: "give at least one --data file" })
      const params = Object.fromEntries(
        HashMap.toEntries(Option.getOrElse(o.param, () => HashMap.empty<string, string>()))
      )
      if (Option.isSome(o.sizing)) {
        if (Sizing.parse(o.sizing.value) === undefined) {
          return yield* new BacktestError({
            reason: "Config",
            message: `--sizing ${o.sizing.value}: expected qty:<lots>, notional:<minor units> or equity:<percent 0-100>[@fill]`
          })
        }
        params.sizing = o.sizing.value
      }
      const fees =
        o.commission === "0"
          ? noFees
          : yield* Effect.try({
              try: () => notionalFractionFee(o.commission),
              catch: () =>
                new BacktestError({
                  reason: "Config",
                  message: `--commission ${o.commission} is not a decimal fraction`
                })
            })
      const range = yield* Effect.all({ from: micros("--from", o.from), to: micros("--to", o.to) })
      const outcome = yield* runBacktestJob({
        historyDir: o.history,
        ...(range.from !== undefined && { from: range.from }),
        ...(range.to !== undefined && { to: range.to }),
        strategy: o.strategy,
        data: o.data,
        instruments: o.instrument,
        params,
        cash: o.cash,
        currency: o.currency,
        tickSize: o.tickSize,
        lotSize: o.lotSize,
        ...(Option.isSome(o.timezone) && { timezone: o.timezone.value }),
        accountKind: o.accountKind,
        venue: { barFill: o.fill, fees, latency: fixedLatency(o.latencyUs), slippage: noSlippage, seed: o.seed }
      })
      yield* Console.log(outcome.table)
      if (Option.isSome(o.out)) {
        const fs = yield* FileSystem.FileSystem
        const path = yield* Path.Path
        yield* fs.makeDirectory(o.out.value, { recursive: true })
        for (const [name, text] of Object.entries(outcome.files)) {
          yield* fs.writeFileString(path.join(o.out.value, name), text)
        }
        yield* Console.log(`wrote ${Object.keys(outcome.files).join(", ")} to ${o.out.value}`)
      }
      if (!o.noStore) {
        const id = yield* storeRun(outcome.run).pipe(Effect.provide(runsLayer(o)))
        yield* Console.log(`run ${id} stored`)
      }
    })
).pipe(Command.withDescription("Backtest a strategy on market data files"))
