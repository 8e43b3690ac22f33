/**
 * The protocol between real processes on loopback, over TCP and a Unix socket: a server process, client processes
 * and this process as a client. Resume after a kill, refusals, dead peers (a SIGSTOPped process) and fuzzing: the
 * server stays up, other sessions are untouched, and its memory stays bounded.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createHmac } from "node:crypto"
import { mkdtempSync, rmSync } from "node:fs"
import * as net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { Effect, Either, Exit, Scope } from "effect"
import * as esbuild from "esbuild"
import { Packr } from "msgpackr"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { FrameType } from "../../core/protocol/internal/frames"
import { clientProofInput, PROTOCOL_VERSION } from "../../core/protocol/internal/handshake"
import * as Protocol from "../../core/protocol/Protocol"
import { type Address, tcp, unix } from "../../core/protocol/Transport"
import { nodeTransport } from "../../runtimes/node/NodeTransport"

const cache = join(import.meta.dirname, "..", "..", "node_modules", ".cache", "meridian-test")
const serverJs = join(cache, "protocolServer.cjs")
const clientJs = join(cache, "protocolClient.cjs")
const KEY = "strategies-key"
let dir: string
const children = new Set<ChildProcess>()

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "meridian-protocol-"))
  await esbuild.build({
    entryPoints: {
      protocolServer: join(import.meta.dirname, "protocolServer.ts"),
      protocolClient: join(import.meta.dirname, "protocolClient.ts")
    },
    outdir: cache,
    outExtension: { ".js": ".cjs" },
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "error"
  })
})
afterEach(() => {
  for (const child of children) {
    child.kill("SIGCONT")
    child.kill("SIGKILL")
  }
  children.clear()
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Start a child; `lines` receives its stdout line by line. */
const start = (script: string, options: object, onLine: (line: string) => void = () => {}) => {
  const child = spawn(process.execPath, [script, JSON.stringify(options)], { stdio: ["ignore", "pipe", "pipe"] })
  children.add(child)
  let stderr = ""
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  createInterface({ input: child.stdout! }).on("line", onLine)
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { child, exited, stderr: () => stderr }
}

const startServer = (address: Address, options: object = {}) =>
  new Promise<{ child: ChildProcess; address: Address; stderr: () => string }>((resolve, reject) => {
    const server = start(serverJs, { address, ...options }, (line) => {
      if (!line.startsWith("{")) return
      const { port } = JSON.parse(line) as { port: number }
      resolve({
        child: server.child,
        address: address._tag === "Tcp" ? tcp(address.host, port) : address,
        stderr: server.stderr
      })
    })
    server.exited.then((code) => reject(new Error(`server exited with ${code}: ${server.stderr()}`)))
  })

/** A client in this process, open until `close`. */
const openClient = async (address: Address, overrides: Partial<Protocol.ClientOptions> = {}) => {
  const scope = Effect.runSync(Scope.make())
  const client = await Effect.runPromise(
    Scope.extend(
      Protocol.connect({
        transport: nodeTransport,
        address,
        identity: { service: "strategies", instance: "test" },
        key: KEY,
        ...overrides
      }),
      scope
    )
  )
  return { client, close: () => Effect.runPromise(Scope.close(scope, Exit.void)) }
}

const call = (client: Protocol.Client, body: unknown) => Effect.runPromise(client.call(body))

const stats = async (client: Protocol.Client) =>
  (await call(client, { op: "stats" })) as { sessions: number; closed: Record<string, number>; rss: number }

const waitFor = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const addresses = (): Array<[string, () => Address]> => [
  ["TCP", () => tcp("127.0.0.1", 0)],
  ["a Unix socket", () => unix(join(dir, `s-${Math.random().toString(36).slice(2)}.sock`))]
]

describe.each(addresses())("protocol between processes over %s", (_name, address) => {
  it("resumes a killed subscriber's stream after its last processed sequence, exactly", {
    timeout: 90_000
  }, async () => {
    const server = await startServer(address(), { events: 20_000 })
    // A first subscriber is killed mid-stream; its last printed sequence is what it processed.
    let last = 0
    let lines = 0
    const first = start(clientJs, { address: server.address, key: KEY, after: 0, until: 20_000 }, (line) => {
      if (/^\d+$/.test(line)) {
        const seq = Number(line)
        expect(seq).toBe(last + 1)
        last = seq
        if (++lines === 5_000) first.child.kill("SIGKILL")
      }
    })
    await first.exited
    expect(last).toBeGreaterThanOrEqual(5_000)
    // The second resumes after it: the rest of the log, then events published live, each once, in order.
    const seen: Array<number> = []
    let done = false
    const second = start(clientJs, { address: server.address, key: KEY, after: last, until: 21_000 }, (line) => {
      if (/^\d+$/.test(line)) seen.push(Number(line))
      if (line === "done") done = true
    })
    const { client, close } = await openClient(server.address)
    await waitFor("the replay", () => seen.length >= 20_000 - last, 60_000)
    expect(await call(client, { op: "publish", topic: "events", count: 1_000 })).toBe(21_000)
    expect(await second.exited).toBe(0)
    expect(done).toBe(true)
    expect(seen).toEqual(Array.from({ length: 21_000 - last }, (_, n) => last + 1 + n))
    await close()
  })

  it("refuses a wrong key, an unknown service and a wrong version with the reason, and serves others", {
    timeout: 60_000
  }, async () => {
    const server = await startServer(address())
    const refusal = async (overrides: Partial<Protocol.ClientOptions>) => {
      const result = await Effect.runPromise(
        Effect.either(
          Effect.scoped(
            Protocol.connect({
              transport: nodeTransport,
              address: server.address,
              identity: { service: "strategies", instance: "test" },
              key: KEY,
              ...overrides
            })
          )
        )
      )
      return Either.isLeft(result) ? [result.left.reason, result.left.close] : ["connected"]
    }
    expect(await refusal({ key: "wrong" })).toEqual(["Refused", "Unauthenticated"])
    expect(await refusal({ key: "execution-key" })).toEqual(["Refused", "Unauthenticated"])
    expect(await refusal({ identity: { service: "nobody", instance: "x" } })).toEqual(["Refused", "Unauthenticated"])
    expect(await refusal({ version: PROTOCOL_VERSION + 1 })).toEqual(["Refused", "Version"])
    const { client, close } = await openClient(server.address)
    expect(await call(client, { op: "echo", value: [1, "two"] })).toEqual([1, "two"])
    expect((await stats(client)).closed).toMatchObject({ Unauthenticated: 3, Version: 1 })
    await close()
  })
})

describe("dead peers", () => {
  it("the server drops a client that stops (SIGSTOP) within its heartbeat timeout", { timeout: 60_000 }, async () => {
    const server = await startServer(tcp("127.0.0.1", 0), { heartbeatMs: 100, deadAfterMs: 1_000, events: 10 })
    let subscribed = false
    const frozen = start(
      clientJs,
      { address: server.address, key: KEY, after: 0, until: 1_000_000, heartbeatMs: 100, deadAfterMs: 1_000 },
      (line) => {
        if (line === "10") subscribed = true
      }
    )
    const { client, close } = await openClient(server.address, { heartbeatMs: 100, deadAfterMs: 30_000 })
    await waitFor("the client's subscription", () => subscribed, 30_000)
    expect((await stats(client)).sessions).toBe(2)
    frozen.child.kill("SIGSTOP")
    const stoppedAt = Date.now()
    await waitFor("DeadPeer", async () => ((await stats(client)).closed.DeadPeer ?? 0) === 1, 30_000)
    const elapsed = Date.now() - stoppedAt
    // deadAfterMs is 1 s and the check runs every 100 ms; a busy machine delays timers, not the other way round.
    expect(elapsed).toBeGreaterThanOrEqual(800)
    expect(elapsed).toBeLessThan(20_000)
    expect((await stats(client)).sessions).toBe(1)
    await close()
  })

  it("a client detects a server that stops (SIGSTOP)", { timeout: 60_000 }, async () => {
    const server = await startServer(tcp("127.0.0.1", 0), { heartbeatMs: 100, deadAfterMs: 30_000 })
    const { client, close } = await openClient(server.address, { heartbeatMs: 100, deadAfterMs: 1_000 })
    const closed = Effect.runPromise(client.closed)
    server.child.kill("SIGSTOP")
    const stoppedAt = Date.now()
    const { reason } = await closed
    const elapsed = Date.now() - stoppedAt
    expect(reason).toBe("DeadPeer")
    expect(elapsed).toBeGreaterThanOrEqual(800)
    expect(elapsed).toBeLessThan(20_000)
    server.child.kill("SIGCONT")
    await close()
  })
})

// --- fuzzing with raw sockets

const frame = (type: number, body: Uint8Array = new Uint8Array(0), header: Array<number> = []) => {
  const bytes = Buffer.alloc(5 + header.length + body.length)
  bytes.writeUInt32BE(1 + header.length + body.length, 0)
  bytes[4] = type
  bytes.set(header, 5)
  bytes.set(body, 5 + header.length)
  return bytes
}

const control = new Packr({ useRecords: false, mapsAsObjects: true })

/** A raw connection: what it received, and whether the server closed it. */
const raw = (address: Address) =>
  new Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }>((resolve, reject) => {
    const socket = address._tag === "Tcp" ? net.connect(address.port, address.host) : net.connect(address.path)
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk) => chunks.push(chunk))
    socket.on("error", () => {})
    const closed = new Promise<void>((done) => socket.on("close", () => done()))
    socket.once("connect", () => resolve({ socket, received: () => Buffer.concat(chunks), closed }))
    socket.once("error", reject)
  })

/** Read the challenge from a raw connection and build a valid Hello for it. */
const helloFor = async (connection: { received: () => Buffer }, key = KEY, version = PROTOCOL_VERSION) => {
  await waitFor("the challenge", () => connection.received().length >= 4, 10_000)
  const bytes = connection.received()
  const length = bytes.readUInt32BE(0)
  await waitFor("the whole challenge", () => connection.received().length >= 4 + length, 10_000)
  const challenge = control.unpack(connection.received().subarray(5, 4 + length)) as { nonce: Uint8Array }
  const nonce = Buffer.alloc(32, 1)
  const proof = createHmac("sha256", key)
    .update(clientProofInput(challenge.nonce, nonce, "strategies", "raw"))
    .digest()
  return frame(FrameType.Hello, control.pack({ version, service: "strategies", instance: "raw", nonce, proof }))
}

describe("protocol fuzzing", () => {
  it("closes each bad connection with a reason; the server, its other sessions and its memory are fine", {
    timeout: 120_000
  }, async () => {
    const server = await startServer(tcp("127.0.0.1", 0), {
      maxQueuedBytes: 4 * 1024 * 1024,
      heartbeatMs: 200,
      deadAfterMs: 20_000
    })
    const { client: good, close } = await openClient(server.address)
    // A session that must stay untouched: it follows "events" throughout.
    const seen: Array<number> = []
    let ended: unknown
    good.subscribe(
      "events",
      0,
      (seq) => seen.push(seq),
      (error) => {
        ended = error
      }
    )
    const rssBefore = (await stats(good)).rss
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }

    // Random bytes, right away or after a proper handshake.
    for (let round = 0; round < 40; round++) {
      const connection = await raw(server.address)
      if (round % 2 === 1) connection.socket.write(await helloFor(connection))
      const junk = Buffer.alloc(1 + random(4096))
      for (let i = 0; i < junk.length; i++) junk[i] = random(256)
      connection.socket.write(junk)
      if (round % 4 === 0) connection.socket.end()
      await Promise.race([connection.closed, new Promise((resolve) => setTimeout(resolve, 300))])
      connection.socket.destroy()
    }
    // Oversized: a length far above the limit, before and after the handshake.
    for (const handshake of [false, true]) {
      const connection = await raw(server.address)
      if (handshake) connection.socket.write(await helloFor(connection))
      const header = Buffer.alloc(5)
      header.writeUInt32BE(512 * 1024 * 1024, 0)
      connection.socket.write(header)
      await connection.closed
    }
    // Truncated: half a frame, then the connection ends.
    for (let round = 0; round < 5; round++) {
      const connection = await raw(server.address)
      connection.socket.write(await helloFor(connection))
      const whole = frame(FrameType.Request, control.pack({ op: "echo", value: "x".repeat(500) }), [0, 0, 0, 1])
      connection.socket.end(whole.subarray(0, 10 + random(whole.length - 10)))
      await connection.closed
    }
    // Replayed: a Hello from one session into another (other nonce), and twice in one session.
    {
      const first = await raw(server.address)
      const hello = await helloFor(first)
      first.socket.write(hello)
      const second = await raw(server.address)
      await waitFor("the challenge", () => second.received().length > 0, 10_000)
      second.socket.write(hello)
      await second.closed
      first.socket.write(hello)
      await first.closed
    }
    // Wrong keys and wrong versions, raw.
    for (const [key, version] of [
      ["guess", PROTOCOL_VERSION],
      [KEY, 0],
      [KEY, 2 ** 31]
    ] as const) {
      const connection = await raw(server.address)
      connection.socket.write(await helloFor(connection, key, version))
      await connection.closed
    }
    // A slow consumer: subscribes to a flood and never reads; it is dropped, the flood finishes.
    const slow = await raw(server.address)
    slow.socket.write(await helloFor(slow))
    slow.socket.write(frame(FrameType.Subscribe, control.pack("flood"), [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]))
    slow.socket.pause()
    await new Promise((resolve) => setTimeout(resolve, 200))
    await call(good, { op: "publish", topic: "flood", count: 40_000, bytes: 1_000 })
    await waitFor("the slow consumer's drop", async () => ((await stats(good)).closed.SlowConsumer ?? 0) === 1, 30_000)
    slow.socket.destroy()

    // Meanwhile the good session is whole.
    expect(await call(good, { op: "publish", topic: "events", count: 100 })).toBe(100)
    await waitFor("the good session's events", () => seen.length === 100, 30_000)
    expect(seen).toEqual(Array.from({ length: 100 }, (_, n) => n + 1))
    expect(ended).toBeUndefined()
    const after = await stats(good)
    expect(after.sessions).toBe(1)
    expect(after.closed.Oversized).toBeGreaterThanOrEqual(2)
    expect(after.closed.Unauthenticated).toBeGreaterThanOrEqual(2)
    expect(after.closed.Version).toBe(2)
    expect(after.closed.SlowConsumer).toBe(1)
    expect((after.closed.Malformed ?? 0) + (after.closed.Unexpected ?? 0)).toBeGreaterThanOrEqual(20)
    // 40 MB went to a reader that took none of it: the server held at most its 4 MiB bound of it.
    expect(after.rss - rssBefore).toBeLessThan(150 * 1024 * 1024)
    await close()
    expect(server.child.exitCode).toBeNull()
  })
})
