/**
 * A service's connection to another service that survives the other's restarts: it connects with backoff, and
 * after every reconnect it resubscribes each topic from the last sequence it delivered and resends the requests
 * that had no answer. Delivery is therefore exactly once for topics and at least once for requests: the servers
 * (the Accounts Service, the Market Data Service) are idempotent for what their peers resend.
 *
 * One-way messages are not kept while disconnected (`send` returns false); what must survive a reconnect is sent
 * again from `onConnect`.
 *
 * @since 0.1.0
 */
import { Duration, Effect, type Scope } from "effect"
import {
  type Client,
  type ClientOptions,
  connect as connectClient,
  type Limits,
  type PeerIdentity,
  ProtocolError,
  RemoteError,
  type SubscribeError
} from "../protocol/Protocol"
import { type Address, formatAddress, type Transport } from "../protocol/Transport"

export interface PeerOptions extends Limits {
  readonly transport: Transport
  readonly address: Address
  readonly identity: PeerIdentity
  readonly key: ClientOptions["key"]
  /** The peer's role for logs, e.g. "accounts". */
  readonly name: string
  /** First and largest wait between connection attempts (default 50 ms and 2 s). */
  readonly backoff?: { readonly initialMs?: number; readonly maxMs?: number }
}

export interface PeerSubscription {
  /** The last sequence delivered. */
  readonly lastSeq: () => number
  readonly unsubscribe: () => void
}

export interface Peer {
  readonly name: string
  /** Send a request; unanswered when the session drops, it goes again after the reconnect. */
  readonly request: (body: unknown, callback: (error: unknown, value: unknown) => void) => void
  /** `request` as an Effect: fails with `RemoteError` when the server failed the request. */
  readonly call: (body: unknown) => Effect.Effect<unknown, RemoteError>
  /** A one-way message now; false (and dropped) while disconnected or while the socket is behind. */
  readonly send: (body: unknown) => boolean
  /**
   * Follow `topic` after `afterSeq`, across reconnects. `onEnd` runs once if the subscription ends for good (an
   * unknown topic, or a gap: the server no longer holds what was asked).
   */
  readonly subscribe: (
    topic: string,
    afterSeq: number,
    onEvent: (seq: number, value: unknown) => void,
    onEnd?: (error: SubscribeError) => void
  ) => PeerSubscription
  /** Run `listener` after each (re)connect, once subscriptions and unanswered requests went out again. */
  readonly onConnect: (listener: () => void) => void
  readonly connected: () => boolean
  /** The server's identity, once connected. */
  readonly server: () => PeerIdentity | undefined
}

interface Pending {
  readonly body: unknown
  readonly callback: (error: unknown, value: unknown) => void
}

interface Followed {
  readonly topic: string
  last: number
  readonly onEvent: (seq: number, value: unknown) => void
  readonly onEnd: ((error: SubscribeError) => void) | undefined
  ended: boolean
  unsubscribe: (() => void) | undefined
}

class PeerState implements Peer {
  private client: Client | undefined
  private nextRequest = 1
  private readonly pending = new Map<number, Pending>()
  private readonly followed = new Set<Followed>()
  private readonly listeners: Array<() => void> = []

  constructor(readonly name: string) {}

  attach(client: Client): void {
    this.client = client
    for (const sub of this.followed) this.follow(client, sub)
    for (const [id, pending] of this.pending) this.dispatch(client, id, pending)
    for (const listener of this.listeners) listener()
  }

  detach(): void {
    this.client = undefined
    for (const sub of this.followed) sub.unsubscribe = undefined
  }

  readonly request = (body: unknown, callback: (error: unknown, value: unknown) => void): void => {
    const id = this.nextRequest++
    const pending = { body, callback }
    this.pending.set(id, pending)
    if (this.client !== undefined) this.dispatch(this.client, id, pending)
  }

  readonly call = (body: unknown): Effect.Effect<unknown, RemoteError> =>
    Effect.async<unknown, RemoteError>((resume) => {
      this.request(body, (error, value) => {
        resume(error === undefined ? Effect.succeed(value) : Effect.fail(error as RemoteError))
      })
    })

  readonly send = (body: unknown): boolean => this.client?.isOpen() === true && this.client.send(body)

  readonly subscribe = (
    topic: string,
    afterSeq: number,
    onEvent: (seq: number, value: unknown) => void,
    onEnd?: (error: SubscribeError) => void
  ): PeerSubscription => {
    const sub: Followed = { topic, last: afterSeq, onEvent, onEnd, ended: false, unsubscribe: undefined }
    this.followed.add(sub)
    if (this.client !== undefined) this.follow(this.client, sub)
    return {
      lastSeq: () => sub.last,
      unsubscribe: () => {
        this.followed.delete(sub)
        sub.unsubscribe?.()
      }
    }
  }

  readonly onConnect = (listener: () => void): void => {
    this.listeners.push(listener)
  }

  readonly connected = (): boolean => this.client?.isOpen() === true

  readonly server = (): PeerIdentity | undefined => this.client?.server

  private dispatch(client: Client, id: number, pending: Pending): void {
    client.request(pending.body, (error, value) => {
      // A session that closed first leaves the request pending: it goes again on the next connection.
      if (error instanceof ProtocolError) return
      if (!this.pending.delete(id)) return
      pending.callback(error === undefined ? undefined : new RemoteError({ error }), value)
    })
  }

  private follow(client: Client, sub: Followed): void {
    const subscription = client.subscribe(
      sub.topic,
      sub.last,
      (seq, value) => {
        sub.last = seq
        sub.onEvent(seq, value)
      },
      (error) => {
        // "Closed" is the session going away: the next connection resumes the topic.
        if (error.reason === "Closed" || sub.ended) return
        sub.ended = true
        this.followed.delete(sub)
        sub.onEnd?.(error)
      }
    )
    sub.unsubscribe = subscription.unsubscribe
  }
}

/** A peer connecting in the background for as long as the scope lives; the scope's end closes it. */
export const connect = (options: PeerOptions): Effect.Effect<Peer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const peer = new PeerState(options.name)
    const initialMs = options.backoff?.initialMs ?? 50
    const maxMs = options.backoff?.maxMs ?? 2_000
    const where = formatAddress(options.address)
    let waitMs = initialMs
    let failures = 0
    const session = Effect.scoped(
      Effect.gen(function* () {
        const client = yield* connectClient(options)
        waitMs = initialMs
        failures = 0
        yield* Effect.logInfo("connected").pipe(
          Effect.annotateLogs({ peer: options.name, address: where, server: client.server.instance })
        )
        peer.attach(client)
        const closed = yield* client.closed.pipe(Effect.ensuring(Effect.sync(() => peer.detach())))
        yield* Effect.logWarning("disconnected").pipe(
          Effect.annotateLogs({ peer: options.name, address: where, reason: closed.reason, message: closed.message })
        )
      })
    )
    const attempt = session.pipe(
      Effect.catchAll((error) =>
        // The first failure and then every tenth are logged: a peer still starting is not an incident.
        ++failures === 1 || failures % 10 === 0
          ? Effect.logWarning("cannot connect").pipe(
              Effect.annotateLogs({ peer: options.name, address: where, error: error.message, attempts: failures })
            )
          : Effect.void
      ),
      Effect.zipRight(Effect.suspend(() => Effect.sleep(Duration.millis(waitMs)))),
      Effect.tap(() => Effect.sync(() => (waitMs = Math.min(maxMs, waitMs * 2))))
    )
    yield* Effect.forkScoped(Effect.forever(attempt))
    return peer as Peer
  })
