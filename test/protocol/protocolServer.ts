/**
 * A protocol server process for the cross-process tests. argv[2]: JSON options { address, heartbeatMs,
 * deadAfterMs, maxQueuedBytes, events }. Prints one JSON line { port } once listening, then logs to stderr.
 * Requests: { op: "echo", value }, { op: "publish", topic, count, bytes? }, { op: "stats" }.
 */
import { Effect, Logger } from "effect"
import * as Protocol from "../../core/protocol/Protocol"
import * as StreamSource from "../../core/protocol/StreamSource"
import type { Address } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"

const options = JSON.parse(process.argv[2] ?? "{}") as {
  address: Address
  heartbeatMs?: number
  deadAfterMs?: number
  maxQueuedBytes?: number
  events?: number
}

export const KEYS: Record<string, string> = { strategies: "strategies-key", execution: "execution-key" }

const events = StreamSource.memory({ retain: 1_000_000 })
for (let i = 1; i <= (options.events ?? 0); i++) events.publish({ i, text: `event ${i}` })
const flood = StreamSource.memory({ retain: 16 })
const topics: Record<string, StreamSource.MemoryStream> = { events, flood }

/** Publish in slices of 256 per turn, as a feed would, so that readers that keep up are never over their bound. */
const publish = (stream: StreamSource.MemoryStream, count: number, bytes: number, done: () => void) => {
  const pad = "x".repeat(bytes)
  let left = count
  const slice = () => {
    for (let n = 0; n < 256 && left > 0; n++, left--) stream.publish({ n: count - left, pad })
    if (left > 0) setImmediate(slice)
    else done()
  }
  slice()
}

const program = Effect.gen(function* () {
  const server = yield* Protocol.serve({
    transport: nodeTransport,
    address: options.address,
    identity: { service: "accounts", instance: `test-${process.pid}` },
    keys: (service) => KEYS[service],
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.deadAfterMs !== undefined ? { deadAfterMs: options.deadAfterMs } : {}),
    ...(options.maxQueuedBytes !== undefined ? { maxQueuedBytes: options.maxQueuedBytes } : {}),
    maxFrameBytes: 64 * 1024,
    onRequest: (session, id, body) => {
      const request = body as { op: string; value?: unknown; topic?: string; count?: number; bytes?: number }
      switch (request.op) {
        case "echo":
          return session.reply(id, request.value)
        case "publish": {
          const stream = topics[request.topic ?? "events"]
          if (stream === undefined) return session.fail(id, { _tag: "UnknownTopic" })
          return publish(stream, request.count ?? 1, request.bytes ?? 0, () => session.reply(id, stream.lastSeq()))
        }
        case "stats":
          return session.reply(id, { ...server.stats(), rss: process.memoryUsage.rss() })
        default:
          return session.fail(id, { _tag: "UnknownOp", op: request.op })
      }
    },
    streams: (topic) => topics[topic]
  })
  console.log(JSON.stringify({ port: server.address._tag === "Tcp" ? server.address.port : 0 }))
  yield* Effect.never
})

Effect.runFork(Effect.scoped(program).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, Logger.logfmtLogger))))
