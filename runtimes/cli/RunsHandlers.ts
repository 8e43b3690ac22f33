/**
 * What `meridian runs list|show|compare` run, on the central database the options choose
 * (`core/db/ChosenDatabase.ts`); loaded only when a command needs the database.
 *
 * @since 0.1.0
 */
import { Console, Effect, Option } from "effect"
import * as BacktestRuns from "../../core/db/BacktestRuns"
import { runsLayer } from "../../core/db/ChosenDatabase"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import { formatTimestamp, timestamp } from "../../core/domain/Units"
import { formatStats, statLabel, statText } from "../../core/report/Report"
import { textTable } from "./TextTable"

/** A table, its last line ended too. */
const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string =>
  `${textTable(header, rows)}\n`

const time = (micros: number): string => formatTimestamp(timestamp(micros))

export const list = (o: DatabaseChoice & { readonly limit: number; readonly strategy: Option.Option<string> }) =>
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

/** The report page, written to `file`: its code and the charting library load only for a command that writes one. */
const writePage = <E, R>(
  file: Option.Option<string>,
  write: (page: typeof import("../../site/report/ReportPage"), file: string) => Effect.Effect<number, E, R>
) =>
  Option.match(file, {
    onNone: () => Effect.void,
    onSome: (file) =>
      Effect.promise(() => import("../../site/report/ReportPage")).pipe(
        Effect.flatMap((page) => write(page, file)),
        Effect.flatMap((bytes) => Console.log(`wrote ${file} (${Math.ceil(bytes / 1024)} KiB)`))
      )
  })

export const show = (o: DatabaseChoice & { readonly id: string; readonly html: Option.Option<string> }) =>
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
      const report = run.report
      yield* writePage(o.html, (page, file) => page.writeRunPage(file, { ...run, report }))
    }
  }).pipe(Effect.provide(runsLayer(o)))

/** The fields of what ran that differ between two runs, in `a`'s order then `b`'s; `-` where one has none. */
const ranDifferences = (a: BacktestRuns.StoredRun, b: BacktestRuns.StoredRun): ReadonlyArray<ReadonlyArray<string>> => {
  const fieldsA = BacktestRuns.ranFields(a)
  const fieldsB = BacktestRuns.ranFields(b)
  return [...new Set([...fieldsA.keys(), ...fieldsB.keys()])]
    .filter((field) => fieldsA.get(field) !== fieldsB.get(field))
    .map((field) => [field, fieldsA.get(field) ?? "-", fieldsB.get(field) ?? "-"])
}

export const compare = (
  o: DatabaseChoice & { readonly a: string; readonly b: string; readonly html: Option.Option<string> }
) =>
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
    yield* writePage(o.html, (page, file) =>
      Effect.gen(function* () {
        const a = yield* runs.show(o.a)
        const b = yield* runs.show(o.b)
        if (a.report === undefined || b.report === undefined) {
          return yield* new page.ReportPageError({
            reason: "Write",
            message: `run ${a.report === undefined ? o.a : o.b} has no report to chart (${a.report === undefined ? a.status : b.status})`
          })
        }
        return yield* page.writeComparePage(file, { ...a, report: a.report }, { ...b, report: b.report }, rows)
      })
    )
  }).pipe(Effect.provide(runsLayer(o)))
