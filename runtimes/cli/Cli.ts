/**
 * The `meridian` command line. Platform-free: each runtime's `main` provides its platform layer.
 *
 * @since 0.1.0
 */

import { createRequire } from "node:module"
import { Command, Options } from "@effect/cli"
import { Console, Effect, Layer, Option } from "effect"
import * as StaticDataStore from "../../core/db/StaticDataStore"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import packageJson from "../../package.json" with { type: "json" }
import { fixedLatency, noSlippage, notionalFractionFee } from "../../plugins/connector-sim/src/index"
import { plugin } from "../../registry/src/Cli"
import { backtest } from "./BacktestCommand"
import { runBacktestJob, storeRun } from "./BacktestJob"
import { data } from "./DataCommand"
import { databaseLayer, databaseOptions, runs, runsLayer } from "./RunsCommand"

/** Real daily S&P 500 bars (2000-2020) shipped by the vega-datasets package beside its build. */
const sp500 = () => {
  const main = createRequire(import.meta.url).resolve("vega-datasets")
  return main.replace(/build[/\\][^/\\]+$/, "data/sp500-2000.csv")
}

const demo = Command.make("demo", {}, () =>
  Effect.gen(function* () {
    yield* Console.log("Meridian demo: SMA crossover (10/30, long-only) on S&P 500 daily bars 2000-2020, 0.1% fees\n")
    const outcome = yield* runBacktestJob({
      strategy: "sma-cross",
      data: [sp500()],
      instruments: ["SPX.SIM"],
      params: { fast: "10", slow: "30" },
      cash: "100000",
      currency: "USD",
      tickSize: "0.01",
      lotSize: "1",
      timezone: "America/New_York",
      accountKind: "cash",
      historyDir: ".meridian/history",
      venue: {
        barFill: "next-open",
        fees: notionalFractionFee("0.001"),
        latency: fixedLatency(0),
        slippage: noSlippage,
        seed: 1
      }
    })
    yield* Console.log(outcome.table)
    const id = yield* storeRun(outcome.run).pipe(Effect.provide(runsLayer(defaultDatabase)))
    yield* Console.log(`run ${id} stored`)
  })
).pipe(Command.withDescription("Run the demo on embedded defaults: a backtest on real S&P 500 data"))

/** `DATABASE_URL`, else the embedded database in `.meridian/db`. */
const defaultDatabase = { db: Option.none(), dbDir: ".meridian/db" }

const staticLoad = Command.make(
  "load",
  {
    ...databaseOptions,
    dir: Options.directory("dir").pipe(
      Options.optional,
      Options.withDescription("folder of the static data files (default: the set shipped with Meridian)")
    )
  },
  (o) =>
    Effect.gen(function* () {
      const set = yield* Option.match(o.dir, { onNone: () => StaticDataSet.loadShipped, onSome: StaticDataSet.load })
      const store = yield* StaticDataStore.StaticDataStore
      const written = yield* store.load(set)
      yield* Console.log(`loaded ${written} static data entries into the central database`)
    }).pipe(Effect.provide(Layer.provide(StaticDataStore.layer, databaseLayer(o))))
).pipe(Command.withDescription("Load a static data set into the central database (an upsert)"))

const staticData = Command.make("static").pipe(
  Command.withDescription("Static data: instruments, calendars, fees, FX rates"),
  Command.withSubcommands([staticLoad])
)

const info = Command.make("info", {}, () =>
  Effect.sync(() => {
    const bun = (globalThis as { Bun?: { version: string } }).Bun
    return bun === undefined ? `node ${process.versions.node}` : `bun ${bun.version}`
  }).pipe(Effect.flatMap((runtime) => Console.log(`meridian ${packageJson.version} on ${runtime}`)))
).pipe(Command.withDescription("Print the version and the runtime"))

export const command = Command.make("meridian").pipe(
  Command.withDescription("Meridian: backtest, paper-trade and trade live with one strategy code"),
  Command.withSubcommands([demo, backtest, runs, data, staticData, plugin, info])
)

const runCommand = Command.run(command, { name: "meridian", version: packageJson.version })

/** Run the CLI; a user error prints one line and sets a failing exit code instead of a stack trace. */
export const run = (argv: ReadonlyArray<string>) =>
  runCommand(argv).pipe(
    Effect.provide(StaticDataSet.layerShipped),
    Effect.catchTags({
      BacktestError: (error) => fail(error.message),
      StaticDataError: (error) => fail(error.message),
      HistoryError: (error) => fail(error.message),
      DatabaseError: (error) => fail(error.message),
      BacktestRunNotFound: (error) => fail(error.message)
    })
  )

const fail = (message: string) =>
  Console.error(`meridian: ${message}`).pipe(
    Effect.zipRight(
      Effect.sync(() => {
        process.exitCode = 1
      })
    )
  )
