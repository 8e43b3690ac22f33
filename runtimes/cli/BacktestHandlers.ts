/**
 * What `meridian backtest` and `meridian demo` run: check the options and the database the run goes to, run the
 * backtest job with a progress bar, print the report, write its files and store the run.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import { FileSystem, Path } from "@effect/platform"
import { Console, Effect, HashMap, Option } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import type { BacktestJob, BacktestOutcome } from "../../core/backtest/BacktestJob"
import { openRunStore } from "../../core/db/RunStore"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import * as Sizing from "../../core/strategy/Sizing"
import type { BacktestOptions } from "./BacktestCommand"
import { progressBar } from "./ProgressBar"
import { runSimBacktest } from "./SimBacktest"

const configError = (message: string) => new BacktestError({ reason: "Config", message })

/** An ISO date or date-time (UTC unless it says otherwise) as µs since the epoch. */
const micros = (flag: string, text: Option.Option<string>): Effect.Effect<number | undefined, BacktestError> => {
  if (Option.isNone(text)) return Effect.succeed(undefined)
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text.value) ? `${text.value}T00:00:00Z` : text.value)
  return Number.isNaN(ms)
    ? Effect.fail(configError(`${flag} ${text.value} is not an ISO date`))
    : Effect.succeed(ms * 1000)
}

/** The job the options describe, or the first option that is wrong. */
const jobOf = (o: BacktestOptions) =>
  Effect.gen(function* () {
    if (o.data.length === 0) return yield* configError("give at least one --data file")
    const params = Object.fromEntries(
      HashMap.toEntries(Option.getOrElse(o.param, () => HashMap.empty<string, string>()))
    )
    if (Option.isSome(o.sizing)) {
      if (Sizing.parse(o.sizing.value) === undefined) {
        return yield* configError(
          `--sizing ${o.sizing.value}: expected qty:<lots>, notional:<minor units> or equity:<percent 0-100>[@fill]`
        )
      }
      params.sizing = o.sizing.value
    }
    const range = yield* Effect.all({ from: micros("--from", o.from), to: micros("--to", o.to) })
    const file = o.data.find((source) => !source.startsWith("catalog:"))
    if ((Option.isSome(o.from) || Option.isSome(o.to)) && file !== undefined) {
      return yield* configError(
        `${Option.isSome(o.from) ? "--from" : "--to"} selects a range of the history (--data catalog:<instrument>); ${file} is a file, replayed whole`
      )
    }
    if (o.periodsPerYear < 1 || o.periodsPerYear > 100_000) {
      return yield* configError(`--periods-per-year ${o.periodsPerYear}: expected a whole number from 1 to 100000`)
    }
    return {
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
      closeAtEnd: o.closeAtEnd,
      periodsPerYear: o.periodsPerYear,
      venue: { barFill: o.fill, commission: o.commission, latencyUs: o.latencyUs, seed: o.seed }
    } satisfies BacktestJob
  })

/** Print the table, write the files, store the run (its id when stored): what both commands do with an outcome. */
const report = (
  outcome: BacktestOutcome,
  out: Option.Option<string>,
  store: Option.Option<(run: BacktestOutcome["run"]) => Effect.Effect<string, BacktestError>>
) =>
  Effect.gen(function* () {
    yield* Console.log(outcome.table)
    if (Option.isSome(out)) {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      yield* fs
        .makeDirectory(out.value, { recursive: true })
        .pipe(Effect.mapError((e) => configError(`cannot make ${out.value}: ${e.message}`)))
      for (const [name, render] of Object.entries(outcome.files)) {
        yield* writeChunks(path.join(out.value, name), render())
      }
      yield* Console.log(`wrote ${Object.keys(outcome.files).join(", ")} to ${out.value}`)
    }
    if (Option.isNone(store)) return Option.none<string>()
    const id = yield* store.value(outcome.run)
    yield* Console.log(`run ${id} stored`)
    return Option.some(id)
  })

/** Bytes of a file written at once: the equity curve's 64 KiB chunks, 16 to a write. */
const BLOCK_BYTES = 1 << 20

/**
 * A file written chunk by chunk: a long equity curve never becomes one string. Chunks are encoded into one reused
 * block, written when the next chunk might not fit: a write (and a buffer) per 1 MiB, not per chunk.
 */
const writeChunks = (file: string, chunks: Iterable<string>) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) =>
    Effect.scoped(
      Effect.gen(function* () {
        const handle = yield* fs.open(file, { flag: "w" })
        const encoder = new TextEncoder()
        const block = new Uint8Array(BLOCK_BYTES)
        let used = 0
        for (const chunk of chunks) {
          // UTF-8 takes at most 3 bytes for a UTF-16 code unit.
          const most = chunk.length * 3
          if (used > 0 && used + most > BLOCK_BYTES) {
            yield* handle.writeAll(block.subarray(0, used))
            used = 0
          }
          if (most > BLOCK_BYTES) yield* handle.writeAll(encoder.encode(chunk))
          else used += encoder.encodeInto(chunk, block.subarray(used)).written
        }
        if (used > 0) yield* handle.writeAll(block.subarray(0, used))
      })
    )
  ).pipe(Effect.mapError((e) => configError(`cannot write ${file}: ${e.message}`)))

export const backtest = (o: BacktestOptions) =>
  Effect.gen(function* () {
    const job = yield* jobOf(o)
    // The database is checked before the run: an unreachable server fails in milliseconds, not after the backtest.
    const store = o.noStore ? Option.none() : Option.some(yield* openRunStore(o))
    const outcome = yield* runSimBacktest({ ...job, onProgress: progressBar() })
    const id = yield* report(outcome, o.out, store)
    if (Option.isNone(o.html)) return
    // The page's code and the charting library load only for a backtest that writes a page.
    const page = yield* Effect.promise(() => import("../../site/report/ReportPage"))
    const run = { ...outcome.run, recorded: outcome.recorded, ...(Option.isSome(id) ? { id: id.value } : {}) }
    const bytes = yield* page.writeRunPage(o.html.value, run)
    yield* Console.log(`wrote ${o.html.value} (${Math.ceil(bytes / 1024)} KiB)`)
  }).pipe(Effect.scoped, Effect.provide(StaticDataSet.layerShipped))

/** Real daily S&P 500 bars (2000-2020) shipped by the vega-datasets package beside its build. */
const sp500 = () => {
  const main = createRequire(import.meta.url).resolve("vega-datasets")
  return main.replace(/build[/\\][^/\\]+$/, "data/sp500-2000.csv")
}

export const demo = Effect.gen(function* () {
  yield* Console.log("Meridian demo: SMA crossover (10/30, long-only) on S&P 500 daily bars 2000-2020, 0.1% fees\n")
  const store = yield* openRunStore({ db: Option.none(), dbDir: ".meridian/db" })
  const outcome = yield* runSimBacktest({
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
    venue: { barFill: "next-open", commission: "0.001", latencyUs: 0, seed: 1 }
  })
  const id = yield* report(outcome, Option.none(), Option.some(store))
  const next = [
    [`npx meridian runs show ${Option.getOrElse(id, () => "<id>")}`, "the run just stored"],
    ["npx meridian runs list", "every stored run"],
    ["npx meridian backtest --help", "backtest your own data and strategies (README: Backtesting)"]
  ]
  yield* Console.log(`\nNext:\n${next.map(([command, what]) => `  ${command!.padEnd(38)}${what}`).join("\n")}`)
}).pipe(Effect.scoped, Effect.provide(StaticDataSet.layerShipped))
