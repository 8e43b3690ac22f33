/**
 * `meridian service market-data` as the live tests run it: a history fixture and a configuration in a temporary
 * folder, the service in its own process (Node or Bun), protocol clients on loopback. Every process and folder is
 * removed by `cleanUp`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { NodeContext } from "@effect/platform-node"
import { Effect } from "effect"
import { BarBuilder, QuoteBuilder, TradeBuilder } from "../../core/data/Columns"
import type { InstrumentId } from "../../core/domain/Ids"
import type { MarketDataEvent } from "../../core/domain/MarketData"
import { History, layer as historyLayer } from "../../core/history/History"
import { type Client, connect } from "../../core/protocol/Protocol"
import { tcp } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import { runtimes } from "./serviceProcess"

const root = join(import.meta.dirname, "..", "..")
export const KEYS = {
  MERIDIAN_TEST_KEY_EXECUTION: "execution-key",
  MERIDIAN_TEST_KEY_STRATEGIES: "strategies-key",
  MERIDIAN_TEST_KEY_CLI: "cli-key"
}
export const INSTRUMENTS: ReadonlyArray<InstrumentId> = ["AAPL.XNAS", "MSFT.XNAS"].map((id) => id as InstrumentId)

const dirs: Array<string> = []
const children = new Set<ChildProcess>()

/** Kill what is still running and remove the folders. */
export const cleanUp = (): void => {
  for (const child of children) child.kill("SIGKILL")
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
}

export const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-market-data-"))
  dirs.push(dir)
  return dir
}

const START = Date.UTC(2024, 0, 2, 14, 30) * 1000
const MINUTE = 60_000_000

/**
 * A small history in `dir`: for each instrument, `minutes` one-minute bars, and a quote and a trade every 20 s
 * (both at the same instants for the two instruments, so ties are ordered by kind, then instrument). Returns the
 * events a backtest replays, in its order, computed from the rows written, independently of the service.
 */
export const writeHistory = (dir: string, minutes: number) =>
  Effect.gen(function* () {
    const history = yield* History
    const events: Array<{ readonly key: ReadonlyArray<number>; readonly event: MarketDataEvent }> = []
    const bars = new BarBuilder()
    const trades = new TradeBuilder()
    const quotes = new QuoteBuilder()
    for (let m = 0; m < minutes; m++) {
      for (const [i, id] of INSTRUMENTS.entries()) {
        const ts = START + m * MINUTE
        const base = 10_000 * (i + 1) + (m % 50)
        bars.add(ts, i, MINUTE, base, base + 7, base - 3, base + 2, 100 + m)
        events.push({
          key: [ts, 0, i, m],
          event: {
            _tag: "Bar",
            instrumentId: id,
            ts,
            period: "1m",
            open: base,
            high: base + 7,
            low: base - 3,
            close: base + 2,
            volume: 100 + m
          } as MarketDataEvent
        })
        for (let k = 0; k < 3; k++) {
          const at = ts + k * 20_000_000
          const aggressor = (m + k) % 3
          trades.add(at, i, base + k, 5 + k, aggressor)
          events.push({
            key: [at, 1, i, m * 3 + k],
            event: {
              _tag: "Trade",
              instrumentId: id,
              ts: at,
              price: base + k,
              size: 5 + k,
              aggressor: aggressor === 1 ? "buy" : aggressor === 2 ? "sell" : "none"
            } as MarketDataEvent
          })
          quotes.add(at, i, base + k - 1, 10, base + k + 1, 12)
          events.push({
            key: [at, 2, i, m * 3 + k],
            event: {
              _tag: "Quote",
              instrumentId: id,
              ts: at,
              bidPrice: base + k - 1,
              bidSize: 10,
              askPrice: base + k + 1,
              askSize: 12
            } as MarketDataEvent
          })
        }
      }
    }
    for (const columns of [bars.build(), trades.build(), quotes.build()]) yield* history.writeMany(INSTRUMENTS, columns)
    const order = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
      for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! - b[k]!
      return 0
    }
    return events.sort((a, b) => order(a.key, b.key)).map((e) => e.event)
  }).pipe(Effect.provide(historyLayer(dir)), Effect.provide(NodeContext.layer))

/** A configuration replaying `history` at `pace`, plus `extra` fields (`replay` ones in the source); its file and folder. */
export const configure = (
  history: string,
  pace: unknown,
  extra: Record<string, unknown> = {},
  replay: Record<string, unknown> = {}
) => configureSource({ replay: { history, instruments: INSTRUMENTS, pace, ...replay } }, extra)

/** A configuration of the service on `source` (`{ replay: … }` or `{ ccxt: … }`), plus `extra` fields. */
export const configureSource = (source: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const dir = tempDir()
  const file = join(dir, "market-data.json")
  writeFileSync(
    file,
    JSON.stringify({
      listen: { host: "127.0.0.1", port: 0 },
      instance: "test",
      keys: {
        execution: { env: "MERIDIAN_TEST_KEY_EXECUTION" },
        strategies: { env: "MERIDIAN_TEST_KEY_STRATEGIES" },
        cli: { env: "MERIDIAN_TEST_KEY_CLI" }
      },
      journalDir: "journal",
      source,
      ...extra
    })
  )
  return { file, dir }
}

export interface Started {
  readonly child: ChildProcess
  readonly port: number
  readonly metrics: number
  /** Every line the service wrote so far. */
  readonly output: () => string
  /** Resolves once the service wrote a line containing `text`. */
  readonly logged: (text: string) => Promise<string>
}

/** Start the service; resolves once it logs that it listens. */
export const start = (runtime: keyof typeof runtimes, config: string) =>
  new Promise<Started>((resolve, reject) => {
    const [command, ...args] = runtimes[runtime]
    const child = spawn(command, [...args, "service", "market-data", "--config", config], {
      cwd: root,
      env: { ...process.env, ...KEYS },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    child.on("exit", () => children.delete(child))
    let output = ""
    const watchers: Array<{ readonly text: string; readonly resolve: (line: string) => void }> = []
    const logged = (text: string) =>
      new Promise<string>((found) => {
        const line = output.split("\n").find((l) => l.includes(text))
        if (line !== undefined) found(line)
        else watchers.push({ text, resolve: found })
      })
    const timer = setTimeout(() => reject(new Error(`the service did not start: ${output}`)), 60_000)
    const take = (chunk: Buffer) => {
      output += chunk.toString()
      for (const watcher of [...watchers]) {
        const line = output.split("\n").find((l) => l.includes(watcher.text))
        if (line === undefined) continue
        watchers.splice(watchers.indexOf(watcher), 1)
        watcher.resolve(line)
      }
    }
    child.stdout!.on("data", take)
    child.stderr!.on("data", take)
    child.on("exit", (code) => reject(new Error(`the service exited (${code}): ${output}`)))
    logged('"market data service listening"').then((line) => {
      clearTimeout(timer)
      const { address, metrics } = JSON.parse(line).annotations as { address: string; metrics?: string }
      resolve({
        child,
        port: Number(address.split(":").pop()),
        metrics: Number(metrics?.split(":").pop()),
        output: () => output,
        logged
      })
    })
  })

/** Run the service until it exits by itself; resolves with its exit code and what it wrote. */
export const runToExit = (runtime: keyof typeof runtimes, config: string) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((resolve) => {
    const [command, ...args] = runtimes[runtime]
    const child = spawn(command, [...args, "service", "market-data", "--config", config], {
      cwd: root,
      env: { ...process.env, ...KEYS },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.add(child)
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on("exit", (code) => {
      children.delete(child)
      resolve({ code, output })
    })
  })

export const client = (port: number, service: "strategies" | "execution" | "cli") =>
  connect({
    transport: nodeTransport,
    address: tcp("127.0.0.1", port),
    identity: { service, instance: "test" },
    key: KEYS[`MERIDIAN_TEST_KEY_${service.toUpperCase() as "STRATEGIES" | "EXECUTION" | "CLI"}`],
    connectTimeoutMs: 30_000
  })

/** Collect a topic's events (with their seqs) from after `afterSeq` until `until` says enough. */
export const follow = (
  session: Client,
  topic: string,
  afterSeq: number,
  until: (events: ReadonlyArray<{ readonly seq: number; readonly event: MarketDataEvent }>) => boolean
) =>
  Effect.async<Array<{ readonly seq: number; readonly event: MarketDataEvent }>>((resume) => {
    const events: Array<{ readonly seq: number; readonly event: MarketDataEvent }> = []
    const subscription = session.subscribe(topic, afterSeq, (seq, value) => {
      events.push({ seq, event: value as MarketDataEvent })
      if (until(events)) {
        subscription.unsubscribe()
        resume(Effect.succeed(events))
      }
    })
    return Effect.sync(subscription.unsubscribe)
  })
