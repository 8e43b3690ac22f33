/**
 * What `meridian sweep` runs: expand the parameter space, submit the sweep and its jobs to the central database,
 * run them (on the cluster, or in local worker processes), follow their results with a progress bar, and print the
 * best; and `meridian runs list --sweep <id>`.
 *
 * @since 0.1.0
 */

import { createHash } from "node:crypto"
import { availableParallelism } from "node:os"
import { setFlagsFromString } from "node:v8"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { Clock, Config, Console, Duration, Effect, Either, Fiber, HashMap, Layer, Option, Schedule } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import * as BacktestRuns from "../../core/db/BacktestRuns"
import { databaseLayer } from "../../core/db/ChosenDatabase"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import { serverUrl } from "../../core/db/DatabaseChoice"
import * as Sweeps from "../../core/db/Sweeps"
import { type Stats, statKeys, statText } from "../../core/report/Report"
import { shardingConfig } from "../../core/research/ClusterTuning"
import { ResearchJob } from "../../core/research/JobEntity"
import { type JobSource, type Method, sweepSource, walkForwardSource } from "../../core/research/JobSource"
import { parseObjective, type StatValues, score } from "../../core/research/Objective"
import { grid, type ParamSet, parseDimension, sample, typed } from "../../core/research/ParameterSpace"
import { type JobSpec, jobId, staticDataVersion } from "../../core/research/ResearchJob"
import { tpe } from "../../core/research/Tpe"
import { parseWalkForward, windows } from "../../core/research/WalkForward"
import * as WalkForwardRecord from "../../core/research/WalkForwardRecord"
import { testSweepId, trainSweepId, type WalkForwardSpecJson } from "../../core/research/WalkForwardRecord"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { decodeParams } from "../../core/strategy/Params"
import { jobStrategy, loadStrategy } from "../../registry/src/StrategyLoader"
import { startWorkers } from "./LocalWorkers"
import { progressBar } from "./ProgressBar"
import { builtIn } from "./SimBacktest"
import type { SweepOptions } from "./SweepCommand"
import { exitAfter } from "./SweepExit"
import { runLocally, runOnCluster } from "./SweepRun"
import { textTable } from "./TextTable"
import { walkForwardReport } from "./WalkForwardReport"

const configError = (message: string) => new BacktestError({ reason: "Config", message })

/** An ISO date or date-time (UTC unless it says otherwise) as µs since the epoch. */
const micros = (flag: string, text: Option.Option<string>): Effect.Effect<number | undefined, BacktestError> => {
  if (Option.isNone(text)) return Effect.succeed(undefined)
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text.value) ? `${text.value}T00:00:00Z` : text.value)
  return Number.isNaN(ms)
    ? Effect.fail(configError(`${flag} ${text.value} is not an ISO date`))
    : Effect.succeed(ms * 1000)
}

/** The parameter sets the options describe, each valid for the strategy's schema, and how many were left out. */
const parameterSets = (o: SweepOptions, schema: Parameters<typeof decodeParams>[0], fixed: ParamSet) =>
  Effect.gen(function* () {
    if (o.grid.length === 0) return yield* configError("give at least one --grid name=values")
    const dimensions = yield* Effect.forEach(o.grid, (text) =>
      Either.mapLeft(parseDimension(text, schema), configError)
    )
    const accept = (set: ParamSet) => Either.isRight(decodeParams(schema, typed({ ...fixed, ...set })))
    if (Option.isSome(o.random)) {
      if (o.random.value < 1) return yield* configError(`--random ${o.random.value}: at least 1`)
      const sets = sample(dimensions, o.random.value, o.seed, accept)
      return { dimensions, accept, sets, left: 0, how: `${sets.length} drawn at random (seed ${o.seed})` }
    }
    if (Option.isSome(o.optimize)) {
      if (o.trials < 1) return yield* configError(`--trials ${o.trials}: at least 1`)
      return { dimensions, accept, sets: [], left: 0, how: `up to ${o.trials} trials proposed by TPE (seed ${o.seed})` }
    }
    const all = yield* Either.mapLeft(grid(dimensions), configError)
    const sets = all.filter(accept)
    return { dimensions, accept, sets, left: all.length - sets.length, how: `a grid of ${all.length}` }
  })

/**
 * The jobs, sent to the cluster as persisted messages: the workers run them whenever they can. A runner that dies
 * while it is told of a message makes the send die (the library's socket write to it dies: ECONNRESET), whether
 * the message was stored or not; the send is repeated until a live runner is told, the job id deduplicating it.
 */
const sendToCluster = (specs: ReadonlyArray<JobSpec>) =>
  Effect.gen(function* () {
    const client = yield* ResearchJob.client
    yield* Effect.forEach(
      specs,
      (spec) =>
        client(spec.jobId)
          .Run(spec, { discard: true })
          .pipe(
            Effect.catchAllDefect((defect) => Effect.fail(configError(`runner unreachable: ${String(defect)}`))),
            // The dead runner's shards move within the lock expiry: retry for longer than that.
            Effect.retry({ schedule: Schedule.spaced("500 millis"), times: 60 })
          ),
      { concurrency: 16, discard: true }
    )
  }).pipe(Effect.mapError((e) => configError(`cannot send the jobs to the cluster: ${e.message}`)))

/** A client of the cluster that only submits (it runs no entity). */
const clusterClient = (lockExpiration: number) =>
  NodeClusterSocket.layer({
    clientOnly: true,
    storage: "sql",
    shardingConfig: shardingConfig({ lockExpiration: Duration.seconds(lockExpiration) }, Option.none())
  })

const stat = (row: Sweeps.SweepJobRow, key: keyof Stats) => statText(key, row.statistics?.[key] ?? null)

/** A job's return, the default ranking. */
const byReturn = (row: Sweeps.SweepJobRow) => Number(row.statistics?.returnPct ?? Number.NEGATIVE_INFINITY)

/** A sweep's jobs as a table, best first by `rank` (failed and queued jobs last). */
const jobsTable = (
  rows: ReadonlyArray<Sweeps.SweepJobRow>,
  limit: number,
  rank: (row: Sweeps.SweepJobRow) => number = byReturn
): string => {
  const ranked = [...rows].sort((a, b) => {
    const ra = rank(a)
    const rb = rank(b)
    // Equal infinities (two failed jobs) compare equal, not NaN.
    return (ra === rb ? 0 : rb - ra) || a.seq - b.seq
  })
  return textTable(
    ["job", "parameters", "status", "run", "return [%]", "sharpe", "max dd [%]", "trades", "worker"],
    ranked.slice(0, limit).map((row) => [
      row.jobId,
      Object.entries(row.parameters)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(" "),
      row.status,
      row.runId ?? "-",
      stat(row, "returnPct"),
      stat(row, "sharpe"),
      stat(row, "maxDrawdownPct"),
      stat(row, "trades"),
      row.worker ?? "-"
    ])
  )
}

/** The walk-forward's windows, when `--walk-forward` is given: it needs the range it walks. */
const walkForwardWindows = (o: SweepOptions, range: { from: number | undefined; to: number | undefined }) =>
  Effect.gen(function* () {
    if (Option.isNone(o.walkForward)) return undefined
    const spec = yield* Either.mapLeft(parseWalkForward(o.walkForward.value), configError)
    if (range.from === undefined || range.to === undefined) {
      return yield* configError("--walk-forward needs --from and --to: the range it walks through")
    }
    return yield* Either.mapLeft(windows(spec, range.from, range.to), configError)
  })

/**
 * The embedded database (PGlite: PostgreSQL compiled to WebAssembly) runs in the sweep's process, and V8 compiles
 * its functions a second time with the optimizing compiler, on background threads, as each becomes hot; a sweep
 * keeps reaching new ones to the end. In a 120-job sweep of minute-bar jobs with 2 workers those threads took
 * 1.4-1.9 s of CPU (about 13 ms per job, more than the process's own thread), taken from the workers when there is
 * one per core. On the baseline code the compiler threads took 0.17-0.19 s and the process's own thread did not get
 * measurably slower (0.78-0.83 s, 0.78-1.03 s before). The flag holds for WebAssembly compiled while it is set, which
 * in a sweep is the embedded database only (its workers are other processes): set for the sweep's scope, since PGlite
 * compiles functions as they are first called, all through the sweep (cleared once the database had opened, the
 * process's other threads took 1.6-1.7 s of CPU in a 1-process 40-job sweep against 0.6-0.7 s).
 *
 * Cleared when the scope closes, with the flags it implied: V8's flags are part of the check of the code cache that
 * `meridian` compiles its bundle with (`runtimes/node/bin/meridian.mjs`, written at exit), and a flag left set made
 * the cache this process wrote unusable by the next one, which compiled the bundle again (about 0.4 s of the sweep
 * process's CPU before its workers start).
 */
const embeddedDatabaseOnBaselineCode = Effect.acquireRelease(
  Effect.sync(() => setFlagsFromString("--liftoff-only")),
  () => Effect.sync(() => setFlagsFromString("--no-liftoff-only --wasm-tier-up --wasm-dynamic-tiering"))
)

export const sweep = (o: SweepOptions) =>
  Effect.gen(function* () {
    if (o.data.length === 0) return yield* configError("give at least one --data file")
    const loaded = yield* loadStrategy(o.strategy, builtIn)
    const fixed = Object.fromEntries(
      HashMap.toEntries(Option.getOrElse(o.param, () => HashMap.empty<string, string>()))
    )
    const { dimensions, accept, sets, left, how } = yield* parameterSets(o, loaded.strategy.params, fixed)
    if (sets.length === 0 && Option.isNone(o.optimize)) {
      return yield* configError(`no parameter set of the sweep is valid for ${loaded.strategy.id}`)
    }
    const staticDir = Option.getOrUndefined(o.staticData)
    const staticSet = yield* staticDir === undefined ? StaticDataSet.loadShipped : StaticDataSet.load(staticDir)
    const range = yield* Effect.all({ from: micros("--from", o.from), to: micros("--to", o.to) })
    const walk = yield* walkForwardWindows(o, range)
    const cluster = o.cluster || (yield* Config.boolean("MERIDIAN_CLUSTER").pipe(Config.withDefault(false)))
    const server = yield* serverUrl(o)
    if (cluster && Option.isNone(server)) {
      return yield* configError("--cluster needs the cluster's PostgreSQL server: --db <url> or DATABASE_URL")
    }
    const createdAt = Number((yield* Clock.currentTimeNanos) / 1000n)
    const strategyVersion = jobStrategy(loaded).version
    const shared = {
      strategy: o.strategy,
      strategyVersion,
      data: o.data,
      instruments: o.instrument,
      historyDir: o.history,
      staticData: { ...(staticDir !== undefined && { dir: staticDir }), version: staticDataVersion(staticSet) },
      settings: {
        cash: o.cash,
        currency: o.currency,
        tickSize: o.tickSize,
        lotSize: o.lotSize,
        ...(Option.isSome(o.timezone) && { timezone: o.timezone.value }),
        accountKind: o.accountKind,
        closeAtEnd: o.closeAtEnd,
        periodsPerYear: o.periodsPerYear,
        venue: { barFill: o.fill, commission: o.commission, latencyUs: 0, seed: 1 }
      }
    }
    const sweepId = createHash("sha256")
      .update(
        JSON.stringify([
          shared,
          range,
          o.grid,
          Option.getOrNull(o.random),
          Option.getOrNull(o.walkForward),
          o.seed,
          fixed,
          createdAt
        ])
      )
      .digest("hex")
      .slice(0, 12)
    /** A job of sweep `id` over `[from, to)`. */
    const specOf =
      (id: string, from: number | undefined, to: number | undefined) =>
      (params: ParamSet): JobSpec => {
        const all = { ...fixed, ...params }
        return {
          jobId: jobId(id, all),
          sweepId: id,
          params: all,
          ...shared,
          ...(from !== undefined && { from }),
          ...(to !== undefined && { to })
        }
      }
    const objective = yield* Either.mapLeft(parseObjective(o.objective, o.constraint, statKeys), configError)
    const scoreOf = (stats: StatValues | null | undefined) => score(objective, stats ?? null)
    const optimizing = Option.isSome(o.optimize)
    const method = (seed: number): Method =>
      optimizing
        ? { _tag: "Propose", propose: tpe(dimensions, { seed }), trials: o.trials, accept }
        : { _tag: "Sets", sets }
    const spec = {
      ...(optimizing ? { optimize: "tpe", trials: o.trials } : { random: Option.getOrNull(o.random) }),
      objective: o.objective,
      constraints: o.constraint,
      grid: o.grid,
      seed: o.seed,
      params: fixed,
      ...shared
    }
    const sweepRow = (id: string, extra: Record<string, unknown>) => ({
      id,
      strategy: loaded.strategy.id,
      spec: { ...spec, ...extra },
      createdAt
    })
    // A walk-forward: each window's optimization, then its best set tested on the period after it.
    const source: JobSource =
      walk === undefined
        ? sweepSource(sweepRow(sweepId, range), method(o.seed), specOf(sweepId, range.from, range.to))
        : walkForwardSource(
            walk.map((w, i) => ({
              optimize: sweepSource(
                sweepRow(trainSweepId(sweepId, i + 1), { walkForwardOf: sweepId, window: i + 1, ...w }),
                method(o.seed),
                specOf(trainSweepId(sweepId, i + 1), w.trainFrom, w.trainTo)
              ),
              test: (params) =>
                sweepSource(
                  sweepRow(testSweepId(sweepId, i + 1), { walkForwardOf: sweepId, window: i + 1, ...w }),
                  { _tag: "Sets", sets: [params] },
                  specOf(testSweepId(sweepId, i + 1), w.testFrom, w.testTo)
                )
            }))
          )
    const processes = Math.min(
      Option.getOrElse(o.processes, () => availableParallelism()),
      walk === undefined ? source.total : Number.POSITIVE_INFINITY
    )
    yield* Console.log(
      `sweep ${sweepId}: ${source.total} jobs of ${loaded.strategy.id} ${strategyVersion} (${how}${left > 0 ? `, ${left} left out as invalid` : ""}${walk === undefined ? "" : `, in each of ${walk.length} walk-forward windows, and each window's test`}), ${cluster ? "on the cluster" : `in ${processes} local processes`}`
    )
    if (!cluster && Option.isNone(server)) yield* embeddedDatabaseOnBaselineCode
    // Local workers start now, while the embedded database opens: each takes about 0.6 s of CPU to start.
    // Each warms up on the sweep's first job, when it is known before the sweep starts (a list of sets).
    const warmUp = sets[0] === undefined ? undefined : specOf(sweepId, range.from, range.to)(sets[0])
    const workers = yield* Effect.forkScoped(cluster ? Effect.never : startWorkers(processes, warmUp))
    const bar = progressBar()
    const progress = (finished: number) => bar?.(finished, source.total)

    const run = Effect.gen(function* () {
      const sweeps = yield* Sweeps.Sweeps
      if (walk !== undefined) {
        const stored: WalkForwardSpecJson = {
          walkForward: { text: Option.getOrElse(o.walkForward, () => ""), windows: walk },
          objective: o.objective,
          constraints: o.constraint,
          periodsPerYear: o.periodsPerYear
        }
        yield* sweeps.submit({ ...sweepRow(sweepId, { ...range, ...stored }), jobs: [] })
      }
      const started = yield* Clock.currentTimeMillis
      yield* cluster
        ? runOnCluster(
            source,
            optimizing ? o.parallel : Number.POSITIVE_INFINITY,
            scoreOf,
            progress,
            sendToCluster
          ).pipe(Effect.provide(clusterClient(o.lockExpiration)))
        : Effect.flatMap(Fiber.join(workers), (w) => runLocally(source, w, scoreOf, progress))
      const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      if (walk !== undefined) {
        yield* Console.log(`${source.total} jobs in ${seconds.toFixed(1)} s\n`)
        return yield* printSweep(sweepId)
      }
      const progressNow = yield* sweeps.progress(sweepId)
      yield* Console.log(
        `${progressNow.completed} completed, ${progressNow.failed} failed in ${seconds.toFixed(1)} s (${(progressNow.total / Math.max(seconds, 0.001)).toFixed(1)} jobs/s)\n`
      )
      const rows = yield* sweeps.jobs(sweepId)
      yield* Console.log(jobsTable(rows, 10, optimizing ? (row) => scoreOf(row.statistics) : byReturn))
      if (optimizing) {
        // What a reader needs to discount the best of many: how many were tried.
        yield* Console.log(
          `\nbest of ${rows.length} trials by ${o.objective}${o.constraint.length > 0 ? ` with ${o.constraint.join(", ")}` : ""}`
        )
      }
      yield* Console.log(`\nall jobs: meridian runs list --sweep ${sweepId}`)
    })
    yield* run.pipe(Effect.provide(Layer.provideMerge(Sweeps.layer, databaseLayer(o))))
  }).pipe(
    Effect.scoped,
    // Its scope closed, the process has 5 s to exit by itself: the database pool's close waits 1 s at most.
    exitAfter("5 seconds")
  )

/** A sweep's jobs, or a walk-forward's report, as `runs list --sweep` and the end of a sweep print them. */
const printSweep = (id: string) =>
  Effect.gen(function* () {
    const walk = yield* WalkForwardRecord.load(id)
    if (Option.isSome(walk)) return yield* Console.log(walkForwardReport(walk.value))
    const rows = yield* Effect.flatMap(Sweeps.Sweeps, (sweeps) => sweeps.jobs(id))
    if (rows.length === 0) return yield* Console.log(`no sweep ${id}`)
    yield* Console.log(jobsTable(rows, rows.length))
  }).pipe(Effect.provide(BacktestRuns.layer))

/** `meridian runs list --sweep <id>`: every job of the sweep, best return first; a walk-forward's report. */
export const listSweep = (o: DatabaseChoice & { readonly sweep: string }) =>
  printSweep(o.sweep).pipe(Effect.provide(Layer.provideMerge(Sweeps.layer, databaseLayer(o))))
