/**
 * What the registry checks before it stores a version: the author's token, the tarball's integrity (X-Integrity), that no entry
 * escapes the package folder, the manifest inside (every problem at once) and that its id and version are the
 * ones published; then the store refuses another author's id and a version already published.
 *
 * @since 0.1.0
 */
import { Effect, Option, Schema } from "effect"
import { Authors } from "./Authors"
import { decodePackageJson, formatIssues } from "./Manifest"
import { Integrity, integrity } from "./Pack"
import { RegistryError } from "./RegistryError"
import { Store, type VersionRecord } from "./Store"
import { inspect } from "./Tarball"

/** A publish request, decoded from the URL and headers. */
export interface PublishRequest {
  readonly id: string
  readonly version: string
  /** The bearer token, if the request had one. */
  readonly token: string | undefined
  /** The `X-Integrity` header, if any. */
  readonly integrity: string | undefined
  readonly tarball: Uint8Array
}

/** Verifies and stores a published version. */
export const publish = (request: PublishRequest): Effect.Effect<VersionRecord, RegistryError, Store | Authors> =>
  Effect.gen(function* () {
    if (request.token === undefined) {
      return yield* new RegistryError({
        reason: "Unauthenticated",
        message: "publishing needs Authorization: Bearer <token>"
      })
    }
    const author = yield* (yield* Authors).authenticate(request.token)
    if (Option.isNone(author)) return yield* new RegistryError({ reason: "Forbidden", message: "unknown token" })
    const claimed = yield* Schema.decodeUnknown(Integrity)(request.integrity).pipe(
      Effect.mapError(
        (e) =>
          new RegistryError({ reason: "BadRequest", message: "invalid X-Integrity header", issues: formatIssues(e) })
      )
    )
    const actual = integrity(request.tarball)
    if (actual !== claimed) {
      return yield* new RegistryError({
        reason: "IntegrityMismatch",
        message: `the tarball's integrity is ${actual}, X-Integrity says ${claimed}`
      })
    }
    const inspected = yield* inspect(request.tarball).pipe(
      Effect.mapError(
        (e) =>
          new RegistryError({
            reason: e.reason === "UnsafePath" ? "UnsafeTarball" : "InvalidManifest",
            message: e.message
          })
      )
    )
    const manifest = yield* decodePackageJson(inspected.packageJson).pipe(
      Effect.mapError(
        (issues) => new RegistryError({ reason: "InvalidManifest", message: "invalid plugin manifest", issues })
      )
    )
    const mismatches = [
      ...(manifest.id === request.id ? [] : [`meridian.id: ${manifest.id} is not ${request.id}, the id published`]),
      ...(manifest.version === request.version
        ? []
        : [`version: ${manifest.version} is not ${request.version}, the version published`])
    ]
    if (mismatches.length > 0) {
      return yield* new RegistryError({
        reason: "InvalidManifest",
        message: "the manifest does not match the URL",
        issues: mismatches
      })
    }
    return yield* (yield* Store).publish(author.value, manifest, claimed, request.tarball)
  })
