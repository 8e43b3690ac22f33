/**
 * The protocol's loopback check as one plain program, for runtimes the vitest matrix does not cover (Deno through
 * its Node compatibility: `node test/protocol/deno.mjs`). Over TCP and a Unix socket: a request, a refusal for a
 * wrong key, a stream replayed from a sequence and then followed live. Exits 0 and prints "ok" when all hold.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import * as Protocol from "../../core/protocol/Protocol"
import * as StreamSource from "../../core/protocol/StreamSource"
import { type Address, tcp, unix } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"

const check = (what: string, ok: boolean) => {
  if (!ok) throw new Error(`failed: ${what}`)
}

const round = (address: Address) =>
  Effect.scoped(
    Effect.gen(function* () {
      const stream = StreamSource.memory()
      for (let i = 1; i <= 1000; i++) stream.publish({ i })
      const server = yield* Protocol.serve({
        transport: nodeTransport,
        address,
        identity: { service: "accounts", instance: "loopback" },
        keys: (service) => (service === "strategies" ? "key" : undefined),
        onRequest: (session, id, body) => session.reply(id, body),
        onMessage: (_session, body) => {
          stream.publish(body)
        },
        streams: () => stream
      })
      const options = {
        transport: nodeTransport,
        address: server.address,
        identity: { service: "strategies", instance: "loopback" },
        key: "key"
      }
      const client = yield* Protocol.connect(options)
      check("echo", JSON.stringify(yield* client.call({ hello: [1, 2] })) === '{"hello":[1,2]}')
      const refused = yield* Effect.either(Effect.scoped(Protocol.connect({ ...options, key: "wrong" })))
      check("refusal", Either.isLeft(refused) && refused.left.close === "Unauthenticated")
      const seqs = yield* Effect.async<Array<number>>((resume) => {
        const seen: Array<number> = []
        client.subscribe("events", 990, (seq) => {
          seen.push(seq)
          if (seq === 1000) for (let i = 1001; i <= 1010; i++) client.send({ i })
          if (seq === 1010) resume(Effect.succeed(seen))
        })
      })
      check("resume", seqs.join() === Array.from({ length: 20 }, (_, n) => 991 + n).join())
    })
  )

const dir = mkdtempSync(join(tmpdir(), "meridian-loopback-"))
Effect.runPromise(
  Effect.gen(function* () {
    yield* round(tcp("127.0.0.1", 0))
    yield* round(unix(join(dir, "loopback.sock")))
  }).pipe(Effect.timeout("30 seconds"))
).then(
  () => {
    rmSync(dir, { recursive: true, force: true })
    console.log("ok")
    process.exit(0)
  },
  (error) => {
    rmSync(dir, { recursive: true, force: true })
    console.error(error)
    process.exit(1)
  }
)
