/**
 * The registry's storage: a directory with the tarballs (`tarballs/<id>/<version>.tgz`) and `index.json`, the
 * owner, versions, manifests and integrities of every plugin. Every write goes to a temporary file renamed into
 * place, and the index is written after the tarball it names, so a restart (or a crash) loses nothing that was
 * acknowledged. Publishes are serialized.
 *
 * @since 0.1.0
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { Context, Effect, Layer, Option, Schema } from "effect"
import * as semver from "semver"
import { formatIssues, Manifest, PluginId } from "./Manifest"
import { Integrity } from "./Pack"
import { RegistryError } from "./RegistryError"

/** One published version. */
export const VersionRecord = Schema.Struct({
  version: Schema.String,
  integrity: Integrity,
  size: Schema.Int,
  manifest: Manifest
})
export type VersionRecord = typeof VersionRecord.Type

/** A plugin id, its owner and its versions in publish order. */
export const PluginRecord = Schema.Struct({
  id: PluginId,
  author: Schema.String,
  versions: Schema.Array(VersionRecord)
})
export type PluginRecord = typeof PluginRecord.Type

export const IndexFile = Schema.Struct({ plugins: Schema.Array(PluginRecord) })

export class Store extends Context.Tag("@meridian/registry/Store")<
  Store,
  {
    /** Every plugin, in first-publish order. */
    readonly list: Effect.Effect<ReadonlyArray<PluginRecord>>
    readonly get: (id: string) => Effect.Effect<Option.Option<PluginRecord>>
    /** Stores a version; refuses another author's id (`NotOwner`) and a version already there (`Duplicate`). */
    readonly publish: (
      author: string,
      manifest: Manifest,
      integrity: Integrity,
      tarball: Uint8Array
    ) => Effect.Effect<VersionRecord, RegistryError>
    readonly tarball: (id: string, version: string) => Effect.Effect<Uint8Array, RegistryError>
  }
>() {}

/** The highest version, by semver. */
export const latest = (plugin: PluginRecord): VersionRecord | undefined =>
  plugin.versions.reduce<VersionRecord | undefined>(
    (best, v) => (best === undefined || semver.gt(v.version, best.version) ? v : best),
    undefined
  )

const storageError = (what: string) => (e: unknown) =>
  new RegistryError({ reason: "Storage", message: `${what}: ${e instanceof Error ? e.message : String(e)}` })

/** Writes a file by renaming a complete temporary file over it. */
const writeAtomic = (path: string, data: Uint8Array | string) =>
  Effect.tryPromise({
    try: async () => {
      await writeFile(`${path}.tmp`, data)
      await rename(`${path}.tmp`, path)
    },
    catch: storageError(`cannot write ${path}`)
  })

const loadIndex = (path: string) =>
  Effect.tryPromise({
    try: () =>
      readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => (e.code === "ENOENT" ? undefined : Promise.reject(e))),
    catch: storageError(`cannot read ${path}`)
  }).pipe(
    Effect.flatMap((text) =>
      text === undefined
        ? Effect.succeed({ plugins: [] as ReadonlyArray<PluginRecord> })
        : Effect.try({ try: () => JSON.parse(text) as unknown, catch: storageError(path) }).pipe(
            Effect.flatMap((raw) =>
              Schema.decodeUnknown(IndexFile)(raw, { errors: "all" }).pipe(
                Effect.mapError(
                  (e) => new RegistryError({ reason: "Storage", message: `invalid ${path}`, issues: formatIssues(e) })
                )
              )
            )
          )
    )
  )

/** A store in the directory `dir` (created if missing). */
export const make = (dir: string): Effect.Effect<Store["Type"], RegistryError> =>
  Effect.gen(function* () {
    const indexPath = join(dir, "index.json")
    yield* Effect.tryPromise({
      try: () => mkdir(join(dir, "tarballs"), { recursive: true }),
      catch: storageError(`cannot create ${dir}`)
    })
    let plugins = (yield* loadIndex(indexPath)).plugins
    const lock = yield* Effect.makeSemaphore(1)
    const tarballPath = (id: string, version: string) => join(dir, "tarballs", id, `${version}.tgz`)
    const find = (id: string) => plugins.find((p) => p.id === id)

    const publish: Store["Type"]["publish"] = (author, manifest, integrity, tarball) =>
      Effect.gen(function* () {
        const existing = find(manifest.id)
        if (existing !== undefined && existing.author !== author) {
          return yield* new RegistryError({
            reason: "NotOwner",
            message: `${manifest.id} belongs to another author`
          })
        }
        if (existing?.versions.some((v) => v.version === manifest.version)) {
          return yield* new RegistryError({
            reason: "Duplicate",
            message: `${manifest.id}@${manifest.version} is already published`
          })
        }
        const record: VersionRecord = { version: manifest.version, integrity, size: tarball.byteLength, manifest }
        const next =
          existing === undefined
            ? [...plugins, { id: manifest.id, author, versions: [record] }]
            : plugins.map((p) => (p === existing ? { ...p, versions: [...p.versions, record] } : p))
        yield* Effect.tryPromise({
          try: () => mkdir(join(dir, "tarballs", manifest.id), { recursive: true }),
          catch: storageError("cannot create the tarball folder")
        })
        yield* writeAtomic(tarballPath(manifest.id, manifest.version), tarball)
        yield* writeAtomic(indexPath, `${JSON.stringify(Schema.encodeSync(IndexFile)({ plugins: next }), null, 2)}\n`)
        plugins = next
        return record
      }).pipe(lock.withPermits(1))

    return {
      list: Effect.sync(() => plugins),
      get: (id) => Effect.sync(() => Option.fromNullable(find(id))),
      publish,
      tarball: (id, version) =>
        find(id)?.versions.some((v) => v.version === version)
          ? Effect.tryPromise({
              try: () => readFile(tarballPath(id, version)),
              catch: storageError(`cannot read the tarball of ${id}@${version}`)
            }).pipe(Effect.map((b) => new Uint8Array(b)))
          : Effect.fail(new RegistryError({ reason: "NotFound", message: `no ${id}@${version}` }))
    }
  })

/** The store as a layer. */
export const layer = (dir: string): Layer.Layer<Store, RegistryError> => Layer.effect(Store, make(dir))
