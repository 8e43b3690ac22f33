/**
 * `meridian service execution` as the live tests run it: an Accounts Service (test/live/serviceProcess), a fake
 * Market Data Service in the test's process (a protocol server publishing the events the test gives it, and
 * recording the `Done` messages of lockstep), and the Execution Service in its own process (Node or Bun).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect, Redacted, type Scope } from "effect"
import type { Client } from "../../core/protocol/Protocol"
import { serve } from "../../core/protocol/Protocol"
import { memory } from "../../core/protocol/StreamSource"
import { tcp } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import { client, configure, KEYS, runtimes, start } from "./serviceProcess"

const root = join(import.meta.dirname, "..", "..")
export const EXECUTION_KEYS = { ...KEYS, MERIDIAN_TEST_KEY_CLI: "cli-key" }

const dirs: Array<string> = []
const children = new Set<ChildProcess>()

/** Kill what is still running and remove the folders. */
export const cleanUpExecution = (): void => {
  for (const child of children) child.kill("SIGKILL")
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}

/** The simulated venue of paper trading, with a fee. */
export const SIM = { sim: { commission: "0.0001" } }
/** The same venue behind the asynchronous port, with its state in `venue/` beside the configuration. */
export const SIM_REMOTE = { "sim-remote": { commission: "0.0001", stateDir: "venue" } }

/**
 * An Execution Service configuration in a new folder, following accounts and market data on these ports, hosting
 * `connector`.
 */
export const configureExecution = (
  accountsPort: number,
  marketDataPort: number,
  lockstep: boolean,
  connector: object = SIM
) => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-execution-service-"))
  dirs.push(dir)
  const file = join(dir, "execution.json")
  writeFileSync(
    file,
    JSON.stringify({
      listen: { host: "127.0.0.1", port: 0 },
      instance: "test",
      keys: { cli: { env: "MERIDIAN_TEST_KEY_CLI" } },
      journalDir: "journal",
      accounts: {
        address: { host: "127.0.0.1", port: accountsPort },
        shards: 1,
        key: { env: "MERIDIAN_TEST_KEY_EXECUTION" }
      },
      marketData: { address: { host: "127.0.0.1", port: marketDataPort }, key: { env: "MERIDIAN_TEST_KEY_EXECUTION" } },
      connector,
      lockstep,
      metrics: { host: "127.0.0.1", port: 0 }
    })
  )
  return file
}

export interface StartedExecution {
  readonly child: ChildProcess
  readonly port: number
  readonly metrics: number
  /** What recovery sent the Accounts Service again: the reports and marks the journal's replay produced. */
  readonly resent: number
}

/** Start the Execution Service (with `env` besides the keys: a connector's secrets); resolves once it listens. */
export const startExecution = (runtime: keyof typeof runtimes, config: string, env: Record<string, string> = {}) =>
  new Promise<StartedExecution>((resolve, reject) => {
    const [command, ...args] = runtimes[runtime]
    const child = spawn(command, [...args, "service", "execution", "--config", config], {
      cwd: root,
      env: { ...process.env, ...EXECUTION_KEYS, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    child.on("exit", () => children.delete(child))
    let output = ""
    let listening = false
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${output}`)), 60_000)
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString()
      if (listening) return
      for (const line of output.split("\n")) {
        if (!line.includes('"execution service listening"')) continue
        listening = true
        const { address, metrics } = JSON.parse(line).annotations as { address: string; metrics: string }
        const recovered = output.split("\n").find((l) => l.includes('"execution service recovered"'))
        const resent = recovered === undefined ? 0 : (JSON.parse(recovered).annotations.resend as number)
        clearTimeout(timer)
        resolve({ child, port: Number(address.split(":").pop()), metrics: Number(metrics.split(":").pop()), resent })
        return
      }
    })
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on("exit", (code) => reject(new Error(`the service exited (${code}): ${output}`)))
  })

/** Kill -9 and wait until the process is gone. */
export const kill = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once("exit", () => resolve())
    child.kill("SIGKILL")
  })

export interface FakeMarketData {
  readonly port: number
  /** Publish an event on `market-data`; returns its sequence. */
  readonly publish: (event: unknown) => number
  /** Completes once a participant sent `Done` of `seq` or later. */
  readonly done: (seq: number) => Effect.Effect<void>
  /** Every `Done` received, in order. */
  readonly dones: ReadonlyArray<number>
}

/** A Market Data Service as far as the Execution Service sees it, on loopback, for as long as the scope lives. */
export const fakeMarketData = Effect.gen(function* () {
  const stream = memory()
  const dones: Array<number> = []
  const waiting = new Set<{ readonly seq: number; readonly resume: () => void }>()
  const server = yield* serve({
    transport: nodeTransport,
    address: tcp("127.0.0.1", 0),
    identity: { service: "market-data", instance: "fake" },
    keys: (service) => (service === "execution" ? Redacted.make(KEYS.MERIDIAN_TEST_KEY_EXECUTION) : undefined),
    streams: (topic) => (topic === "market-data" ? stream : undefined),
    onMessage: (_, body) => {
      const message = body as { readonly _tag?: string; readonly seq?: number }
      if (message._tag !== "Done" || typeof message.seq !== "number") return
      const seq = message.seq
      dones.push(seq)
      for (const waiter of waiting) {
        if (waiter.seq > seq) continue
        waiting.delete(waiter)
        waiter.resume()
      }
    }
  })
  const address = server.address
  const fake: FakeMarketData = {
    port: "port" in address ? address.port : 0,
    publish: (event) => stream.publish(event),
    done: (seq) =>
      Effect.async<void>((resume) => {
        if (dones.some((done) => done >= seq)) return resume(Effect.void)
        waiting.add({ seq, resume: () => resume(Effect.void) })
      }),
    dones
  }
  return fake
})

const START = Date.UTC(2024, 0, 2, 14, 30) * 1000

/** Quote `i` of AAPL.XNAS, one a second: a 10-tick spread whose mid walks up and down. */
export const quote = (i: number) => {
  const bid = 19_000 + ((i * 7) % 23) * 5
  return {
    _tag: "Quote",
    instrumentId: "AAPL.XNAS",
    ts: START + i * 1_000_000,
    bidPrice: bid,
    bidSize: 100,
    askPrice: bid + 10,
    askSize: 100
  }
}

/** A market order of ACC-1 for AAPL.XNAS. */
export const marketOrder = (clientOrderId: string, side: "buy" | "sell", quantity: number) => ({
  _tag: "SubmitOrder",
  ts: 0,
  request: {
    accountId: "ACC-1",
    strategyId: "test",
    clientOrderId,
    instrumentId: "AAPL.XNAS",
    side,
    type: "market",
    quantity,
    timeInForce: "GTC",
    reduceOnly: false,
    postOnly: false
  }
})

/**
 * An Accounts Service (Node, on the feed's clock) holding ACC-1 with 1,000,000.00 USD deposited, killed when the
 * scope closes, and a strategies client of it.
 */
export const seededAccounts: Effect.Effect<{ readonly port: number; readonly accounts: Client }, unknown, Scope.Scope> =
  Effect.gen(function* () {
    const { file } = configure("ACC-1", { clock: "feed" })
    const service = yield* Effect.acquireRelease(
      Effect.promise(() => start("node", file)),
      (s) => Effect.promise(() => kill(s.child))
    )
    const accounts = yield* client(service.port, "strategies", KEYS.MERIDIAN_TEST_KEY_STRATEGIES)
    const deposit = {
      _tag: "Deposit",
      accountId: "ACC-1",
      currency: "USD",
      amount: 100_000_000,
      reference: "seed",
      ts: 0
    }
    const outcome = (yield* accounts.call(deposit)) as { readonly _tag: string }
    if (outcome._tag !== "Accepted")
      return yield* Effect.fail(new Error(`the seed deposit: ${JSON.stringify(outcome)}`))
    return { port: service.port, accounts }
  })

/** Submit a market order of ACC-1 until accepted (the first waits for the first mark to reach the account), 300 tries. */
export const submitMarket = (accounts: Client, id: string, side: "buy" | "sell", quantity: number) =>
  Effect.gen(function* () {
    for (let attempt = 0; ; attempt++) {
      const outcome = (yield* accounts.call(marketOrder(`${id}-${attempt}`, side, quantity))) as { _tag: string }
      if (outcome._tag === "Accepted" || attempt === 300) return outcome
      yield* Effect.sleep(Duration.millis(100))
    }
  })
