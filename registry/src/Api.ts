/**
 * The registry's HTTP API: the shapes of its path parameters, queries and responses, shared by the server (which
 * decodes requests with them) and the client (which decodes responses with them).
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { Manifest, PluginId, PluginKind, Version, VersionRange } from "./Manifest"
import { Integrity } from "./Pack"
import { PluginRecord, VersionRecord } from "./Store"

export const IdParams = Schema.Struct({ id: PluginId })
export const VersionParams = Schema.Struct({ id: PluginId, version: Version })

/** `?core=0.1.0&range=^1.0.0`; the range defaults to any version. */
export const ResolveQuery = Schema.Struct({
  core: Version,
  range: Schema.optionalWith(VersionRange, { default: () => "*" })
})

export const PluginSummary = Schema.Struct({
  id: PluginId,
  latest: Version,
  kind: PluginKind,
  description: Schema.String
})
export type PluginSummary = typeof PluginSummary.Type

/** `GET /plugins`. */
export const ListResponse = Schema.Struct({ plugins: Schema.Array(PluginSummary) })
/** `GET /plugins/:id`: the owner and every version with its manifest and integrity. */
export const InfoResponse = PluginRecord
/** `GET /plugins/:id/resolve`. */
export const ResolveResponse = Schema.Struct({
  id: PluginId,
  version: Version,
  integrity: Integrity,
  manifest: Manifest
})
/** `PUT /plugins/:id/:version`. */
export const PublishResponse = Schema.Struct({ id: PluginId, published: VersionRecord })
/** The header carrying a tarball's integrity, in both directions. */
export const integrityHeader = "x-integrity"
