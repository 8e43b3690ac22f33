/**
 * What `meridian sweep` runs: expand the parameter space, submit the sweep and its jobs to the central database,
 * run them (on the cluster, or in local worker processes), follow their results with a progress bar, and print the
 * best; and `meridian runs list --sweep <id>`.
 *
 * @since 0.1.0
 */

import { createHash } from "node:crypto"
import { availableParallelism } from "node:os"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { Clock, Config, Console, Duration, Effect, Either, HashMap, Layer, Option } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import { databaseLayer } from "../../core/db/ChosenDatabase"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import { serverUrl } from "../../core/db/DatabaseChoice"
import * as Sweeps from "../../core/db/Sweeps"
import { type Stats, statKeys, statText } from "../../core/report/Report"
import { shardingConfig } from "../../core/research/ClusterTuning"
import { ResearchJob } from "../../core/research/JobEntity"
import { recordOutcome } from "../../core/research/JobRunner"
import { parseObjective, type StatValues, score } from "../../core/research/Objective"
import { grid, type ParamSet, parseDimension, sample, typed } from "../../core/research/ParameterSpace"
import { type JobSpec, jobId, staticDataVersion } from "../../core/research/ResearchJob"
import { type Trial, tpe } from "../../core/research/Tpe"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { decodeParams } from "../../core/strategy/Params"
import { jobStrategy, loadStrategy } from "../../registry/src/StrategyLoader"
import { runInProcesses } from "./LocalWorkers"
import { progressBar } from "./ProgressBar"
import { builtIn } from "./SimBacktest"
import type { SweepOptions } from "./SweepCommand"

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

/** The jobs, sent to the cluster as persisted messages: the workers run them whenever they can. */
const sendToCluster = (specs: ReadonlyArray<JobSpec>) =>
  Effect.gen(function* () {
    const client = yield* ResearchJob.client
    yield* Effect.forEach(specs, (spec) => client(spec.jobId).Run(spec, { discard: true }), {
      concurrency: 16,
      discard: true
    })
  }).pipe(Effect.mapError((e) => configError(`cannot send the jobs to the cluster: ${e.message}`)))

/** A client of the cluster that only submits (it runs no entity). */
const clusterClient = (lockExpiration: number) =>
  NodeClusterSocket.layer({
    clientOnly: true,
    storage: "sql",
    shardingConfig: shardingConfig({ lockExpiration: Duration.seconds(lockExpiration) }, Option.none())
  })

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
    .join("\n")
}

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
  return table(
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
      ...(range.from !== undefined && { from: range.from }),
      ...(range.to !== undefined && { to: range.to }),
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
      .update(JSON.stringify([shared, o.grid, Option.getOrNull(o.random), o.seed, fixed, createdAt]))
      .digest("hex")
      .slice(0, 12)
    const specOf = (params: ParamSet): JobSpec => {
      const all = { ...fixed, ...params }
      return { jobId: jobId(sweepId, all), sweepId, params: all, ...shared }
    }
    const objective = yield* Either.mapLeft(parseObjective(o.objective, o.constraint, statKeys), configError)
    const scoreOf = (stats: StatValues | null | undefined) => score(objective, stats ?? null)
    const optimizing = Option.isSome(o.optimize)
    const total = optimizing ? o.trials : sets.length
    const processes = Option.getOrElse(o.processes, () => availableParallelism())
    yield* Console.log(
      `sweep ${sweepId}: ${total} jobs of ${loaded.strategy.id} ${strategyVersion} (${how}${left > 0 ? `, ${left} left out as invalid` : ""}), ${cluster ? "on the cluster" : `in ${Math.min(processes, total)} local processes`}`
    )
    const submit = (specs: ReadonlyArray<JobSpec>) =>
      Effect.flatMap(Sweeps.Sweeps, (sweeps) =>
        sweeps.submit({
          id: sweepId,
          strategy: loaded.strategy.id,
          spec: {
            ...(optimizing
              ? { optimize: "tpe", trials: o.trials, objective: o.objective, constraints: o.constraint }
              : { random: Option.getOrNull(o.random) }),
            grid: o.grid,
            seed: o.seed,
            params: fixed,
            ...shared
          },
          createdAt,
          jobs: specs.map((spec) => ({ jobId: spec.jobId, parameters: spec.params }))
        })
      )
    const propose = tpe(dimensions, { seed: o.seed })
    const bar = progressBar()

    /** Local processes: each free one takes the next grid job, or the optimizer's next proposal. */
    const runLocally = Effect.gen(function* () {
      const trials: Array<Trial> = []
      // Proposed and not finished: tried already for the optimizer, without a value yet.
      const pending = new Map<string, ParamSet>()
      let issued = 0
      let done = 0
      const next = Effect.gen(function* () {
        if (issued >= total) return Option.none<JobSpec>()
        const params = optimizing
          ? propose([...trials, ...[...pending.values()].map((p) => ({ params: p, value: Number.NaN }))], 1, accept)[0]
          : sets[issued]
        if (params === undefined) return Option.none<JobSpec>()
        // Counted and marked pending before the submission yields: workers asking at once get distinct trials,
        // and never more than `total`.
        issued++
        const spec = specOf(params)
        if (optimizing) {
          pending.set(spec.jobId, params)
          yield* submit([spec])
        }
        return Option.some(spec)
      })
      yield* runInProcesses(next, Math.min(processes, total), (spec, outcome, worker) =>
        Effect.gen(function* () {
          yield* recordOutcome(spec.jobId, outcome, worker)
          pending.delete(spec.jobId)
          trials.push({
            params: spec.params,
            value: scoreOf(outcome._tag === "Completed" ? (outcome.run.report?.stats as StatValues | undefined) : null)
          })
          bar?.(++done, total)
        })
      )
    })

    /** The cluster: grid jobs sent at once; an optimizer keeps `--parallel` jobs in flight, proposed as results come. */
    const runOnCluster = Effect.gen(function* () {
      const sweeps = yield* Sweeps.Sweeps
      if (!optimizing) {
        yield* sendToCluster(sets.map(specOf))
        yield* Console.log(`sent ${sets.length} jobs to the cluster`)
      }
      while (true) {
        const rows = yield* sweeps.jobs(sweepId)
        const finished = rows.filter((r) => r.status !== "queued").length
        bar?.(finished, total)
        if (finished >= Math.min(total, rows.length) && (!optimizing || rows.length >= total)) return
        if (optimizing) {
          const want = Math.min(o.parallel - (rows.length - finished), total - rows.length)
          if (want > 0) {
            const trials = rows.map((r) => ({
              params: Object.fromEntries(Object.entries(r.parameters).map(([k, v]) => [k, String(v)])),
              value: r.status === "queued" ? Number.NaN : scoreOf(r.statistics)
            }))
            const specs = propose(trials, want, accept).map(specOf)
            // The space ran out: finish with what was proposed.
            if (specs.length === 0 && finished >= rows.length) return
            yield* submit(specs)
            yield* sendToCluster(specs)
          }
        }
        yield* Effect.sleep("500 millis")
      }
    }).pipe(Effect.provide(clusterClient(o.lockExpiration)))

    const run = Effect.gen(function* () {
      const sweeps = yield* Sweeps.Sweeps
      yield* submit(optimizing ? [] : sets.map(specOf))
      const started = yield* Clock.currentTimeMillis
      yield* cluster ? runOnCluster : runLocally
      const progress = yield* sweeps.progress(sweepId)
      const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      yield* Console.log(
        `${progress.completed} completed, ${progress.failed} failed in ${seconds.toFixed(1)} s (${(progress.total / Math.max(seconds, 0.001)).toFixed(1)} jobs/s)\n`
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
  })

/** `meridian runs list --sweep <id>`: every job of the sweep, best return first. */
export const listSweep = (o: DatabaseChoice & { readonly sweep: string }) =>
  Effect.gen(function* () {
    const sweeps = yield* Sweeps.Sweeps
    const rows = yield* sweeps.jobs(o.sweep)
    if (rows.length === 0) return yield* Console.log(`no sweep ${o.sweep}`)
    yield* Console.log(jobsTable(rows, rows.length))
  }).pipe(Effect.provide(Layer.provide(Sweeps.layer, databaseLayer(o))))
