/**
 * What `meridian up` runs: a paper-trading session of the four services on this machine — in this process (the
 * default) or one process each (`--processes`) — with the trade tape printed as it happens, until SIGINT or SIGTERM,
 * `--duration`, or the end of the replayed feed. For as long as the session runs, this process records its
 * accounts' NAV history in the central database (`NavRecorder`), panel or not.
 *
 * @since 0.1.0
 */
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, closeSync, openSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, resolve } from "node:path"
import { FileSystem, Path } from "@effect/platform"
import { Cause, Console, Context, Duration, Effect, Either, Layer, Logger, Option, ParseResult, Schema } from "effect"
import { databaseLayer } from "../../core/db/ChosenDatabase"
import type { DatabaseChoice } from "../../core/db/DatabaseChoice"
import * as NavHistory from "../../core/db/NavHistory"
import * as NavRecorder from "../../core/db/NavRecorder"
import * as Decimal from "../../core/domain/Decimal"
import type { AccountEvent } from "../../core/domain/Events"
import type { InstrumentSpecs } from "../../core/domain/InstrumentSpec"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import type { Position } from "../../core/domain/Portfolio"
import * as Peer from "../../core/live/Peer"
import type { ServiceStatus } from "../../core/live/ServiceStatus"
import { demo, SessionFile } from "../../core/live/session/SessionFile"
import { KEY_ENV, SERVICES, type ServiceName } from "../../core/live/session/SessionPlan"
import * as TradeTape from "../../core/live/session/TradeTape"
import { formatAddress } from "../../core/protocol/Transport"
import * as StaticDataSet from "../../core/staticdata/StaticDataSet"
import { fromPeer } from "../../site/portal/AccountsDesk"
import { nodeTransport } from "../node/NodeTransport"
import * as PanelDemo from "./PanelDemo"
import type { Addresses } from "./PanelHandlers"
import { runService } from "./ServicePrograms"
import {
  addressOf,
  configAddresses,
  copyStaticData,
  create,
  open,
  SessionError,
  type SessionFolder
} from "./SessionFolder"

export interface UpOptions extends DatabaseChoice, Addresses {
  readonly config: Option.Option<string>
  readonly session: Option.Option<string>
  readonly duration: Option.Option<number>
  readonly processes: boolean
  readonly stay: boolean
  /** Serve the Control Panel and the Client Portal too, and run until stopped (or `duration`). */
  readonly panel: boolean
}

/** The demo's instrument: S&P 500 daily bars, always open (the bars carry their own dates). */
const SPX = {
  effectiveFrom: "1990-01-01",
  id: "SPX.SIM",
  venue: "SIM",
  symbol: "SPX",
  assetClass: "equity",
  quoteCurrency: "USD",
  tickSize: "0.01",
  lotSize: "1",
  multiplier: "1",
  timezone: "America/New_York",
  sessions: []
}

/** Real daily S&P 500 bars (2000-2020) shipped by the vega-datasets package beside its build. */
const sp500 = () =>
  createRequire(import.meta.url)
    .resolve("vega-datasets")
    .replace(/build[/\\][^/\\]+$/, "data/sp500-2000.csv")

const readSessionFile = (file: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(file)
      .pipe(Effect.mapError((e) => new SessionError({ message: `${file}: ${e.message}` })))
    const json = yield* Effect.try({
      try: () => JSON.parse(text) as unknown,
      catch: (e) => new SessionError({ message: `${file}: not JSON (${e instanceof Error ? e.message : e})` })
    })
    return yield* decodeSessionFile(json, file)
  })

const decodeSessionFile = (json: unknown, where: string) =>
  Either.match(Schema.decodeUnknownEither(SessionFile)(json, { errors: "all" }), {
    onLeft: (error) =>
      Effect.fail(
        new SessionError({
          message: `${where}: ${ParseResult.ArrayFormatter.formatErrorSync(error)
            .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
            .join("; ")}`
        })
      ),
    onRight: Effect.succeed
  })

/** The demo's bars in the history, imported once from the CSV the demo backtest reads. */
const importDemoBars = (historyDir: string, staticDir: string) =>
  Effect.gen(function* () {
    const History = yield* Effect.promise(() => import("../../core/history/History"))
    const set = yield* StaticDataSet.load(staticDir)
    const instrument = set.instruments.find((i) => i.id === SPX.id)!
    const { effectiveFrom: _, ...plain } = instrument
    const spec = makeSpecs([plain], set.currencies).list[0]!
    yield* Effect.gen(function* () {
      const history = yield* History.History
      const catalog = yield* history.catalog
      if (catalog.some((entry) => entry.instrument === SPX.id)) return
      yield* history.importCsv({ kind: "bar", path: sp500(), spec, timezone: SPX.timezone, period: "1d" as never })
    }).pipe(Effect.provide(History.layer(historyDir)))
  })

/** JSON lines of the in-process services go to the session's log, not the terminal the tape prints on. */
const fileLogger = (file: string) => {
  const json = Logger.jsonLogger.pipe(Logger.map((line) => appendFileSync(file, `${line}\n`)))
  // The command line starts with the pretty logger in place of the default one: both go to the file.
  return Layer.merge(Logger.replace(Logger.prettyLoggerDefault, json), Logger.replace(Logger.defaultLogger, json))
}

/** A connection to a service of the session as the `cli` peer (`as` names the connection: one a purpose). */
const cliPeer = (session: SessionFolder, service: ServiceName, as = "up") =>
  Peer.connect({
    transport: nodeTransport,
    address: addressOf(session, service),
    identity: { service: "cli", instance: `${as}-${process.pid}` },
    key: session.env[KEY_ENV.cli]!,
    name: service,
    backoff: { initialMs: 20, maxMs: 250 }
  })

const waitConnected = (peer: Peer.Peer, session: SessionFolder) =>
  Effect.repeat(Effect.sleep(Duration.millis(20)), { until: () => peer.connected() }).pipe(
    Effect.timeoutFail({
      duration: Duration.seconds(60),
      onTimeout: () => new SessionError({ message: `${peer.name} did not start: see ${session.logs}` })
    })
  )

/** Each of `services` in a process of its own, its output in the session's logs; the scope's end stops them. */
const spawnServices = (session: SessionFolder, services: ReadonlyArray<ServiceName>) =>
  Effect.acquireRelease(
    Effect.sync(() =>
      services.map((service) => {
        const log = openSync(join(session.logs, `${service}.log`), "a")
        const child = spawn(
          process.execPath,
          [process.argv[1]!, "service", service, "--config", session.configs[service]],
          {
            env: { ...process.env, ...session.env },
            stdio: ["ignore", log, log]
          }
        )
        closeSync(log)
        return child
      })
    ),
    (children) =>
      Effect.promise(() =>
        Promise.all(
          children.map(
            (child: ChildProcess) =>
              new Promise<void>((done) => {
                if (child.exitCode !== null) return done()
                child.once("exit", () => done())
                child.kill("SIGTERM")
              })
          )
        )
      )
  )

/** Each of `services` as a fiber of this process; the scope's end interrupts them (their finalizers run). */
const runInProcess = (session: SessionFolder, services: ReadonlyArray<ServiceName>) =>
  Effect.gen(function* () {
    for (const [env, key] of Object.entries(session.env)) process.env[env] = key
    return yield* Effect.forEach(services, (service) =>
      Effect.forkScoped(
        runService(service, session.configs[service]).pipe(
          Effect.annotateLogs({ service }),
          Effect.tapErrorCause((cause) => Effect.logError(`${service} stopped`, cause))
        )
      )
    )
  })

export const up = (options: UpOptions) =>
  Effect.gen(function* () {
    const resumed = Option.isSome(options.session)
    const session: SessionFolder = resumed
      ? yield* open(options.session.value)
      : yield* Effect.gen(function* () {
          const file = Option.isSome(options.config)
            ? yield* readSessionFile(options.config.value)
            : yield* decodeSessionFile(demo, "the demo session")
          const base = Option.isSome(options.config) ? dirname(resolve(options.config.value)) : process.cwd()
          const shipped = yield* StaticDataSet.shippedDir.pipe(Effect.orDie)
          const folder = yield* create(file, base, (dir) =>
            file.staticData !== undefined
              ? resolve(base, file.staticData)
              : Option.isNone(options.config)
                ? copyStaticData(shipped, dir, [SPX])
                : shipped
          )
          if (Option.isNone(options.config))
            yield* importDemoBars(resolve(base, file.history), join(folder.dir, "static"))
          return folder
        })
    const file = yield* readSessionFile(join(session.dir, "session.json"))
    yield* Console.log(
      `Meridian session ${session.id}: paper trading ${file.strategies.map((s) => `${s.id} (${s.strategy})`).join(", ")} on ${file.instruments.join(", ")}, ${typeof file.pace === "string" ? file.pace : `${file.pace.speed}x`}`
    )

    yield* runSession(session, file, options).pipe(Effect.provide(fileLogger(join(session.logs, "session.log"))))
  })

/** Start the session's services, print where they listen and the trade tape, and stop when the session ends. */
const runSession = (session: SessionFolder, file: SessionFile, options: UpOptions) =>
  Effect.gen(function* () {
    const path = yield* Path.Path
    const start = (services: ReadonlyArray<ServiceName>) =>
      options.processes ? spawnServices(session, services) : runInProcess(session, services)
    const connected = (service: ServiceName, as?: string) =>
      Effect.tap(cliPeer(session, service, as), (peer) => waitConnected(peer, session))

    const database = options.panel ? Option.some(yield* PanelDemo.openDatabase(options)) : Option.none()
    // Opened here before the Accounts Service starts, as the panel's is (see PanelDemo.openDatabase).
    const navHistory = Option.isSome(database)
      ? yield* database.value.run(NavHistory.NavHistory)
      : yield* Effect.map(Layer.build(Layer.provide(NavHistory.layer, databaseLayer(options))), (context) =>
          Context.get(context, NavHistory.NavHistory)
        )
    // The account is funded before the other services start, as a backtest's is before its first event: a strategy
    // that acted first would be refused for want of funds, and the deposit skipped since the account had events.
    yield* start(["accounts"])
    const accounts = yield* connected("accounts")
    // The NAV history follows the session from its first event, on a connection of its own.
    yield* NavRecorder.start(fromPeer(yield* connected("accounts", "nav")), navHistory)
    const watermark = (yield* accounts.call({ _tag: "Watermark" })) as { events: ReadonlyArray<number> }
    const specs = yield* sessionSpecs(session)
    if (watermark.events[0] === 0) yield* deposit(accounts, file, specs)
    // Before the feed starts: the live page and the portal's NAV history follow the session from its first event.
    const panel = Option.isSome(database)
      ? Option.some(yield* PanelDemo.start(options, database.value, session, file))
      : Option.none()
    const others = SERVICES.filter((service) => service !== "accounts")
    yield* start(others)
    const [marketData] = yield* Effect.forEach(others, (service) => connected(service))
    const listening = SERVICES.map((service) => {
      const { listen, metrics } = configAddresses(session, service)
      return `  ${service.padEnd(12)} ${formatAddress(listen).padEnd(24)} ${metrics ?? ""}`
    })
    yield* Console.log(`${listening.join("\n")}\n  logs         ${path.relative(process.cwd(), session.logs)}\n`)

    const tape = TradeTape.make(specs, specs.byId.get(file.instruments[0])?.instrument.timezone ?? "UTC")
    const summary = makeSummary()
    accounts.subscribe("events/0", watermark.events[0] ?? 0, (_, value) => {
      const event = value as AccountEvent
      summary.add(event)
      const line = tape.line(event)
      if (line !== undefined) console.log(line)
    })

    const started = Date.now()
    const limitMs = Option.match(options.duration, { onNone: () => Number.POSITIVE_INFINITY, onSome: (s) => s * 1000 })
    const timeUp = () => Date.now() - started >= limitMs
    const replayed = () => feedFinished(marketData!) && Date.now() - summary.lastEventAt() > 1_000
    const until = (done: () => boolean) => Effect.repeat(Effect.sleep(Duration.millis(250)), { until: done })
    if (Option.isNone(panel)) {
      // The session ends at --duration, or once the replay is through and the account has been quiet for a second.
      yield* until(() => timeUp() || (!options.stay && replayed()))
      return yield* Console.log(`\n${summary.text(specs, session.id)}`)
    }
    // With the panel: the summary once the replay is through, its report in the panel, then serving until stopped.
    yield* until(() => timeUp() || replayed())
    yield* Console.log(`\n${summary.text(specs, session.id)}`)
    if (timeUp()) return
    yield* PanelDemo.backtestSession(panel.value, file).pipe(
      Effect.catchAllCause((cause) => Console.log(`  no report of the session: ${Cause.squash(cause)}`))
    )
    yield* Console.log(
      `\nThe Control Panel and the Client Portal keep serving ${options.duration._tag === "Some" ? `until ${options.duration.value} s have passed` : "until Ctrl-C"} (${panel.value.served.panel})`
    )
    yield* until(timeUp)
  }).pipe(Effect.scoped)

/** Whether the Market Data Service said its replay is through (asked in the background, answered on the next poll). */
const finishedFeeds = new WeakMap<Peer.Peer, boolean>()
const feedFinished = (peer: Peer.Peer): boolean => {
  peer.request({ _tag: "Status" }, (error, value) => {
    if (error === undefined) finishedFeeds.set(peer, (value as ServiceStatus).feed?.finished === true)
  })
  return finishedFeeds.get(peer) === true
}

/** The static data of the session's services, as the Accounts Service's configuration names it. */
const sessionSpecs = (session: SessionFolder) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const config = JSON.parse(yield* fs.readFileString(session.configs.accounts)) as { staticData: string }
    const set = yield* StaticDataSet.load(resolve(session.dir, config.staticData))
    const latest = new Map(set.instruments.map(({ effectiveFrom: _, ...instrument }) => [instrument.id, instrument]))
    return makeSpecs([...latest.values()], set.currencies)
  })

/** The session's initial deposit, dated at its start (`from`, or the epoch) so the feed clock never goes back. */
const deposit = (accounts: Peer.Peer, file: SessionFile, specs: InstrumentSpecs) =>
  Effect.gen(function* () {
    const { account } = file
    const amount = yield* Either.match(
      Decimal.toUnits(
        account.deposit,
        Decimal.minorIncrement(specs.currencies.get(account.baseCurrency)?.decimals ?? 2)
      ),
      {
        onLeft: (e) => Effect.fail(new SessionError({ message: `account.deposit: ${e.message}` })),
        onRight: Effect.succeed
      }
    )
    const outcome = (yield* accounts
      .call({
        _tag: "Deposit",
        accountId: account.id,
        currency: account.baseCurrency,
        amount,
        reference: "initial deposit",
        // Resent after a lost answer, it is answered, not booked again.
        requestId: `${file.account.id}:initial-deposit`,
        ts: file.from === undefined ? 0 : Date.parse(file.from) * 1000
      })
      .pipe(
        Effect.mapError((e) => new SessionError({ message: `the deposit failed: ${JSON.stringify(e.error)}` }))
      )) as {
      _tag: string
      message?: string
    }
    if (outcome._tag === "Refused")
      return yield* new SessionError({ message: `the deposit was refused: ${outcome.message}` })
  })

/** Counts and last state of the session's account, for the closing summary. */
const makeSummary = () => {
  let orders = 0
  let fills = 0
  let rejected = 0
  let lastAt = Date.now()
  const positions = new Map<string, Position>()
  const cash = new Map<string, number>()
  return {
    add: (event: AccountEvent) => {
      lastAt = Date.now()
      if (event._tag === "OrderSubmitted") orders++
      else if (event._tag === "OrderFilled") fills++
      else if (event._tag === "OrderRejected") rejected++
      else if (event._tag === "PositionChanged") positions.set(event.position.instrumentId, event.position)
      else if (event._tag === "CashChanged") cash.set(event.currency, event.balance.total)
    },
    lastEventAt: () => lastAt,
    text: (specs: InstrumentSpecs, id: string) => {
      const money = (currency: string, minor: number) =>
        `${Decimal.fromUnits(minor, Decimal.minorIncrement(specs.currencies.get(currency as never)?.decimals ?? 2))} ${currency}`
      const lines = [`Session ${id}: ${orders} orders, ${fills} fills, ${rejected} rejected`]
      for (const position of positions.values()) {
        lines.push(
          `  ${position.instrumentId} position ${position.quantity}, realized PnL ${money(position.currency, position.realizedPnl - position.fees)} after fees`
        )
      }
      for (const [currency, total] of cash) lines.push(`  cash ${money(currency, total)}`)
      lines.push(`Replay it as a backtest and compare: npx meridian parity ${id}`)
      return lines.join("\n")
    }
  }
}
