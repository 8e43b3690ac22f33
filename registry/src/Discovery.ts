/**
 * Plugin discovery: scan a folder of plugin packages, validate their manifests, check core API compatibility and
 * load a plugin's entry. Selecting a strategy by name, folder or file is `StrategyLoader.ts`, on top of this.
 *
 * @since 0.1.0
 */
import { readdir, readFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { Effect } from "effect"
import * as semver from "semver"
import { type AnyStrategy, isStrategy } from "../../core/strategy/Strategy"
import { coreVersion } from "./CoreVersion"
import { decodePackageJson, type Manifest } from "./Manifest"
import { importModule } from "./ModuleImport"
import { PluginError } from "./PluginError"

/** A plugin package whose manifest is valid. */
export interface Discovered {
  readonly dir: string
  readonly manifest: Manifest
}

/** The outcome of a scan: valid plugins and the folders whose manifest is not, with every problem. */
export interface Scan {
  readonly plugins: ReadonlyArray<Discovered>
  readonly invalid: ReadonlyArray<PluginError>
}

/** A loaded plugin: its manifest and its entry's default export (a `Strategy` for kind `strategy`). */
export type Loaded =
  | { readonly kind: "strategy"; readonly manifest: Manifest; readonly dir: string; readonly strategy: AnyStrategy }
  | { readonly kind: "connector" | "algo"; readonly manifest: Manifest; readonly dir: string; readonly value: unknown }

const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

/** Reads and validates the manifest of the plugin package in `dir`. */
export const readManifest = (dir: string): Effect.Effect<Manifest, PluginError> =>
  Effect.tryPromise({
    try: () => readFile(join(dir, "package.json"), "utf8"),
    catch: (e) => new PluginError({ reason: "NotFound", plugin: dir, message: `no package.json: ${message(e)}` })
  }).pipe(
    Effect.flatMap((text) =>
      Effect.try({
        try: () => JSON.parse(text) as unknown,
        catch: (e) =>
          new PluginError({ reason: "InvalidManifest", plugin: dir, message: `package.json: ${message(e)}` })
      })
    ),
    Effect.flatMap((raw) =>
      decodePackageJson(raw).pipe(
        Effect.mapError(
          (issues) =>
            new PluginError({
              reason: "InvalidManifest",
              plugin: dir,
              message: `invalid manifest: ${issues.join("; ")}`,
              issues
            })
        )
      )
    )
  )

/** Scans the sub-folders of `root` (in name order) for plugin packages. */
export const scan = (root: string): Effect.Effect<Scan, PluginError> =>
  Effect.gen(function* () {
    const entries = yield* Effect.tryPromise({
      try: () => readdir(root, { withFileTypes: true }),
      catch: (e) => new PluginError({ reason: "NotFound", plugin: root, message: message(e) })
    })
    const dirs = entries
      .filter((e) => e.isDirectory() && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort()
    const results = yield* Effect.forEach(dirs, (name) => Effect.either(readManifest(join(root, name))))
    const plugins: Array<Discovered> = []
    const invalid: Array<PluginError> = []
    results.forEach((result, i) => {
      if (result._tag === "Right") plugins.push({ dir: join(root, dirs[i]!), manifest: result.right })
      else invalid.push(result.left)
    })
    return { plugins, invalid }
  })

/** Refuses a plugin whose `coreApi` range does not accept the running core (or `core`). */
export const checkCompatible = (manifest: Manifest, core: string = coreVersion): Effect.Effect<void, PluginError> =>
  semver.satisfies(core, manifest.coreApi)
    ? Effect.void
    : Effect.fail(
        new PluginError({
          reason: "Incompatible",
          plugin: manifest.id,
          message: `${manifest.id}@${manifest.version} supports core ${manifest.coreApi}, this core is ${core}`
        })
      )

/**
 * Validates, checks and imports the plugin in `dir`; its entry's default export must fit its kind. The entry is
 * imported as every plugin and strategy file is (`ModuleImport.ts`).
 */
export const load = (dir: string, core: string = coreVersion): Effect.Effect<Loaded, PluginError> =>
  Effect.gen(function* () {
    const manifest = yield* readManifest(dir)
    yield* checkCompatible(manifest, core)
    const entry = resolve(dir, manifest.entry)
    const module = yield* Effect.tryPromise({
      try: () => importModule(entry),
      catch: (e) =>
        new PluginError({
          reason: "LoadFailed",
          plugin: manifest.id,
          message: `cannot import ${entry}: ${message(e)}`
        })
    })
    const value = module.default
    const invalidEntry = (what: string) =>
      new PluginError({ reason: "InvalidEntry", plugin: manifest.id, message: `${manifest.entry}: ${what}` })
    if (value === undefined) return yield* invalidEntry("no default export")
    if (manifest.kind !== "strategy") return { kind: manifest.kind, manifest, dir, value }
    if (!isStrategy(value)) return yield* invalidEntry("the default export is not a Strategy (Strategy.make({ ... }))")
    if (value.id !== manifest.id) return yield* invalidEntry(`the strategy's id ${value.id} is not ${manifest.id}`)
    return { kind: "strategy", manifest, dir, strategy: value }
  })
