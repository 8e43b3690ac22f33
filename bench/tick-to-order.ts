/**
 * Tick to order across processes: this process publishes quotes as a Market Data Service would (our protocol,
 * topic `market-data`) and follows the Accounts Service's venue commands as the Execution Service would; between
 * them run `meridian service strategies` (the `quote-chaser` strategy: one limit order per quote) and `meridian
 * service accounts` (every order through pre-trade risk and the fsync'd journal before it goes to the venue), each
 * in its own process (Node, or Bun with `--bun`). The latency of quote k is the time from its publication to the
 * arrival of the k-th venue command, both read on this process's clock. Quotes go out one at a time, every
 * `GAP_MS` (`--gap=`, default 10 ms: 100 quotes a second), so the figure is latency, not queueing: at a 2 ms gap
 * the three processes' CPU per quote (about 2 ms together on this loaded 2-core machine) nearly fills the gap and
 * quotes queue behind each other, which is throughput, `bench/accounts-service`'s subject; 100 a second is a busy
 * instrument's conflated quote rate as one strategy sees it. One JSON line: p50, p99, p99.9 in µs, with the
 * machine's load, each process's CPU per quote (`cpu_us_per_quote`, user + system, where `/proc` has it) and the
 * disk's fsync time measured right after the run in the Accounts Service's folder (`fsync_p50_us`: a small append
 * and its fdatasync), the floor under each order's journal commit, and the floor under the whole path (`floor_*_us`,
 * `internal/bareChain.ts`): the same hops and fdatasync through bare `node:net` relays, at the same gap, with each
 * relay's CPU per message beside the services' (`floor_cpu_us_per_quote`).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, fdatasyncSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs"
import { join } from "node:path"
import { Effect, Redacted } from "effect"
import * as Protocol from "../core/protocol/Protocol"
import * as StreamSource from "../core/protocol/StreamSource"
import { tcp } from "../core/protocol/Transport"
import { nodeTransport } from "../runtimes/node/NodeTransport"
import { cleanUp, client, configure, KEYS, runtimes, start as startAccounts } from "../test/live/serviceProcess"
import { bareChain } from "./internal/bareChain"
import { loadAverage, processCpuMs } from "./internal/procStats"

const WARMUP = 500
const SAMPLES = Number(process.argv.find((a) => a.startsWith("--samples="))?.slice(10) ?? 5_000)
const GAP_MS = Number(process.argv.find((a) => a.startsWith("--gap="))?.slice(6) ?? 10)
// The services' runtime: `--bun`, or MERIDIAN_RUNTIME=bun as the test matrix sets it (this process stays on Node).
const bun = process.argv.includes("--bun") || process.env.MERIDIAN_RUNTIME === "bun"
const runtime = bun ? "bun" : "node"
const root = join(import.meta.dirname, "..")

// Quotes carry the feed's time, inside AAPL's trading hours, so the feed clock keeps every order in session.
const { file: accountsFile, dir } = configure("ACC-1", { clock: "feed" })
const accounts = await startAccounts(runtime, accountsFile)

const children: Array<ChildProcess> = []
const startStrategies = (marketDataPort: number) =>
  new Promise<void>((resolve, reject) => {
    const file = join(dir, "strategies.json")
    writeFileSync(
      file,
      JSON.stringify({
        listen: { host: "127.0.0.1", port: 0 },
        instance: "bench",
        journalDir: "strategies-journal",
        accounts: { address: { host: "127.0.0.1", port: accounts.port }, key: { env: "MERIDIAN_TEST_KEY_STRATEGIES" } },
        marketData: {
          address: { host: "127.0.0.1", port: marketDataPort },
          key: { env: "MERIDIAN_TEST_KEY_STRATEGIES" }
        },
        clock: "feed",
        strategies: [
          {
            id: "chaser",
            strategy: join(root, "bench", "internal", "quoteChaser.ts"),
            account: "ACC-1",
            instruments: ["AAPL.XNAS"]
          }
        ]
      })
    )
    const [command, ...args] = runtimes[runtime]
    const child = spawn(command, [...args, "service", "strategies", "--config", file], {
      cwd: root,
      env: { ...process.env, ...KEYS },
      stdio: ["ignore", "pipe", "pipe"]
    })
    children.push(child)
    // Read until it listens, then only drain: the service logs a line per order into this pipe, and a full pipe
    // blocks its writes (stdout is synchronous on Linux). Scanning all of it per chunk, as this did, cost this
    // process more CPU per quote than the services spent on it (1.5 ms at gap 2) and stalled the service behind it.
    let output = ""
    let listening = false
    const onData = (chunk: Buffer) => {
      if (listening) return
      output += chunk.toString()
      if (output.includes('"strategies service listening"')) {
        listening = true
        output = ""
        resolve()
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => reject(new Error(`the strategies service exited (${code}): ${output}`)))
  })

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/** The p50 and p99 of `count` appends of 100 bytes each followed by its fdatasync, in `folder` (µs). */
const fsyncTimes = (folder: string, count = 200) => {
  const file = join(folder, "fsync-probe")
  const fd = openSync(file, "a")
  const bytes = new Uint8Array(100)
  const times = new Float64Array(count)
  try {
    for (let i = 0; i < count; i++) {
      const at = performance.now()
      writeSync(fd, bytes)
      fdatasyncSync(fd)
      times[i] = performance.now() - at
    }
  } finally {
    closeSync(fd)
    rmSync(file, { force: true })
  }
  times.sort()
  return { p50: Math.round(percentile(times, 0.5) * 1000), p99: Math.round(percentile(times, 0.99) * 1000) }
}

const program = Effect.scoped(
  Effect.gen(function* () {
    const feed = StreamSource.memory({ retain: WARMUP + SAMPLES })
    const server = yield* Protocol.serve({
      transport: nodeTransport,
      address: tcp("127.0.0.1", 0),
      identity: { service: "market-data", instance: "bench" },
      keys: (service) => (service === "strategies" ? Redacted.make(KEYS.MERIDIAN_TEST_KEY_STRATEGIES) : undefined),
      streams: (topic) => (topic === "market-data" ? feed : undefined)
    })
    yield* Effect.promise(() => startStrategies(server.address._tag === "Tcp" ? server.address.port : 0))

    const venue = yield* client(accounts.port, "execution", KEYS.MERIDIAN_TEST_KEY_EXECUTION)
    const admin = yield* client(accounts.port, "strategies", KEYS.MERIDIAN_TEST_KEY_STRATEGIES)
    const start = Date.parse("2024-01-02T15:00:00Z") * 1000
    yield* admin.call({
      _tag: "Deposit",
      accountId: "ACC-1",
      currency: "USD",
      amount: 1e13,
      reference: "bench",
      ts: start
    })

    const total = WARMUP + SAMPLES
    const services = { accounts: accounts.child.pid, strategies: children[0]?.pid }
    const cpuBefore = Object.values(services).map(processCpuMs)
    const benchBefore = process.cpuUsage()
    const published = new Float64Array(total)
    const latency = new Float64Array(SAMPLES)
    let arrived = 0
    yield* Effect.async<void>((resume) => {
      venue.subscribe("executions/0", 0, () => {
        const k = arrived++
        if (k >= WARMUP) latency[k - WARMUP] = performance.now() - published[k]!
        if (arrived === total) resume(Effect.void)
      })
      let k = 0
      const publish = () => {
        published[k] = performance.now()
        feed.publish({
          _tag: "Quote",
          instrumentId: "AAPL.XNAS",
          ts: start + 1_000 * (k + 1),
          bidPrice: 18_900 + (k % 7),
          bidSize: 100,
          askPrice: 18_910 + (k % 7),
          askSize: 100
        })
        if (++k < total) setTimeout(publish, GAP_MS)
      }
      publish()
    })
    const cpuAfter = Object.values(services).map(processCpuMs)
    const bench = process.cpuUsage(benchBefore)
    const perQuote: Record<string, number> = { bench: Math.round((bench.user + bench.system) / total) }
    Object.keys(services).forEach((name, i) => {
      const [before, after] = [cpuBefore[i], cpuAfter[i]]
      if (before !== undefined && after !== undefined) perQuote[name] = Math.round(((after - before) * 1000) / total)
    })
    return { sorted: latency.sort(), perQuote }
  })
)

try {
  const { sorted, perQuote } = await Effect.runPromise(program)
  const fsync = fsyncTimes(dir)
  const { latencies: floor, cpuUsPerMessage: floorCpu } = await bareChain(Math.min(SAMPLES, 2_000), GAP_MS, dir)
  console.log(
    JSON.stringify({
      bench: "tick-to-order",
      runtime: bun ? "bun" : `node ${process.versions.node}`,
      processes: 3,
      samples: SAMPLES,
      gap_ms: GAP_MS,
      p50_us: Math.round(percentile(sorted, 0.5) * 1000),
      p99_us: Math.round(percentile(sorted, 0.99) * 1000),
      p999_us: Math.round(percentile(sorted, 0.999) * 1000),
      cpu_us_per_quote: perQuote,
      fsync_p50_us: fsync.p50,
      fsync_p99_us: fsync.p99,
      floor_p50_us: Math.round(percentile(floor, 0.5) * 1000),
      floor_p99_us: Math.round(percentile(floor, 0.99) * 1000),
      floor_p999_us: Math.round(percentile(floor, 0.999) * 1000),
      floor_cpu_us_per_quote: floorCpu,
      ...loadAverage()
    })
  )
} finally {
  for (const child of children) child.kill("SIGKILL")
  cleanUp()
}
