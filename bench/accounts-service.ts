/**
 * The Accounts Service end to end: `meridian service accounts` in its own process (Node, or Bun with `--bun` or
 * `MERIDIAN_RUNTIME=bun`), four client connections on loopback each keeping 256 orders in flight, every risk limit
 * set on the firm, the account and the instrument, the journal's fsync'd group commit on. Orders alternate buy and
 * sell, priced inside the band; each is answered once durable. Prints orders accepted per second and the answer
 * latency p50/p99 (from the client's send to its answer), the service process's CPU time per order, this (client)
 * process's — the clients share the machine's cores with the service, so a client costing as much per order as the
 * service would halve what the service can show — and the machine's load. One JSON line.
 */
import { Effect } from "effect"
import { cleanUp, client, configure, KEYS, start as startService } from "../test/live/serviceProcess"
import { loadAverage, processCpuMs } from "./internal/procStats"

const CLIENTS = 4
const IN_FLIGHT = 256
const ORDERS = 200_000
// `--bun` or MERIDIAN_RUNTIME=bun: the service runs on Bun (the clients on whatever runs this file).
const bun = process.argv.includes("--bun") || process.env.MERIDIAN_RUNTIME === "bun"
const { file } = configure("ACC-1")
const service = await startService(bun ? "bun" : "node", file)
const { port } = service

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
    const clients = yield* Effect.forEach(Array.from({ length: CLIENTS }), () =>
      client(port, "strategies", KEYS.MERIDIAN_TEST_KEY_STRATEGIES)
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
    const cpuBefore = processCpuMs(service.child.pid)
    const clientCpuBefore = process.cpuUsage()
    yield* Effect.async<void>((resume) => {
      const sendOne = (session: (typeof clients)[number]) => {
        const n = sent++
        const at = performance.now()
        session.request(
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
            else if (sent < ORDERS) sendOne(session)
          }
        )
      }
      for (const session of clients) for (let k = 0; k < IN_FLIGHT; k++) sendOne(session)
    })
    const seconds = (performance.now() - start) / 1000
    const cpuAfter = processCpuMs(service.child.pid)
    const clientCpu = process.cpuUsage(clientCpuBefore)
    const cpuUs = cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) * 1000
    if (accepted !== ORDERS) throw new Error(`${ORDERS - accepted} orders were not accepted`)
    const sorted = latencies.sort()
    return {
      seconds,
      cpuUs,
      clientCpuUs: clientCpu.user + clientCpu.system,
      p50: sorted[Math.floor(ORDERS * 0.5)]!,
      p99: sorted[Math.floor(ORDERS * 0.99)]!
    }
  })
)

try {
  const { seconds, cpuUs, clientCpuUs, p50, p99 } = await Effect.runPromise(program)
  console.log(
    JSON.stringify({
      bench: "accounts-service",
      runtime: bun ? "bun" : `node ${process.versions.node}`,
      clients: CLIENTS,
      in_flight_per_client: IN_FLIGHT,
      orders: ORDERS,
      orders_per_s: Math.round(ORDERS / seconds),
      ack_p50_us: Math.round(p50 * 1000),
      ack_p99_us: Math.round(p99 * 1000),
      ...(cpuUs === undefined ? {} : { service_cpu_us_per_order: Number((cpuUs / ORDERS).toFixed(1)) }),
      client_cpu_us_per_order: Number((clientCpuUs / ORDERS).toFixed(1)),
      ...loadAverage()
    })
  )
} finally {
  cleanUp()
}
