import { type FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Clock, Effect, Queue, Runtime, Schedule, Schema, type Scope } from "effect"
import { makeSpecs } from "../../domain/InstrumentSpec"
import { timestamp } from "../../domain/Units"
import type { JournalError } from "../../journal/Journal"
import type { JournalFiles } from "../../journal/JournalFiles"
import { type ProtocolError, serve } from "../../protocol/Protocol"
import { type Address, formatAddress, type Transport } from "../../protocol/Transport"
import type { StaticDataError } from "../../services/StaticData"
import * as StaticDataSet from "../../staticdata/StaticDataSet"
import { type AccountsRuntime, latestInstruments } from "../accounts/AccountsProgram"
import type { Watermark } from "../accounts/AccountsServer"
import type { AccountValues } from "../accounts/AccountValues"
import * as Peer from "../Peer"
import { addressOf, fromEnv, keysFromEnv, loadJsonConfig, tracingLayer } from "../ServiceConfig"
import { coreVersion, isStatusRequest, peerStatus, type ServiceStatus, sessionsOf } from "../ServiceStatus"
import type { ConnectorTable } from "./Connector"
import { connectorKindOf, ExecutionConfig } from "./ExecutionConfig"
import { makeExecutionMetrics } from "./ExecutionMetrics"
import { fillsSince, resolve } from "./Reconcile"
import { type Outgoing, VenueSession } from "./VenueSession"
import { VenueStateError } from "./VenueState"

/** A configuration that cannot be read or used: the message names the file and the field. */
export class ExecutionConfigError extends Schema.TaggedError<ExecutionConfigError>()("ExecutionConfigError", {
  message: Schema.String
}) {}

export interface ExecutionRuntime {
  readonly transport: Transport
  readonly files: JournalFiles
  readonly serveMetrics: AccountsRuntime["serveMetrics"]
  /** The connector kinds the runtime carries (it knows the plugins): the configuration's `connector` names one. */
  readonly connectors: ConnectorTable
}

/** The running service, for a launcher that runs it in-process. */
export interface ExecutionServer {
  readonly address: Address
  readonly metricsPort: number | undefined
  readonly status: () => ServiceStatus
}

const configError = (message: string) => new ExecutionConfigError({ message })

/** Read and decode the configuration file; every problem is named, on one line. */
export const loadConfig = (file: string) => loadJsonConfig(file, ExecutionConfig, configError)

/**
 * Serve the Execution Service `config` describes (relative paths from `baseDir`) for as long as the scope lives;
 * returns once it listens.
 */
export const serveExecution = (
  config: ExecutionConfig,
  baseDir: string,
  runtime: ExecutionRuntime
): Effect.Effect<
  ExecutionServer,
  ExecutionConfigError | StaticDataError | JournalError | ProtocolError | PlatformError,
  FileSystem.FileSystem | Path.Path | Scope.Scope
> =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const startedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const set = yield* config.staticData === undefined
      ? StaticDataSet.loadShipped
      : StaticDataSet.load(path.resolve(baseDir, config.staticData))
    const specs = makeSpecs(latestInstruments(set), set.currencies)
    const keys = yield* keysFromEnv(config.keys, configError)
    const accountsKey = yield* fromEnv(config.accounts.key.env, "accounts.key", configError)
    const marketDataKey = yield* fromEnv(config.marketData.key.env, "marketData.key", configError)
    const identity = { service: "execution", instance: config.instance }

    const { kind, options } = connectorKindOf(config.connector)
    const connectorKind = runtime.connectors[kind]
    if (connectorKind === undefined) {
      return yield* configError(
        `connector: no connector kind "${kind}" in this runtime (it has ${Object.keys(runtime.connectors).join(", ")})`
      )
    }
    const connector = yield* connectorKind
      .make(options, { specs, baseDir })
      .pipe(Effect.mapError((e) => configError(e.message)))
    const venue = yield* VenueSession.open({
      journal: { files: runtime.files, dir: path.resolve(baseDir, config.journalDir) },
      shards: config.accounts.shards,
      marks: config.marks,
      connector
    }).pipe(Effect.withSpan("execution.recover"))
    const metrics = makeExecutionMetrics(venue)
    yield* Effect.logInfo("execution service recovered").pipe(
      Effect.annotateLogs({
        records: venue.journalRecovered.replayed,
        marketData: venue.market,
        executions: venue.executions,
        resend: venue.recovered.length
      })
    )

    const accounts = yield* Peer.connect({
      transport: runtime.transport,
      address: addressOf(config.accounts.address),
      identity,
      key: accountsKey,
      name: "accounts"
    })
    const marketData = yield* Peer.connect({
      transport: runtime.transport,
      address: addressOf(config.marketData.address),
      identity,
      key: marketDataKey,
      name: "market-data"
    })

    // The protocol's callbacks run outside any fiber: they log through the runtime captured here.
    const runFork = Runtime.runFork(yield* Effect.runtime<never>())
    const log = (message: string, annotations: Record<string, unknown>) =>
      void runFork(Effect.logWarning(message).pipe(Effect.annotateLogs(annotations)))

    /**
     * Inputs applied whose reports and mark are not all answered yet (held for the journal, or sent and awaiting
     * their outcomes); lockstep waits for none before `Done`.
     */
    let unsettled = 0
    let onSettled: Array<() => void> = []
    /** What to do with an input's outgoing once durable: send it, and count the input settled once all is answered. */
    const sendAll = () => {
      unsettled++
      return (outgoing: ReadonlyArray<Outgoing>) => {
        let waiting = outgoing.length + 1
        const answered = () => {
          if (--waiting > 0 || --unsettled > 0) return
          const settled = onSettled
          onSettled = []
          for (const resume of settled) resume()
        }
        for (const body of outgoing) {
          metrics.sent(body._tag)
          accounts.request(body, (error, value) => {
            if (error !== undefined) log("accounts failed an input", { input: body._tag, error: String(error) })
            else {
              const outcome = value as { readonly _tag?: string; readonly reason?: string; readonly message?: string }
              // A refused report is a venue's fact the account did not book (a fee it cannot value, say): say so.
              if (outcome._tag === "Refused") {
                metrics.refused(body._tag, outcome.reason ?? "")
                if (body._tag !== "Mark") {
                  log("accounts refused a report", {
                    report: body._tag,
                    orderId: body.orderId,
                    reason: outcome.reason,
                    message: outcome.message
                  })
                }
              }
            }
            answered()
          })
        }
        answered()
      }
    }
    const settled = Effect.async<void>((resume) => {
      if (unsettled === 0) resume(Effect.void)
      else onSettled.push(() => resume(Effect.void))
    })

    // What a crash may have kept from the Accounts Service goes again; it ignores what it already has.
    sendAll()(venue.recovered)

    /** A report from the venue (or made by reconciliation): journaled as an input, then forwarded. */
    const report = (value: unknown) => {
      const skipped = venue.report(value, sendAll())
      if (skipped === undefined) metrics.report()
      else {
        metrics.skipped()
        log(skipped._tag === "Duplicate" ? "venue report duplicated" : "venue report skipped", {
          reason: skipped.message
        })
      }
    }
    if (connector._tag === "Venue") yield* connector.execution.reports(report)

    /** Reconciliation on start: ask the venue what it holds, resolve every difference by rule (`Reconcile.ts`). */
    const reconcile = Effect.gen(function* () {
      const since = fillsSince(venue.view)
      const [openOrders, fills, balances] = yield* Effect.all([
        venue.state.openOrders,
        since === undefined ? Effect.succeed([]) : venue.state.fillsSince(timestamp(since)),
        venue.state.balances
      ])
      const accountIds = [...new Set(balances.flatMap((b) => (b.accountId === undefined ? [] : [b.accountId])))]
      const values =
        accountIds.length === 0
          ? undefined
          : ((yield* accounts.call({ _tag: "AccountValues", accountIds })) as AccountValues)
      const cash = (accountId: string, currency: string) =>
        values?.accounts.find((a) => a.accountId === accountId)?.cash.find((c) => c.currency === currency)?.total
      const resolution = resolve(
        venue.view,
        { openOrders, fills, balances },
        cash,
        (yield* Clock.currentTimeMillis) * 1000
      )
      for (const made of resolution.reports) report(made)
      for (const command of resolution.resend) venue.resend(command)
      for (const difference of resolution.differences) {
        metrics.difference(difference.kind)
        yield* Effect.logWarning("reconciliation difference").pipe(Effect.annotateLogs({ ...difference }))
      }
      return resolution.differences
    })
    const reconciledAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const reconciliation: NonNullable<ServiceStatus["reconciliation"]> = yield* reconcile.pipe(
      // Only a venue that could not answer (or an Accounts Service call that failed) may answer later; a refusal
      // (credentials, a request the venue does not support) or an answer that does not decode fails at once.
      Effect.retry({
        times: 4,
        schedule: Schedule.exponential("500 millis"),
        while: (error) => !(error instanceof VenueStateError) || error.reason === "Unavailable"
      }),
      Effect.map((differences) => ({
        at: reconciledAt,
        outcome: differences.length === 0 ? ("agreed" as const) : ("resolved" as const),
        differences: differences.map((d) => ({ kind: d.kind, detail: d.detail }))
      })),
      Effect.catchAll((error) => {
        const message = (
          error instanceof VenueStateError ? `venue ${error.reason}: ${error.message}` : String(error)
        ).replace(/\s+/g, " ")
        return Effect.logError("reconciliation failed").pipe(
          Effect.annotateLogs({ error: message }),
          Effect.as({ at: reconciledAt, outcome: "failed" as const, differences: [], message })
        )
      }),
      Effect.withSpan("execution.reconcile")
    )
    yield* Effect.logInfo("execution service reconciled").pipe(
      Effect.annotateLogs({ outcome: reconciliation.outcome, differences: reconciliation.differences.length })
    )
    /** The last market data event whose outcomes are all back: what `Done` reports in lockstep. */
    let lastDone = venue.market

    /** Lockstep's wait for the venue commands up to a watermark; checked after each command. */
    let awaited: { readonly upTo: ReadonlyArray<number>; readonly resume: () => void } | undefined
    const reached = (upTo: ReadonlyArray<number>) => upTo.every((seq, shard) => (venue.executions[shard] ?? 0) >= seq)

    for (let shard = 0; shard < config.accounts.shards; shard++) {
      accounts.subscribe(
        `executions/${shard}`,
        venue.executions[shard]!,
        (seq, value) => {
          const skipped = venue.command(shard, seq, value, sendAll())
          if (skipped === undefined) metrics.command()
          else {
            metrics.skipped()
            log("venue command skipped", { shard, seq, reason: skipped.message })
          }
          if (awaited !== undefined && reached(awaited.upTo)) {
            const { resume } = awaited
            awaited = undefined
            resume()
          }
        },
        (error) => log("venue commands ended", { shard, error: error.message })
      )
    }

    const events = yield* Queue.unbounded<{ readonly seq: number; readonly value: unknown }>()
    marketData.subscribe(
      "market-data",
      venue.market,
      (seq, value) => Queue.unsafeOffer(events, { seq, value }),
      (error) => log("market data ended", { error: error.message })
    )

    const apply = (seq: number, value: unknown) => {
      const skipped = venue.marketData(seq, value, sendAll())
      if (skipped === undefined) metrics.marketData()
      else {
        metrics.skipped()
        log("market data event skipped", { seq, reason: skipped.message })
      }
    }

    const watermark: Effect.Effect<Watermark> = accounts.call({ _tag: "Watermark" }).pipe(
      Effect.map((value) => value as Watermark),
      Effect.tapError((error) =>
        Effect.logWarning("watermark failed").pipe(Effect.annotateLogs({ error: String(error) }))
      ),
      // The Accounts Service answers it at once; a failure is a server that cannot yet, so ask again.
      Effect.retry(Schedule.spaced("1 second")),
      Effect.orDie
    )

    /** One market data event through the barrier: commands up to the watermark, the venue, the outcomes, Done. */
    const lockstep = (seq: number, value: unknown) =>
      Effect.gen(function* () {
        const { executions } = yield* watermark
        if (!reached(executions)) {
          yield* Effect.async<void>((resume) => {
            awaited = { upTo: executions, resume: () => resume(Effect.void) }
          })
        }
        apply(seq, value)
        // Every outcome back, those of the venue commands' reports too: the account is settled for event `seq`.
        yield* settled
        lastDone = Math.max(lastDone, seq)
        marketData.send({ _tag: "Done", seq: lastDone })
      })

    // A participant that (re)connects says how far it got, so that the session goes on from there; after a
    // restart, once what the journal's replay produced is back from the Accounts Service.
    let ready = false
    const sayDone = () => {
      if (config.lockstep && ready && lastDone > 0) marketData.send({ _tag: "Done", seq: lastDone })
    }
    marketData.onConnect(sayDone)
    yield* settled.pipe(
      Effect.zipRight(
        Effect.sync(() => {
          ready = true
          sayDone()
        })
      ),
      Effect.zipRight(
        Queue.take(events).pipe(
          Effect.flatMap(({ seq, value }) =>
            config.lockstep ? lockstep(seq, value) : Effect.sync(() => apply(seq, value))
          ),
          Effect.forever
        )
      ),
      Effect.forkScoped
    )

    const server = yield* serve({
      transport: runtime.transport,
      address: addressOf(config.listen),
      identity,
      keys: (peer) => keys.get(peer),
      onRequest: (session, id, body) => {
        if (isStatusRequest(body)) session.reply(id, status())
        else session.fail(id, { _tag: "UnknownRequest", message: "the Execution Service answers Status only" })
      }
    })
    const status = (): ServiceStatus => ({
      service: "execution",
      instance: config.instance,
      region: config.region,
      version: coreVersion,
      startedAt,
      address: formatAddress(server.address),
      streams: [],
      sessions: sessionsOf(server),
      peers: [
        peerStatus(
          accounts,
          venue.executions.map((lastSeq, shard) => ({ topic: `executions/${shard}`, lastSeq }))
        ),
        peerStatus(marketData, [{ topic: "market-data", lastSeq: venue.market }])
      ],
      reconciliation
    })
    const metricsPort =
      config.metrics === undefined
        ? undefined
        : (yield* runtime.serveMetrics(config.metrics.host, config.metrics.port, metrics)).port
    yield* Effect.logInfo("execution service listening").pipe(
      Effect.annotateLogs({
        address: formatAddress(server.address),
        accounts: formatAddress(addressOf(config.accounts.address)),
        marketData: formatAddress(addressOf(config.marketData.address)),
        connector: kind,
        lockstep: config.lockstep,
        ...(metricsPort === undefined ? {} : { metrics: `${config.metrics!.host}:${metricsPort}` })
      })
    )
    return { address: server.address, metricsPort, status }
  })

/** Run the Execution Service described by `configFile` until interrupted. */
export const runExecution = (configFile: string, runtime: ExecutionRuntime) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const config = yield* loadConfig(configFile)
    // Never returns: the tracer's layer lives as long as the service.
    return yield* serveExecution(config, path.dirname(path.resolve(configFile)), runtime).pipe(
      Effect.zipRight(Effect.never),
      Effect.provide(tracingLayer(config.tracing, "meridian-execution", config.instance))
    )
  })
