/**
 * Wire protocol between two processes on loopback. This process is the client; it starts a server process (this
 * file with `server`) that runs a protocol server and a bare `node:net` echo server.
 *
 * - `msgs_per_s`: one-way throughput of a stream: the client subscribes from sequence 0 to a topic of 1,000,000
 *   domain quotes (≈100 bytes each in their frame) and counts decoded events; the server replays them paced by
 *   the socket, in one write per turn.
 * - `send_msgs_per_s`: one-way the other way: the client `send`s 1,000,000 messages, pacing on `whenWritable`,
 *   until the server has counted them all.
 * - `rtt_p50_us` / `bare_rtt_p50_us` / `rtt_p50_ratio`: ping-pong of one request and its response against the bare
 *   echo of a buffer of the same size (interleaved rounds, so both see the same machine load).
 * - `stream_client_cpu_ns` / `stream_server_cpu_ns`: CPU time (user + system) per event of the stream, in each
 *   process. On a shared machine the throughput follows the load of other jobs; these move much less with it.
 *
 * Runs on Node (`npm run bench -- protocol`) and Bun (`npx bun bench/protocol.ts`). The last line is one JSON object.
 */
import { spawn } from "node:child_process"
import * as net from "node:net"
import { createInterface } from "node:readline"
import { Effect, Redacted } from "effect"
import { Packr } from "msgpackr"
import * as Protocol from "../core/protocol/Protocol"
import type { StreamEvent, StreamSource } from "../core/protocol/StreamSource"
import { tcp } from "../core/protocol/Transport"
import { nodeTransport } from "../runtimes/node/NodeTransport"

const EVENTS = 1_000_000
const SENDS = 1_000_000
const ROUNDS = 10
const PINGS_PER_ROUND = 2_000
const KEY = Redacted.make("bench-key")
const runtime = (globalThis as { Bun?: unknown }).Bun !== undefined ? "bun" : "node"

/** A domain `Quote` as a feed handler publishes it, with its feed tag: ≈100 bytes in its frame. */
const quote = (seq: number) => ({
  _tag: "Quote",
  instrumentId: "XNAS:AAPL",
  ts: 1_700_000_000_000_000 + seq * 1000,
  bidPrice: 18_950 + (seq % 7),
  bidSize: 300,
  askPrice: 18_952 + (seq % 5),
  askSize: 500,
  source: "itch-5.0/primary/XNAS/AAPL/session-2026-12-07/q"
})

/** A topic of `EVENTS` quotes made on demand, so the server's memory does not hold them. */
const quotes: StreamSource = {
  lastSeq: () => EVENTS,
  read: (fromSeq, max) => {
    const events: Array<StreamEvent> = []
    for (let seq = fromSeq; seq <= EVENTS && events.length < max; seq++) events.push({ seq, value: quote(seq) })
    return events
  },
  subscribe: () => () => {}
}

const server = Effect.gen(function* () {
  let received = 0
  const proto = yield* Protocol.serve({
    transport: nodeTransport,
    address: tcp("127.0.0.1", 0),
    identity: { service: "bench-server", instance: "1" },
    keys: () => KEY,
    maxQueuedBytes: 64 * 1024 * 1024,
    onRequest: (session, id, body) => {
      if (body === "count") session.reply(id, received)
      else if (body === "cpu") session.reply(id, cpuMicros())
      else session.reply(id, body)
    },
    onMessage: () => {
      received++
    },
    streams: (topic) => (topic === "quotes" ? quotes : undefined)
  })
  const bare = net.createServer({ noDelay: true }, (socket) => socket.on("data", (chunk) => socket.write(chunk)))
  yield* Effect.promise(() => new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve)))
  const barePort = (bare.address() as net.AddressInfo).port
  const port = proto.address._tag === "Tcp" ? proto.address.port : 0
  console.log(JSON.stringify({ port, barePort }))
  yield* Effect.never
})

const cpuMicros = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.floor((sorted.length - 1) * p)]!

const client = Effect.gen(function* () {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "server"], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
  const ports = yield* Effect.promise(
    () =>
      new Promise<{ port: number; barePort: number }>((resolve) => {
        const lines = createInterface({ input: child.stdout! })
        lines.on("line", (line) => {
          if (line.startsWith("{")) resolve(JSON.parse(line))
        })
      })
  )
  const c = yield* Protocol.connect({
    transport: nodeTransport,
    address: tcp("127.0.0.1", ports.port),
    identity: { service: "bench-client", instance: "1" },
    key: KEY,
    maxQueuedBytes: 64 * 1024 * 1024
  })
  const payloadBytes = measurePayload()

  const serverCpu = () => Effect.map(c.call("cpu"), Number)
  const serverCpuBefore = yield* serverCpu()
  const clientCpuBefore = cpuMicros()
  // One way, server → client: a stream replayed from the start.
  const streamMs = yield* Effect.promise(
    () =>
      new Promise<number>((resolve, reject) => {
        const start = performance.now()
        let count = 0
        c.subscribe(
          "quotes",
          0,
          () => {
            if (++count === EVENTS) resolve(performance.now() - start)
          },
          reject
        )
      })
  )

  const clientCpu = cpuMicros() - clientCpuBefore
  const serverCpuUsed = (yield* serverCpu()) - serverCpuBefore

  // One way, client → server: sends paced by the socket.
  const sendMs = yield* Effect.promise(
    () =>
      new Promise<number>((resolve) => {
        const start = performance.now()
        let sent = 0
        const pump = () => {
          while (sent < SENDS) {
            sent++
            if (!c.send(quote(sent))) return c.whenWritable(pump)
          }
          const poll = () =>
            c.request("count", (_error, value) => {
              if (value === SENDS) resolve(performance.now() - start)
              else setTimeout(poll, 1)
            })
          poll()
        }
        pump()
      })
  )

  // Round trips: ours and the bare echo, interleaved.
  const body = quote(1)
  const frameBytes = payloadBytes - 4
  const bare = yield* Effect.promise(
    () =>
      new Promise<net.Socket>((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port: ports.barePort, noDelay: true }, () => resolve(socket))
      })
  )
  yield* Effect.addFinalizer(() => Effect.sync(() => bare.destroy()))
  const ping = Buffer.alloc(frameBytes, 7)
  const bareRound = (samples: Array<number>) =>
    new Promise<void>((resolve) => {
      let got = 0
      let left = PINGS_PER_ROUND
      let start = performance.now()
      const onData = (chunk: Buffer) => {
        got += chunk.length
        if (got < frameBytes) return
        got = 0
        samples.push(performance.now() - start)
        if (--left === 0) {
          bare.off("data", onData)
          return resolve()
        }
        start = performance.now()
        bare.write(ping)
      }
      bare.on("data", onData)
      bare.write(ping)
    })
  const ourRound = (samples: Array<number>) =>
    new Promise<void>((resolve) => {
      let left = PINGS_PER_ROUND
      let start = performance.now()
      const onReply = () => {
        samples.push(performance.now() - start)
        if (--left === 0) return resolve()
        start = performance.now()
        c.request(body, onReply)
      }
      c.request(body, onReply)
    })
  const ours: Array<number> = []
  const bares: Array<number> = []
  for (let round = 0; round < ROUNDS; round++) {
    yield* Effect.promise(() => bareRound(bares))
    yield* Effect.promise(() => ourRound(ours))
  }
  ours.sort((a, b) => a - b)
  bares.sort((a, b) => a - b)
  const rtt = percentile(ours, 0.5) * 1000
  const bareRtt = percentile(bares, 0.5) * 1000
  return {
    bench: "protocol",
    runtime,
    payload_bytes: payloadBytes,
    msgs_per_s: Math.round(EVENTS / (streamMs / 1000)),
    stream_client_cpu_ns: Math.round((clientCpu * 1000) / EVENTS),
    stream_server_cpu_ns: Math.round((serverCpuUsed * 1000) / EVENTS),
    send_msgs_per_s: Math.round(SENDS / (sendMs / 1000)),
    rtt_p50_us: Math.round(rtt * 10) / 10,
    rtt_p99_us: Math.round(percentile(ours, 0.99) * 10_000) / 10,
    bare_rtt_p50_us: Math.round(bareRtt * 10) / 10,
    rtt_p50_ratio: Math.round((rtt / bareRtt) * 100) / 100
  }
})

/** Bytes of one quote's body once its record structure is known (what the stream sends per event). */
function measurePayload(): number {
  const packr = new Packr({ useRecords: true, sequential: true, mapsAsObjects: true })
  packr.pack(quote(1))
  return packr.pack(quote(2)).length + 13 // length, type, subscription, sequence
}

if (process.argv[2] === "server") {
  Effect.runFork(Effect.scoped(server))
} else {
  Effect.runPromise(Effect.scoped(client)).then(
    (result) => {
      console.log(JSON.stringify(result))
      process.exit(0)
    },
    (error) => {
      console.error(error)
      process.exit(1)
    }
  )
}
