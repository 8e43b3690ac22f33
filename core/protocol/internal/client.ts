import { Deferred, Duration, Effect, Either, Schedule, type Scope } from "effect"
import type { Client, ClientOptions, CloseReason, PeerIdentity, Subscription } from "../Protocol"
import { ProtocolError, RemoteError, SubscribeError } from "../ProtocolError"
import { type Connection, formatAddress } from "../Transport"
import { FrameType, readSeq, readU32 } from "./frames"
import {
  Challenge,
  Close,
  clientProofInput,
  decodeControl,
  encodeControl,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  sameBytes,
  serverProofInput,
  Welcome
} from "./handshake"
import { errorMessage, keyBytes, type Logger, makeLogger, resolveLimits } from "./limits"
import { Link } from "./link"

type Callback = (error: unknown, value: unknown) => void

interface ClientSub {
  readonly topic: string
  last: number
  readonly onEvent: (seq: number, value: unknown) => void
  readonly onEnd: ((error: SubscribeError) => void) | undefined
}

const REFUSALS: ReadonlyArray<CloseReason> = ["Version", "Unauthenticated", "Malformed", "Unexpected"]

class ClientSession {
  readonly link: Link
  server: PeerIdentity = { service: "", instance: "" }
  private readonly key: Uint8Array
  private serverNonce: Uint8Array = new Uint8Array(0)
  private readonly nonce: Uint8Array
  private readonly pending = new Map<number, Callback>()
  private readonly subs = new Map<number, ClientSub>()
  private nextRequest = 1
  private nextSub = 1
  private drainWaiters: Array<() => void> = []
  private closeListeners: Array<(reason: CloseReason, message: string) => void> = []
  private closedWith: { reason: CloseReason; message: string } | undefined
  private readonly writableBytes: number

  constructor(
    private readonly options: ClientOptions,
    connection: Connection,
    private readonly log: Logger,
    private readonly handshake: Deferred.Deferred<void, ProtocolError>
  ) {
    this.key = keyBytes(options.key)
    this.nonce = options.transport.randomBytes(NONCE_BYTES)
    this.writableBytes = Math.max(options.writableBytes ?? 1024 * 1024, 64 * 1024)
    const limits = resolveLimits(options)
    this.link = new Link(
      connection,
      { ...limits, handshakeTimeoutMs: options.connectTimeoutMs ?? 10_000 },
      {
        frame: (bytes, start, end) => this.frame(bytes, start, end),
        closed: (reason, message, byPeer) => this.closed(reason, message, byPeer),
        drain: () => {
          const waiters = this.drainWaiters
          this.drainWaiters = []
          for (const waiter of waiters) waiter()
        }
      }
    )
  }

  private frame(bytes: Uint8Array, start: number, end: number): void {
    const type = bytes[start]!
    const link = this.link
    if (type === FrameType.Close) {
      const close = decodeControl(Close, bytes.subarray(start + 1, end))
      if (Either.isLeft(close)) link.close("Malformed", `close: ${close.left}`)
      else link.closedByPeer(close.right.reason, close.right.message)
      return
    }
    if (!link.open) {
      if (type === FrameType.Challenge) {
        this.challenge(bytes.subarray(start + 1, end))
        return
      }
      if (type === FrameType.Welcome) {
        this.welcome(bytes.subarray(start + 1, end))
        return
      }
      link.close("Unexpected", `frame type ${type} before the handshake`)
      return
    }
    switch (type) {
      case FrameType.Response:
      case FrameType.Failure: {
        if (!link.holds(start, end, 5, "response")) return
        const id = readU32(bytes, start + 1)
        const body = link.decode(bytes, start + 5, end)
        if (link.closed) return
        const callback = this.pending.get(id)
        if (callback === undefined) {
          link.close("Unexpected", `a response to request ${id}, which is not pending`)
          return
        }
        this.pending.delete(id)
        if (type === FrameType.Response) callback(undefined, body)
        else callback(body ?? { message: "the request failed" }, undefined)
        return
      }
      case FrameType.Event: {
        if (!link.holds(start, end, 13, "event")) return
        const subId = readU32(bytes, start + 1)
        const seq = readSeq(bytes, start + 5)
        const body = link.decode(bytes, start + 13, end)
        if (link.closed) return
        const sub = this.subs.get(subId)
        if (sub === undefined) return // unsubscribed; events already on their way are dropped
        if (seq !== sub.last + 1) {
          this.endSub(subId, "Gap", `expected sequence ${sub.last + 1}, received ${seq}`)
          return
        }
        sub.last = seq
        sub.onEvent(seq, body)
        return
      }
      case FrameType.SubscribeFailed: {
        if (!link.holds(start, end, 5, "subscribe-failed")) return
        const subId = readU32(bytes, start + 1)
        const body = link.decode(bytes, start + 5, end) as { reason?: unknown; message?: unknown } | undefined
        if (link.closed) return
        const reason = body?.reason === "UnknownTopic" || body?.reason === "Gap" ? body.reason : "Failed"
        this.endSub(subId, reason, String(body?.message ?? "subscription failed"))
        return
      }
      case FrameType.Heartbeat:
        return
      default:
        link.close("Unexpected", `frame type ${type} is not one a server sends`)
        return
    }
  }

  private challenge(bytes: Uint8Array): void {
    const decoded = decodeControl(Challenge, bytes)
    if (Either.isLeft(decoded)) {
      this.link.close("Malformed", `challenge: ${decoded.left}`)
      return
    }
    const challenge = decoded.right
    this.server = { service: challenge.service, instance: challenge.instance }
    this.serverNonce = challenge.nonce
    const { identity, transport } = this.options
    this.link.writer.frame(
      FrameType.Hello,
      encodeControl({
        version: this.options.version ?? PROTOCOL_VERSION,
        service: identity.service,
        instance: identity.instance,
        nonce: this.nonce,
        proof: transport.hmac(
          this.key,
          clientProofInput(challenge.nonce, this.nonce, identity.service, identity.instance)
        )
      })
    )
  }

  private welcome(bytes: Uint8Array): void {
    const decoded = decodeControl(Welcome, bytes)
    if (Either.isLeft(decoded)) {
      this.link.close("Malformed", `welcome: ${decoded.left}`)
      return
    }
    const expected = this.options.transport.hmac(this.key, serverProofInput(this.nonce, this.serverNonce))
    if (this.serverNonce.length === 0 || !sameBytes(expected, decoded.right.proof)) {
      this.link.close("Unauthenticated", "the server did not prove it holds our key")
      return
    }
    this.link.open = true
    Deferred.unsafeDone(this.handshake, Effect.void)
  }

  private endSub(subId: number, reason: SubscribeError["reason"], message: string): void {
    const sub = this.subs.get(subId)
    if (sub === undefined) return
    this.subs.delete(subId)
    if (reason === "Gap" && this.link.open) this.link.writer.withId(FrameType.Unsubscribe, subId)
    sub.onEnd?.(new SubscribeError({ reason, topic: sub.topic, message }))
  }

  private closed(reason: CloseReason, message: string, byPeer: boolean): void {
    this.closedWith = { reason, message }
    const error = new ProtocolError({
      reason: "Closed",
      message: `session closed: ${reason}: ${message}`,
      close: reason
    })
    const failed = [...this.pending.values()]
    this.pending.clear()
    for (const callback of failed) callback(error, undefined)
    for (const subId of [...this.subs.keys()]) this.endSub(subId, "Closed", `session closed: ${reason}: ${message}`)
    this.drainWaiters = []
    Deferred.unsafeDone(
      this.handshake,
      Effect.fail(
        new ProtocolError({
          reason: byPeer && REFUSALS.includes(reason) ? "Refused" : "Connect",
          message: `${formatAddress(this.options.address)}: ${reason}: ${message}`,
          close: reason
        })
      )
    )
    const fault = reason !== "Shutdown" && reason !== "Disconnected"
    this.log(fault ? "Warning" : "Info", `protocol client closed: ${reason}: ${message}`, {
      server: this.server.service,
      instance: this.server.instance,
      reason,
      byPeer
    })
    const listeners = this.closeListeners
    this.closeListeners = []
    for (const listener of listeners) listener(reason, message)
  }

  // --- Client

  readonly api: Client = this.makeApi()

  private makeApi(): Client {
    const session = this
    return {
      get server() {
        return session.server
      },
      request: (body, callback) => this.request(body, callback),
      call: (body) =>
        Effect.async((resume) =>
          this.request(body, (error, value) =>
            resume(
              error === undefined
                ? Effect.succeed(value)
                : Effect.fail(error instanceof ProtocolError ? error : new RemoteError({ error }))
            )
          )
        ),
      send: (body) => {
        const link = this.link
        if (!link.open) return false
        if (!link.send(FrameType.Message, body)) return false
        if (!link.checkBound()) return false
        return link.writer.queued() < this.writableBytes
      },
      whenWritable: (callback) => {
        const link = this.link
        if (link.closed) return
        if (link.writer.queued() >= this.writableBytes) link.writer.flush()
        if (link.connection.buffered() < this.writableBytes) queueMicrotask(callback)
        else this.drainWaiters.push(callback)
      },
      subscribe: (topic, afterSeq, onEvent, onEnd) => this.subscribe(topic, afterSeq, onEvent, onEnd),
      isOpen: () => this.link.open,
      onClose: (listener) => {
        if (this.closedWith !== undefined) listener(this.closedWith.reason, this.closedWith.message)
        else this.closeListeners.push(listener)
      },
      closed: Effect.async((resume) =>
        session.api.onClose((reason, message) => resume(Effect.succeed({ reason, message })))
      ),
      close: () => this.link.close("Shutdown", "the client closed")
    }
  }

  private request(body: unknown, callback: Callback): void {
    const link = this.link
    if (!link.open) {
      const reason = this.closedWith?.reason
      callback(
        new ProtocolError({ reason: "Closed", message: "the session is closed", ...(reason ? { close: reason } : {}) }),
        undefined
      )
      return
    }
    const id = this.nextRequest
    if (!link.sendWithId(FrameType.Request, id, body)) {
      callback(new ProtocolError({ reason: "Closed", message: "cannot encode" }), undefined)
      return
    }
    this.nextRequest = (id + 1) >>> 0 || 1
    this.pending.set(id, callback)
    link.checkBound()
  }

  private subscribe(
    topic: string,
    afterSeq: number,
    onEvent: (seq: number, value: unknown) => void,
    onEnd: ((error: SubscribeError) => void) | undefined
  ): Subscription {
    const subId = this.nextSub++
    const sub: ClientSub = { topic, last: afterSeq, onEvent, onEnd }
    const link = this.link
    if (link.open && link.sendWithIdSeq(FrameType.Subscribe, subId, afterSeq, topic)) this.subs.set(subId, sub)
    else
      queueMicrotask(() => onEnd?.(new SubscribeError({ reason: "Closed", topic, message: "the session is closed" })))
    return {
      topic,
      lastSeq: () => sub.last,
      unsubscribe: () => {
        if (this.subs.delete(subId) && link.open) link.writer.withId(FrameType.Unsubscribe, subId)
      }
    }
  }
}

export const connect = (options: ClientOptions): Effect.Effect<Client, ProtocolError, Scope.Scope> =>
  Effect.gen(function* () {
    const log = yield* makeLogger
    const timeoutMs = options.connectTimeoutMs ?? 10_000
    const where = formatAddress(options.address)
    const connection = yield* Effect.tryPromise({
      try: () => options.transport.connect(options.address),
      catch: (cause) => new ProtocolError({ reason: "Connect", message: `${where}: ${errorMessage(cause)}` })
    }).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(timeoutMs),
        onTimeout: () => new ProtocolError({ reason: "Timeout", message: `${where}: no connection in ${timeoutMs} ms` })
      })
    )
    const handshake = yield* Deferred.make<void, ProtocolError>()
    const session = yield* Effect.acquireRelease(
      Effect.sync(() => new ClientSession(options, connection, log, handshake)),
      (session) => Effect.sync(() => session.link.close("Shutdown", "the client closed"))
    )
    yield* Effect.forkScoped(
      Effect.repeat(
        Effect.sync(() => session.link.tick()),
        Schedule.spaced(Duration.millis(session.link.limits.heartbeatMs))
      )
    )
    yield* Deferred.await(handshake).pipe(
      Effect.timeoutFail({
        duration: Duration.millis(timeoutMs),
        onTimeout: () => new ProtocolError({ reason: "Timeout", message: `${where}: no handshake in ${timeoutMs} ms` })
      })
    )
    return session.api
  })
