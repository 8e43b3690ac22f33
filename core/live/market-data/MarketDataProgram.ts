import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Effect, Either, Fiber, Schema, type Scope } from "effect"
import { MarketDataEvent } from "../../domain/MarketData"
import type { HistoryError } from "../../history/History"
import { type JournalError, open as openJournal } from "../../journal/Journal"
import * as Codec from "../../protocol/Codec"
import type { ProtocolError, Server } from "../../protocol/Protocol"
import { type Address, formatAddress } from "../../protocol/Transport"
import type { AccountsRuntime } from "../accounts/AccountsProgram"
import { EventLog } from "../accounts/EventLog"
import { addressOf, keysFromEnv, loadJsonConfig, tracingLayer } from "../ServiceConfig"
import { coreVersion, type ServiceStatus, sessionsOf } from "../ServiceStatus"
import { subscribersKeepUp } from "./internal/keepUp"
import { Lockstep } from "./internal/lockstep"
import { publishReplay } from "./internal/publisher"
import { MarketDataConfig } from "./MarketDataConfig"
import { makeMarketDataMetrics } from "./MarketDataMetrics"
import { MARKET_DATA_TOPIC, SETTLED_TOPIC, serveMarketDataProtocol } from "./MarketDataServer"
import { makeRecorder } from "./Recorder"
import { openReplay } from "./ReplayConnector"

/** A configuration that cannot be read or used: the message names the file and the field. */
export class MarketDataConfigError extends Schema.TaggedError<MarketDataConfigError>()("MarketDataConfigError", {
  message: Schema.String
}) {}

/** What the runtime hands the service: the same ports as the Accounts Service's. */
export type MarketDataRuntime = AccountsRuntime

export type MarketDataError = MarketDataConfigError | JournalError | ProtocolError | HistoryError | PlatformError

/** The running service, for a launcher that runs it in its own process. */
export interface MarketDataService {
  readonly address: Address
  readonly server: Server
  readonly status: () => ServiceStatus
  /** The replay: completes with the last sequence once every event is published (and, in lockstep, settled). */
  readonly replay: Fiber.Fiber<number, JournalError | HistoryError>
}

const configError = (message: string) => new MarketDataConfigError({ message })

/** Read and decode the configuration file; every problem is named, on one line. */
export const loadConfig = (file: string) => loadJsonConfig(file, MarketDataConfig, configError)

/**
 * The journal's events are the replay of one source: a restart with another history, other instruments or another
 * range would continue a different sequence. The source is written beside the journal and checked at each start.
 */
const checkSource = (journalDir: string, source: Readonly<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = path.join(journalDir, "source.json")
    const text = JSON.stringify(source)
    const stored = yield* Effect.either(fs.readFileString(file))
    if (Either.isRight(stored)) {
      if (stored.right !== text) {
        return yield* new MarketDataConfigError({
          message: `source.replay: differs from the source of the journal in ${journalDir} (${stored.right}); use a new journalDir`
        })
      }
      return
    }
    yield* fs.makeDirectory(journalDir, { recursive: true })
    yield* fs.writeFileString(`${file}.tmp`, text)
    yield* fs.rename(`${file}.tmp`, file)
  })

/**
 * Serve `config` (its relative paths relative to `baseDir`) until the scope ends: returns once the service listens,
 * with the replay running in the scope.
 */
export const serveMarketData = (
  config: MarketDataConfig,
  baseDir: string,
  runtime: MarketDataRuntime
): Effect.Effect<MarketDataService, MarketDataError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const startedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const replay = config.source.replay
    const historyRoot = path.resolve(baseDir, replay.history)
    const journalDir = path.resolve(baseDir, config.journalDir)
    const recordRoot = config.record === undefined ? undefined : path.resolve(baseDir, config.record)
    if (recordRoot === historyRoot) {
      return yield* new MarketDataConfigError({ message: "record: must not be the history the replay reads" })
    }
    const keys = yield* keysFromEnv(config.keys, configError)
    yield* checkSource(journalDir, {
      history: historyRoot,
      instruments: replay.instruments,
      ...(replay.from === undefined ? {} : { from: replay.from }),
      ...(replay.to === undefined ? {} : { to: replay.to })
    })

    const recorder =
      recordRoot === undefined
        ? undefined
        : yield* makeRecorder({
            root: recordRoot,
            markerFile: path.join(journalDir, "recorded.json"),
            everyEvents: config.recordEvery?.events ?? 10_000,
            everyMs: config.recordEvery?.ms ?? 1_000
          })
    const log = new EventLog<MarketDataEvent>(config.retainEvents ?? 1_000_000)
    const codec = Codec.make(MarketDataEvent)
    const journal = yield* openJournal({ files: runtime.files, dir: journalDir }, (seq, payload) => {
      const decoded = codec.decode(payload)
      if (Either.isLeft(decoded)) throw new Error(`record ${seq}: ${decoded.left.message}`)
      if (log.push(decoded.right) !== seq) throw new Error(`record ${seq} does not follow record ${log.last - 1}`)
      recorder?.record(seq, decoded.right)
    }).pipe(Effect.withSpan("market-data.recover"))
    yield* Effect.logInfo("market data service recovered").pipe(
      Effect.annotateLogs({
        events: journal.recovered.lastSeq,
        ...(journal.recovered.cut === undefined ? {} : { cut: journal.recovered.cut })
      })
    )
    if (recorder !== undefined) {
      yield* recorder.flush
      log.follow((seq, event) => recorder.record(seq, event))
    }
    const lockstep = replay.pace === "lockstep" ? new Lockstep(config.lockstep, log, log.last) : undefined
    const connector = yield* openReplay({
      root: historyRoot,
      instruments: replay.instruments,
      ...(replay.from === undefined ? {} : { from: replay.from }),
      ...(replay.to === undefined ? {} : { to: replay.to }),
      skip: log.last
    })

    /** Whether the replay published its last event (and in lockstep, every participant is done with it). */
    let finished = false
    const address = addressOf(config.listen)
    const status = (server: Server): ServiceStatus => ({
      service: "market-data",
      instance: config.instance,
      region: config.region,
      version: coreVersion,
      startedAt,
      address: formatAddress(server.address),
      streams: [
        { topic: MARKET_DATA_TOPIC, lastSeq: log.last },
        ...(lockstep === undefined ? [] : [{ topic: SETTLED_TOPIC, lastSeq: lockstep.settled }])
      ],
      sessions: sessionsOf(server),
      feed: { published: log.last, finished },
      peers: []
    })
    const server = yield* serveMarketDataProtocol({
      transport: runtime.transport,
      address,
      identity: { service: "market-data", instance: config.instance },
      keys: (service) => keys.get(service),
      log,
      lockstep,
      status
    })
    const metrics = makeMarketDataMetrics()
    metrics.watch({
      server,
      journal,
      lastSeq: () => log.last,
      settledSeq: lockstep === undefined ? undefined : () => lockstep.settled,
      recorded: recorder?.written
    })
    const metricsPort =
      config.metrics === undefined
        ? undefined
        : (yield* runtime.serveMetrics(config.metrics.host, config.metrics.port, metrics)).port
    const fiber = yield* publishReplay({
      connector,
      journal,
      codec,
      log,
      pace: replay.pace,
      maxGapMs: replay.maxGapMs ?? 1_000,
      lockstep,
      onPublished: metrics.published,
      keepUp: subscribersKeepUp(server)
    }).pipe(
      Effect.tap((last) => {
        finished = true
        return Effect.logInfo("replay finished").pipe(Effect.annotateLogs({ events: last }))
      }),
      Effect.tapErrorCause((cause) => Effect.logError("replay failed", cause)),
      Effect.forkScoped
    )
    yield* Effect.logInfo("market data service listening").pipe(
      Effect.annotateLogs({
        address: formatAddress(server.address),
        pace: typeof replay.pace === "string" ? replay.pace : `speed ${replay.pace.speed}`,
        ...(metricsPort === undefined ? {} : { metrics: `${config.metrics!.host}:${metricsPort}` })
      })
    )
    return { address: server.address, server, status: () => status(server), replay: fiber }
  })

/** Run the Market Data Service described by `configFile` until interrupted (or until its replay fails). */
export const runMarketData = (
  configFile: string,
  runtime: MarketDataRuntime
): Effect.Effect<never, MarketDataError, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const config = yield* loadConfig(configFile)
    // Provided around the whole run: the tracer lives as long as the service.
    return yield* Effect.gen(function* () {
      const service = yield* serveMarketData(config, path.dirname(path.resolve(configFile)), runtime)
      yield* Fiber.join(service.replay)
      return yield* Effect.never
    }).pipe(Effect.provide(tracingLayer(config.tracing, "meridian-market-data", config.instance)))
  })
