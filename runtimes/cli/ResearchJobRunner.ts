/**
 * The `JobRunner` of `meridian worker` and of the local processes of `meridian sweep`: a job runs as `meridian
 * backtest` would run it (the simulated venue, the strategy the loader finds), on the static data set it names, once
 * that set's version and the strategy's are the ones the job was submitted with. A process reads each CSV file its
 * jobs replay once (`CsvColumnsCache`): the jobs of a sweep differ in their parameters, not their data.
 *
 * @since 0.1.0
 */
import type { FileSystem, Path } from "@effect/platform"
import { Effect, Layer } from "effect"
import type { ReadCsv } from "../../core/backtest/BacktestJob"
import { cachedCsvReader } from "../../core/research/CsvColumnsCache"
import { JobRunner } from "../../core/research/JobRunner"
import { type JobOutcome, type JobSpec, staticDataVersion, toBacktestJob } from "../../core/research/ResearchJob"
import { make as makeStaticData, StaticData } from "../../core/services/StaticData"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { runSimBacktest } from "./SimBacktest"

/** The static data set of `dir` (the shipped one when undefined), loaded once per folder. */
const staticDataSets = Effect.cachedFunction((dir: string | undefined) =>
  dir === undefined ? StaticDataSet.loadShipped : StaticDataSet.load(dir)
)

const failed = (error: string): JobOutcome => ({ _tag: "Failed", error })

/**
 * A job's run, or why it failed; its CSV files read with `readCsv` (read and parsed each time when undefined).
 *
 * @since 0.1.0
 */
export const runJob = (
  spec: JobSpec,
  loadSet: (
    dir: string | undefined
  ) => Effect.Effect<StaticDataSet.StaticDataSet, { readonly message: string }, FileSystem.FileSystem | Path.Path>,
  onProgress?: (done: number, total: number) => void,
  readCsv?: ReadCsv
): Effect.Effect<JobOutcome, never, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const set = yield* loadSet(spec.staticData.dir)
    const version = staticDataVersion(set)
    if (version !== spec.staticData.version) {
      return failed(
        `static data ${spec.staticData.dir ?? "(shipped)"} is version ${version} here, the job needs ${spec.staticData.version}`
      )
    }
    const outcome = yield* runSimBacktest({ ...toBacktestJob(spec), onProgress, readCsv }).pipe(
      Effect.provideService(StaticData, makeStaticData(set))
    )
    if (outcome.run.strategyVersion !== spec.strategyVersion) {
      return failed(
        `${spec.strategy} is version ${outcome.run.strategyVersion} here, the job needs ${spec.strategyVersion}`
      )
    }
    return { _tag: "Completed", run: outcome.run } satisfies JobOutcome
  }).pipe(Effect.catchAll((e) => Effect.succeed(failed(e.message))))

/**
 * `JobRunner` with the static data sets and the parsed CSV files cached for the life of the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<JobRunner, never, FileSystem.FileSystem | Path.Path> = Layer.effect(
  JobRunner,
  Effect.gen(function* () {
    const fs = yield* Effect.context<FileSystem.FileSystem | Path.Path>()
    const loadSet = yield* staticDataSets
    const readCsv = cachedCsvReader()
    return { run: (spec, onProgress) => runJob(spec, loadSet, onProgress, readCsv).pipe(Effect.provide(fs)) }
  })
)
