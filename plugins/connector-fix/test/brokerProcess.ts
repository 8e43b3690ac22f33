/**
 * The broker simulator as the tests run it: a separate Node process on loopback, its control channel over HTTP,
 * stopped (SIGTERM, then SIGKILL) when the scope closes.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { join } from "node:path"
import * as Decimal from "@meridian/core/domain/Decimal"
import { Duration, Effect } from "effect"
import type { BrokerRecord } from "../../fix-broker-simulator/src/BrokerSimulator"

const root = join(import.meta.dirname, "..", "..", "..")

/** A port free a moment ago (the simulator's FIX port must be named up front). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

export interface BrokerProcess {
  readonly fixPort: number
  readonly child: ChildProcess
  /** A top of book of `size` lots a side (default 1,000). */
  readonly quote: (instrumentId: string, ts: number, bid: string, ask: string, size?: string) => Promise<void>
  readonly record: () => Promise<BrokerRecord>
  readonly inject: (body: Record<string, unknown>) => Promise<void>
  readonly stop: () => Promise<void>
  /** What the process wrote to stderr. */
  readonly stderr: () => string
}

/** Starts the simulator; resolves once it printed its ports. */
export const startBroker = async (
  args: ReadonlyArray<string> = [],
  env: Record<string, string> = {}
): Promise<BrokerProcess> => {
  const fixPort = await freePort()
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(root, "plugins/fix-broker-simulator/src/main.ts"), "--port", String(fixPort), ...args],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] }
  )
  let err = ""
  child.stderr!.on("data", (c: Buffer) => {
    err += c.toString()
  })
  const controlPort = await new Promise<number>((resolve, reject) => {
    let out = ""
    const timer = setTimeout(() => reject(new Error(`the simulator did not start in 60 s: ${err}`)), 60_000)
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString()
      const line = out.split("\n")[0]
      if (out.includes("\n") && line !== undefined) {
        clearTimeout(timer)
        resolve((JSON.parse(line) as { controlPort: number }).controlPort)
      }
    })
    child.once("exit", (code) => {
      clearTimeout(timer)
      reject(new Error(`the simulator exited with ${code}: ${err}`))
    })
  })
  const base = `http://127.0.0.1:${controlPort}`
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: "POST", body: JSON.stringify(body) })
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  }
  return {
    fixPort,
    child,
    quote: (instrumentId, ts, bid, ask, size = "1000") =>
      post("/quote", { instrumentId, ts, bid, ask, bidSize: size, askSize: size }),
    record: async () => (await (await fetch(`${base}/record`)).json()) as BrokerRecord,
    inject: (body) => post("/inject", body),
    stderr: () => err,
    stop: () => stopChild(child)
  }
}

/** SIGTERM, then SIGKILL after 3 s; resolves once the process is gone. */
export const stopChild = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill("SIGKILL"), 3_000)
    child.once("exit", () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill("SIGTERM")
  })

/** The simulator for the length of a scope. */
export const brokerScoped = (args?: ReadonlyArray<string>, env?: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.promise(() => startBroker(args, env)),
    (broker) => Effect.promise(() => broker.stop())
  )

/** Ticks of a 0.01 tick as the decimal a quote carries. */
export const cents = (ticks: number): string => Decimal.fromUnits(ticks, { text: "0.01", mantissa: 1n, scale: 2 })

/**
 * Polls `progress` every 20 ms until `done` holds of it, for as long as it keeps changing: a slow machine only makes
 * the wait longer, a stuck session fails it once nothing changed for `stall`, naming where it stood.
 */
export const whileProgressing = <A>(progress: () => Promise<A>, done: (a: A) => boolean, stall: Duration.Duration) =>
  Effect.gen(function* () {
    let last = ""
    let changedAt = Date.now()
    for (;;) {
      const value = yield* Effect.promise(progress)
      if (done(value)) return value
      const now = JSON.stringify(value)
      if (now !== last) [last, changedAt] = [now, Date.now()]
      else if (Date.now() - changedAt > Duration.toMillis(stall)) {
        return yield* Effect.die(new Error(`no progress for ${Duration.format(stall)}: ${now}`))
      }
      yield* Effect.sleep(Duration.millis(20))
    }
  })

/** Polls `check` every 20 ms until it holds, for at most `timeout`. */
export const eventually = <A>(check: () => Promise<A | undefined> | A | undefined, timeout = Duration.seconds(30)) =>
  Effect.gen(function* () {
    const deadline = Date.now() + Duration.toMillis(timeout)
    for (;;) {
      const value = yield* Effect.promise(async () => check())
      if (value !== undefined) return value
      if (Date.now() > deadline) return yield* Effect.die(new Error("condition not met in time"))
      yield* Effect.sleep(Duration.millis(20))
    }
  })
