/**
 * What `meridian runs list|show|compare` run, and the central database the options name (`--db <url>`, else
 * `DATABASE_URL`, else the embedded one in `--db-dir`); loaded only when a command needs the database.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Console, Effect, Layer, Option, type Redacted } from "effect"
import * as BacktestRuns from "../../core/db/BacktestRuns"
import * as Database from "../../core/db/Database"
import { toDatabaseError } from "../../core/db/DatabaseError"
import { formatTimestamp, timestamp } from "../../core/domain/Units"
import { formatStats, statLabel, statText } from "../../core/report/Report"
import { type DatabaseOptions, serverUrl } from "./DatabaseOptions"

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

/** The server named, else the embedded database in `dbDir`. */
const databaseFor = (server: Option.Option<Redacted.Redacted>, dbDir: string) =>
  Option.match(server, { onNone: () => embedded(dbDir), onSome: Database.layer })

/** The central database the options name: `--db`, else `DATABASE_URL`, else the embedded one in `--db-dir`. */
export const databaseLayer = (
  options: DatabaseOptions
): Layer.Layer<Database.Database, Database.DatabaseError, FileSystem.FileSystem | Path.Path> =>
  Layer.unwrapEffect(Effect.map(serverUrl(options), (server) => databaseFor(server, options.dbDir)))

/**
 * `BacktestRuns` on the database the options name; on the embedded one, after ingesting the runs that backtests
 * left in its inbox.
 */
export const runsLayer = (options: DatabaseOptions) =>
  Layer.unwrapEffect(
    Effect.map(serverUrl(options), (server) =>
      Layer.provide(
        Option.isSome(server) ? BacktestRuns.layer : BacktestRuns.layerIngesting(options.dbDir),
        databaseFor(server, options.dbDir)
      )
    )
  )

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

const time = (micros: number): string => formatTimestamp(timestamp(micros))

export const list = (o: DatabaseOptions & { readonly limit: number; readonly strategy: Option.Option<string> }) =>
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
          statText("returnPct", r.returnPct),
          statText("trades", r.trades)
        ])
      ).trimEnd()
    )
  }).pipe(Effect.provide(runsLayer(o)))

export const show = (o: DatabaseOptions & { readonly id: string }) =>
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

/** What a run ran, as dotted fields (`parameters.fast`, `settings.fees.rate`) and their values as text. */
const ranFields = (run: BacktestRuns.StoredRun): ReadonlyMap<string, string> => {
  const fields = new Map<string, string>([
    ["strategy", run.strategy],
    ["version", run.strategyVersion],
    ["code", run.codeHash.slice(0, 12)],
    ["data", run.data.sources.join(", ")],
    ["from", time(run.data.from)],
    ["to", time(run.data.to)]
  ])
  const flatten = (prefix: string, value: unknown): void => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) flatten(`${prefix}.${key}`, inner)
    } else {
      fields.set(prefix, typeof value === "string" ? value : JSON.stringify(value))
    }
  }
  flatten("parameters", run.parameters)
  flatten("settings", run.settings)
  return fields
}

/** The fields of what ran that differ between two runs, in `a`'s order then `b`'s; `-` where one has none. */
const ranDifferences = (a: BacktestRuns.StoredRun, b: BacktestRuns.StoredRun): ReadonlyArray<ReadonlyArray<string>> => {
  const fieldsA = ranFields(a)
  const fieldsB = ranFields(b)
  return [...new Set([...fieldsA.keys(), ...fieldsB.keys()])]
    .filter((field) => fieldsA.get(field) !== fieldsB.get(field))
    .map((field) => [field, fieldsA.get(field) ?? "-", fieldsB.get(field) ?? "-"])
}

export const compare = (o: DatabaseOptions & { readonly a: string; readonly b: string }) =>
  Effect.gen(function* () {
    const runs = yield* BacktestRuns.BacktestRuns
    const rows = yield* runs.compare(o.a, o.b)
    const differences = ranDifferences(yield* runs.describe(o.a), yield* runs.describe(o.b))
    yield* Console.log(
      differences.length === 0
        ? "both ran the same strategy, code, data, parameters and settings\n"
        : `${table(["what ran", o.a, o.b], differences)}`
    )
    yield* Console.log(
      table(
        ["statistic", o.a, o.b, "difference"],
        rows.map((r) => [
          statLabel(r.statistic),
          statText(r.statistic, r.a),
          statText(r.statistic, r.b),
          statText(r.statistic, r.difference)
        ])
      ).trimEnd()
    )
  }).pipe(Effect.provide(runsLayer(o)))
