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
import { type LiveSourceError, type LiveSourceTable, pullFeed } from "./LiveSource"
import { MarketDataConfig } from "./MarketDataConfig"
import { makeMarketDataMetrics } from "./MarketDataMetrics"
import { MARKET_DATA_TOPIC, SETTLED_TOPIC, serveMarketDataProtocol } from "./MarketDataServer"
import { makeRecorder } from "./Recorder"
import { openReplay, type ReplayConnector } from "./ReplayConnector"

/** A configuration that cannot be read or used: the message names the file and the field. */
export class MarketDataConfigError extends Schema.TaggedError<MarketDataConfigError>()("MarketDataConfigError", {
  message: Schema.String
}) {}

/** What the runtime hands the service: the Accounts Service's ports, and the live source kinds it carries. */
export interface MarketDataRuntime extends AccountsRuntime {
  readonly sources?: LiveSourceTable
}

export type MarketDataError =
  | MarketDataConfigError
  | LiveSourceError
  | JournalError
  | ProtocolError
  | HistoryError
  | PlatformError

/** The running service, for a launcher that runs it in its own process. */
export interface MarketDataService {
  readonly address: Address
  readonly server: Server
  readonly status: () => ServiceStatus
  /**
   * The feed: completes with the last sequence once every event is published (and, in lockstep, settled). A live
   * source's runs until the service stops.
   */
  readonly replay: Fiber.Fiber<number, JournalError | HistoryError>
}

const configError = (message: string) => new MarketDataConfigError({ message })

/** Read and decode the configuration file; every problem is named, on one line. */
export const loadConfig = (file: string) => loadJsonConfig(file, MarketDataConfig, configError)

/**
 * The journal's events come from one source: a restart with another history, other instruments or another range,
 * or another venue, would continue a different sequence. The source (`{ <kind>: what it is }`) is written beside
 * the journal and checked at each start.
 */
const checkSource = (journalDir: string, kind: string, source: Readonly<Record<string, unknown>>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = path.join(journalDir, "source.json")
    const text = JSON.stringify(kind === "replay" ? source : { [kind]: source })
    const stored = yield* Effect.either(fs.readFileString(file))
    if (Either.isRight(stored)) {
      if (stored.right !== text) {
        return yield* new MarketDataConfigError({
          message: `source.${kind}: differs from the source of the journal in ${journalDir} (${stored.right}); use a new journalDir`
        })
      }
      return
    }
    yield* fs.makeDirectory(journalDir, { recursive: true })
    yield* fs.writeFileString(`${file}.tmp`, text)
    yield* fs.rename(`${file}.tmp`, file)
  })

/** The configuration's live source, from the runtime's table. */
const openLive = (options: unknown, sources: LiveSourceTable | undefined) => {
  const kind = sources?.ccxt
  return kind === undefined
    ? Effect.fail(configError("source.ccxt: this runtime has no ccxt source"))
    : kind.open(options)
}

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
    const historyRoot = replay === undefined ? undefined : path.resolve(baseDir, replay.history)
    const journalDir = path.resolve(baseDir, config.journalDir)
    const recordRoot = config.record === undefined ? undefined : path.resolve(baseDir, config.record)
    if (recordRoot !== undefined && recordRoot === historyRoot) {
      return yield* new MarketDataConfigError({ message: "record: must not be the history the replay reads" })
    }
    const keys = yield* keysFromEnv(config.keys, configError)
    // A live source is opened (its options decoded, nothing subscribed yet) before the journal is checked against it.
    const live = replay === undefined ? yield* openLive(config.source.ccxt, runtime.sources) : undefined
    if (replay !== undefined && historyRoot !== undefined) {
      yield* checkSource(journalDir, "replay", {
        history: historyRoot,
        instruments: replay.instruments,
        ...(replay.from === undefined ? {} : { from: replay.from }),
        ...(replay.to === undefined ? {} : { to: replay.to })
      })
    } else if (live !== undefined) {
      yield* checkSource(journalDir, "ccxt", live.identity)
    }

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
    const pace = replay?.pace ?? "max"
    const lockstep = pace === "lockstep" ? new Lockstep(config.lockstep, log, log.last) : undefined
    const connector: ReplayConnector =
      replay !== undefined && historyRoot !== undefined
        ? yield* openReplay({
            root: historyRoot,
            instruments: replay.instruments,
            ...(replay.from === undefined ? {} : { from: replay.from }),
            ...(replay.to === undefined ? {} : { to: replay.to }),
            skip: log.last
          })
        : // Not resumable from a sequence: subscribe afresh; each book starts from a fresh snapshot.
          yield* pullFeed(live!)

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
      pace,
      maxGapMs: replay?.maxGapMs ?? 1_000,
      lockstep,
      onPublished: metrics.published,
      // A venue is not held up for a slow subscriber (it resumes from the retained events): no backpressure.
      ...(replay === undefined ? {} : { keepUp: subscribersKeepUp(server) })
    }).pipe(
      Effect.tap((last) => {
        finished = true
        return Effect.logInfo(replay === undefined ? "live source ended" : "replay finished").pipe(
          Effect.annotateLogs({ events: last })
        )
      }),
      Effect.tapErrorCause((cause) => Effect.logError("replay failed", cause)),
      Effect.forkScoped
    )
    yield* Effect.logInfo("market data service listening").pipe(
      Effect.annotateLogs({
        address: formatAddress(server.address),
        source: replay === undefined ? "ccxt" : "replay",
        pace: typeof pace === "string" ? pace : `speed ${pace.speed}`,
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
