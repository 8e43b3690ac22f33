/**
 * Meridian's wire protocol: sessions between services over TCP or Unix sockets.
 *
 * **Frames.** `[u32 length][u8 type][fixed header][msgpack body]`; a frame above `maxFrameBytes` (default 1 MiB),
 * a length of 0, an unknown type, a body that is not msgpack or a frame that ends with the connection closes that
 * connection with a logged reason (`CloseReason`) and touches no other. Bodies use msgpackr record structures
 * shared per session: a structure travels once, in the first message that uses it.
 *
 * **Handshake.** The server sends a nonce; the client answers with the protocol version, its identity
 * (`service`, `instance`) and an HMAC-SHA256 of both nonces under the key the server holds for that service; the
 * server proves the same key back. A wrong version, an unknown service or a wrong key is refused with a reason in
 * a Close frame before the connection closes; the client's `connect` fails with `ProtocolError` "Refused".
 *
 * **Server** (`serve`): `onRequest(session, id, body)` answers with `session.reply(id, value)` or
 * `session.fail(id, error)`, now or later (after a WAL commit); `onMessage(session, body)` takes one-way messages;
 * `streams(topic, session)` returns the `StreamSource` a subscriber follows. **Client** (`connect`):
 * `request(body, callback)` / `call(body)`, `send(body)`, `subscribe(topic, afterSeq, onEvent, onEnd)`.
 *
 * **Resume.** A subscriber names the last sequence it processed (0 for all); the server replays the rest from the
 * source, paced by the socket, then follows it live. Sequences of one subscription are consecutive; a source that
 * no longer holds what was asked ends the subscription with "Gap". After a disconnect the client connects again
 * and subscribes with its last sequence: nothing is lost or repeated.
 *
 * **Backpressure.** Frames queued in one event-loop turn go out in one socket write. When what waits for a peer
 * (this turn's frames and the socket's buffer) exceeds `maxQueuedBytes` (default 8 MiB), the peer is a slow
 * consumer and its connection is dropped. Replay reads only while the socket keeps up; `send` returns `false` past
 * `writableBytes` and `whenWritable` says when to go on; on the server, `session.buffered()` and
 * `session.whenWritable` do the same for a producer that paces a live stream on its subscribers.
 *
 * **Heartbeats.** Each side sends a heartbeat in every `heartbeatMs` (default 1 s) it sent nothing else, and drops
 * a peer it heard nothing from for `deadAfterMs` (default 5 s), "DeadPeer".
 *
 * The per-message path is plain callbacks; `serve` and `connect` are scoped Effects that own the sockets, the
 * timers and the logging of closes.
 *
 * @since 0.1.0
 */
import type { Effect, Redacted, Scope } from "effect"
import * as internalClient from "./internal/client"
import type { CloseReason } from "./internal/handshake"
import * as internalServer from "./internal/server"
import type { ProtocolError, RemoteError, SubscribeError } from "./ProtocolError"
import type { StreamSource } from "./StreamSource"
import type { Address, Transport } from "./Transport"

export { CloseReason, PROTOCOL_VERSION } from "./internal/handshake"
export { ProtocolError, RemoteError, SubscribeError } from "./ProtocolError"

/** Who a peer is: the service it runs and which instance of it. */
export interface PeerIdentity {
  readonly service: string
  readonly instance: string
}

export interface Limits {
  /** Largest frame accepted or sent (default 1 MiB). */
  readonly maxFrameBytes?: number
  /** Bound of what may wait for one peer; past it the peer is dropped as a slow consumer (default 8 MiB). */
  readonly maxQueuedBytes?: number
  /** Heartbeat period and timer resolution (default 1000 ms). */
  readonly heartbeatMs?: number
  /** A peer silent this long is dead (default 5000 ms). */
  readonly deadAfterMs?: number
  /** A connection not through its handshake this long is closed (default 5000 ms). */
  readonly handshakeTimeoutMs?: number
}

/** A key as configuration gives it (`Config.redacted`), or raw. */
export type Key = Redacted.Redacted<string> | string | Uint8Array

/** A client's connection, seen from the server. Methods are plain calls, for the per-message path. */
export interface Session {
  /** Numbered from 1 in the server's lifetime. */
  readonly id: number
  readonly peer: PeerIdentity
  readonly remote: string
  /** Answer request `id`. */
  readonly reply: (id: number, value: unknown) => void
  /**
   * Answer request `id` with `body[start, end)`, a value its caller encoded as plain msgpack (no record structures:
   * the session's own stay as they are), copied at once. For an answer on the hot path that is cheaper to write by
   * hand than to pack; the client decodes it like any other.
   */
  readonly replyEncoded: (id: number, body: Uint8Array, start: number, end: number) => void
  /** Fail request `id` with `error` (any msgpack value, e.g. a `Schema.TaggedError`'s encoded form). */
  readonly fail: (id: number, error: unknown) => void
  readonly isOpen: () => boolean
  /**
   * Bytes waiting for this client: this turn's frames and what the socket still holds. A producer that paces
   * itself on the client (rather than being dropped as a slow consumer past `maxQueuedBytes`) stops above its own
   * mark and goes on in `whenWritable`.
   */
  readonly buffered: () => number
  /**
   * Run `callback` once what waits for this client is back under the session's low-water mark (a quarter of
   * `maxQueuedBytes`, between 64 KiB and 1 MiB): at once, in a microtask, if it is; never if the session closes.
   */
  readonly whenWritable: (callback: () => void) => void
  /** Close this session (the client is told "Shutdown"). */
  readonly close: (message?: string) => void
}

export interface ServerOptions extends Limits {
  readonly transport: Transport
  readonly address: Address
  readonly identity: PeerIdentity
  /** The key each client service authenticates with; `undefined` refuses that service. */
  readonly keys: (service: string) => Key | undefined
  /** A request: answer it through `session.reply` / `session.fail`, now or later. */
  readonly onRequest?: (session: Session, id: number, body: unknown) => void
  /** A one-way message. */
  readonly onMessage?: (session: Session, body: unknown) => void
  /** The stream behind a topic, or `undefined` for an unknown one (checked per session: topics can be private). */
  readonly streams?: (topic: string, session: Session) => StreamSource | undefined
  /** A session passed its handshake. */
  readonly onSession?: (session: Session) => void
  /** A session (or a connection refused in its handshake, with `session` undefined) closed. */
  readonly onClose?: (session: Session | undefined, reason: CloseReason, message: string) => void
  /** Events replayed per read of a source (default 1024). */
  readonly replayBatch?: number
}

export interface ServerStats {
  readonly sessions: number
  /** Connections closed since start, by reason. */
  readonly closed: Readonly<Record<string, number>>
}

export interface Server {
  /** The address bound (the real port when 0 was asked). */
  readonly address: Address
  readonly sessions: () => ReadonlyArray<Session>
  readonly stats: () => ServerStats
}

export interface ClientOptions extends Limits {
  readonly transport: Transport
  readonly address: Address
  readonly identity: PeerIdentity
  readonly key: Key
  /** `connect` fails with "Timeout" when the connection and handshake take longer (default 10 s). */
  readonly connectTimeoutMs?: number
  /** `send` returns false once this much waits for the socket (default 1 MiB). */
  readonly writableBytes?: number
  /** Protocol version to announce (for tests of refusal; leave unset). */
  readonly version?: number
}

export interface Subscription {
  readonly topic: string
  /** The last sequence delivered. */
  readonly lastSeq: () => number
  readonly unsubscribe: () => void
}

export interface Client {
  /** The server's identity, proven in the handshake. */
  readonly server: PeerIdentity
  /**
   * Send a request; `callback(error, value)` runs once: `error` is `undefined` on success, the server's error
   * value when it failed the request, or a `ProtocolError` when the session closed first.
   */
  readonly request: (body: unknown, callback: (error: unknown, value: unknown) => void) => void
  /** `request` as an Effect. */
  readonly call: (body: unknown) => Effect.Effect<unknown, ProtocolError | RemoteError>
  /** A one-way message; returns false when the caller should wait for `whenWritable` before sending more. */
  readonly send: (body: unknown) => boolean
  /** Run `callback` once the socket has taken what waits (at once if it has). */
  readonly whenWritable: (callback: () => void) => void
  /**
   * Follow `topic` from the event after `afterSeq` (the last one processed; 0 for all). `onEvent` gets each event
   * in sequence; `onEnd` once, if the subscription ends other than by `unsubscribe`.
   */
  readonly subscribe: (
    topic: string,
    afterSeq: number,
    onEvent: (seq: number, value: unknown) => void,
    onEnd?: (error: SubscribeError) => void
  ) => Subscription
  readonly isOpen: () => boolean
  /** Run `listener` once when the session closes (at once if it has). */
  readonly onClose: (listener: (reason: CloseReason, message: string) => void) => void
  /** Completes when the session closes, with why. */
  readonly closed: Effect.Effect<{ readonly reason: CloseReason; readonly message: string }>
  /** Close the session now ("Shutdown"); the scope does it too. */
  readonly close: () => void
}

/** Listen on `options.address`; the scope's end closes the listener and every session ("Shutdown"). */
export const serve = (options: ServerOptions): Effect.Effect<Server, ProtocolError, Scope.Scope> =>
  internalServer.serve(options)

/** Connect and pass the handshake; the scope's end closes the session. */
export const connect = (options: ClientOptions): Effect.Effect<Client, ProtocolError, Scope.Scope> =>
  internalClient.connect(options)
