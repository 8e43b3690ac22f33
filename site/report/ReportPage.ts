/**
 * Backtest report pages: a run's price with its fills marked, its equity curve, drawdown, statistics, what ran and
 * its trades; and two runs compared (curves overlaid, statistics and what ran side by side). Each page is one
 * self-contained HTML string: the charting library (TradingView Lightweight Charts) and the data are inlined, so
 * the file `meridian backtest --html` writes opens offline, and the Control Panel can serve the same string.
 *
 * @since 0.1.0
 */
import { createRequire } from "node:module"
import { FileSystem } from "@effect/platform"
import { Effect, Schema } from "effect"
import type { BacktestReport, RecordedSeries, Stats } from "../../core/report/Report"
import * as Html from "./internal/html"

/**
 * The charting library could not be read, or a page not written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReportPageError extends Schema.TaggedError<ReportPageError>()("ReportPageError", {
  reason: Schema.Literal("Library", "Write"),
  message: Schema.String
}) {}

/**
 * The charting library's browser build, to inline in a page.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChartLibrary {
  readonly version: string
  /** The standalone build: a script that defines `window.LightweightCharts`. */
  readonly source: string
}

/**
 * A run as a page shows it: what ran and its report. A completed run (`RunStore.CompletedRun`) and a stored one
 * (`BacktestRuns.StoredRun`, with its id) both fit.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReportRun {
  readonly id?: string
  readonly strategy: string
  readonly strategyVersion: string
  readonly parameters: Readonly<Record<string, unknown>>
  readonly settings: Readonly<Record<string, unknown>>
  readonly data: { readonly sources: ReadonlyArray<string>; readonly from: number; readonly to: number }
  readonly codeHash: string
  readonly report: BacktestReport
  /** The fills and price the run's charts draw, when the run was just computed (a stored run has none). */
  readonly recorded?: RecordedSeries
}

/**
 * One statistic of two runs and its difference (b − a), as `BacktestRuns.compare` gives it.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatComparison {
  readonly statistic: keyof Stats
  readonly a: string | number | null
  readonly b: string | number | null
  readonly difference: string | number | null
}

/**
 * Reads the charting library's standalone build from its package (found beside this module, or beside the bundle
 * that holds it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const loadChartLibrary: Effect.Effect<ChartLibrary, ReportPageError, FileSystem.FileSystem> = Effect.gen(
  function* () {
    const fs = yield* FileSystem.FileSystem
    const fail = (message: string) => new ReportPageError({ reason: "Library", message })
    const manifest = yield* Effect.try({
      try: () => createRequire(import.meta.url).resolve("lightweight-charts/package.json"),
      catch: () => fail("the lightweight-charts package is not installed")
    })
    const folder = manifest.slice(0, -"package.json".length)
    const read = (file: string) =>
      fs.readFileString(`${folder}${file}`).pipe(Effect.mapError((e) => fail(`cannot read ${file}: ${e.message}`)))
    const version = yield* read("package.json").pipe(
      Effect.flatMap((text) =>
        Schema.decodeUnknown(Schema.parseJson(Schema.Struct({ version: Schema.String })))(text).pipe(
          Effect.mapError(() => fail("lightweight-charts/package.json has no version"))
        )
      )
    )
    const source = yield* read("dist/lightweight-charts.standalone.production.js")
    return { version: version.version, source }
  }
)

/**
 * The page of one run, as one HTML document.
 *
 * @since 0.1.0
 * @category rendering
 */
export const runPage: (library: ChartLibrary, run: ReportRun) => string = Html.runPage

/**
 * Two runs compared, as one HTML document.
 *
 * @since 0.1.0
 * @category rendering
 */
export const comparePage: (
  library: ChartLibrary,
  a: ReportRun,
  b: ReportRun,
  statistics: ReadonlyArray<StatComparison>
) => string = Html.comparePage

const write = (file: string, html: string) =>
  Effect.flatMap(FileSystem.FileSystem, (fs) => fs.writeFileString(file, html)).pipe(
    Effect.mapError((e) => new ReportPageError({ reason: "Write", message: `cannot write ${file}: ${e.message}` })),
    Effect.as(Buffer.byteLength(html))
  )

/**
 * Writes the page of one run to `file`; returns its size in bytes.
 *
 * @since 0.1.0
 * @category files
 */
export const writeRunPage = (
  file: string,
  run: ReportRun
): Effect.Effect<number, ReportPageError, FileSystem.FileSystem> =>
  Effect.flatMap(loadChartLibrary, (library) => write(file, runPage(library, run)))

/**
 * Writes the page comparing two runs to `file`; returns its size in bytes.
 *
 * @since 0.1.0
 * @category files
 */
export const writeComparePage = (
  file: string,
  a: ReportRun,
  b: ReportRun,
  statistics: ReadonlyArray<StatComparison>
): Effect.Effect<number, ReportPageError, FileSystem.FileSystem> =>
  Effect.flatMap(loadChartLibrary, (library) => write(file, comparePage(library, a, b, statistics)))
