/**
 * `meridian data import|catalog|compact`: CSV files into the market data history, what it holds, and merging its
 * small parts.
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import { kindOfHeader } from "../../core/data/Csv"
import { formatTimestamp, type Timestamp } from "../../core/domain/Units"
import { makeSpecs } from "../../core/engine/InstrumentSpec"
import { History, layer as historyLayer } from "../../core/history/History"
import { StaticData } from "../../core/services/StaticData"
import { resolveInstrument } from "./Instruments"

const history = Options.directory("history").pipe(
  Options.withDefault(".meridian/history"),
  Options.withDescription("root of the market data history")
)

const importCsv = Command.make(
  "import",
  {
    file: Args.file({ name: "file", exists: "yes" }),
    instrument: Options.text("instrument").pipe(Options.withDescription("SYMBOL.VENUE of every row")),
    kind: Options.choice("kind", ["bar", "quote", "trade"]).pipe(
      Options.optional,
      Options.withDescription("what the file holds (default: from its header)")
    ),
    currency: Options.text("currency").pipe(Options.withDefault("USD")),
    tickSize: Options.text("tick-size").pipe(Options.withDefault("0.01")),
    lotSize: Options.text("lot-size").pipe(Options.withDefault("1")),
    timezone: Options.text("timezone").pipe(
      Options.optional,
      Options.withDescription("IANA zone of timestamps written without an offset (default: the instrument's, else UTC)")
    ),
    history
  },
  (o) =>
    Effect.gen(function* () {
      const staticData = yield* StaticData
      const timezone = Option.getOrUndefined(o.timezone)
      const instrument = yield* resolveInstrument(staticData, o.instrument, { ...o, timezone })
      const spec = makeSpecs([instrument], staticData.currencies).list[0]!
      const kind = Option.isSome(o.kind) ? o.kind.value : yield* kindFromHeader(o.file)
      const store = yield* History
      const summary = yield* store.importCsv({ kind, path: o.file, spec, timezone: timezone ?? instrument.timezone })
      yield* Console.log(`imported ${summary.rows} ${kind} rows of ${instrument.id} into ${summary.parts.length} parts`)
    }).pipe(Effect.provide(historyLayer(o.history)))
).pipe(Command.withDescription("Import a CSV file of bars, quotes or trades into the market data history"))

const catalog = Command.make("catalog", { history }, (o) =>
  Effect.gen(function* () {
    const store = yield* History
    const entries = yield* store.catalog
    if (entries.length === 0) return yield* Console.log(`no market data in ${o.history}`)
    const rows = entries.map((e) => [
      e.instrument,
      e.kind,
      formatTimestamp(e.firstTs as Timestamp),
      formatTimestamp(e.lastTs as Timestamp),
      String(e.rows)
    ])
    const header = ["instrument", "kind", "first", "last", "rows"]
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
    const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ")
    yield* Console.log([line(header), ...rows.map(line)].join("\n"))
  }).pipe(Effect.provide(historyLayer(o.history)))
).pipe(Command.withDescription("List what the market data history holds"))

const compact = Command.make("compact", { history }, (o) =>
  Effect.gen(function* () {
    const { partitions, parts } = yield* (yield* History).compact
    yield* Console.log(
      partitions === 0
        ? `nothing to compact in ${o.history}`
        : `merged ${parts} parts of ${partitions} partitions into ${partitions}`
    )
  }).pipe(Effect.provide(historyLayer(o.history)))
).pipe(Command.withDescription("Merge each partition written in several parts into one (replays the same rows)"))

export const data = Command.make("data").pipe(
  Command.withDescription("The market data history: import CSV files, list the catalog, compact it"),
  Command.withSubcommands([importCsv, catalog, compact])
)

const kindFromHeader = (file: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.readFileString(file)).pipe(
    Effect.map((text) => kindOfHeader(text.split(/\r?\n/, 1)[0] ?? "")),
    Effect.mapError((e) => new BacktestError({ reason: "Config", message: `cannot read ${file}: ${e.message}` }))
  )
