/**
 * A backtest from files and names, as the CLI and the demo describe it: the instruments are made from the file
 * names and the units given, the strategy (found by the caller: `registry/src/StrategyLoader.ts`) has its parameters
 * decoded with its own schema, it runs on the simulated venue the caller makes, and the report is rendered.
 *
 * @since 0.1.0
 */
import type { FileSystem } from "@effect/platform"
import { Path } from "@effect/platform"
import { Effect, Either, Schema } from "effect"
import { BarStream } from "../data/BarStream"
import type { Columns } from "../data/Columns"
import { type BarCsvOptions, type CsvError, readMarketDataCsv } from "../data/Csv"
import { lineChunks } from "../data/LineChunks"
import { finalBooks } from "../data/OrderBook"
import type { BacktestRun } from "../db/BacktestRuns"
import * as Decimal from "../domain/Decimal"
import type { InstrumentId } from "../domain/Ids"
import { type InstrumentSpec, type InstrumentSpecs, makeSpecs } from "../domain/InstrumentSpec"
import { MICROS_PER_DAY } from "../domain/Units"
import {
  closeAtEnd,
  computeReport,
  type EndFee,
  equityCsvChunks,
  formatRejections,
  formatStats,
  type Mark,
  type RecordedSeries,
  type ReportInput,
  recordedSeries,
  rejectionsOf,
  reportJson,
  tradesCsv
} from "../report/Report"
import { StaticData } from "../services/StaticData"
import { resolveInstrument } from "../staticdata/ResolveInstrument"
import { decodeParams } from "../strategy/Params"
import type { AnyStrategy } from "../strategy/Strategy"
import { BacktestError, type BacktestResult, run as runBacktest } from "./Backtest"
import type { MakeSimulatedVenue } from "./SimulatedVenue"

/** The strategy a job runs, as its loader found it: the strategy, and what the run records of its code. */
export interface JobStrategy {
  readonly strategy: AnyStrategy
  /** The version recorded with the run: its plugin package's, `local` for a file. */
  readonly version: string
  /** sha256 of the strategy's code, recorded with the run. */
  readonly codeHash: Effect.Effect<string, BacktestError, FileSystem.FileSystem | Path.Path>
}

/** The simulated venue a job runs on, made by the caller from `BacktestJob.venue`, and its taker fee. */
export interface JobVenue {
  readonly make: MakeSimulatedVenue
  /** The fee of a trade closed at the end (`closeAtEnd`), as the venue charges a taker. */
  readonly takerFee: EndFee
}

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
  /**
   * Reads a `--data` file into columns, which the job only reads (a worker's jobs may share one file's columns);
   * by default the file is read piece by piece and parsed at each run.
   */
  readonly readCsv?: ReadCsv | undefined
}

/** What reads a CSV file of market data: `readMarketDataCsv` over the file's bytes, or a cache of what it read. */
export type ReadCsv = (file: string, options: BarCsvOptions) => Either.Either<Columns, CsvError>

/**
 * The file read piece by piece and parsed, every time: what a job reads with when it names no reader.
 *
 * @since 0.1.0
 */
export const readCsvFile: ReadCsv = (file, options) => readMarketDataCsv(lineChunks(file), options)

export interface BacktestOutcome {
  readonly table: string
  /** Files of the report by name, each rendered on demand as chunks of text to write in turn. */
  readonly files: Readonly<Record<string, () => Iterable<string>>>
  /** What ran and its report, ready to store (all but the time it is stored at). */
  readonly run: Omit<BacktestRun, "createdAt" | "status">
  /** The fills and price the report's charts draw (not stored with the run). */
  readonly recorded: RecordedSeries
}

const configError = (message: string) => new BacktestError({ reason: "Config", message })

/** `{ [key]: value }`, or nothing when the value is undefined (exact optional properties). */
const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }

/** `k=v` values from the command line: numbers and booleans are typed, the rest stay text. */
const parseValue = (text: string): unknown =>
  /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text === "true" ? true : text === "false" ? false : text

/** A CSV file's bars, quotes or trades (whichever its header says) of `spec`, as `read` reads it. */
const readColumns = (read: ReadCsv, file: string, spec: InstrumentSpec, timezone: string | undefined) =>
  Effect.try({
    try: () => read(file, { file, spec, timezone: timezone ?? spec.instrument.timezone }),
    catch: (e) => configError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`)
  }).pipe(Effect.flatMap(Either.mapLeft((e) => configError(e.message))))

/**
 * The rows of `columns` in `[from, to)` (µs): a file's data restricted to the job's range, as the history's is
 * (a walk-forward's windows replay parts of one file).
 */
const inRange = (columns: Columns, from: number | undefined, to: number | undefined): Columns => {
  if (from === undefined && to === undefined) return columns
  const keep: Array<number> = []
  for (let i = 0; i < columns.length; i++) {
    const ts = columns.ts[i]!
    if ((from === undefined || ts >= from) && (to === undefined || ts < to)) keep.push(i)
  }
  if (keep.length === columns.length) return columns
  const out: Record<string, unknown> = { ...columns, length: keep.length }
  for (const [key, value] of Object.entries(columns)) {
    if (!ArrayBuffer.isView(value)) continue
    const source = value as unknown as { readonly [i: number]: number; readonly constructor: new (n: number) => never }
    const copy = new source.constructor(keep.length) as unknown as { [i: number]: number }
    for (let j = 0; j < keep.length; j++) copy[j] = source[keep[j]!]!
    out[key] = copy
  }
  return out as unknown as Columns
}

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
    // A source is in time order: only its last row of each instrument can be the latest. The scan from the end
    // stops once every instrument has had its row (at the first row for a file of one instrument).
    const seen = new Uint8Array(specs.list.length)
    let left = specs.list.length
    for (let r = columns.length - 1; r >= 0 && left > 0; r--) {
      const index = columns.instrument[r]!
      if (index >= seen.length || seen[index] === 1) continue
      seen[index] = 1
      left--
      const id = specs.list[index]?.instrument.id
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

/**
 * A worker reading `file`'s bars for the replay, when it holds bars the bulk scan reads (see `BarStream.start`);
 * undefined otherwise, or when the file cannot be opened (the usual read then says why).
 */
const startStream = (file: string, spec: InstrumentSpec, timezone: string | undefined): BarStream | undefined => {
  try {
    return BarStream.start(file, { file, spec, timezone: timezone ?? spec.instrument.timezone })
  } catch {
    return undefined
  }
}

/** Runs `job` with the strategy its loader found, on the venue the caller made from `job.venue`. */
export const runBacktestJob = (job: BacktestJob, loaded: JobStrategy, venue: JobVenue) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const { strategy } = loaded
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
    const currency = specs.currencies.get(instruments[0]!.quoteCurrency)!
    const deposit = Decimal.toUnits(job.cash, Decimal.minorIncrement(currency.decimals))
    const replay = (data: ReadonlyArray<Columns>, deposit: number, arriving?: BarStream) =>
      runBacktest({
        instruments,
        currencies,
        fxRates: staticData.fxRates(data[0]?.ts[0]),
        data,
        strategyId: strategy.id,
        strategy: strategy.program(params),
        account: { id: "backtest", kind: job.accountKind, baseCurrency: currency.code, deposit },
        venue: venue.make,
        onProgress: job.onProgress,
        arriving
      })
    const first = sources[0]
    // One file of bars, read as a whole with the default reader: a worker reads it while the replay runs. A stream
    // given up (see `BarStream`) is replayed again from the file read the usual way, as is anything else. With a
    // bad --cash the file is read first, so that a bad file is still the error reported.
    const stream =
      sources.length === 1 &&
      first?.kind === "file" &&
      job.readCsv === undefined &&
      job.from === undefined &&
      job.to === undefined &&
      Either.isRight(deposit) &&
      deposit.right > 0
        ? startStream(first.file, specs.list[indexOf(first.id)]!, job.timezone)
        : undefined
    let streamed: { readonly data: ReadonlyArray<Columns>; readonly result: BacktestResult } | undefined
    if (stream !== undefined && Either.isRight(deposit)) {
      const attempt =
        stream.waitFor(0) > 0 ? yield* Effect.either(replay([stream.columns], deposit.right, stream)) : undefined
      const columns = stream.finish()
      stream.close()
      if (attempt !== undefined && columns !== undefined) streamed = { data: [columns], result: yield* attempt }
    }
    const { data, result } =
      streamed ??
      (yield* Effect.gen(function* () {
        const data = (yield* Effect.forEach(sources, (source) =>
          source.kind === "file"
            ? readColumns(job.readCsv ?? readCsvFile, source.file, specs.list[indexOf(source.id)]!, job.timezone).pipe(
                Effect.map((columns) => [inRange(columns, job.from, job.to)])
              )
            : // The history (and DuckDB with it) loads only for a backtest that replays it.
              Effect.promise(() => import("../history/History")).pipe(
                Effect.flatMap((history) => history.loadCatalogData(job.historyDir, source.ids, job.from, job.to)),
                Effect.mapError((e) => configError(`history ${job.historyDir}: ${e.message}`)),
                // The history indexes instruments by their place in `source.ids`; the run by its own list.
                Effect.map((sets) => sets.map((columns) => reindex(columns, source.ids.map(indexOf))))
              )
        )).flat()
        if (data.every((columns) => columns.length === 0)) {
          return yield* configError("no market data in the given range")
        }
        const units = yield* Either.mapLeft(deposit, (e) => configError(`--cash ${job.cash}: ${e.message}`))
        if (units <= 0) return yield* configError(`--cash ${job.cash}: the initial deposit must be positive`)
        return { data, result: yield* replay(data, units) }
      }))
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
    const input = job.closeAtEnd === true ? closeAtEnd(recorded, exits, marks, venue.takerFee) : recorded
    const report = computeReport(input)
    const summary = `${strategy.id} on ${instruments.map((i) => i.id).join(", ")}: ${result.events} events, ${result.orders} orders, ${result.fills.length} fills, ${result.rejections} rejected${rejected(result.rejectionReasons)}`
    const parameters = yield* Schema.encode(strategy.params)(params).pipe(
      Effect.mapError((e) => configError(`cannot encode the parameters of ${strategy.id}: ${e.message}`))
    )
    const run = {
      strategy: strategy.id,
      strategyVersion: loaded.version,
      parameters: parameters as Record<string, unknown>,
      data: { sources: job.data, from: Math.min(...firsts), to: Math.max(...lasts) },
      codeHash: yield* loaded.codeHash,
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
      run: { ...run, report },
      recorded: recordedSeries(input)
    } satisfies BacktestOutcome
  })
