/**
 * The wire protocol's errors: `ProtocolError` for the session itself, `RemoteError` for a request the server
 * failed, `SubscribeError` for a subscription that ended. All serialize (`Schema.TaggedError`).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { CloseReason } from "./internal/handshake"

/** The protocol's failures at the Effect boundary (`serve`, `connect`, `call`). */
export class ProtocolError extends Schema.TaggedError<ProtocolError>()("ProtocolError", {
  reason: Schema.Literal("Listen", "Connect", "Refused", "Closed", "Timeout"),
  message: Schema.String,
  /** Why the session closed, when it did. */
  close: Schema.optional(CloseReason)
}) {}

/** A request the server failed: `error` is what the server passed to `session.fail`, decoded from msgpack. */
export class RemoteError extends Schema.TaggedError<RemoteError>()("RemoteError", {
  error: Schema.Unknown
}) {}

/** Why a subscription ended: "UnknownTopic", "Gap" (the source no longer holds what was asked), "Failed". */
export class SubscribeError extends Schema.TaggedError<SubscribeError>()("SubscribeError", {
  reason: Schema.Literal("UnknownTopic", "Gap", "Failed", "Closed"),
  topic: Schema.String,
  message: Schema.String
}) {}
