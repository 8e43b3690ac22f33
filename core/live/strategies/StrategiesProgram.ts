import { type FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Duration, Effect, Either, Fiber, Runtime, Schema, type Scope } from "effect"
import type { Currency } from "../../domain/Currency"
import type { AccountId, CurrencyCode } from "../../domain/Ids"
import type { Instrument } from "../../domain/Instrument"
import { makeSpecs } from "../../domain/InstrumentSpec"
import { FxRates } from "../../engine/portfolio/FxRates"
import { type JournalError, open as openJournal } from "../../journal/Journal"
import type { JournalFiles } from "../../journal/JournalFiles"
import { type ProtocolError, serve } from "../../protocol/Protocol"
import { formatAddress, type Transport } from "../../protocol/Transport"
import type { StaticDataError } from "../../services/StaticData"
import * as StaticDataSet from "../../staticdata/StaticDataSet"
import { decodeParams } from "../../strategy/Params"
import type { AnyStrategy } from "../../strategy/Strategy"
import * as Peer from "../Peer"
import { addressOf, fromEnv, keysFromEnv, loadJsonConfig, tracingLayer } from "../ServiceConfig"
import { coreVersion, isStatusRequest, peerStatus, type ServiceStatus, sessionsOf } from "../ServiceStatus"
import { isDeploymentRequest } from "./Deployments"
import { Deployer } from "./internal/deployer"
import { withinBudget } from "./internal/lineBudget"
import { runtimeLog } from "./internal/runtimeLog"
import { appendLostTail, TailingJournal } from "./internal/tailingJournal"
import { StrategiesConfig } from "./StrategiesConfig"
import { type HostStrategy, StrategiesHost } from "./StrategiesHost"
import { StrategiesSession } from "./StrategiesSession"

/** A configuration that cannot be read or used: the message names the file and the field. */
export class StrategiesConfigError extends Schema.TaggedError<StrategiesConfigError>()("StrategiesConfigError", {
  message: Schema.String
}) {}

export interface StrategiesRuntime {
  readonly transport: Transport
  readonly files: JournalFiles
  /** Serve `GET /metrics` on host:port for as long as the scope lives. */
  readonly serveMetrics: (
    host: string,
    port: number,
    metrics: { readonly render: () => Promise<string>; readonly contentType: string }
  ) => Effect.Effect<{ readonly port: number }, never, Scope.Scope>
  /**
   * The strategy a configuration or a deployment names, as `meridian backtest --strategy` finds it (relative to
   * `baseDir`), and its version (its plugin's; `local` for a file).
   */
  readonly loadStrategy: (
    name: string,
    baseDir: string
  ) => Effect.Effect<{ readonly strategy: AnyStrategy; readonly version: string }, StrategiesConfigError>
}

const configError = (message: string) => new StrategiesConfigError({ message })

/**
 * The orders, fills and PnL lines logged a second at most (past them, a count; see `lineBudget`). A line costs this
 * process its formatting and a synchronous pipe write that wakes the reader: at 50 a second, with a strategy ordering
 * on every quote at 100 a second, the lines were 200-400 µs of the service's CPU per quote in bench/tick-to-order.
 * Ten a second still show a demo's orders and fills as they happen; the rest are in the Accounts Service's streams.
 */
const LOG_LINES_PER_SECOND = 10

/** Read and decode the configuration file; every problem is named, on one line. */
export const loadConfig = (file: string) => loadJsonConfig(file, StrategiesConfig, configError)

/** The latest version of each instrument in the set. */
const latestInstruments = (set: StaticDataSet.StaticDataSet): Array<Instrument> => {
  const latest = new Map<string, StaticDataSet.InstrumentVersion>()
  for (const version of set.instruments) {
    const seen = latest.get(version.id)
    if (seen === undefined || seen.effectiveFrom < version.effectiveFrom) latest.set(version.id, version)
  }
  return [...latest.values()].map(({ effectiveFrom: _, ...instrument }) => instrument)
}

/** Each configured strategy instance, loaded, with its parameters decoded and its instruments chosen. */
const loadInstances = (
  config: StrategiesConfig,
  baseDir: string,
  runtime: StrategiesRuntime,
  instruments: ReadonlyArray<Instrument>,
  currencies: ReadonlyArray<Currency>
) =>
  Effect.forEach(config.strategies, (entry, i) =>
    Effect.gen(function* () {
      const field = `strategies.${i}`
      const { strategy } = yield* runtime
        .loadStrategy(entry.strategy, baseDir)
        .pipe(Effect.mapError((e) => configError(`${field}.strategy: ${e.message}`)))
      const params = decodeParams(strategy.params, entry.params)
      if (Either.isLeft(params)) return yield* configError(`${field}.params: ${params.left}`)
      const selected =
        entry.instruments === undefined
          ? instruments
          : yield* Effect.forEach(entry.instruments, (id, k) => {
              const found = instruments.find((instrument) => instrument.id === id)
              return found === undefined
                ? Effect.fail(configError(`${field}.instruments.${k}: ${id} is not in the static data`))
                : Effect.succeed(found)
            })
      return {
        id: entry.id,
        accountId: entry.account,
        specs: makeSpecs(selected, currencies),
        program: strategy.program(params.right)
      } satisfies HostStrategy
    })
  )

/** Prometheus text of the service's figures. */
const renderMetrics = (session: StrategiesSession, host: StrategiesHost) => () => {
  const lines = [
    "# HELP meridian_strategies_market_seq Last market data sequence delivered to the strategies",
    "# TYPE meridian_strategies_market_seq gauge",
    `meridian_strategies_market_seq ${session.lastMarket}`,
    "# HELP meridian_strategies_account_seq Last account event sequence delivered, per shard",
    "# TYPE meridian_strategies_account_seq gauge",
    ...session.lastAccount.map((seq, s) => `meridian_strategies_account_seq{shard="${s}"} ${seq}`),
    "# HELP meridian_strategies_commands_in_flight Commands sent to the Accounts Service and not yet answered",
    "# TYPE meridian_strategies_commands_in_flight gauge",
    `meridian_strategies_commands_in_flight ${session.inFlight}`,
    "# HELP meridian_strategies_session_time_seconds The strategies' clock",
    "# TYPE meridian_strategies_session_time_seconds gauge",
    `meridian_strategies_session_time_seconds ${host.clock.now / 1e6}`
  ]
  return Promise.resolve(`${lines.join("\n")}\n`)
}

/** Serve the strategies of `config` (relative paths from `baseDir`) until interrupted. */
export const serveStrategies = (
  config: StrategiesConfig,
  baseDir: string,
  runtime: StrategiesRuntime
): Effect.Effect<
  never,
  StrategiesConfigError | StaticDataError | JournalError | ProtocolError,
  FileSystem.FileSystem | Path.Path | Scope.Scope
> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const set = yield* config.staticData === undefined
      ? StaticDataSet.loadShipped
      : StaticDataSet.load(path.resolve(baseDir, config.staticData))
    const instruments = latestInstruments(set)
    const specs = yield* Effect.try({
      try: () => makeSpecs(instruments, set.currencies),
      catch: (e) => configError(`static data: ${e instanceof Error ? e.message : String(e)}`)
    })
    const strategies = yield* loadInstances(config, baseDir, runtime, instruments, set.currencies)
    const accounts = new Map<AccountId, Currency>()
    for (const [i, entry] of config.strategies.entries()) {
      const base = specs.currencies.get(entry.baseCurrency as CurrencyCode)
      if (base === undefined) return yield* configError(`strategies.${i}.baseCurrency: unknown ${entry.baseCurrency}`)
      accounts.set(entry.account, accounts.get(entry.account) ?? base)
    }
    const keys = yield* keysFromEnv(config.keys, configError)
    const accountsKey = yield* fromEnv(config.accounts.key.env, "accounts.key", configError)
    const marketDataKey = yield* fromEnv(config.marketData.key.env, "marketData.key", configError)

    const defaultBase = accounts.values().next().value ?? specs.currencies.get("USD" as CurrencyCode)
    if (defaultBase === undefined) return yield* configError("static data: no USD currency for the accounts' equity")
    const deployer = new Deployer({
      load: (name) => runtime.loadStrategy(name, baseDir),
      instruments,
      currencies: set.currencies,
      defaultBase
    })
    const effectRuntime = yield* Effect.runtime<never>()
    const clock = yield* Effect.clock
    const log = withinBudget(
      LOG_LINES_PER_SECOND,
      runtimeLog(effectRuntime, yield* Effect.fiberId, () => clock.unsafeCurrentTimeMillis())
    )
    const host = new StrategiesHost({
      specs,
      fx: new FxRates(),
      accounts,
      strategies,
      send: (strategyId, input) => session.send(strategyId, input),
      log,
      runtime: effectRuntime,
      prepare: deployer.prepare,
      defaultBase
    })
    const payloads: Array<Uint8Array> = []
    const journal = yield* openJournal(
      { files: runtime.files, dir: path.resolve(baseDir, config.journalDir) },
      (_, payload) => payloads.push(payload)
    )
    const identity = { service: "strategies", instance: config.instance }
    const accountsPeer = yield* Peer.connect({
      transport: runtime.transport,
      address: addressOf(config.accounts.address),
      identity,
      key: accountsKey,
      name: "accounts"
    })
    // What the commands sent before a crash carried and the crash took from the journal, back in it first.
    payloads.push(...(yield* appendLostTail(journal, config.instance, accountsPeer.call)))
    const tailing = new TailingJournal(journal)
    // Before the journal closes (finalizers run last first): what the strategies' own finalizers journal goes too,
    // and so does what arrives until the peers close.
    yield* Effect.addFinalizer(() => Effect.sync(tailing.close))
    const session: StrategiesSession = new StrategiesSession({
      host,
      journal: tailing,
      tail: tailing.tail,
      accounts: accountsPeer,
      shards: config.accounts.shards,
      lockstep: config.lockstep,
      clock: config.clock ?? (config.lockstep ? "feed" : "system"),
      now: () => clock.unsafeCurrentTimeMillis() * 1000,
      wakeAt: (atUs, wake) => {
        const delay = Duration.millis(Math.max(0, atUs / 1000 - clock.unsafeCurrentTimeMillis()))
        const fiber = Runtime.runFork(effectRuntime)(Effect.sleep(delay).pipe(Effect.andThen(Effect.sync(wake))))
        return () => Runtime.runFork(effectRuntime)(Fiber.interrupt(fiber))
      },
      log,
      requestPrefix: config.instance
    })
    journal.onDurable((durable) => {
      session.release(durable)
      deployer.release(durable)
    })
    // The strategies stop (their finalizers may still send) before the peers close.
    yield* Effect.addFinalizer(() => host.close)
    yield* deployer.prepareJournal(payloads)
    session.replay(payloads)
    yield* Effect.logInfo("strategies service recovered").pipe(
      Effect.annotateLogs({
        records: payloads.length,
        marketSeq: session.lastMarket,
        accountSeqs: session.lastAccount,
        ...(journal.recovered.cut === undefined ? {} : { cut: journal.recovered.cut })
      })
    )
    payloads.length = 0
    yield* Effect.async<void>((resume) => session.followAccounts(() => resume(Effect.void)))
    const marketPeer = yield* Peer.connect({
      transport: runtime.transport,
      address: addressOf(config.marketData.address),
      identity,
      key: marketDataKey,
      name: "market-data"
    })
    const topic = config.lockstep ? "market-data/settled" : "market-data"
    session.followMarketData(marketPeer, topic)

    const startedAt = new Date(clock.unsafeCurrentTimeMillis()).toISOString()
    const server = yield* serve({
      transport: runtime.transport,
      address: addressOf(config.listen),
      identity,
      keys: (peer) => keys.get(peer),
      onRequest: (request, id, body) => {
        if (isDeploymentRequest(body)) {
          Runtime.runFork(effectRuntime)(
            deployer
              .handle(
                body,
                host,
                session,
                journal.durable,
                (value) => request.reply(id, value),
                // A plain object: the refusal crosses the wire as its tag and its one line.
                (error) => request.fail(id, { _tag: error._tag, message: error.message })
              )
              .pipe(
                Effect.catchAllCause((cause) =>
                  Effect.zipRight(
                    Effect.logError("deployment request failed", cause),
                    Effect.sync(() =>
                      request.fail(id, {
                        _tag: "DeploymentRefused",
                        message: "the request failed: the service's log has why"
                      })
                    )
                  )
                )
              )
          )
          return
        }
        if (!isStatusRequest(body)) {
          request.fail(id, {
            _tag: "UnknownRequest",
            message: "the Strategies Service answers Status, Deploy, Start, Stop and Deployments"
          })
          return
        }
        const status: ServiceStatus = {
          service: "strategies",
          instance: config.instance,
          region: config.region,
          version: coreVersion,
          startedAt,
          address: formatAddress(server.address),
          streams: [],
          sessions: sessionsOf(server),
          peers: [
            peerStatus(
              accountsPeer,
              session.lastAccount.map((lastSeq, s) => ({ topic: `events/${s}`, lastSeq }))
            ),
            peerStatus(marketPeer, [{ topic, lastSeq: session.lastMarket }])
          ]
        }
        request.reply(id, status)
      }
    })
    const metricsPort =
      config.metrics === undefined
        ? undefined
        : (yield* runtime.serveMetrics(config.metrics.host, config.metrics.port, {
            render: renderMetrics(session, host),
            contentType: "text/plain; version=0.0.4"
          })).port
    yield* Effect.logInfo("strategies service listening").pipe(
      Effect.annotateLogs({
        address: formatAddress(server.address),
        strategies: config.strategies.map((s) => s.id),
        ...(metricsPort === undefined ? {} : { metrics: `${config.metrics!.host}:${metricsPort}` })
      })
    )
    return yield* Effect.never
  })

/** Run the Strategies Service described by `configFile` until interrupted. */
export const runStrategies = (
  configFile: string,
  runtime: StrategiesRuntime
): Effect.Effect<
  never,
  StrategiesConfigError | StaticDataError | JournalError | ProtocolError | PlatformError,
  FileSystem.FileSystem | Path.Path | Scope.Scope
> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const config = yield* loadConfig(configFile)
    return yield* serveStrategies(config, path.dirname(path.resolve(configFile)), runtime).pipe(
      Effect.provide(tracingLayer(config.tracing, "meridian-strategies", config.instance))
    )
  })
