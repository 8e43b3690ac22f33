/**
 * The connector as its own process, for the crash test: it logs on to the simulator, appends every execution
 * report it delivers to a file (synchronously, as the Accounts Service would journal it) and submits `count`
 * orders, a few at a time, as the Execution Service would — a restarted process replays all of them, and the
 * connector's ledger must keep each from going out twice.
 *
 * argv: port senderCompId storeFile reportsFile count
 */
import { openSync, writeSync } from "node:fs"
import { NodeRuntime } from "@effect/platform-node"
import { makeSpecs } from "@meridian/core/domain/InstrumentSpec"
import type { Order } from "@meridian/core/domain/Order"
import { Effect, Redacted } from "effect"
import { AAPL, currencies } from "../../../test/fixtures/instruments"
import { newOrder, T0 } from "../../../test/fixtures/orders"
import * as FixExecution from "../src/FixExecution"

const [port, senderCompId, storeFile, reportsFile, count] = process.argv.slice(2)

export { T0 }

/** Even orders cross the quote the test sets first; odd ones rest until the test moves the market. */
export const crashOrder = (i: number): Order =>
  newOrder({
    orderId: `crash-${i}`,
    clientOrderId: `crash-${i}`,
    accountId: "crash",
    quantity: 10,
    limitPrice: i % 2 === 0 ? 15_001 : 14_950,
    createdAt: T0 + i,
    updatedAt: T0 + i
  })

if (port !== undefined) {
  const out = openSync(reportsFile!, "a")
  const program = Effect.gen(function* () {
    const fix = yield* FixExecution.make(
      {
        host: "127.0.0.1",
        port: Number(port),
        senderCompId: senderCompId!,
        targetCompId: "BROKER",
        password: Redacted.make("crash"),
        heartbeatSeconds: 30,
        storeFile: storeFile!
      },
      makeSpecs([AAPL], currencies)
    )
    yield* fix.execution.reports((report) => {
      writeSync(out, `${JSON.stringify(report)}\n`)
    })
    for (let i = 0; i < Number(count); i++) {
      fix.execution.execute({ _tag: "VenueSubmit", order: crashOrder(i), ts: (T0 + i) as Order["createdAt"] })
      if (i % 10 === 9) yield* Effect.sleep("2 millis")
    }
    return yield* Effect.never
  })
  NodeRuntime.runMain(Effect.scoped(program))
}
