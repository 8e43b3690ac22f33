/**
 * A session's folder under `.meridian/sessions/<id>`: the four services' configurations, the keys they
 * authenticate with (`keys.json`, readable by its owner only), static data, journals, recorded market data and
 * logs. `meridian up` creates one; `meridian up --session <id>`, `meridian status` and `meridian parity` open it.
 *
 * @since 0.1.0
 */
import { randomBytes } from "node:crypto"
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Duration, Effect, Schema } from "effect"
import type { ServiceStatus } from "../../core/live/ServiceStatus"
import type { SessionFile } from "../../core/live/session/SessionFile"
import { KEY_ENV, plan, SERVICES, type ServiceName } from "../../core/live/session/SessionPlan"
import { connect } from "../../core/protocol/Protocol"
import type { Address } from "../../core/protocol/Transport"
import { tcp, unix } from "../../core/protocol/Transport"
import { nodeTransport } from "../node/NodeTransport"
import { freePort as choosePort } from "./FreePort"

export const SESSIONS_ROOT = ".meridian/sessions"

export class SessionError extends Schema.TaggedError<SessionError>()("SessionError", { message: Schema.String }) {}

export interface SessionFolder {
  readonly id: string
  readonly dir: string
  /** Each service's configuration file. */
  readonly configs: Readonly<Record<ServiceName, string>>
  /** The environment that carries the keys (`KEY_ENV` names). */
  readonly env: Readonly<Record<string, string>>
  readonly logs: string
}

const configsOf = (dir: string) =>
  Object.fromEntries(SERVICES.map((service) => [service, join(dir, `${service}.json`)])) as Record<ServiceName, string>

const mapNonEmpty = <A, B>(list: readonly [A, ...Array<A>], f: (a: A) => B): [B, ...Array<B>] => [
  f(list[0]),
  ...list.slice(1).map(f)
]

/** A free TCP port on loopback (`FreePort`: below the system's ephemeral range). */
const freePort = Effect.tryPromise({
  try: choosePort,
  catch: (e) => new SessionError({ message: `no free port: ${e instanceof Error ? e.message : String(e)}` })
})

/** Session ids sort by creation: the UTC time, to the second. */
const newId = () => new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)

/**
 * A new session folder for `file` (relative paths in it are relative to `base`); `staticData` gives the static data
 * folder (absolute) for the session's folder.
 */
export const create = (file: SessionFile, base: string, staticDataFor: (dir: string) => string) =>
  Effect.gen(function* () {
    let id = newId()
    while (existsSync(resolve(SESSIONS_ROOT, id))) id = `${id}-${randomBytes(2).toString("hex")}`
    const dir = resolve(SESSIONS_ROOT, id)
    mkdirSync(join(dir, "logs"), { recursive: true })
    const host = "127.0.0.1"
    const ports = {
      accounts: yield* freePort,
      "market-data": yield* freePort,
      execution: yield* freePort,
      strategies: yield* freePort
    }
    const metricsPorts = {
      accounts: yield* freePort,
      "market-data": yield* freePort,
      execution: yield* freePort,
      strategies: yield* freePort
    }
    const { deposit: _, ...account } = file.account
    const configs = plan({
      host,
      ports,
      metricsPorts,
      staticData: staticDataFor(dir),
      history: resolve(base, file.history),
      instruments: file.instruments,
      pace: file.pace,
      account,
      strategies: mapNonEmpty(file.strategies, (s) => ({
        ...s,
        // A strategy sees the session's instruments unless it names its own.
        instruments: s.instruments ?? file.instruments,
        // A strategy given as a path is found from the session file's folder, not the session's.
        strategy: /[/\\]/.test(s.strategy) ? resolve(base, s.strategy) : s.strategy
      })),
      connector: file.connector,
      // The session's orders, fills and positions land in the same embedded database as backtest runs.
      database: { embedded: resolve(".meridian/db") },
      ...(file.from === undefined ? {} : { from: file.from }),
      ...(file.to === undefined ? {} : { to: file.to })
    })
    const files = configsOf(dir)
    for (const service of SERVICES) writeFileSync(files[service], `${JSON.stringify(configs[service], null, 2)}\n`)
    const keys = Object.fromEntries(
      Object.values(KEY_ENV).map((env) => [env, randomBytes(24).toString("base64url")] as const)
    )
    writeFileSync(join(dir, "keys.json"), `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 })
    writeFileSync(join(dir, "session.json"), `${JSON.stringify(file, null, 2)}\n`)
    return { id, dir, configs: files, env: keys, logs: join(dir, "logs") } satisfies SessionFolder
  })

/** The session `id` (or the latest one when undefined). */
export const open = (id: string | undefined) =>
  Effect.gen(function* () {
    const root = resolve(SESSIONS_ROOT)
    const ids = existsSync(root) ? readdirSync(root).sort() : []
    const chosen = id ?? ids.at(-1)
    if (chosen === undefined)
      return yield* new SessionError({ message: `no session in ${SESSIONS_ROOT}: run meridian up` })
    const dir = resolve(root, chosen)
    if (!existsSync(join(dir, "keys.json"))) {
      return yield* new SessionError({ message: `no session ${chosen} in ${SESSIONS_ROOT}` })
    }
    const env = JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as Record<string, string>
    return { id: chosen, dir, configs: configsOf(dir), env, logs: join(dir, "logs") } satisfies SessionFolder
  })

/** Where a service of the session listens, from its configuration. */
export const addressOf = (session: SessionFolder, service: ServiceName): Address =>
  configAddresses(session, service).listen

/** Where a service of the session listens, and serves its metrics when it does. */
export const configAddresses = (session: SessionFolder, service: ServiceName) => {
  const config = JSON.parse(readFileSync(session.configs[service], "utf8")) as {
    listen: { host: string; port: number } | { path: string }
    metrics?: { host: string; port: number }
  }
  return {
    listen: "path" in config.listen ? unix(config.listen.path) : tcp(config.listen.host, config.listen.port),
    metrics: config.metrics === undefined ? undefined : `http://${config.metrics.host}:${config.metrics.port}/metrics`
  }
}

/** Copy the static data folder `from` into the session, adding `instruments` it lacks (the demo's SPX.SIM). */
export const copyStaticData = (from: string, dir: string, extra: ReadonlyArray<Record<string, unknown>>) => {
  const to = join(dir, "static")
  cpSync(from, to, { recursive: true })
  const file = join(to, "instruments.json")
  const instruments = JSON.parse(readFileSync(file, "utf8")) as Array<{ id: string }>
  for (const instrument of extra)
    if (!instruments.some((i) => i.id === instrument.id)) instruments.push(instrument as never)
  writeFileSync(file, `${JSON.stringify(instruments, null, 2)}\n`)
  return to
}

/** A service's status, asked as the `cli` peer `instance`; none when it does not answer within two seconds. */
export const askStatus = (session: SessionFolder, service: ServiceName, instance: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const client = yield* connect({
        transport: nodeTransport,
        address: addressOf(session, service),
        identity: { service: "cli", instance },
        key: session.env[KEY_ENV.cli]!,
        connectTimeoutMs: 2_000
      })
      return (yield* client.call({ _tag: "Status" })) as ServiceStatus
    })
  ).pipe(Effect.timeout(Duration.seconds(2)), Effect.option)
