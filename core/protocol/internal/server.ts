import { Duration, Effect, Either, Schedule, type Scope } from "effect"
import type { CloseReason, Server, ServerOptions, Session } from "../Protocol"
import { ProtocolError } from "../ProtocolError"
import type { StreamEvent, StreamSource } from "../StreamSource"
import { type Connection, formatAddress } from "../Transport"
import { FrameType, readSeq, readU32 } from "./frames"
import {
  Close,
  clientProofInput,
  decodeControl,
  encodeControl,
  Hello,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  sameBytes,
  serverProofInput
} from "./handshake"
import { errorMessage, keyBytes, type Logger, makeLogger, resolveLimits } from "./limits"
import { Link } from "./link"

const MAX_SUBSCRIPTIONS = 4096

interface Sub {
  readonly id: number
  readonly topic: string
  readonly source: StreamSource
  nextSeq: number
  live: boolean
  /** A read or a wait for the socket is in flight. */
  busy: boolean
  ended: boolean
  stop: () => void
}

interface ServerState {
  readonly options: ServerOptions
  readonly log: Logger
  readonly conns: Set<ServerSession>
  readonly closed: Record<string, number>
  nextId: number
}

const isPromise = <A>(value: unknown): value is Promise<A> =>
  typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function"

class ServerSession implements Session {
  id = 0
  peer = { service: "", instance: "" }
  readonly link: Link
  readonly remote: string
  private readonly nonce: Uint8Array
  private readonly subs = new Map<number, Sub>()
  private drainWaiters: Array<() => void> = []
  private readonly lowWater: number
  private readonly batch: number

  constructor(
    private readonly server: ServerState,
    connection: Connection
  ) {
    const { options } = server
    this.remote = connection.remote
    this.link = new Link(connection, resolveLimits(options), {
      frame: (bytes, start, end) => this.frame(bytes, start, end),
      closed: (reason, message, byPeer) => this.closed(reason, message, byPeer),
      drain: () => {
        const waiters = this.drainWaiters
        this.drainWaiters = []
        for (const waiter of waiters) waiter()
      }
    })
    this.lowWater = Math.max(64 * 1024, Math.min(this.link.limits.maxQueuedBytes / 4, 1024 * 1024))
    this.batch = options.replayBatch ?? 1024
    this.nonce = options.transport.randomBytes(NONCE_BYTES)
    this.link.writer.frame(
      FrameType.Challenge,
      encodeControl({
        version: PROTOCOL_VERSION,
        service: options.identity.service,
        instance: options.identity.instance,
        nonce: this.nonce
      })
    )
  }

  // --- Session, for the application

  readonly reply = (id: number, value: unknown): void => {
    if (this.link.closed) return
    if (this.link.sendWithId(FrameType.Response, id, value)) this.link.checkBound()
  }

  readonly replyEncoded = (id: number, body: Uint8Array, start: number, end: number): void => {
    const link = this.link
    if (link.closed) return
    if (end - start + 13 > link.limits.maxFrameBytes) {
      link.close("Encode", `a message of ${end - start} bytes exceeds the frame limit of ${link.limits.maxFrameBytes}`)
      return
    }
    link.writer.withId(FrameType.Response, id, body, start, end)
    link.checkBound()
  }

  readonly fail = (id: number, error: unknown): void => {
    if (this.link.closed) return
    if (this.link.sendWithId(FrameType.Failure, id, error)) this.link.checkBound()
  }

  readonly isOpen = (): boolean => this.link.open

  readonly buffered = (): number => this.link.writer.queued()

  readonly whenWritable = (callback: () => void): void => {
    const link = this.link
    if (link.closed) return
    // Past the low-water mark a write has returned false, so the transport will say when it drains.
    if (link.writer.queued() > this.lowWater) link.writer.flush()
    if (link.connection.buffered() <= this.lowWater) queueMicrotask(callback)
    else this.drainWaiters.push(callback)
  }

  readonly close = (message = "closed by the server"): void => this.link.close("Shutdown", message)

  // --- frames

  private frame(bytes: Uint8Array, start: number, end: number): void {
    const type = bytes[start]!
    const link = this.link
    if (!link.open) {
      if (type === FrameType.Hello) this.hello(bytes.subarray(start + 1, end))
      else if (type === FrameType.Close) this.peerClose(bytes, start, end)
      else link.close("Unexpected", `frame type ${type} before the handshake`)
      return
    }
    switch (type) {
      case FrameType.Request: {
        if (!link.holds(start, end, 5, "request")) return
        const id = readU32(bytes, start + 1)
        const body = link.decode(bytes, start + 5, end)
        if (link.closed) return
        const onRequest = this.server.options.onRequest
        if (onRequest === undefined) this.fail(id, { _tag: "NoHandler", message: "this server takes no requests" })
        else onRequest(this, id, body)
        return
      }
      case FrameType.Message: {
        const body = link.decode(bytes, start + 1, end)
        if (link.closed) return
        this.server.options.onMessage?.(this, body)
        return
      }
      case FrameType.Heartbeat:
        return
      case FrameType.Subscribe: {
        if (!link.holds(start, end, 13, "subscribe")) return
        const subId = readU32(bytes, start + 1)
        const after = readSeq(bytes, start + 5)
        const topic = link.decode(bytes, start + 13, end)
        if (link.closed) return
        if (typeof topic !== "string" || !Number.isSafeInteger(after)) {
          link.close("Malformed", "subscribe: the topic must be a string and the sequence a safe integer")
          return
        }
        this.subscribe(subId, topic, after)
        return
      }
      case FrameType.Unsubscribe: {
        if (!link.holds(start, end, 5, "unsubscribe")) return
        const sub = this.subs.get(readU32(bytes, start + 1))
        if (sub !== undefined) this.endSub(sub)
        return
      }
      case FrameType.Close:
        this.peerClose(bytes, start, end)
        return
      default:
        link.close("Unexpected", `frame type ${type} is not one a client sends`)
        return
    }
  }

  private peerClose(bytes: Uint8Array, start: number, end: number): void {
    const close = decodeControl(Close, bytes.subarray(start + 1, end))
    if (Either.isLeft(close)) this.link.close("Malformed", `close: ${close.left}`)
    else this.link.closedByPeer(close.right.reason, close.right.message)
  }

  private hello(bytes: Uint8Array): void {
    const { options } = this.server
    const link = this.link
    const decoded = decodeControl(Hello, bytes)
    if (Either.isLeft(decoded)) {
      link.close("Malformed", `hello: ${decoded.left}`)
      return
    }
    const hello = decoded.right
    this.peer = { service: hello.service, instance: hello.instance }
    if (hello.version !== PROTOCOL_VERSION) {
      link.close("Version", `the server speaks protocol version ${PROTOCOL_VERSION}, the client ${hello.version}`)
      return
    }
    const key = options.keys(hello.service)
    if (key === undefined) {
      link.close("Unauthenticated", `no key for service "${hello.service}"`)
      return
    }
    const secret = keyBytes(key)
    const expected = options.transport.hmac(
      secret,
      clientProofInput(this.nonce, hello.nonce, hello.service, hello.instance)
    )
    if (!sameBytes(expected, hello.proof)) {
      link.close("Unauthenticated", `wrong key for service "${hello.service}"`)
      return
    }
    link.writer.frame(
      FrameType.Welcome,
      encodeControl({ proof: options.transport.hmac(secret, serverProofInput(hello.nonce, this.nonce)) })
    )
    link.open = true
    this.id = this.server.nextId++
    this.server.log("Info", "protocol session open", this.annotations())
    options.onSession?.(this)
  }

  // --- streams

  private subscribe(subId: number, topic: string, after: number): void {
    if (this.subs.has(subId)) {
      this.link.close("Unexpected", `subscription ${subId} is already open`)
      return
    }
    const refuse = (reason: "UnknownTopic" | "Failed", message: string) => {
      this.link.sendWithId(FrameType.SubscribeFailed, subId, { reason, message })
    }
    if (this.subs.size >= MAX_SUBSCRIPTIONS) {
      refuse("Failed", `more than ${MAX_SUBSCRIPTIONS} subscriptions`)
      return
    }
    let source: StreamSource | undefined
    try {
      source = this.server.options.streams?.(topic, this)
    } catch (cause) {
      refuse("Failed", errorMessage(cause))
      return
    }
    if (source === undefined) {
      refuse("UnknownTopic", `no stream "${topic}"`)
      return
    }
    const sub: Sub = {
      id: subId,
      topic,
      source,
      nextSeq: Math.max(after, 0) + 1,
      live: false,
      busy: false,
      ended: false,
      stop: () => {}
    }
    this.subs.set(subId, sub)
    sub.stop = source.subscribe((seq, value) => {
      if (!sub.live || sub.ended) return
      if (seq !== sub.nextSeq) {
        if (seq < sub.nextSeq) return
        // Behind the source: read the log again from where this subscription is.
        sub.live = false
        return this.pump(sub)
      }
      sub.nextSeq = seq + 1
      this.event(sub, seq, value)
    })
    this.pump(sub)
  }

  private event(sub: Sub, seq: number, value: unknown): void {
    const link = this.link
    if (link.closed) return
    if (link.sendWithIdSeq(FrameType.Event, sub.id, seq, value)) link.checkBound()
  }

  /** Replay from the log while the socket keeps up, then go live. */
  private pump(sub: Sub): void {
    const link = this.link
    while (!sub.ended && !sub.busy && !link.closed) {
      if (sub.nextSeq > sub.source.lastSeq()) {
        sub.live = true
        return
      }
      if (link.writer.queued() > this.lowWater) {
        link.writer.flush()
        if (link.connection.buffered() > this.lowWater) {
          sub.busy = true
          this.drainWaiters.push(() => {
            sub.busy = false
            this.pump(sub)
          })
          return
        }
      }
      let events: ReadonlyArray<StreamEvent> | Promise<ReadonlyArray<StreamEvent>>
      try {
        events = sub.source.read(sub.nextSeq, this.batch)
      } catch (cause) {
        this.endSub(sub, "Failed", `reading "${sub.topic}": ${errorMessage(cause)}`)
        return
      }
      if (isPromise<ReadonlyArray<StreamEvent>>(events)) {
        sub.busy = true
        events.then(
          (read) => {
            sub.busy = false
            if (this.deliver(sub, read)) this.pump(sub)
          },
          (cause) => this.endSub(sub, "Failed", `reading "${sub.topic}": ${errorMessage(cause)}`)
        )
        return
      }
      if (!this.deliver(sub, events)) return
    }
  }

  private deliver(sub: Sub, events: ReadonlyArray<StreamEvent>): boolean {
    if (sub.ended || this.link.closed) return false
    if (events.length === 0) {
      if (sub.nextSeq > sub.source.lastSeq()) return true
      this.endSub(sub, "Gap", `"${sub.topic}" holds nothing from sequence ${sub.nextSeq}`)
      return false
    }
    for (const event of events) {
      if (event.seq < sub.nextSeq) continue
      if (event.seq !== sub.nextSeq) {
        this.endSub(sub, "Gap", `"${sub.topic}" asked from sequence ${sub.nextSeq}, the source has ${event.seq} next`)
        return false
      }
      sub.nextSeq = event.seq + 1
      this.event(sub, event.seq, event.value)
      if (this.link.closed) return false
      // The rest of a batch of large events waits for the socket (`pump` reads it again): queued whole, it could
      // pass the slow-consumer bound of a peer that is only being replayed to.
      if (this.link.writer.queued() > this.lowWater) return true
    }
    return true
  }

  private endSub(sub: Sub, reason?: "Gap" | "Failed", message?: string): void {
    if (sub.ended) return
    sub.ended = true
    sub.stop()
    this.subs.delete(sub.id)
    if (reason !== undefined && !this.link.closed) {
      this.link.sendWithId(FrameType.SubscribeFailed, sub.id, { reason, message })
    }
  }

  // --- lifecycle

  private annotations(): Record<string, unknown> {
    return { session: this.id, service: this.peer.service, instance: this.peer.instance, remote: this.remote }
  }

  private closed(reason: CloseReason, message: string, byPeer: boolean): void {
    const { server } = this
    for (const sub of this.subs.values()) {
      sub.ended = true
      sub.stop()
    }
    this.subs.clear()
    this.drainWaiters = []
    server.conns.delete(this)
    server.closed[reason] = (server.closed[reason] ?? 0) + 1
    const fault = reason !== "Shutdown" && reason !== "Disconnected"
    server.log(fault ? "Warning" : "Info", `protocol session closed: ${reason}: ${message}`, {
      ...this.annotations(),
      reason,
      byPeer
    })
    server.options.onClose?.(this.id === 0 ? undefined : this, reason, message)
  }
}

export const serve = (options: ServerOptions): Effect.Effect<Server, ProtocolError, Scope.Scope> =>
  Effect.gen(function* () {
    const limits = resolveLimits(options)
    const state: ServerState = {
      options,
      log: yield* makeLogger,
      conns: new Set(),
      closed: {},
      nextId: 1
    }
    const onConnection = (connection: Connection) => {
      state.conns.add(new ServerSession(state, connection))
    }
    const listener = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => options.transport.listen(options.address, onConnection),
        catch: (cause) =>
          new ProtocolError({
            reason: "Listen",
            message: `listening on ${formatAddress(options.address)}: ${errorMessage(cause)}`
          })
      }),
      (listener) =>
        Effect.promise(async () => {
          for (const conn of [...state.conns]) conn.link.close("Shutdown", "the server is shutting down")
          await listener.close().catch(() => undefined)
        })
    )
    yield* Effect.forkScoped(
      Effect.repeat(
        Effect.sync(() => {
          for (const conn of state.conns) conn.link.tick()
        }),
        Schedule.spaced(Duration.millis(limits.heartbeatMs))
      )
    )
    state.log("Info", `protocol server listening on ${formatAddress(listener.address)}`, {
      service: options.identity.service,
      instance: options.identity.instance
    })
    return {
      address: listener.address,
      sessions: () => [...state.conns].filter((conn) => conn.link.open),
      stats: () => ({
        sessions: [...state.conns].filter((conn) => conn.link.open).length,
        closed: { ...state.closed }
      })
    }
  })
