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
import type { Stats } from "../../core/report/Report"
import { statText } from "../../core/report/Report"
import { shardingConfig } from "../../core/research/ClusterTuning"
import { ResearchJob } from "../../core/research/JobEntity"
import { recordOutcome } from "../../core/research/JobRunner"
import { grid, type ParamSet, parseDimension, sample, typed } from "../../core/research/ParameterSpace"
import { type JobSpec, jobId, staticDataVersion } from "../../core/research/ResearchJob"
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
      return { sets, left: 0, how: `${sets.length} drawn at random (seed ${o.seed})` }
    }
    const all = yield* Either.mapLeft(grid(dimensions), configError)
    const sets = all.filter(accept)
    return { sets, left: all.length - sets.length, how: `a grid of ${all.length}` }
  })

/** Polls the sweep's progress until every job has its outcome, drawing the bar; returns the last progress. */
const follow = (sweepId: string, total: number) =>
  Effect.gen(function* () {
    const sweeps = yield* Sweeps.Sweeps
    const bar = progressBar()
    while (true) {
      const progress = yield* sweeps.progress(sweepId)
      const done = progress.completed + progress.failed
      bar?.(done, total)
      if (done >= total) return progress
      yield* Effect.sleep("500 millis")
    }
  })

/** The jobs, sent to the cluster as persisted messages: the workers run them whenever they can. */
const sendToCluster = (specs: ReadonlyArray<JobSpec>, lockExpiration: number) =>
  Effect.gen(function* () {
    const client = yield* ResearchJob.client
    yield* Effect.forEach(specs, (spec) => client(spec.jobId).Run(spec, { discard: true }), {
      concurrency: 16,
      discard: true
    })
  }).pipe(
    Effect.provide(
      NodeClusterSocket.layer({
        clientOnly: true,
        storage: "sql",
        shardingConfig: shardingConfig({ lockExpiration: Duration.seconds(lockExpiration) }, Option.none())
      })
    ),
    Effect.mapError((e) => configError(`cannot send the jobs to the cluster: ${e.message}`))
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
    .join("\n")
}

const stat = (row: Sweeps.SweepJobRow, key: keyof Stats) => statText(key, row.statistics?.[key] ?? null)

/** A sweep's jobs as a table, best return first (failed and queued jobs last). */
const jobsTable = (rows: ReadonlyArray<Sweeps.SweepJobRow>, limit: number): string => {
  const ranked = [...rows].sort(
    (a, b) =>
      Number(b.statistics?.returnPct ?? Number.NEGATIVE_INFINITY) -
        Number(a.statistics?.returnPct ?? Number.NEGATIVE_INFINITY) || a.seq - b.seq
  )
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
    const { sets, left, how } = yield* parameterSets(o, loaded.strategy.params, fixed)
    if (sets.length === 0) return yield* configError(`no parameter set of the sweep is valid for ${loaded.strategy.id}`)
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
    const specs: ReadonlyArray<JobSpec> = sets.map((set) => {
      const params = { ...fixed, ...set }
      return { jobId: jobId(sweepId, params), sweepId, params, ...shared }
    })
    const processes = Option.getOrElse(o.processes, () => availableParallelism())
    yield* Console.log(
      `sweep ${sweepId}: ${specs.length} jobs of ${loaded.strategy.id} ${strategyVersion} (${how}${left > 0 ? `, ${left} left out as invalid` : ""}), ${cluster ? "on the cluster" : `in ${Math.min(processes, specs.length)} local processes`}`
    )
    const run = Effect.gen(function* () {
      const sweeps = yield* Sweeps.Sweeps
      yield* sweeps.submit({
        id: sweepId,
        strategy: loaded.strategy.id,
        spec: { grid: o.grid, random: Option.getOrNull(o.random), seed: o.seed, params: fixed, ...shared },
        createdAt,
        jobs: specs.map((spec) => ({ jobId: spec.jobId, parameters: spec.params }))
      })
      const started = yield* Clock.currentTimeMillis
      if (cluster) {
        yield* sendToCluster(specs, o.lockExpiration)
        yield* Console.log(`sent ${specs.length} jobs to the cluster`)
      }
      const followed = follow(sweepId, specs.length)
      const progress = cluster
        ? yield* followed
        : yield* Effect.zipRight(
            runInProcesses(specs, processes, (spec, outcome, worker) => recordOutcome(spec.jobId, outcome, worker)),
            followed
          )
      const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
      yield* Console.log(
        `${progress.completed} completed, ${progress.failed} failed in ${seconds.toFixed(1)} s (${(specs.length / Math.max(seconds, 0.001)).toFixed(1)} jobs/s)\n`
      )
      yield* Console.log(jobsTable(yield* sweeps.jobs(sweepId), 10))
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
