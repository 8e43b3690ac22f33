/**
 * `meridian runs list|show|compare`: the backtest runs stored in the central database, and the options that pick
 * that database (`--db <url>`, else `DATABASE_URL`, else the embedded one in `--db-dir`).
 *
 * @since 0.1.0
 */
import { Args, Command, Options } from "@effect/cli"
import { FileSystem, Path } from "@effect/platform"
import { Config, Console, Effect, Layer, Option, type Redacted } from "effect"
import * as BacktestRuns from "../../core/db/BacktestRuns"
import * as Database from "../../core/db/Database"
import { toDatabaseError } from "../../core/db/DatabaseError"
import { formatTimestamp, timestamp } from "../../core/domain/Units"
import { formatStats } from "../../core/report/Report"

/** The options choosing the central database, shared by every command that uses it. */
export const databaseOptions = {
  db: Options.redacted("db").pipe(
    Options.optional,
    Options.withDescription("PostgreSQL URL of the central database (default: DATABASE_URL, else the embedded one)")
  ),
  dbDir: Options.directory("db-dir").pipe(
    Options.withDefault(".meridian/db"),
    Options.withDescription("data folder of the embedded database")
  )
}

/** The embedded database in `dir`, its parent folders made first (PGlite makes only the last one). */
const embedded = (dir: string) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      yield* fs
        .makeDirectory(path.dirname(path.resolve(dir)), { recursive: true })
        .pipe(Effect.mapError(toDatabaseError("Embedded", `cannot make the folder of ${dir}`)))
      return Database.layerEmbedded({ dataDir: dir })
    })
  )

/** The central database the options name: `--db`, else `DATABASE_URL`, else the embedded one in `--db-dir`. */
export const databaseLayer = (options: {
  readonly db: Option.Option<Redacted.Redacted>
  readonly dbDir: string
}): Layer.Layer<Database.Database, Database.DatabaseError, FileSystem.FileSystem | Path.Path> =>
  Layer.unwrapEffect(
    Config.option(Config.redacted("DATABASE_URL")).pipe(
      Effect.mapError(toDatabaseError("Config", "invalid DATABASE_URL")),
      Effect.map((fromEnv) =>
        Option.match(
          Option.orElse(options.db, () => fromEnv),
          {
            onNone: () => embedded(options.dbDir),
            onSome: (url) => Database.layer(url)
          }
        )
      )
    )
  )

/** `BacktestRuns` on the database the options name. */
export const runsLayer = (options: Parameters<typeof databaseLayer>[0]) =>
  Layer.provide(BacktestRuns.layer, databaseLayer(options))

/** Rows of cells as left-aligned columns (numbers right-aligned), two spaces apart. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)))
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => /^-?[\d.]+$|^-$/.test(row[i] ?? "")))
  return all
    .map((row) =>
      row
        .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd()
    )
    .map((line) => `${line}\n`)
    .join("")
}

const cell = (statistic: string, value: string | number | null): string =>
  value === null ? "-" : typeof value === "string" || statistic === "trades" ? String(value) : value.toFixed(2)

const time = (micros: number): string => formatTimestamp(timestamp(micros))

const list = Command.make(
  "list",
  {
    ...databaseOptions,
    limit: Options.integer("limit").pipe(Options.withDefault(20), Options.withDescription("most runs shown")),
    strategy: Options.text("strategy").pipe(Options.optional, Options.withDescription("only runs of this strategy"))
  },
  (o) =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const found = yield* runs.list({
        limit: o.limit,
        ...(Option.isSome(o.strategy) && { strategy: o.strategy.value })
      })
      if (found.length === 0) return yield* Console.log("no backtest runs stored")
      yield* Console.log(
        table(
          ["id", "created", "strategy", "version", "status", "return [%]", "trades"],
          found.map((r) => [
            r.id,
            time(r.createdAt),
            r.strategy,
            r.strategyVersion,
            r.status,
            cell("returnPct", r.returnPct),
            cell("trades", r.trades)
          ])
        ).trimEnd()
      )
    }).pipe(Effect.provide(runsLayer(o)))
).pipe(Command.withDescription("List the stored backtest runs, newest first"))

const show = Command.make("show", { ...databaseOptions, id: Args.text({ name: "id" }) }, (o) =>
  Effect.gen(function* () {
    const runs = yield* BacktestRuns.BacktestRuns
    const run = yield* runs.show(o.id)
    const lines = [
      `run ${run.id}: ${run.strategy} ${run.strategyVersion}, ${run.status}${run.error === undefined ? "" : ` (${run.error})`}`,
      `created     ${time(run.createdAt)}`,
      `parameters  ${JSON.stringify(run.parameters)}`,
      `data        ${run.data.sources.join(", ")} from ${time(run.data.from)} to ${time(run.data.to)}`,
      `code        sha256 ${run.codeHash}`
    ]
    yield* Console.log(lines.join("\n"))
    if (run.report !== undefined) {
      yield* Console.log(`\n${formatStats(run.report.stats)}\ntrades: ${run.report.trades.length}`)
    }
  }).pipe(Effect.provide(runsLayer(o)))
).pipe(Command.withDescription("Show a stored run: what ran, its statistics and its number of trades"))

const compare = Command.make(
  "compare",
  { ...databaseOptions, a: Args.text({ name: "a" }), b: Args.text({ name: "b" }) },
  (o) =>
    Effect.gen(function* () {
      const runs = yield* BacktestRuns.BacktestRuns
      const rows = yield* runs.compare(o.a, o.b)
      yield* Console.log(
        table(
          ["statistic", o.a, o.b, "difference"],
          rows.map((r) => [
            r.statistic,
            cell(r.statistic, r.a),
            cell(r.statistic, r.b),
            cell(r.statistic, r.difference)
          ])
        ).trimEnd()
      )
    }).pipe(Effect.provide(runsLayer(o)))
).pipe(Command.withDescription("Compare two stored runs statistic by statistic (difference = b - a)"))

/** `meridian runs`. */
export const runs = Command.make("runs").pipe(
  Command.withDescription("The backtest runs stored in the central database"),
  Command.withSubcommands([list, show, compare])
)
