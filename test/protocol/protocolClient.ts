/**
 * A protocol client process for the cross-process tests. argv[2]: JSON { address, key, after, until, heartbeatMs,
 * deadAfterMs }. Subscribes to "events" after `after`, prints each sequence it processed on its own line, and
 * once it has `until`, prints "done" and exits. When the session closes it prints "closed <reason>" and exits 3.
 */
import { Effect } from "effect"
import * as Protocol from "../../core/protocol/Protocol"
import type { Address } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"

const options = JSON.parse(process.argv[2] ?? "{}") as {
  address: Address
  key: string
  after: number
  until: number
  heartbeatMs?: number
  deadAfterMs?: number
}

const program = Effect.gen(function* () {
  const client = yield* Protocol.connect({
    transport: nodeTransport,
    address: options.address,
    identity: { service: "strategies", instance: `client-${process.pid}` },
    key: options.key,
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.deadAfterMs !== undefined ? { deadAfterMs: options.deadAfterMs } : {})
  })
  const echoed = yield* client.call({ op: "echo", value: { hello: "world" } })
  process.stdout.write(`echo ${JSON.stringify(echoed)}\n`)
  let finished = false
  let out = ""
  const flush = () => {
    if (out.length > 0) process.stdout.write(out)
    out = ""
  }
  const timer = setInterval(flush, 5)
  yield* Effect.async<void>((resume) => {
    client.onClose((reason) => {
      if (finished) return
      flush()
      process.stdout.write(`closed ${reason}\n`)
      process.exit(3)
    })
    client.subscribe(
      "events",
      options.after,
      (seq) => {
        out += `${seq}\n`
        if (seq === options.until) resume(Effect.void)
      },
      (error) => {
        if (finished) return
        flush()
        process.stdout.write(`ended ${error.reason} ${error.message}\n`)
        process.exit(4)
      }
    )
  })
  finished = true
  clearInterval(timer)
  flush()
  process.stdout.write("done\n")
})

Effect.runPromise(Effect.scoped(program)).then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(`failed ${String(error)}\n`)
    process.exit(2)
  }
)
