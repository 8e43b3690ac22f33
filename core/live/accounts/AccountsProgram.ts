import { type FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Context, Effect, Exit, Layer, Option, Schema, type Scope } from "effect"
import type { DatabaseError } from "../../db/DatabaseError"
import type { Instrument } from "../../domain/Instrument"
import type { JournalError } from "../../journal/Journal"
import type { JournalFiles } from "../../journal/JournalFiles"
import type { ProtocolError } from "../../protocol/Protocol"
import { formatAddress, type Transport } from "../../protocol/Transport"
import type { StaticDataError } from "../../services/StaticData"
import * as StaticDataSet from "../../staticdata/StaticDataSet"
import { addressOf, fromEnv, keysFromEnv, loadJsonConfig, tracingLayer } from "../ServiceConfig"
import { AccountsConfig } from "./AccountsConfig"
import { type AccountsServer, serveAccounts } from "./AccountsServer"
import type { ShardOptions } from "./AccountsShard"
import { TurnClock } from "./internal/turnClock"
import { makeServiceMetrics } from "./ServiceMetrics"

/** A configuration that cannot be read or used: the message names the file and the field. */
export class AccountsConfigError extends Schema.TaggedError<AccountsConfigError>()("AccountsConfigError", {
  message: Schema.String
}) {}

export interface AccountsRuntime {
  readonly transport: Transport
  readonly files: JournalFiles
  /** Serve `GET /metrics` on host:port for as long as the scope lives. */
  readonly serveMetrics: (
    host: string,
    port: number,
    metrics: { readonly render: () => Promise<string>; readonly contentType: string }
  ) => Effect.Effect<{ readonly port: number }, never, Scope.Scope>
}

const configError = (message: string) => new AccountsConfigError({ message })

/** Read and decode the configuration file; every problem is named, on one line. */
export const loadConfig = (file: string) => loadJsonConfig(file, AccountsConfig, configError)

/** The latest version of each instrument in the set (what a live service trades). */
export const latestInstruments = (set: StaticDataSet.StaticDataSet): Array<Instrument> => {
  const latest = new Map<string, StaticDataSet.InstrumentVersion>()
  for (const version of set.instruments) {
    const seen = latest.get(version.id)
    if (seen === undefined || seen.effectiveFrom < version.effectiveFrom) latest.set(version.id, version)
  }
  return [...latest.values()].map(({ effectiveFrom: _, ...instrument }) => instrument)
}

/**
 * Project every shard's account events into the central database: what the shards retain first (the projector
 * skips what it stored before), then each event as it goes out. The database modules are loaded only here:
 * initialising them (the PostgreSQL driver and, through it, Node's fetch) is an eighth of a start's CPU, which a
 * service without a database (and every restart of the crash tests) need not pay.
 */
const project = (service: AccountsServer, database: NonNullable<AccountsConfig["database"]>, base: string) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const [Database, Projector] = yield* Effect.promise(() =>
      Promise.all([import("../../db/Database"), import("../../db/Projector")])
    )
    const layer =
      "url" in database
        ? Database.layer(yield* fromEnv(database.url.env, "database.url", configError))
        : Database.layerEmbedded({ dataDir: path.resolve(base, database.embedded) })
    const context = yield* Layer.build(layer)
    const projector = yield* Projector.make().pipe(Effect.provide(context))
    for (const shard of service.shards) {
      for (const event of shard.events.read(shard.events.first, Number.MAX_SAFE_INTEGER) ?? []) projector.enqueue(event)
      shard.events.follow((_, event) => projector.enqueue(event))
    }
    yield* Effect.addFinalizer(() => projector.flush)
  })

/** Milliseconds since the epoch as a span's nanoseconds. */
const nanos = (ms: number): bigint => BigInt(Math.round(ms * 1_000_000))

/** A span per group commit of each shard's journal, when a tracer is installed. */
const traceCommits = (service: AccountsServer) =>
  Effect.map(Effect.tracer, (tracer) => {
    for (const [i, shard] of service.shards.entries()) {
      shard.onCommit((commit) => {
        const span = tracer.span(
          "accounts.journal.commit",
          Option.none(),
          Context.empty(),
          [],
          nanos(commit.startMs),
          "internal"
        )
        span.attribute("shard", i)
        span.attribute("records", commit.records)
        span.attribute("bytes", commit.bytes)
        span.attribute("durable", commit.durable)
        span.end(nanos(commit.endMs), Exit.void)
      })
    }
  })

/** Run the Accounts Service described by `configFile` until interrupted. */
export const runAccounts = (
  configFile: string,
  runtime: AccountsRuntime
): Effect.Effect<
  never,
  AccountsConfigError | StaticDataError | JournalError | ProtocolError | PlatformError | DatabaseError,
  FileSystem.FileSystem | Path.Path | Scope.Scope
> =>
  Effect.flatMap(loadConfig(configFile), (config) =>
    serveConfig(configFile, config, runtime).pipe(
      Effect.provide(tracingLayer(config.tracing, "meridian-accounts", config.instance))
    )
  )

const serveConfig = (configFile: string, config: AccountsConfig, runtime: AccountsRuntime) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const base = path.dirname(path.resolve(configFile))
    const set = yield* config.staticData === undefined
      ? StaticDataSet.loadShipped
      : StaticDataSet.load(path.resolve(base, config.staticData))
    const keys = yield* keysFromEnv(config.keys, configError)
    const metrics = makeServiceMetrics()
    const instruments = latestInstruments(set)
    const journalRoot = path.resolve(base, config.journalDir)
    let clock = 0
    // The service's time, µs, never going back even if the system clock or the feed does: inputs are stamped with it.
    // The system clock is read once per turn (the time the turn's inputs arrived), each input a µs after the last.
    const system = new TurnClock(Date.now)
    const now: ShardOptions["now"] =
      config.clock === "feed"
        ? (input) => (clock = Math.max(clock, input.ts))
        : () => (clock = Math.max(clock + 1, system.now() * 1000))
    const service: AccountsServer = yield* serveAccounts({
      transport: runtime.transport,
      address: addressOf(config.listen),
      identity: { service: "accounts", instance: config.instance },
      keys: (peer) => keys.get(peer),
      shards: config.shards.map((shard, i) => ({
        journal: { files: runtime.files, dir: path.join(journalRoot, `shard-${i}`) },
        accounts: shard.accounts,
        instruments,
        currencies: set.currencies,
        now,
        ...(config.retainEvents === undefined ? {} : { retainEvents: config.retainEvents }),
        ...(config.snapshots === undefined ? {} : { snapshots: config.snapshots })
      })),
      onOutcome: metrics.observe,
      describe: { region: config.region, startedAt: new Date().toISOString() }
    })
    metrics.watch(service)
    if (config.tracing !== undefined) yield* traceCommits(service)
    const recovered = service.shards.map((shard, i) => ({
      shard: i,
      records: shard.recovered.replayed,
      lastSeq: shard.recovered.lastSeq,
      ...(shard.recovered.snapshot === undefined ? {} : { snapshot: shard.recovered.snapshot.seq }),
      ...(shard.recovered.cut === undefined ? {} : { cut: shard.recovered.cut })
    }))
    for (const [i, shard] of service.shards.entries()) {
      if (shard.recovered.snapshotProblems.length === 0) continue
      // Nothing is lost (the journal holds every input), but recovery took longer than it should have: say why.
      yield* Effect.logWarning("accounts shard snapshot passed over").pipe(
        Effect.annotateLogs({
          shard: i,
          problems: shard.recovered.snapshotProblems,
          recoveredFrom: shard.recovered.snapshot?.seq ?? "the whole journal"
        })
      )
    }
    yield* Effect.logInfo("accounts service recovered").pipe(Effect.annotateLogs({ shards: recovered }))
    if (config.database !== undefined) yield* project(service, config.database, base)
    const metricsPort =
      config.metrics === undefined
        ? undefined
        : (yield* runtime.serveMetrics(config.metrics.host, config.metrics.port, metrics)).port
    yield* Effect.logInfo("accounts service listening").pipe(
      Effect.annotateLogs({
        address: formatAddress(service.server.address),
        ...(metricsPort === undefined ? {} : { metrics: `${config.metrics!.host}:${metricsPort}` })
      })
    )
    return yield* Effect.never
  })
