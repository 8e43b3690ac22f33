import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Redacted } from "effect"
import { Packr } from "msgpackr"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import { FrameReader, FrameWriter } from "./internal/frames"
import * as Protocol from "./Protocol"
import * as StreamSource from "./StreamSource"
import { type Connection, tcp } from "./Transport"

const plainPackr = new Packr({ useRecords: false })
const keys = (service: string) => (service === "strategies" ? Redacted.make("strategies-secret") : undefined)
const limits = { heartbeatMs: 50, deadAfterMs: 2000 }

const startServer = (stream: StreamSource.MemoryStream) =>
  Protocol.serve({
    transport: nodeTransport,
    address: tcp("127.0.0.1", 0),
    identity: { service: "accounts", instance: "a1" },
    keys,
    ...limits,
    onRequest: (session, id, body) => {
      const b = body as { op: string; n?: number }
      if (b.op === "double") session.reply(id, { n: (b.n ?? 0) * 2 })
      else if (b.op === "encoded") {
        // Encoded by the caller as plain msgpack, behind a byte that is not part of it.
        const body = plainPackr.pack({ n: (b.n ?? 0) * 2, tag: "encoded" })
        const bytes = new Uint8Array(body.length + 1)
        bytes.set(body, 1)
        session.replyEncoded(id, bytes, 1, bytes.length)
      } else if (b.op === "later") setTimeout(() => session.reply(id, "late"), 5)
      else session.fail(id, { _tag: "Rejected", reason: "UnknownOp", message: b.op })
    },
    onMessage: (_session, body) => {
      stream.publish(body)
    },
    streams: (topic) => (topic === "events" ? stream : undefined)
  })

const client = (port: number, overrides: Partial<Protocol.ClientOptions> = {}) =>
  Protocol.connect({
    transport: nodeTransport,
    address: tcp("127.0.0.1", port),
    identity: { service: "strategies", instance: "s1" },
    key: Redacted.make("strategies-secret"),
    ...limits,
    ...overrides
  })

const portOf = (server: Protocol.Server) => (server.address._tag === "Tcp" ? server.address.port : 0)

/** Collect `count` events of `topic` after `after`. */
const collect = (c: Protocol.Client, topic: string, after: number, count: number) =>
  Effect.async<Array<[number, unknown]>, Protocol.SubscribeError>((resume) => {
    const seen: Array<[number, unknown]> = []
    const sub = c.subscribe(
      topic,
      after,
      (seq, value) => {
        seen.push([seq, value])
        if (seen.length === count) {
          sub.unsubscribe()
          resume(Effect.succeed(seen))
        }
      },
      (error) => resume(Effect.fail(error))
    )
  })

describe("Protocol", () => {
  it.scopedLive("answers requests, in order, with values and typed failures", () =>
    Effect.gen(function* () {
      const server = yield* startServer(StreamSource.memory())
      const c = yield* client(portOf(server))
      expect(c.server).toEqual({ service: "accounts", instance: "a1" })
      expect(yield* c.call({ op: "double", n: 21 })).toEqual({ n: 42 })
      expect(yield* c.call({ op: "later" })).toBe("late")
      // An answer the server encoded itself, between packed ones that keep using the session's structures.
      expect(yield* c.call({ op: "encoded", n: 4 })).toEqual({ n: 8, tag: "encoded" })
      expect(yield* c.call({ op: "double", n: 5 })).toEqual({ n: 10 })
      const failed = yield* Effect.either(c.call({ op: "nope" }))
      expect(Either.isLeft(failed) && failed.left._tag === "RemoteError" && failed.left.error).toEqual({
        _tag: "Rejected",
        reason: "UnknownOp",
        message: "nope"
      })
      const many = yield* Effect.all(
        Array.from({ length: 1000 }, (_, n) => c.call({ op: "double", n })),
        { concurrency: "unbounded" }
      )
      expect(many.map((r) => (r as { n: number }).n)).toEqual(Array.from({ length: 1000 }, (_, n) => n * 2))
      expect(server.stats().sessions).toBe(1)
    })
  )

  it.scopedLive("streams a topic from any sequence: replay, then live, without gap or repeat", () =>
    Effect.gen(function* () {
      const stream = StreamSource.memory()
      for (let i = 1; i <= 5000; i++) stream.publish({ i, text: `event ${i}` })
      const server = yield* startServer(stream)
      const c = yield* client(portOf(server))
      const first = yield* collect(c, "events", 0, 100)
      expect(first.map(([seq]) => seq)).toEqual(Array.from({ length: 100 }, (_, n) => n + 1))
      // Resume after 4990: the last 10 from the log, then 10 sent live through one-way messages.
      const fiber = yield* Effect.fork(collect(c, "events", 4990, 20))
      yield* Effect.sleep(20)
      for (let i = 5001; i <= 5010; i++) c.send({ i, text: `event ${i}` })
      const rest = yield* fiber
      expect(rest.map(([seq]) => seq)).toEqual(Array.from({ length: 20 }, (_, n) => 4991 + n))
      expect(rest.map(([, value]) => (value as { i: number }).i)).toEqual(rest.map(([seq]) => seq))
      const unknown = yield* Effect.either(collect(c, "nope", 0, 1))
      expect(Either.isLeft(unknown) && unknown.left.reason).toBe("UnknownTopic")
    })
  )

  it.scopedLive("ends a subscription with Gap when the source no longer holds what was asked", () =>
    Effect.gen(function* () {
      const stream = StreamSource.memory({ retain: 10 })
      for (let i = 1; i <= 50; i++) stream.publish(i)
      const server = yield* startServer(stream)
      const c = yield* client(portOf(server))
      const gap = yield* Effect.either(collect(c, "events", 5, 1))
      expect(Either.isLeft(gap) && gap.left.reason).toBe("Gap")
      expect((yield* collect(c, "events", 45, 5)).map(([seq]) => seq)).toEqual([46, 47, 48, 49, 50])
    })
  )

  it.scopedLive("refuses a wrong key, an unknown service and a wrong version, with the reason", () =>
    Effect.gen(function* () {
      const server = yield* startServer(StreamSource.memory())
      const port = portOf(server)
      const wrongKey = yield* Effect.either(client(port, { key: "guess" }))
      expect(Either.isLeft(wrongKey) && [wrongKey.left.reason, wrongKey.left.close]).toEqual([
        "Refused",
        "Unauthenticated"
      ])
      const stranger = yield* Effect.either(client(port, { identity: { service: "mallory", instance: "m" } }))
      expect(Either.isLeft(stranger) && stranger.left.message).toContain('no key for service "mallory"')
      const version = yield* Effect.either(client(port, { version: 99 }))
      expect(Either.isLeft(version) && [version.left.reason, version.left.close]).toEqual(["Refused", "Version"])
      // The server is fine and counted each refusal.
      const ok = yield* client(port)
      expect(yield* ok.call({ op: "double", n: 1 })).toEqual({ n: 2 })
      expect(server.stats().closed).toMatchObject({ Unauthenticated: 2, Version: 1 })
    })
  )

  it.scopedLive("lets the server pace a live stream on a session's buffered() and whenWritable", () =>
    Effect.gen(function* () {
      const stream = StreamSource.memory()
      let session: Protocol.Session | undefined
      let queuedAfterReply = 0
      const server = yield* Protocol.serve({
        transport: nodeTransport,
        address: tcp("127.0.0.1", 0),
        identity: { service: "market-data", instance: "m1" },
        keys,
        ...limits,
        // Published at once, the stream below would drop the subscriber as a slow consumer; paced, it gets it all.
        maxQueuedBytes: 256 * 1024,
        onSession: (s) => {
          session = s
        },
        onRequest: (s, id) => {
          s.reply(id, "ok")
          queuedAfterReply = s.buffered()
        },
        streams: () => stream
      })
      const c = yield* client(portOf(server))
      expect(yield* c.call("ping")).toBe("ok")
      expect(queuedAfterReply).toBeGreaterThan(0) // the reply waits for the end of the turn
      const paced = session!
      // 20 MB: more than the kernel's socket buffers on loopback take, so the socket does push back.
      const total = 10_000
      const payload = "x".repeat(2000)
      const seen: Array<[number, unknown]> = []
      let heard: (seq: number) => void = () => {}
      c.subscribe("quotes", 0, (seq, value) => {
        seen.push([seq, value])
        heard(seq)
      })
      const received = (seq: number) =>
        Effect.async<void>((resume) => {
          if (seen.length >= seq) return resume(Effect.void)
          heard = (at) => {
            if (at === seq) resume(Effect.void)
          }
        })
      // The first event makes sure the subscription follows the stream live: the rest is paced on the socket.
      const first = yield* Effect.fork(received(1))
      stream.publish({ n: 1, payload })
      yield* first
      const all = yield* Effect.fork(received(total))
      let waits = 0
      yield* Effect.async<void>((resume) => {
        let n = 1
        const publish = () => {
          while (n < total) {
            if (paced.buffered() > 128 * 1024) {
              waits++
              return paced.whenWritable(publish)
            }
            stream.publish({ n: ++n, payload })
          }
          resume(Effect.void)
        }
        publish()
      })
      yield* all
      expect(seen.length).toBe(total)
      expect(seen.every(([seq, value]) => (value as { n: number }).n === seq)).toBe(true)
      expect(waits).toBeGreaterThan(0)
      expect(paced.isOpen()).toBe(true)
      expect(server.stats().closed.SlowConsumer).toBeUndefined()
    })
  )

  it.scopedLive("fails pending requests when the server goes away", () =>
    Effect.gen(function* () {
      const c = yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* Protocol.serve({
            transport: nodeTransport,
            address: tcp("127.0.0.1", 0),
            identity: { service: "accounts", instance: "a1" },
            keys,
            onRequest: () => {}
          })
          const c = yield* client(portOf(server))
          return { c, pending: yield* Effect.fork(c.call("never answered")) }
        })
      )
      const result = yield* Effect.either(c.pending.await.pipe(Effect.flatten))
      expect(Either.isLeft(result) && result.left._tag).toBe("ProtocolError")
    })
  )
})

describe("FrameWriter", () => {
  /** A transport that keeps what it is given and says it holds it until `written()`. */
  const holding = () => {
    const writes: Array<Uint8Array> = []
    let held = 0
    const connection: Connection = {
      remote: "test",
      write: (bytes) => {
        writes.push(bytes)
        held += bytes.length
      },
      buffered: () => held,
      listen: () => {},
      end: () => {},
      destroy: () => {}
    }
    return { connection, writes, written: () => (held = 0) }
  }

  it("reuses a written buffer only once the transport holds nothing of it", () => {
    const t = holding()
    const writer = new FrameWriter(t.connection)
    writer.withId(17, 1, new Uint8Array([1, 2, 3]))
    writer.flush()
    const first = [...t.writes[0]!]
    // Still held by the transport: the next frames go elsewhere and the first bytes stay as they were.
    writer.withId(17, 2, new Uint8Array([4, 5, 6]))
    writer.flush()
    expect([...t.writes[0]!]).toEqual(first)
    expect(t.writes[1]!.buffer).not.toBe(t.writes[0]!.buffer)
    t.written()
    writer.withIdSeq(33, 3, 2 ** 40 + 7, new Uint8Array([9, 8, 7, 6]), 1, 3)
    writer.flush()
    expect(t.writes[2]!.buffer).toBe(t.writes[1]!.buffer)
    expect([...t.writes[2]!]).toEqual([0, 0, 0, 15, 33, 0, 0, 0, 3, 0, 0, 1, 0, 0, 0, 0, 7, 8, 7])
    expect(writer.framesWritten).toBe(3)
  })
})

describe("FrameReader", () => {
  const frame = (type: number, body: Array<number>) => {
    const bytes = new Uint8Array(5 + body.length)
    new DataView(bytes.buffer).setUint32(0, 1 + body.length)
    bytes[4] = type
    bytes.set(body, 5)
    return bytes
  }

  it("finds the same frames however the bytes are cut", () => {
    const frames = [
      frame(5, []),
      frame(16, [1, 2, 3, 4, 5]),
      frame(
        19,
        Array.from({ length: 300 }, (_, i) => i)
      )
    ]
    const all = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
    let at = 0
    for (const f of frames) {
      all.set(f, at)
      at += f.length
    }
    for (const cut of [1, 2, 3, 4, 5, 7, 64, 1000]) {
      const seen: Array<Array<number>> = []
      const reader = new FrameReader(
        1024,
        (bytes, start, end) => seen.push([...bytes.subarray(start, end)]),
        () => {}
      )
      for (let i = 0; i < all.length; i += cut) reader.push(all.subarray(i, i + cut))
      expect(seen).toEqual(frames.map((f) => [...f.subarray(4)]))
      expect(reader.pending()).toBe(0)
    }
  })

  it("stops at an oversized or empty frame and says which", () => {
    const faults: Array<string> = []
    const big = new FrameReader(
      16,
      () => {},
      (fault) => faults.push(fault)
    )
    big.push(new Uint8Array([0, 0, 1, 0, 5]))
    const empty = new FrameReader(
      16,
      () => {},
      (fault) => faults.push(fault)
    )
    empty.push(new Uint8Array([0, 0, 0, 0]))
    expect(faults).toEqual(["Oversized", "Malformed"])
  })
})
