/**
 * The Market Data Service on the wire.
 *
 * - Topic `market-data`: every published `MarketDataEvent`, numbered from 1, resumable from any sequence retained.
 * - Topic `market-data/settled` (lockstep only): the same events and sequences, each once every venue participant
 *   said it is done with it.
 * - One-way `{ _tag: "Done", seq }` from a lockstep participant: it processed everything through `seq`. A Done from
 *   a service that takes no part, or one that does not decode, is ignored with a logged reason.
 * - Request `{ _tag: "Status" }`: the service's `ServiceStatus`; any other request fails with `InvalidInput`.
 *
 * @since 0.1.0
 */
import { Effect, Either, Runtime, Schema, type Scope } from "effect"
import type { MarketDataEvent } from "../../domain/MarketData"
import { formatIssue, issuesOf } from "../../protocol/Codec"
import { type PeerIdentity, type ProtocolError, type Server, type ServerOptions, serve } from "../../protocol/Protocol"
import type { StreamSource } from "../../protocol/StreamSource"
import type { Address, Transport } from "../../protocol/Transport"
import type { EventLog } from "../accounts/EventLog"
import { isStatusRequest, type ServiceStatus } from "../ServiceStatus"
import type { Lockstep } from "./internal/lockstep"

export const MARKET_DATA_TOPIC = "market-data"
export const SETTLED_TOPIC = "market-data/settled"

/** A lockstep participant processed every event through `seq`. */
export const Done = Schema.TaggedStruct("Done", { seq: Schema.Int.pipe(Schema.nonNegative()) })
export type Done = typeof Done.Type

const decodeDone = Schema.decodeUnknownEither(Done)

export interface MarketDataServerOptions {
  readonly transport: Transport
  readonly address: Address
  readonly identity: PeerIdentity
  readonly keys: ServerOptions["keys"]
  readonly log: EventLog<MarketDataEvent>
  readonly lockstep: Lockstep | undefined
  /** The answer to `Status`. */
  readonly status: (server: Server) => ServiceStatus
}

/** An event log as a protocol stream. */
const streamOf = <A>(log: EventLog<A>): StreamSource => ({
  lastSeq: () => log.last,
  read: (fromSeq, max) => {
    const from = Math.max(fromSeq, log.first)
    return (log.read(from, max) ?? []).map((value, i) => ({ seq: from + i, value }))
  },
  subscribe: (listener) => log.follow(listener)
})

/** Serve until the scope ends. */
export const serveMarketDataProtocol = (
  options: MarketDataServerOptions
): Effect.Effect<Server, ProtocolError, Scope.Scope> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<never>()
    const warn = (message: string, annotations: Record<string, unknown>) =>
      Runtime.runSync(runtime)(Effect.logWarning(message).pipe(Effect.annotateLogs(annotations)))
    const topics = new Map<string, StreamSource>([[MARKET_DATA_TOPIC, streamOf(options.log)]])
    const lockstep = options.lockstep
    if (lockstep !== undefined) topics.set(SETTLED_TOPIC, lockstep.stream)
    const server: Server = yield* serve({
      transport: options.transport,
      address: options.address,
      identity: options.identity,
      keys: options.keys,
      streams: (topic) => topics.get(topic),
      onMessage: (session, body) => {
        const from = { service: session.peer.service, instance: session.peer.instance, session: session.id }
        const decoded = decodeDone(body, { errors: "all" })
        if (Either.isLeft(decoded)) {
          warn("market data: a message that is not a Done is ignored", {
            ...from,
            reason: issuesOf(decoded.left).map(formatIssue).join("; ")
          })
          return
        }
        if (lockstep === undefined) {
          warn("market data: a Done is ignored: the pace is not lockstep", from)
          return
        }
        if (!lockstep.isParticipant(session.peer.service)) {
          warn("market data: a Done is ignored: the service takes no part in the lockstep", from)
          return
        }
        lockstep.done(session.peer.service, decoded.right.seq)
      },
      onRequest: (session, id, body) => {
        if (isStatusRequest(body)) session.reply(id, options.status(server))
        else session.fail(id, { _tag: "InvalidInput", message: 'the Market Data Service answers { _tag: "Status" }' })
      }
    })
    return server
  })
