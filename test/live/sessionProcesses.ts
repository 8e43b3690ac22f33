/**
 * A session of the four live services as the cross-service tests run it: a small history and static data in a
 * temporary folder, the services' configurations planned by `SessionPlan.plan`, each service in its own process
 * (`meridian service <name> --config <file>`, on Node or Bun), and `cli` clients on loopback. Every process and
 * folder is removed by `cleanUpSessions`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Duration, Effect, ExecutionStrategy, Exit, Logger, LogLevel, Scope } from "effect"
import { BarBuilder } from "../../core/data/Columns"
import type { AccountEvent } from "../../core/domain/Events"
import type { InstrumentId } from "../../core/domain/Ids"
import { History, layer as historyLayer } from "../../core/history/History"
import type { ServiceStatus } from "../../core/live/ServiceStatus"
import { KEY_ENV, plan, SERVICES, type ServiceName } from "../../core/live/session/SessionPlan"
import { type Client, connect } from "../../core/protocol/Protocol"
import { tcp } from "../../core/protocol/Transport"
import { freePort } from "../../runtimes/cli/FreePort"
import { copyStaticData } from "../../runtimes/cli/SessionFolder"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import { runtimes } from "./serviceProcess"

const root = join(import.meta.dirname, "..", "..")

/** The session's instrument: always open (no sessions), so that daily bars trade whatever their dates. */
export const INSTRUMENT = "TST.SIM" as InstrumentId
const INSTRUMENT_SPEC = {
  effectiveFrom: "2000-01-01",
  id: INSTRUMENT,
  venue: "SIM",
  symbol: "TST",
  assetClass: "equity",
  quoteCurrency: "USD",
  tickSize: "0.01",
  lotSize: "1",
  multiplier: "1",
  timezone: "America/New_York",
  sessions: []
}
export const ACCOUNT = "PAPER-1"
/** The number of daily bars replayed by default: one market data event each. */
export const BARS = 120
/** The deposit, in cents. */
export const DEPOSIT = 10_000_000

const DAY = 86_400_000_000
const START = Date.UTC(2024, 0, 1) * 1000

/**
 * Closes on a 24-bar wave around 100.00 (in ticks): the 3-bar average crosses the 8-bar one up and down about
 * every 12 bars, so the long-only crossover buys and sells several times in `BARS` bars.
 */
const close = (i: number) => 10_000 + Math.round(1_500 * Math.sin((2 * Math.PI * i) / 24))

const writeHistory = (dir: string, count: number) =>
  Effect.gen(function* () {
    const history = yield* History
    const bars = new BarBuilder()
    for (let i = 0; i < count; i++) {
      const c = close(i)
      const o = close(i - 1)
      bars.add(START + i * DAY, 0, DAY, o, Math.max(o, c) + 50, Math.min(o, c) - 50, c, 1_000)
    }
    yield* history.writeMany([INSTRUMENT], bars.build())
  }).pipe(Effect.provide(historyLayer(dir)), Effect.provide(NodeContext.layer))

/** Where the Accounts Service projects its events. */
export type Projection = { readonly _tag: "Embedded" } | { readonly _tag: "Server"; readonly url: string }
/**
 * A session's projection, or none: a test that reads only the account's event stream need not pay for a database
 * (an embedded one costs its Accounts Service 3-7 s of CPU to open, and a write per event).
 */
export type SessionProjection = Projection | { readonly _tag: "None" }

export interface SessionFiles {
  readonly dir: string
  /** The bars the session replays. */
  readonly bars: number
  readonly configs: Readonly<Record<ServiceName, string>>
  readonly ports: Readonly<Record<ServiceName, number>>
  readonly env: Readonly<Record<string, string>>
  /** The embedded database's folder, when the projection is embedded. */
  readonly embedded: string
}

const dirs: Array<string> = []
const children = new Set<ChildProcess>()

/** Kill what is still running and remove the folders. */
export const cleanUpSessions = (): void => {
  for (const child of children) child.kill("SIGKILL")
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}

/** A new session folder: `bars` bars of history, static data, the four configurations and the keys' environment. */
export const sessionFiles = (projection: SessionProjection, bars = BARS) =>
  Effect.gen(function* () {
    const dir = mkdtempSync(join(tmpdir(), "meridian-session-"))
    dirs.push(dir)
    yield* writeHistory(join(dir, "history"), bars)
    copyStaticData(join(root, "core", "staticdata", "data"), dir, [INSTRUMENT_SPEC])
    const ports = {} as Record<ServiceName, number>
    for (const service of SERVICES) ports[service] = yield* Effect.promise(freePort)
    const configs = plan({
      host: "127.0.0.1",
      ports,
      staticData: "static",
      history: "history",
      instruments: [INSTRUMENT],
      pace: "lockstep",
      account: { id: ACCOUNT, name: "Paper", kind: "cash", baseCurrency: "USD" },
      strategies: [
        {
          id: "sma-1",
          strategy: "sma-cross",
          params: { instrument: INSTRUMENT, fast: 3, slow: 8, sizing: "qty:10" },
          account: ACCOUNT
        }
      ],
      connector: { sim: { barFill: "next-open", commission: "0.001" } }
    })
    const database =
      projection._tag === "None"
        ? {}
        : {
            database:
              projection._tag === "Embedded"
                ? { embedded: "db" }
                : { url: { env: "MERIDIAN_TEST_SESSION_DATABASE_URL" } }
          }
    const files = {} as Record<ServiceName, string>
    for (const service of SERVICES) {
      files[service] = join(dir, `${service}.json`)
      const config = service === "accounts" ? { ...configs.accounts, ...database } : configs[service]
      writeFileSync(files[service], JSON.stringify(config, null, 2))
    }
    const env: Record<string, string> = {
      [KEY_ENV.strategies]: "strategies-key",
      [KEY_ENV.execution]: "execution-key",
      [KEY_ENV.cli]: "cli-key",
      MERIDIAN_TEST_SESSION_DATABASE_URL: projection._tag === "Server" ? projection.url : ""
    }
    return { dir, bars, configs: files, ports, env, embedded: join(dir, "db") } satisfies SessionFiles
  })

const LISTENING: Record<ServiceName, string> = {
  accounts: '"accounts service listening"',
  "market-data": '"market data service listening"',
  execution: '"execution service listening"',
  strategies: '"strategies service listening"'
}

/** Start `service` of the session; resolves once it logs that it listens. Its output goes to `logs/<service>.log`. */
export const startService = (runtime: keyof typeof runtimes, files: SessionFiles, service: ServiceName) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const [command, ...args] = runtimes[runtime]
    const child = spawn(command, [...args, "service", service, "--config", files.configs[service]], {
      cwd: root,
      env: { ...process.env, ...files.env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    child.on("exit", () => children.delete(child))
    const log = join(files.dir, `${service}.log`)
    let output = ""
    let listening = false
    const timer = setTimeout(() => reject(new Error(`${service} did not start: ${output}`)), 120_000)
    const take = (chunk: Buffer) => {
      // Output can still arrive after `cleanUpSessions` removed the folder.
      if (existsSync(files.dir)) appendFileSync(log, chunk)
      if (listening) return
      output += chunk.toString()
      if (!output.includes(LISTENING[service])) return
      listening = true
      output = ""
      clearTimeout(timer)
      resolve(child)
    }
    child.stdout!.on("data", take)
    child.stderr!.on("data", take)
    child.on("exit", (code, signal) => {
      if (!listening) reject(new Error(`${service} exited (${code ?? signal}): ${output}`))
    })
  })

/** Stop with `signal` and wait until the process is gone. */
export const stopService = (child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill(signal)
  })

/** A `cli` client of the session's `service`, for as long as the scope lives. */
export const cliClient = (files: SessionFiles, service: ServiceName): Effect.Effect<Client, unknown, Scope.Scope> =>
  connect({
    transport: nodeTransport,
    address: tcp("127.0.0.1", files.ports[service]),
    identity: { service: "cli", instance: "session-test" },
    key: files.env[KEY_ENV.cli]!,
    connectTimeoutMs: 30_000
    // Its connection logs (one per poll) would bury the test's output.
  }).pipe(Logger.withMinimumLogLevel(LogLevel.Error))

/** The session's deposit, dated at the epoch so that the feed clock never goes back (as `meridian up` does). */
export const deposit = (accounts: Client) =>
  accounts.call({
    _tag: "Deposit",
    accountId: ACCOUNT,
    currency: "USD",
    amount: DEPOSIT,
    reference: "initial deposit",
    ts: 0
  })

const status = (client: Client) => Effect.map(client.call({ _tag: "Status" }), (s) => s as ServiceStatus)

/**
 * How to ask for the last event the Market Data Service published (0 while it does not answer: it may be
 * restarting), through one connection kept while it stays open and made again once the service restarted: polled
 * every few milliseconds, a connection per poll cost a handshake and a log line on each side each time.
 */
export const publishedWatch = (files: SessionFiles): Effect.Effect<Effect.Effect<number>, never, Scope.Scope> =>
  Effect.gen(function* () {
    const outer = yield* Effect.scope
    let current: { readonly client: Client; readonly scope: Scope.CloseableScope } | undefined
    const connected = Effect.gen(function* () {
      if (current?.client.isOpen()) return current.client
      if (current !== undefined) yield* Scope.close(current.scope, Exit.void)
      current = undefined
      const scope = yield* Scope.fork(outer, ExecutionStrategy.sequential)
      const client = yield* cliClient(files, "market-data").pipe(
        Scope.extend(scope),
        Effect.tapError(() => Scope.close(scope, Exit.void))
      )
      current = { client, scope }
      return client
    })
    return Effect.flatMap(connected, status).pipe(
      Effect.map((s) => s.streams.find((stream) => stream.topic === "market-data")?.lastSeq ?? 0),
      Effect.orElseSucceed(() => 0)
    )
  })

/** How far the Strategies Service processed the market data (its `market-data/settled` follower). */
const strategiesProcessed = (s: ServiceStatus): number =>
  Math.max(
    0,
    ...s.peers.flatMap((peer) => peer.following.map((f) => (f.topic.startsWith("market-data") ? f.lastSeq : 0)))
  )

/**
 * Wait until the strategies processed every bar and the account has been quiet for a while: the orders sent for the
 * last bar are answered then. Each client is a fresh connection per poll, so a restarting service is only waited for.
 */
export const untilSettled = (files: SessionFiles) =>
  Effect.gen(function* () {
    let last = -1
    let quietSince = Date.now()
    for (;;) {
      const processed = yield* Effect.scoped(Effect.flatMap(cliClient(files, "strategies"), status)).pipe(
        Effect.map(strategiesProcessed),
        Effect.orElseSucceed(() => 0)
      )
      const watermark = yield* Effect.scoped(
        Effect.flatMap(cliClient(files, "accounts"), (c) => c.call({ _tag: "Watermark" }))
      ).pipe(
        Effect.map((w) => (w as { events: ReadonlyArray<number> }).events[0] ?? 0),
        Effect.orElseSucceed(() => -1)
      )
      if (watermark !== last) {
        last = watermark
        quietSince = Date.now()
      }
      if (processed >= files.bars && Date.now() - quietSince > 3_000) return
      yield* Effect.sleep(Duration.millis(250))
    }
  })

/** Every account event up to the Accounts Service's watermark now. */
export const accountEvents = (files: SessionFiles) =>
  Effect.scoped(
    Effect.gen(function* () {
      const accounts = yield* cliClient(files, "accounts")
      const { events } = (yield* accounts.call({ _tag: "Watermark" })) as { events: ReadonlyArray<number> }
      const through = events[0] ?? 0
      return yield* Effect.async<Array<AccountEvent>>((resume) => {
        const received: Array<AccountEvent> = []
        if (through === 0) return resume(Effect.succeed(received))
        const subscription = accounts.subscribe("events/0", 0, (seq, value) => {
          received.push(value as AccountEvent)
          if (seq >= through) {
            subscription.unsubscribe()
            resume(Effect.succeed(received))
          }
        })
        return Effect.sync(subscription.unsubscribe)
      })
    })
  )

/** The fills of `events`, as the account booked them. */
export const fillsOf = (events: ReadonlyArray<AccountEvent>) =>
  events.flatMap((e) =>
    e._tag === "OrderFilled"
      ? [
          {
            clientOrderId: e.fill.clientOrderId,
            tradeId: e.fill.tradeId,
            side: e.fill.side,
            quantity: e.fill.quantity,
            price: e.fill.price,
            fee: e.fill.fee
          }
        ]
      : []
  )

/** The account's last position quantity and cash in `events`. */
export const finalState = (events: ReadonlyArray<AccountEvent>) => ({
  position: events.findLast((e) => e._tag === "PositionChanged")?.position.quantity ?? 0,
  cash: events.findLast((e) => e._tag === "CashChanged")?.balance.total ?? 0
})

/** The running services of a session, by name; `restart` kills one with SIGKILL and starts it again. */
export interface RunningSession {
  readonly files: SessionFiles
  readonly children: Map<ServiceName, ChildProcess>
  readonly restart: (service: ServiceName) => Promise<void>
  /** Stop every service gracefully (the Accounts Service last, so that its projection is complete). */
  readonly stop: () => Promise<void>
}

/** Start the four services in the plan's order and deposit the session's cash. */
export const startSession = (runtime: keyof typeof runtimes, files: SessionFiles) =>
  Effect.gen(function* () {
    const running = new Map<ServiceName, ChildProcess>()
    running.set("accounts", yield* Effect.promise(() => startService(runtime, files, "accounts")))
    // Cash first: the replay starts as soon as its participants connect, and an order before the deposit is refused.
    const outcome = yield* Effect.scoped(Effect.flatMap(cliClient(files, "accounts"), deposit))
    if ((outcome as { _tag: string })._tag !== "Accepted") throw new Error(`deposit: ${JSON.stringify(outcome)}`)
    for (const service of SERVICES.slice(1))
      running.set(service, yield* Effect.promise(() => startService(runtime, files, service)))
    const session: RunningSession = {
      files,
      children: running,
      restart: async (service) => {
        await stopService(running.get(service)!, "SIGKILL")
        running.set(service, await startService(runtime, files, service))
      },
      stop: async () => {
        for (const service of [...SERVICES].reverse()) await stopService(running.get(service)!)
      }
    }
    return session
  })
