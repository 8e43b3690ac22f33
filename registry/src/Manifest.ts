/**
 * The plugin manifest: what a plugin is (id, kind, version), which core API range it supports, where its entry is,
 * its parameters as JSON Schema and the capabilities it uses. It lives in the plugin's `package.json`: `name`,
 * `version` and `description` at the top level, the rest under the `"meridian"` field.
 *
 * @since 0.1.0
 */

import { Effect, type ParseResult, Schema } from "effect"
import * as semver from "semver"
import * as Codec from "../../core/protocol/Codec"

const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/

/** A kebab-case plugin id, e.g. `strategy-sma-cross`. */
export const PluginId = Schema.String.pipe(
  Schema.filter((s) => kebab.test(s) || `expected a kebab-case id such as strategy-sma-cross, got ${JSON.stringify(s)}`)
)

/** A package name: the id itself or `@scope/plugin-<id>`. */
export const PackageName = Schema.String.pipe(
  Schema.filter(
    (s) =>
      /^(@[a-z0-9][a-z0-9._-]*\/plugin-)?[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(s) ||
      `expected <id> or @scope/plugin-<id>, got ${JSON.stringify(s)}`
  )
)

/** A semver version, written canonically (`1.2.3`, `1.0.0-beta.1`). */
export const Version = Schema.String.pipe(
  Schema.filter((s) => semver.valid(s) === s || `expected a semver version such as 1.2.3, got ${JSON.stringify(s)}`)
)

/** A semver range, e.g. `^0.1.0`. */
export const VersionRange = Schema.String.pipe(
  Schema.filter(
    (s) =>
      (s.trim() !== "" && semver.validRange(s) !== null) ||
      `expected a semver range such as ^0.1.0, got ${JSON.stringify(s)}`
  )
)

/** A relative path inside the package that cannot leave it. */
export const EntryPath = Schema.String.pipe(
  Schema.filter(
    (s) =>
      (s !== "" && !/^([/\\]|[a-zA-Z]:)/.test(s) && !s.split(/[/\\]/).includes("..")) ||
      `expected a relative path inside the package without "..", got ${JSON.stringify(s)}`
  )
)

/** What a plugin provides. */
export const PluginKind = Schema.Literal("connector", "strategy", "algo")
export type PluginKind = typeof PluginKind.Type

/** What a plugin uses from the platform. */
export const Capability = Schema.Literal(
  "market-data:bars",
  "market-data:quotes",
  "market-data:trades",
  "market-data:book",
  "orders:submit",
  "orders:contingent",
  "network"
)
export type Capability = typeof Capability.Type

/** A JSON Schema document, e.g. `JSONSchema.make(strategy.params)`. */
export const JsonSchemaDocument = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** The manifest of a plugin. */
export const Manifest = Schema.Struct({
  name: PackageName,
  id: PluginId,
  version: Version,
  kind: PluginKind,
  /** The range of core API versions the plugin works with. */
  coreApi: VersionRange,
  /** The module whose default export is the plugin, relative to the package folder. */
  entry: EntryPath,
  description: Schema.String,
  /** Parameters (strategies, algos) or configuration (connectors) as JSON Schema. */
  params: Schema.optionalWith(JsonSchemaDocument, { exact: true }),
  capabilities: Schema.Array(Capability)
})
export type Manifest = typeof Manifest.Type

/** The `"meridian"` field of a plugin's package.json. */
export const MeridianField = Manifest.omit("name", "version", "description")

/** A plugin's package.json: the fields of the manifest, others ignored. */
export const PluginPackageJson = Schema.Struct({
  name: PackageName,
  version: Version,
  description: Schema.String,
  meridian: MeridianField
}).pipe(
  Schema.filter((p) =>
    p.name === p.meridian.id || p.name.endsWith(`/plugin-${p.meridian.id}`)
      ? true
      : { path: ["name"], message: `expected ${p.meridian.id} or @scope/plugin-${p.meridian.id}, got ${p.name}` }
  )
)

/** Decodes a package.json into its flat manifest. */
export const ManifestFromPackageJson = Schema.transform(PluginPackageJson, Manifest, {
  strict: true,
  decode: ({ meridian, ...pkg }) => ({ ...pkg, ...meridian }),
  encode: ({ name, version, description, ...meridian }) => ({ name, version, description, meridian })
})

/**
 * The problems of an invalid manifest, one per field, each naming it, e.g.
 * `meridian.kind: Expected "connector" | "strategy" | "algo", actual "indicator"` (a union's alternatives folded).
 */
export const formatIssues = (error: ParseResult.ParseError): ReadonlyArray<string> =>
  Codec.issuesOf(error).map(Codec.formatIssue)

/** Decodes a package.json, reporting every problem at once. */
export const decodePackageJson = (raw: unknown): Effect.Effect<Manifest, ReadonlyArray<string>> =>
  Schema.decodeUnknown(ManifestFromPackageJson)(raw, { errors: "all", onExcessProperty: "ignore" }).pipe(
    Effect.mapError(formatIssues)
  )

/** Decodes a flat manifest (as the registry stores it), reporting every problem at once. */
export const decodeManifest = (raw: unknown): Effect.Effect<Manifest, ReadonlyArray<string>> =>
  Schema.decodeUnknown(Manifest)(raw, { errors: "all" }).pipe(Effect.mapError(formatIssues))
