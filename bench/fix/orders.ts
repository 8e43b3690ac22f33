/**
 * Orders through the FIX connector against the broker simulator (its own process, loopback): round trip of one
 * order at a time (execute → its fill back, both read on this process's clock), then throughput of a burst of
 * orders (first execute → last fill). Each order is a marketable limit order that fills at once. One JSON line.
 *
 * `npm run bench -- fix/orders [--samples=2000] [--burst=5000]`
 */
import { mkdtempSync, rmSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { performance } from "node:perf_hooks"
import { Effect, Redacted, Schema } from "effect"
import type { ExecutionReport } from "../../core/domain/Commands"
import { makeSpecs } from "../../core/domain/InstrumentSpec"
import type { Order } from "../../core/domain/Order"
import { Order as OrderSchema } from "../../core/domain/Order"
import * as FixExecution from "../../plugins/connector-fix/src/FixExecution"
import { startBroker } from "../../plugins/connector-fix/test/brokerProcess"
import { AAPL, currencies } from "../../test/fixtures/instruments"

const SAMPLES = Number(process.argv.find((a) => a.startsWith("--samples="))?.slice(10) ?? 2_000)
const BURST = Number(process.argv.find((a) => a.startsWith("--burst="))?.slice(8) ?? 5_000)
const WARMUP = 200
const T0 = 1_704_205_800_000_000

const order = (i: number): Order =>
  Schema.decodeUnknownSync(OrderSchema)({
    orderId: `b-${i}`,
    clientOrderId: `b-${i}`,
    accountId: "bench",
    instrumentId: "AAPL.XNAS",
    side: "buy",
    type: "limit",
    quantity: 1,
    limitPrice: 15_001,
    timeInForce: "IOC",
    reduceOnly: false,
    postOnly: false,
    status: "pending-new",
    filledQuantity: 0,
    filledValue: 0,
    createdAt: T0 + i,
    updatedAt: T0 + i
  })

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

const dir = mkdtempSync(join(tmpdir(), "meridian-bench-fix-"))
const broker = await startBroker()
try {
  await broker.quote("AAPL.XNAS", T0, "150.00", "150.01", "100000000")
  const result = await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const fix = yield* FixExecution.make(
          {
            host: "127.0.0.1",
            port: broker.fixPort,
            senderCompId: "BENCH",
            targetCompId: "BROKER",
            password: Redacted.make("bench"),
            heartbeatSeconds: 30,
            storeFile: join(dir, "store.jsonl")
          },
          makeSpecs([AAPL], currencies)
        )
        let onFill: (r: ExecutionReport) => void = () => {}
        yield* fix.execution.reports((r) => onFill(r))
        while (!fix.stats().loggedOn) yield* Effect.sleep("20 millis")
        let next = 0
        const submit = () => {
          const i = next++
          fix.execution.execute({ _tag: "VenueSubmit", order: order(i), ts: (T0 + i) as Order["createdAt"] })
        }
        // Round trip, one order at a time.
        const rtt: Array<number> = []
        for (let k = 0; k < WARMUP + SAMPLES; k++) {
          const t = performance.now()
          yield* Effect.async<void>((resume) => {
            onFill = (r) => r._tag === "VenueFilled" && resume(Effect.void)
            submit()
          })
          if (k >= WARMUP) rtt.push((performance.now() - t) * 1000)
        }
        // Throughput: a burst, all sent at once.
        let fills = 0
        const start = performance.now()
        yield* Effect.async<void>((resume) => {
          onFill = (r) => {
            if (r._tag === "VenueFilled" && ++fills === BURST) resume(Effect.void)
          }
          for (let k = 0; k < BURST; k++) submit()
        })
        const seconds = (performance.now() - start) / 1000
        rtt.sort((a, b) => a - b)
        return {
          bench: "fix",
          orders_per_s: Math.round(BURST / seconds),
          rtt_p50_us: Math.round(percentile(rtt, 0.5)),
          rtt_p99_us: Math.round(percentile(rtt, 0.99)),
          samples: SAMPLES,
          burst: BURST,
          bad_input: fix.stats().badInput,
          load_avg_1m: Number(loadavg()[0]!.toFixed(1))
        }
      })
    )
  )
  console.log(JSON.stringify(result))
} finally {
  await broker.stop()
  rmSync(dir, { recursive: true, force: true })
}
