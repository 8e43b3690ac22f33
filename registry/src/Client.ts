/**
 * A client of the registry service over HTTP (`HttpClient` from @effect/platform, provided at the edge). Error
 * responses come back as the `RegistryError` the server sent.
 *
 * @since 0.1.0
 */
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import { InfoResponse, integrityHeader, ListResponse, PublishResponse, ResolveResponse } from "./Api"
import { formatIssues } from "./Manifest"
import { integrity } from "./Pack"
import { ErrorBody, RegistryError } from "./RegistryError"
import { inspect } from "./Tarball"

const transport = (e: unknown) =>
  new RegistryError({ reason: "Transport", message: e instanceof Error ? e.message : String(e) })

/** Fails with the server's error when the status is not 2xx. */
const checked = (response: HttpClientResponse.HttpClientResponse) =>
  response.status >= 200 && response.status < 300
    ? Effect.succeed(response)
    : response.json.pipe(
        Effect.flatMap(Schema.decodeUnknown(ErrorBody)),
        Effect.mapError(() => transport(`HTTP ${response.status} from ${response.request.url}`)),
        Effect.flatMap((body) =>
          Effect.fail(
            new RegistryError(
              body.issues === undefined
                ? { reason: body.reason, message: body.error }
                : { reason: body.reason, message: body.error, issues: body.issues }
            )
          )
        )
      )

const send = (request: HttpClientRequest.HttpClientRequest) =>
  HttpClient.HttpClient.pipe(
    Effect.flatMap((client) => client.execute(request)),
    Effect.mapError(transport),
    Effect.flatMap(checked)
  )

const json =
  <A, I>(schema: Schema.Schema<A, I>) =>
  (response: HttpClientResponse.HttpClientResponse) =>
    response.json.pipe(
      Effect.mapError(transport),
      Effect.flatMap((raw) =>
        Schema.decodeUnknown(schema)(raw, { errors: "all" }).pipe(
          Effect.mapError(
            (e) => new RegistryError({ reason: "Transport", message: "unexpected response", issues: formatIssues(e) })
          )
        )
      )
    )

const url = (registry: string, ...segments: ReadonlyArray<string>) =>
  `${registry.replace(/\/+$/, "")}/plugins${segments.map((s) => `/${encodeURIComponent(s)}`).join("")}`

/** Every plugin of the registry. */
export const list = (registry: string) =>
  send(HttpClientRequest.get(url(registry))).pipe(Effect.flatMap(json(ListResponse)))

/** A plugin's owner, versions and manifests. */
export const info = (registry: string, id: string) =>
  send(HttpClientRequest.get(url(registry, id))).pipe(Effect.flatMap(json(InfoResponse)))

/** The highest version of `id` in `range` that supports `core`. */
export const resolve = (registry: string, id: string, range: string, core: string) =>
  send(HttpClientRequest.get(url(registry, id, "resolve"), { urlParams: { core, range } })).pipe(
    Effect.flatMap(json(ResolveResponse))
  )

/** The bytes of a version's tarball (unverified: compare its integrity with the metadata's). */
export const tarball = (registry: string, id: string, version: string) =>
  send(HttpClientRequest.get(url(registry, id, version, "tarball"))).pipe(
    Effect.flatMap((response) => Effect.mapError(response.arrayBuffer, transport)),
    Effect.map((buffer) => new Uint8Array(buffer))
  )

/** The id and version a tarball's package.json claims, read leniently: the registry validates the manifest. */
const Claimed = Schema.Struct({ version: Schema.String, meridian: Schema.Struct({ id: Schema.String }) })

/** Sends a tarball as `id@version` with the integrity given: the raw publish request. */
export const put = (
  registry: string,
  id: string,
  version: string,
  bytes: Uint8Array,
  token: string | undefined,
  integrityValue: string
) =>
  send(
    HttpClientRequest.put(url(registry, id, version)).pipe(
      HttpClientRequest.bodyUint8Array(bytes, "application/gzip"),
      HttpClientRequest.setHeader(integrityHeader, integrityValue),
      token === undefined ? (r) => r : HttpClientRequest.bearerToken(token)
    )
  ).pipe(Effect.flatMap(json(PublishResponse)))

/** Publishes a tarball under the id and version of its package.json, with its integrity and the author's token. */
export const publish = (registry: string, bytes: Uint8Array, token: string | undefined) =>
  Effect.gen(function* () {
    const inspected = yield* inspect(bytes).pipe(
      Effect.mapError((e) => new RegistryError({ reason: "BadRequest", message: `not a plugin tarball: ${e.message}` }))
    )
    const claimed = yield* Schema.decodeUnknown(Claimed)(inspected.packageJson, { errors: "all" }).pipe(
      Effect.mapError(
        (e) =>
          new RegistryError({
            reason: "InvalidManifest",
            message: "package.json names no version or meridian.id",
            issues: formatIssues(e)
          })
      )
    )
    return yield* put(registry, claimed.meridian.id, claimed.version, bytes, token, integrity(bytes))
  })
