/**
 * The connector's one boundary error. `reason` says what went wrong at the venue or in the connector's input.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

export class CcxtError extends Schema.TaggedError<CcxtError>()("CcxtError", {
  reason: Schema.Literal(
    /** The configuration cannot be used; the message names the field. */
    "Config",
    /** The venue refused the request (an order it will not take, an unknown order). */
    "Rejected",
    /** HTTP 429 / 418 or a weight limit, after the retries the venue's Retry-After allowed. */
    "RateLimited",
    /** The request's timestamp was outside the venue's receive window (-1021), after one clock resync. */
    "Timestamp",
    /** The API key or signature was refused. */
    "Auth",
    /** The venue could not be reached or did not answer. */
    "Network",
    /** The venue's metadata or an answer could not be turned into our units. */
    "BadPayload",
    /** Any other venue failure. */
    "Exchange"
  ),
  message: Schema.String
}) {}
