/**
 * `meridian service accounts` as the live tests run it: a configuration in a temporary folder, the service in its
 * own process (Node or Bun), protocol clients on loopback. Every process and folder is removed by `cleanUp`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { type Client, connect } from "../../core/protocol/Protocol"
import { tcp } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"

const root = join(import.meta.dirname, "..", "..")
export const runtimes = {
  node: [process.execPath, join(root, "runtimes", "node", "bin", "meridian.mjs")],
  bun: [join(root, "node_modules", ".bin", "bun"), join(root, "runtimes", "bun", "main.ts")]
} as const
export const KEYS = { MERIDIAN_TEST_KEY_STRATEGIES: "strategies-key", MERIDIAN_TEST_KEY_EXECUTION: "execution-key" }

const dirs: Array<string> = []
const children = new Set<ChildProcess>()

/** Kill what is still running and remove the folders. */
export const cleanUp = (): void => {
  for (const child of children) child.kill("SIGKILL")
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}

/** Write a configuration for one shard holding `account` (a margin account in USD), plus `extra` fields. */
export const configure = (account: string, extra: Record<string, unknown> = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-accounts-service-"))
  dirs.push(dir)
  const file = join(dir, "accounts.json")
  writeFileSync(
    file,
    JSON.stringify({
      listen: { host: "127.0.0.1", port: 0 },
      instance: "test",
      keys: { strategies: { env: "MERIDIAN_TEST_KEY_STRATEGIES" }, execution: { env: "MERIDIAN_TEST_KEY_EXECUTION" } },
      journalDir: "journal",
      shards: [{ accounts: [{ id: account, name: "Fund one", kind: "margin", baseCurrency: "USD" }] }],
      ...extra
    })
  )
  return { file, dir }
}

export interface Started {
  readonly child: ChildProcess
  readonly port: number
  readonly metrics: number
}

/** Start the service; resolves with its protocol (and metrics) ports once it logs that it listens. */
export const start = (runtime: keyof typeof runtimes, config: string, env: Record<string, string> = {}) =>
  new Promise<Started>((resolve, reject) => {
    const [command, ...args] = runtimes[runtime]
    const child = spawn(command, [...args, "service", "accounts", "--config", config], {
      cwd: root,
      env: { ...process.env, ...KEYS, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    child.on("exit", () => children.delete(child))
    let output = ""
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${output}`)), 60_000)
    let listening = false
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (listening) return
      for (const line of output.split("\n")) {
        if (!line.includes('"accounts service listening"')) continue
        listening = true
        const { address, metrics } = JSON.parse(line).annotations as { address: string; metrics?: string }
        clearTimeout(timer)
        resolve({ child, port: Number(address.split(":").pop()), metrics: Number(metrics?.split(":").pop()) })
        return
      }
    })
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on("exit", (code) => reject(new Error(`the service exited (${code}): ${output}`)))
  })

/** Stop the service with `signal` and wait until it is gone. */
export const stop = (child: ChildProcess, signal: NodeJS.Signals = "SIGTERM") =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill(signal)
  })

export const client = (port: number, service: "strategies" | "execution", key: string) =>
  connect({
    transport: nodeTransport,
    address: tcp("127.0.0.1", port),
    identity: { service, instance: "test" },
    key,
    connectTimeoutMs: 30_000
  })

/** Collect a topic's events from after `afterSeq` until `until` says enough. */
export const follow = <A>(session: Client, topic: string, afterSeq: number, until: (events: Array<A>) => boolean) =>
  Effect.async<Array<A>>((resume) => {
    const events: Array<A> = []
    const subscription = session.subscribe(topic, afterSeq, (_, value) => {
      events.push(value as A)
      if (until(events)) {
        subscription.unsubscribe()
        resume(Effect.succeed(events))
      }
    })
  })

/** A limit buy at 190.00: it stays open until a venue report fills it. */
export const restingBuy = (account: string, clientOrderId: string, quantity = 1) => ({
  _tag: "SubmitOrder",
  ts: 0,
  request: {
    accountId: account,
    strategyId: "test",
    clientOrderId,
    instrumentId: "AAPL.XNAS",
    side: "buy",
    type: "limit",
    quantity,
    limitPrice: 19_000,
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false
  }
})
