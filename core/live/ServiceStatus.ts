/**
 * What every live service answers to a `{ _tag: "Status" }` request: who it is, where it runs, the streams it
 * serves with their last sequence, the sessions connected to it, and the peers it follows with how far behind
 * it is. `meridian status` and the Control Panel show it.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import corePackage from "../package.json" with { type: "json" }
import type { Server } from "../protocol/Protocol"
import type { Peer } from "./Peer"

export const StatusRequest = Schema.TaggedStruct("Status", {})
export type StatusRequest = typeof StatusRequest.Type

/** Built once: `Schema.is` makes a parser each time it is called, and every request a service takes is checked. */
export const isStatusRequest: (body: unknown) => boolean = Schema.is(StatusRequest)

const Followed = Schema.Struct({
  topic: Schema.String,
  /** The last sequence this service processed. */
  lastSeq: Schema.Number,
  /** Events the source holds beyond `lastSeq`, when known. */
  lag: Schema.optionalWith(Schema.Number, { exact: true })
})

export const ServiceStatus = Schema.Struct({
  service: Schema.String,
  instance: Schema.String,
  region: Schema.String,
  version: Schema.String,
  /** When the process started, ISO 8601. */
  startedAt: Schema.String,
  address: Schema.String,
  streams: Schema.Array(Schema.Struct({ topic: Schema.String, lastSeq: Schema.Number })),
  sessions: Schema.Array(Schema.Struct({ service: Schema.String, instance: Schema.String, remote: Schema.String })),
  /** A feed's progress (the Market Data Service): events published, and whether a replay reached its end. */
  feed: Schema.optionalWith(Schema.Struct({ published: Schema.Number, finished: Schema.Boolean }), { exact: true }),
  /**
   * The Execution Service's reconciliation with its venue on start: when, whether the venue and the Accounts
   * Service agreed, each difference with how it was resolved, and why it failed if the venue could not say.
   */
  reconciliation: Schema.optionalWith(
    Schema.Struct({
      at: Schema.String,
      outcome: Schema.Literal("agreed", "resolved", "failed"),
      differences: Schema.Array(Schema.Struct({ kind: Schema.String, detail: Schema.String })),
      message: Schema.optionalWith(Schema.String, { exact: true })
    }),
    { exact: true }
  ),
  peers: Schema.Array(
    Schema.Struct({
      name: Schema.String,
      connected: Schema.Boolean,
      following: Schema.Array(Followed)
    })
  )
})
export type ServiceStatus = typeof ServiceStatus.Type

export const coreVersion: string = corePackage.version

/** The part of a status every service fills the same way. */
export const sessionsOf = (server: Server): ServiceStatus["sessions"] =>
  server.sessions().map((session) => ({ ...session.peer, remote: session.remote }))

export const peerStatus = (
  peer: Peer,
  following: ReadonlyArray<typeof Followed.Type>
): ServiceStatus["peers"][number] => ({ name: peer.name, connected: peer.connected(), following: [...following] })
