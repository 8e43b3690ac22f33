/**
 * The Accounts Service end to end: `meridian service accounts` in its own process (Node, or Bun with `--bun`), four
 * client connections on loopback each keeping 256 orders in flight, every risk limit set on the firm, the account
 * and the instrument, the journal's fsync'd group commit on. Orders alternate buy and sell, priced inside the
 * band; each is answered once durable. Prints orders accepted per second and the answer latency p50/p99 (from the
 * client's send to its answer). One JSON line.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { connect } from "../core/protocol/Protocol"
import { tcp } from "../core/protocol/Transport"
import { nodeTransport } from "../runtimes/node/NodeTransport"

const CLIENTS = 4
const IN_FLIGHT = 256
const ORDERS = 200_000
const bun = process.argv.includes("--bun")
const root = join(import.meta.dirname, "..")
const dir = mkdtempSync(join(tmpdir(), "meridian-bench-accounts-"))
const config = join(dir, "accounts.json")
writeFileSync(
  config,
  JSON.stringify({
    listen: { host: "127.0.0.1", port: 0 },
    instance: "bench",
    keys: { strategies: { env: "MERIDIAN_BENCH_KEY" } },
    journalDir: "journal",
    shards: [{ accounts: [{ id: "ACC-1", name: "bench", kind: "margin", baseCurrency: "USD" }] }]
  })
)
const [command, ...args] = bun
  ? [join(root, "node_modules", ".bin", "bun"), join(root, "runtimes", "bun", "main.ts")]
  : [process.execPath, join(root, "runtimes", "node", "bin", "meridian.mjs")]
const service = spawn(command, [...args, "service", "accounts", "--config", config], {
  env: { ...process.env, MERIDIAN_BENCH_KEY: "bench-key" },
  stdio: ["ignore", "pipe", "inherit"]
})
const port = await new Promise<number>((resolve, reject) => {
  let output = ""
  service.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString()
    const line = output.split("\n").find((l) => l.includes('"accounts service listening"'))
    if (line !== undefined) resolve(Number(JSON.parse(line).annotations.address.split(":").pop()))
  })
  service.on("exit", (code) => reject(new Error(`the service exited (${code}): ${output}`)))
})

const ts = 0
const limits = {
  maxOrderQuantity: 1_000,
  maxOrderNotional: 10_000_000_000,
  maxPosition: 100_000_000,
  priceBand: 500,
  maxOrdersPerWindow: 1_000_000_000,
  orderRateWindow: 1_000_000,
  dailyLossLimit: 100_000_000_000,
  maxGrossExposure: 1_000_000_000_000,
  maxNetExposure: 1_000_000_000_000
}
const scopes = [
  { _tag: "Firm" },
  { _tag: "Account", accountId: "ACC-1" },
  { _tag: "AccountInstrument", accountId: "ACC-1", instrumentId: "AAPL.XNAS" }
]

const program = Effect.scoped(
  Effect.gen(function* () {
    const clients = yield* Effect.forEach(Array.from({ length: CLIENTS }), (_, i) =>
      connect({
        transport: nodeTransport,
        address: tcp("127.0.0.1", port),
        identity: { service: "strategies", instance: `bench-${i}` },
        key: "bench-key"
      })
    )
    const admin = clients[0]!
    yield* admin.call({ _tag: "Deposit", accountId: "ACC-1", currency: "USD", amount: 1e13, reference: "bench", ts })
    yield* admin.call({ _tag: "Mark", instrumentId: "AAPL.XNAS", price: 15_000, ts })
    for (const scope of scopes) yield* admin.call({ _tag: "SetRiskLimits", scope, limits, ts })

    const latencies = new Float64Array(ORDERS)
    let sent = 0
    let answered = 0
    let accepted = 0
    const start = performance.now()
    yield* Effect.async<void>((resume) => {
      const sendOne = (client: (typeof clients)[number]) => {
        const n = sent++
        const at = performance.now()
        client.request(
          {
            _tag: "SubmitOrder",
            ts,
            request: {
              accountId: "ACC-1",
              strategyId: "bench",
              clientOrderId: `c${n}`,
              instrumentId: "AAPL.XNAS",
              side: n % 2 === 0 ? "buy" : "sell",
              type: "limit",
              quantity: 1,
              limitPrice: n % 2 === 0 ? 14_990 : 15_010,
              timeInForce: "GTC",
              reduceOnly: false,
              postOnly: false
            }
          },
          (error, value) => {
            latencies[n] = performance.now() - at
            if (error === undefined && (value as { _tag: string })._tag === "Accepted") accepted++
            if (++answered === ORDERS) resume(Effect.void)
            else if (sent < ORDERS) sendOne(client)
          }
        )
      }
      for (const client of clients) for (let k = 0; k < IN_FLIGHT; k++) sendOne(client)
    })
    const seconds = (performance.now() - start) / 1000
    if (accepted !== ORDERS) throw new Error(`${ORDERS - accepted} orders were not accepted`)
    const sorted = latencies.sort()
    return { seconds, p50: sorted[Math.floor(ORDERS * 0.5)]!, p99: sorted[Math.floor(ORDERS * 0.99)]! }
  })
)

try {
  const { seconds, p50, p99 } = await Effect.runPromise(program)
  console.log(
    JSON.stringify({
      bench: "accounts-service",
      runtime: bun ? "bun" : `node ${process.versions.node}`,
      clients: CLIENTS,
      in_flight_per_client: IN_FLIGHT,
      orders: ORDERS,
      orders_per_s: Math.round(ORDERS / seconds),
      ack_p50_us: Math.round(p50 * 1000),
      ack_p99_us: Math.round(p99 * 1000)
    })
  )
} finally {
  service.kill("SIGKILL")
  rmSync(dir, { recursive: true, force: true })
}
