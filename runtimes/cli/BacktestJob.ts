/**
 * A backtest from files and names, as the CLI and the demo describe it: the instruments are made from the file
 * names and the units given, the strategy is found by name or loaded from a TypeScript file, its parameters are
 * decoded with its own schema, and the report is rendered.
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { FileSystem, Path } from "@effect/platform"
import { Effect, Either, Schema } from "effect"
import { BacktestError, run as runBacktest } from "../../core/backtest/Backtest"
import type { Columns } from "../../core/data/Columns"
import { readMarketDataCsv } from "../../core/data/Csv"
import { finalBooks } from "../../core/data/OrderBook"
import type { BacktestRun } from "../../core/db/BacktestRuns"
import * as Decimal from "../../core/domain/Decimal"
import type { InstrumentId } from "../../core/domain/Ids"
import { type InstrumentSpec, type InstrumentSpecs, makeSpecs } from "../../core/domain/InstrumentSpec"
import { MICROS_PER_DAY } from "../../core/domain/Units"
import {
  closeAtEnd,
  computeReport,
  equityCsvChunks,
  formatRejections,
  formatStats,
  type Mark,
  type ReportInput,
  rejectionsOf,
  reportJson,
  tradesCsv
} from "../../core/report/Report"
import { StaticData } from "../../core/services/StaticData"
import { decodeParams } from "../../core/strategy/Params"
import { type AnyStrategy, isStrategy } from "../../core/strategy/Strategy"
import { fixedLatency, noFees, noSlippage, notionalFractionFee, SimVenue } from "../../plugins/connector-sim/src/index"
import smaCrossPackage from "../../plugins/strategy-sma-cross/package.json" with { type: "json" }
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { resolveInstrument } from "./Instruments"
import { lineChunks } from "./LineChunks"
import { importStrategyFile } from "./StrategyFile"
import { findStrategyPlugin, pluginRoots } from "./StrategyPlugins"

/** A strategy and where its code comes from: a plugin package (its folder and version) or a file. */
interface LoadedStrategy {
  readonly strategy: AnyStrategy
  readonly origin:
    | { readonly kind: "package"; readonly dir: URL; readonly version: string }
    | { readonly kind: "file"; readonly file: string }
}

const smaCrossPlugin: LoadedStrategy = {
  strategy: smaCross,
  origin: {
    kind: "package",
    dir: new URL("../../plugins/strategy-sma-cross/", import.meta.url),
    version: smaCrossPackage.version
  }
}

/** Strategies known by name; others are loaded from a path. */
const builtIn: Record<string, LoadedStrategy> = { "sma-cross": smaCrossPlugin, [smaCross.id]: smaCrossPlugin }

export interface BacktestJob {
  readonly strategy: string
  readonly data: ReadonlyArray<string>
  readonly instruments: ReadonlyArray<string>
  readonly params: Readonly<Record<string, string>>
  readonly cash: string
  readonly currency: string
  readonly tickSize: string
  readonly lotSize: string
  /** Zone of timestamps without an offset; the instrument's own zone when left out. */
  readonly timezone?: string
  readonly accountKind: "cash" | "margin"
  /** Close trades still open after the last event at the last bar's open (the last price for ticks). */
  readonly closeAtEnd?: boolean
  /** Daily returns in a year, for the annualised statistics; 252 when left out. */
  readonly periodsPerYear?: number
  /** Root of the market data history, for `catalog:` data. */
  readonly historyDir: string
  /** Range of history to replay, µs since the epoch (`to` exclusive). */
  readonly from?: number
  readonly to?: number
  /** The simulated venue: when bar orders fill, the fee as a fraction of notional (`"0"`: none), latency, seed. */
  readonly venue: {
    readonly barFill: "next-open" | "close"
    readonly commission: string
    readonly latencyUs: number
    readonly seed: number
  }
  /** Progress of the replay (events replayed, total). */
  readonly onProgress?: ((replayed: number, total: number) => void) | undefined
}

export interface BacktestOutcome {
  readonly table: string
  /** Files of the report by name, each rendered on demand as chunks of text to write in turn. */
  readonly files: Readonly<Record<string, () => Iterable<string>>>
  /** What ran and its report, ready to store (all but the time it is stored at). */
  readonly run: Omit<BacktestRun, "createdAt" | "status">
}

const configError = (message: string) => new BacktestError({ reason: "Config", message })

/** `{ [key]: value }`, or nothing when the value is undefined (exact optional properties). */
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

/** `k=v` values from the command line: numbers and booleans are typed, the rest stay text. */
const parseValue = (text: string): unknown =>
  /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text === "true" ? true : text === "false" ? false : text

const loadStrategy = (name: string): Effect.Effect<LoadedStrategy, BacktestError, Path.Path> =>
  Effect.gen(function* () {
    const known = builtIn[name]
    if (known !== undefined) return known
    const plugin = yield* findStrategyPlugin(name)
    if (plugin !== undefined) return plugin
    if (!/[/\\]|\.[cm]?[jt]s$/.test(name)) {
      return yield* configError(
        `unknown strategy ${name}: not built in (${Object.keys(builtIn).join(", ")}) nor a plugin in ${pluginRoots().join(" or ")}`
      )
    }
    const path = yield* Path.Path
    const module = yield* Effect.tryPromise({
      try: () => importStrategyFile(path.resolve(name)),
      catch: (e) => configError(`cannot load ${name}: ${e instanceof Error ? e.message : String(e)}`)
    })
    const found = [module.default, module.strategy, ...Object.values(module)].find(isStrategy)
    if (found === undefined) return yield* configError(`${name} exports no strategy (Strategy.make({ ... }))`)
    return { strategy: found, origin: { kind: "file", file: path.resolve(name) } } satisfies LoadedStrategy
  })

/**
 * The code hashes of the built-in plugins as they were when the command line was bundled (`runtimes/node/build.mjs`
 * defines it): the bundle runs that code, whatever their folders hold since. Undefined when run from the sources.
 */
declare const MERIDIAN_BUNDLED_CODE_HASHES: Readonly<Record<string, string>> | undefined
const bundledCodeHashes = typeof MERIDIAN_BUNDLED_CODE_HASHES === "object" ? MERIDIAN_BUNDLED_CODE_HASHES : undefined

/**
 * sha256 of the strategy's code: its source file, or every file of its plugin package's `src/` (sorted by path,
 * each as path, NUL, content, NUL; `build.mjs` hashes the built-in plugins the same way).
 */
const codeHash = (id: string, origin: LoadedStrategy["origin"]) =>
  Effect.gen(function* () {
    const bundled = origin.kind === "package" ? bundledCodeHashes?.[id] : undefined
    if (bundled !== undefined) return bundled
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const hash = createHash("sha256")
    if (origin.kind === "file") {
      hash.update(yield* fs.readFile(origin.file))
    } else {
      const src = path.join(yield* path.fromFileUrl(origin.dir), "src")
      const files = (yield* fs.readDirectory(src, { recursive: true })).sort()
      for (const file of files) {
        const full = path.join(src, file)
        if ((yield* fs.stat(full)).type !== "File") continue
        hash
          .update(`${file}\0`)
          .update(yield* fs.readFile(full))
          .update("\0")
      }
    }
    return hash.digest("hex")
  }).pipe(Effect.mapError((e) => configError(`cannot hash the strategy's code: ${e.message}`)))

/** A CSV file's bars, quotes or trades (whichever its header says) of `spec`, read piece by piece. */
const readColumns = (file: string, spec: InstrumentSpec, timezone: string | undefined) =>
  Effect.try({
    try: () => readMarketDataCsv(lineChunks(file), { file, spec, timezone: timezone ?? spec.instrument.timezone }),
    catch: (e) => configError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`)
  }).pipe(Effect.flatMap(Either.mapLeft((e) => configError(e.message))))

const rejected = (reasons: Readonly<Record<string, number>>): string => {
  const entries = Object.entries(reasons)
  return entries.length === 0 ? "" : ` (${entries.map(([reason, n]) => `${reason}: ${n}`).join(", ")})`
}

/** `AAPL.csv` → `AAPL.SIM`. */
const idFromFile = (name: string): string =>
  `${name
    .replace(/\.[^.]*$/, "")
    .toUpperCase()
    .replace(/[^A-Z0-9_-]/g, "-")}.SIM`

/** The same columns with instrument indices mapped through `to`. */
const reindex = (columns: Columns, to: ReadonlyArray<number>): Columns => ({
  ...columns,
  instrument: columns.instrument.map((i) => to[i] ?? i)
})

/** What ran beyond the strategy, as recorded with the run: account, units, fill, fee and venue settings. */
const settingsOf = (job: BacktestJob): Readonly<Record<string, unknown>> => ({
  account: job.accountKind,
  cash: job.cash,
  currency: job.currency,
  tickSize: job.tickSize,
  lotSize: job.lotSize,
  ...(job.timezone !== undefined && { timezone: job.timezone }),
  fill: job.venue.barFill,
  fees: { model: "notional-fraction", rate: job.venue.commission },
  latencyUs: job.venue.latencyUs,
  slippage: "none",
  seed: job.venue.seed,
  tradesAtEnd: job.closeAtEnd === true ? "closed at the last bar's open" : "left open",
  periodsPerYear: job.periodsPerYear ?? 252
})

/**
 * Each instrument's last price (a bar's close, a trade, a quote's mid; the final book's mid for an instrument with
 * only book data, as the replay marks it) and, for `--close-at-end`, where it closes (a bar's open).
 */
const lastPrices = (data: ReadonlyArray<Columns>, specs: InstrumentSpecs) => {
  const marks = new Map<string, Mark>()
  const exits = new Map<string, Mark>()
  const books = data.filter((columns) => columns.kind === "book")
  for (const columns of data) {
    if (columns.kind === "book") continue
    for (let r = columns.length - 1; r >= 0; r--) {
      const id = specs.list[columns.instrument[r]!]?.instrument.id
      if (id === undefined || (marks.get(id)?.ts ?? -1) >= columns.ts[r]!) continue
      const ts = columns.ts[r]!
      switch (columns.kind) {
        case "bar":
          marks.set(id, { ts: ts + columns.periodUs[r]!, price: columns.close[r]! })
          exits.set(id, { ts, price: columns.open[r]! })
          break
        case "quote": {
          const mid = Math.round((columns.bidPrice[r]! + columns.askPrice[r]!) / 2)
          marks.set(id, { ts, price: mid })
          exits.set(id, { ts, price: mid })
          break
        }
        case "trade":
          marks.set(id, { ts, price: columns.price[r]! })
          exits.set(id, { ts, price: columns.price[r]! })
      }
    }
  }
  const priced = new Set(marks.keys())
  for (const columns of books) {
    for (const book of finalBooks(columns, (i) => specs.list[i]?.instrument.id).values()) {
      if (priced.has(book.instrumentId) || (marks.get(book.instrumentId)?.ts ?? -1) >= book.ts) continue
      if (book.bidDepth === 0 || book.askDepth === 0) continue
      const mid = Math.floor((book.bidPrice(0) + book.askPrice(0)) / 2)
      marks.set(book.instrumentId, { ts: book.ts, price: mid })
      exits.set(book.instrumentId, { ts: book.ts, price: mid })
    }
  }
  return { marks, exits }
}

/** The zone daily bars are dated in, when every source is bars of whole days: Start and End print as its dates. */
const dailyZone = (data: ReadonlyArray<Columns>, zone: string): string | undefined =>
  data.length > 0 &&
  data.every(
    (columns) =>
      columns.kind === "bar" &&
      columns.length > 0 &&
      (columns.periodUs[0] ?? 0) % MICROS_PER_DAY === 0 &&
      (columns.periodUs[0] ?? 0) > 0
  )
    ? zone
    : undefined

export const runBacktestJob = (job: BacktestJob) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const fees =
      job.venue.commission === "0"
        ? noFees
        : yield* Effect.try({
            try: () => notionalFractionFee(job.venue.commission),
            catch: () => configError(`--commission ${job.venue.commission} is not a decimal fraction`)
          })
    const { strategy, origin } = yield* loadStrategy(job.strategy)
    const params = yield* Either.mapLeft(
      decodeParams(strategy.params, Object.fromEntries(Object.entries(job.params).map(([k, v]) => [k, parseValue(v)]))),
      (problems) => configError(`bad --param for ${strategy.id}: ${problems}`)
    )
    const staticData = yield* StaticData
    const currencies = staticData.currencies
    // Each --data names a file (its instrument from --instrument in order, or from the file name) or the
    // history's instruments (`catalog:A,B`); files of the same instrument feed one instrument.
    const sources = job.data.map((source, i) =>
      source.startsWith("catalog:")
        ? {
            kind: "catalog" as const,
            ids: source
              .slice("catalog:".length)
              .split(",")
              .filter((id) => id !== "")
          }
        : { kind: "file" as const, file: source, id: job.instruments[i] ?? idFromFile(path.basename(source)) }
    )
    const ids = [...new Set(sources.flatMap((source) => (source.kind === "file" ? [source.id] : source.ids)))]
    const instruments = yield* Effect.forEach(ids, (id) => resolveInstrument(staticData, id, job))
    const specs = yield* Effect.try({
      try: () => makeSpecs(instruments, currencies),
      catch: (e) => configError(e instanceof Error ? e.message : String(e))
    })
    const indexOf = (id: string) => specs.byId.get(id as InstrumentId)!.index
    const data = (yield* Effect.forEach(sources, (source) =>
      source.kind === "file"
        ? readColumns(source.file, specs.list[indexOf(source.id)]!, job.timezone).pipe(
            Effect.map((columns) => [columns])
          )
        : // The history (and DuckDB with it) loads only for a backtest that replays it.
          Effect.promise(() => import("../../core/history/History")).pipe(
            Effect.flatMap((history) => history.loadCatalogData(job.historyDir, source.ids, job.from, job.to)),
            Effect.mapError((e) => configError(`history ${job.historyDir}: ${e.message}`)),
            // The history indexes instruments by their place in `source.ids`; the run by its own list.
            Effect.map((sets) => sets.map((columns) => reindex(columns, source.ids.map(indexOf))))
          )
    )).flat()
    if (data.every((columns) => columns.length === 0)) return yield* configError("no market data in the given range")
    const currency = specs.currencies.get(instruments[0]!.quoteCurrency)!
    const deposit = yield* Either.mapLeft(Decimal.toUnits(job.cash, Decimal.minorIncrement(currency.decimals)), (e) =>
      configError(`--cash ${job.cash}: ${e.message}`)
    )
    if (deposit <= 0) return yield* configError(`--cash ${job.cash}: the initial deposit must be positive`)
    const result = yield* runBacktest({
      instruments,
      currencies,
      fxRates: staticData.fxRates(data[0]?.ts[0]),
      data,
      strategyId: strategy.id,
      strategy: strategy.program(params),
      account: { id: "backtest", kind: job.accountKind, baseCurrency: currency.code, deposit },
      venue: (venueSpecs, report, funds) =>
        new SimVenue({
          specs: venueSpecs,
          barFill: job.venue.barFill,
          fees,
          latency: fixedLatency(job.venue.latencyUs),
          slippage: noSlippage,
          seed: job.venue.seed,
          report,
          funds
        }),
      onProgress: job.onProgress
    })
    const firsts = data.filter((columns) => columns.length > 0).map((columns) => columns.ts[0]!)
    const lasts = data.filter((columns) => columns.length > 0).map((columns) => columns.ts[columns.length - 1]!)
    const { marks, exits } = lastPrices(data, result.specs)
    const recorded: ReportInput = {
      baseCurrency: result.baseCurrency,
      specs: result.specs,
      initialEquity: result.initialEquity,
      equity: result.equity,
      fills: result.fills,
      benchmark: result.benchmark,
      span: { first: Math.min(...firsts), last: Math.max(...lasts) },
      marks,
      periodsPerYear: job.periodsPerYear ?? 252,
      ...optional("dateZone", dailyZone(data, job.timezone ?? instruments[0]!.timezone ?? "UTC"))
    }
    const report = computeReport(
      job.closeAtEnd === true
        ? closeAtEnd(recorded, exits, marks, (spec, price, quantity) => fees.fee(spec, "taker", price, quantity))
        : recorded
    )
    const summary = `${strategy.id} on ${instruments.map((i) => i.id).join(", ")}: ${result.events} events, ${result.orders} orders, ${result.fills.length} fills, ${result.rejections} rejected${rejected(result.rejectionReasons)}`
    const parameters = yield* Schema.encode(strategy.params)(params).pipe(
      Effect.mapError((e) => configError(`cannot encode the parameters of ${strategy.id}: ${e.message}`))
    )
    const run = {
      strategy: strategy.id,
      strategyVersion: origin.kind === "package" ? origin.version : "local",
      parameters: parameters as Record<string, unknown>,
      data: { sources: job.data, from: Math.min(...firsts), to: Math.max(...lasts) },
      codeHash: yield* codeHash(strategy.id, origin),
      settings: settingsOf(job)
    }
    const rejections = rejectionsOf(result.rejectionReasons, result.rejectionSamples)
    const refused = formatRejections(rejections)
    return {
      table: `${summary}\n\n${formatStats(report.stats)}${refused === "" ? "" : `\n${refused}`}`,
      files: {
        "report.json": () => [reportJson(report, run, rejections)],
        "trades.csv": () => [tradesCsv(report)],
        "equity.csv": () => equityCsvChunks(report)
      },
      run: { ...run, report }
    } satisfies BacktestOutcome
  })
