/**
 * The failure of a registry operation, on the server (turned into an HTTP status and a JSON body
 * `{ error, reason, issues? }`) and in the client (decoded back from that body).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

export const RegistryReason = Schema.Literal(
  "BadRequest",
  "Unauthenticated",
  "Forbidden",
  "NotOwner",
  "NotFound",
  "NoMatchingVersion",
  "Duplicate",
  "TooLarge",
  "InvalidManifest",
  "IntegrityMismatch",
  "UnsafeTarball",
  "Storage",
  "Transport"
)
export type RegistryReason = typeof RegistryReason.Type

export class RegistryError extends Schema.TaggedError<RegistryError>()("RegistryError", {
  reason: RegistryReason,
  message: Schema.String,
  issues: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
}) {}

/** The HTTP status of each reason. */
export const httpStatus = {
  BadRequest: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotOwner: 403,
  NotFound: 404,
  NoMatchingVersion: 404,
  Duplicate: 409,
  TooLarge: 413,
  InvalidManifest: 422,
  IntegrityMismatch: 422,
  UnsafeTarball: 422,
  Storage: 500,
  Transport: 502
} as const satisfies Record<RegistryReason, number>

/** The JSON body of an error response. */
export const ErrorBody = Schema.Struct({
  error: Schema.String,
  reason: RegistryReason,
  issues: Schema.optionalWith(Schema.Array(Schema.String), { exact: true })
})
export type ErrorBody = typeof ErrorBody.Type

export const toErrorBody = (e: RegistryError): ErrorBody =>
  e.issues === undefined
    ? { error: e.message, reason: e.reason }
    : { error: e.message, reason: e.reason, issues: e.issues }
