/**
 * How a walk-forward is kept in the central database, and its out-of-sample report read back from it. The
 * walk-forward is a sweep (its id is the one `meridian runs list --sweep` takes) whose spec lists the windows; window
 * `k` (from 1) optimizes in sweep `<id>-w<k>` and tests the best parameter set in sweep `<id>-t<k>`, so every trial
 * and every test is an ordinary job with its stored run.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Effect, Option, Schema } from "effect"
import { BacktestRuns } from "../db/BacktestRuns"
import { type DatabaseError, toDatabaseError } from "../db/DatabaseError"
import { type SweepJobRow, Sweeps } from "../db/Sweeps"
import { statKeys } from "../report/Report"
import { parseObjective, type StatValues, score } from "./Objective"
import { type Curve, type CurveStats, curveStats, stitch } from "./WalkForward"

/**
 * The sweep of window `k`'s optimization, and of its test.
 *
 * @since 0.1.0
 */
export const trainSweepId = (id: string, k: number): string => `${id}-w${k}`
/** @since 0.1.0 */
export const testSweepId = (id: string, k: number): string => `${id}-t${k}`

const WindowFields = Schema.Struct({
  trainFrom: Schema.Number,
  trainTo: Schema.Number,
  testFrom: Schema.Number,
  testTo: Schema.Number
})

/**
 * What a walk-forward's sweep keeps in its spec (`walkForward`), beside what every job shares.
 *
 * @since 0.1.0
 * @category models
 */
export const WalkForwardSpecJson = Schema.Struct({
  walkForward: Schema.Struct({
    text: Schema.String,
    windows: Schema.Array(WindowFields)
  }),
  objective: Schema.String,
  constraints: Schema.Array(Schema.String),
  periodsPerYear: Schema.Number
})
export type WalkForwardSpecJson = typeof WalkForwardSpecJson.Type

/**
 * One window's result: its optimization's trials, the best of them (in sample), and its test (out of sample).
 *
 * @since 0.1.0
 * @category models
 */
export interface WindowResult {
  readonly window: typeof WindowFields.Type
  readonly trials: number
  readonly failed: number
  readonly best: SweepJobRow | undefined
  readonly test: SweepJobRow | undefined
  readonly inSampleScore: number
  readonly outOfSampleScore: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface WalkForwardResult {
  readonly id: string
  readonly spec: WalkForwardSpecJson
  readonly windows: ReadonlyArray<WindowResult>
  /** The tests' curves chained, and their statistics. */
  readonly stitched: Curve
  readonly outOfSample: CurveStats
  readonly trials: number
}

const decodeSpec = Schema.decodeUnknownOption(Schema.parseJson(WalkForwardSpecJson))
const SpecRow = Schema.Struct({ spec: Schema.Unknown })

/**
 * The walk-forward `id` as stored, with its report; `None` when `id` is not a walk-forward's sweep.
 *
 * @since 0.1.0
 */
export const load = (
  id: string
): Effect.Effect<Option.Option<WalkForwardResult>, DatabaseError, SqlClient.SqlClient | Sweeps | BacktestRuns> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const rows = yield* sql`SELECT spec FROM sweeps WHERE id = ${id}`.pipe(
      Effect.flatMap(Schema.decodeUnknown(Schema.Array(SpecRow))),
      Effect.mapError(toDatabaseError("Query", `cannot read sweep ${id}`))
    )
    const raw = rows[0]?.spec
    const spec = decodeSpec(typeof raw === "string" ? raw : JSON.stringify(raw ?? null))
    if (Option.isNone(spec)) return Option.none()
    const sweeps = yield* Sweeps
    const runs = yield* BacktestRuns
    const objective = parseObjective(spec.value.objective, spec.value.constraints, statKeys)
    const objectiveOf = (row: SweepJobRow | undefined) =>
      row === undefined || objective._tag === "Left" ? Number.NEGATIVE_INFINITY : score(objective.right, row.statistics)
    const windows: Array<WindowResult> = []
    const curves: Array<Curve> = []
    for (const [i, window] of spec.value.walkForward.windows.entries()) {
      const trials = yield* sweeps.jobs(trainSweepId(id, i + 1))
      const test = (yield* sweeps.jobs(testSweepId(id, i + 1)))[0]
      const same = (row: SweepJobRow) => JSON.stringify(row.parameters) === JSON.stringify(test?.parameters)
      windows.push({
        window,
        trials: trials.length,
        failed: trials.filter((t) => t.status === "failed").length,
        best: test === undefined ? undefined : trials.find(same),
        test,
        inSampleScore: objectiveOf(test === undefined ? undefined : trials.find(same)),
        outOfSampleScore: objectiveOf(test)
      })
      if (test?.runId !== null && test?.runId !== undefined) {
        const run = yield* runs
          .show(test.runId)
          .pipe(Effect.catchTag("BacktestRunNotFound", (e) => Effect.fail(toDatabaseError("Query", e.message)(e))))
        if (run.report !== undefined) curves.push(run.report.equity)
      }
    }
    const stitched = stitch(curves)
    return Option.some({
      id,
      spec: spec.value,
      windows,
      stitched,
      outOfSample: curveStats(stitched, spec.value.periodsPerYear),
      trials: windows.reduce((n, w) => n + w.trials, 0)
    })
  })

/** A statistic of a row, as a number (null when undefined). */
export const statOf = (row: SweepJobRow | undefined, key: string): number | null => {
  const value: StatValues[string] | undefined = row?.statistics?.[key]
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN
  return Number.isFinite(n) ? n : null
}
