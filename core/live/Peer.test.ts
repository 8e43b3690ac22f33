import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Exit, Scope } from "effect"
import { nodeTransport } from "../../runtimes/node/NodeTransport"
import * as Protocol from "../protocol/Protocol"
import * as StreamSource from "../protocol/StreamSource"
import { tcp } from "../protocol/Transport"
import * as Peer from "./Peer"

const KEY = "peer-test-key"
const limits = { heartbeatMs: 50, deadAfterMs: 2_000 }

/** A server on `port` whose stream holds `events` values 1..events and which answers requests only if `answers`. */
const startServer = (port: number, events: number, answers: boolean) =>
  Effect.gen(function* () {
    const scope = yield* Scope.make()
    const stream = StreamSource.memory()
    for (let i = 1; i <= events; i++) stream.publish(i)
    const server = yield* Protocol.serve({
      transport: nodeTransport,
      address: tcp("127.0.0.1", port),
      identity: { service: "accounts", instance: `a-${port === 0 ? 1 : 2}` },
      keys: (service) => (service === "strategies" ? KEY : undefined),
      ...limits,
      onRequest: (session, id, body) => {
        if (!answers) return
        const { n } = body as { n: number }
        if (n < 0) session.fail(id, { _tag: "Negative" })
        else session.reply(id, n * 2)
      },
      streams: (topic) => (topic === "events" ? stream : undefined)
    }).pipe(Scope.extend(scope))
    return { server, scope, port: server.address._tag === "Tcp" ? server.address.port : 0 }
  })

describe("Peer", () => {
  it.scopedLive("resumes topics and resends unanswered requests across a server restart", () =>
    Effect.gen(function* () {
      const first = yield* startServer(0, 5, false)
      const peer = yield* Peer.connect({
        transport: nodeTransport,
        address: tcp("127.0.0.1", first.port),
        identity: { service: "strategies", instance: "s1" },
        key: KEY,
        name: "accounts",
        backoff: { initialMs: 10, maxMs: 100 },
        ...limits
      })
      let connects = 0
      peer.onConnect(() => connects++)
      const seen: Array<number> = []
      const tenth = yield* Deferred.make<void>()
      peer.subscribe("events", 2, (seq, value) => {
        expect(value).toBe(seq)
        seen.push(seq)
        if (seq === 10) Deferred.unsafeDone(tenth, Exit.void)
      })
      const answer = yield* Effect.fork(peer.call({ n: 21 }))
      yield* Effect.repeat(Effect.sleep("10 millis"), { until: () => seen.length === 3 })
      expect(peer.connected()).toBe(true)

      // The first server goes away with the request unanswered; the second holds events 1..10.
      yield* Scope.close(first.scope, Exit.void)
      const second = yield* startServer(first.port, 10, true)
      yield* Deferred.await(tenth)
      expect(seen).toEqual([3, 4, 5, 6, 7, 8, 9, 10])
      expect(yield* answer.await.pipe(Effect.flatten)).toBe(42)
      expect(connects).toBe(2)
      expect(peer.server()?.instance).toBe("a-2")

      const failed = yield* Effect.either(peer.call({ n: -1 }))
      expect(failed._tag === "Left" && failed.left.error).toEqual({ _tag: "Negative" })
      yield* Scope.close(second.scope, Exit.void)
    })
  )

  it.scopedLive("ends a subscription for good when the server does not know the topic", () =>
    Effect.gen(function* () {
      const server = yield* startServer(0, 1, true)
      const peer = yield* Peer.connect({
        transport: nodeTransport,
        address: tcp("127.0.0.1", server.port),
        identity: { service: "strategies", instance: "s1" },
        key: KEY,
        name: "accounts",
        ...limits
      })
      const ended = yield* Deferred.make<string>()
      peer.subscribe(
        "nothing",
        0,
        () => undefined,
        (error) => Deferred.unsafeDone(ended, Exit.succeed(error.reason))
      )
      expect(yield* Deferred.await(ended)).toBe("UnknownTopic")
      yield* Scope.close(server.scope, Exit.void)
    })
  )
})
