/**
 * The handshake's messages and proofs. The server speaks first with a nonce; the client answers with its identity,
 * its own nonce and `HMAC(key, "meridian/client" ‖ serverNonce ‖ clientNonce ‖ service ‖ instance)`; the server
 * checks it against the key it holds for that service and answers with `HMAC(key, "meridian/server" ‖ clientNonce ‖
 * serverNonce)`, so each side knows the other holds the key and no proof can be replayed into another session.
 * These messages are msgpack without shared structures and are checked with `Schema`.
 */
import { Either, Schema } from "effect"
import { Packr } from "msgpackr"
import { issuesOf } from "../Codec"

/** The protocol version spoken; a peer that speaks another is refused with "Version". */
export const PROTOCOL_VERSION = 1

export const NONCE_BYTES = 32

export const CloseReason = Schema.Literal(
  /** the peer speaks another protocol version */
  "Version",
  /** unknown service, wrong key or bad proof */
  "Unauthenticated",
  /** bytes that are not a frame or a message */
  "Malformed",
  /** a frame above the size limit */
  "Oversized",
  /** a frame not allowed in this state or direction */
  "Unexpected",
  /** the peer did not take what was sent fast enough: the outgoing queue reached its bound */
  "SlowConsumer",
  /** nothing heard from the peer within the timeout */
  "DeadPeer",
  /** the handshake did not finish in time */
  "HandshakeTimeout",
  /** a message could not be encoded (or exceeds the frame limit) */
  "Encode",
  /** the owner closed the session or the server */
  "Shutdown",
  /** the connection ended without a Close frame */
  "Disconnected"
)
export type CloseReason = typeof CloseReason.Type

const Bytes = Schema.Uint8ArrayFromSelf

export const Challenge = Schema.Struct({
  version: Schema.Number,
  service: Schema.String,
  instance: Schema.String,
  nonce: Bytes
})
export const Hello = Schema.Struct({
  version: Schema.Number,
  service: Schema.String,
  instance: Schema.String,
  nonce: Bytes,
  proof: Bytes
})
export const Welcome = Schema.Struct({ proof: Bytes })
export const Close = Schema.Struct({ reason: CloseReason, message: Schema.String })

const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: "number" })

export const encodeControl = (value: unknown): Uint8Array => packr.pack(value)

/** Decode a control message; `Left` carries a one-line reason naming the field. */
export const decodeControl = <A, I>(schema: Schema.Schema<A, I>, bytes: Uint8Array): Either.Either<A, string> => {
  let raw: unknown
  try {
    raw = packr.unpack(bytes)
  } catch (cause) {
    return Either.left(`not msgpack: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  return Either.mapLeft(Schema.decodeUnknownEither(schema, { errors: "all" })(raw), (error) =>
    issuesOf(error)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ")
  )
}

const utf8 = new TextEncoder()

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

export const clientProofInput = (
  serverNonce: Uint8Array,
  clientNonce: Uint8Array,
  service: string,
  instance: string
): Uint8Array =>
  concat([
    utf8.encode("meridian/client\0"),
    serverNonce,
    clientNonce,
    utf8.encode(service),
    new Uint8Array(1),
    utf8.encode(instance)
  ])

export const serverProofInput = (clientNonce: Uint8Array, serverNonce: Uint8Array): Uint8Array =>
  concat([utf8.encode("meridian/server\0"), clientNonce, serverNonce])

/** Compare in time independent of where the bytes differ. */
export const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!
  return diff === 0
}
