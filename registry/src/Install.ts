/**
 * Installing a plugin from a registry: resolve the version, download its tarball, verify its sha512 against the
 * registry's metadata, check its entries and extract it into `<dir>/<id>`, where `Discovery.load` finds it. The
 * folder gets a receipt of what was installed: a later install replaces a folder with a receipt (an upgrade), and
 * refuses one without (a plugin's sources, say) unless forced.
 *
 * @since 0.1.0
 */

import { readFile, writeFile } from "node:fs/promises"
import { join } from "node:path"
import type { HttpClient } from "@effect/platform"
import { Effect } from "effect"
import * as Client from "./Client"
import { coreVersion } from "./CoreVersion"
import { integrity } from "./Pack"
import { RegistryError } from "./RegistryError"
import { extract } from "./Tarball"

/** `id` or `id@range`, e.g. `strategy-sma-cross@^0.1.0`. */
export const parseSpec = (spec: string): { readonly id: string; readonly range: string } => {
  const at = spec.indexOf("@", 1)
  return at < 0 ? { id: spec, range: "*" } : { id: spec.slice(0, at), range: spec.slice(at + 1) }
}

export interface InstallOptions {
  readonly registry: string
  /** `id` or `id@range`. */
  readonly spec: string
  /** The plugins directory; the plugin goes to `<dir>/<id>`. */
  readonly dir: string
  /** The core version to resolve for (the running core's by default). */
  readonly core?: string
  /** Replace `<dir>/<id>` even when no install made it. */
  readonly force?: boolean
}

/** What was installed. */
export interface Installed {
  readonly id: string
  readonly version: string
  readonly integrity: string
  readonly dir: string
  /** The version this install replaced, if the folder held an installed one. */
  readonly replaced?: string
}

/** The receipt an install leaves in the plugin's folder. */
const RECEIPT = ".meridian-install.json"

/** What the folder holds: nothing, an installed plugin (its version), or something no install made. */
const folderState = (dir: string): Effect.Effect<"absent" | "foreign" | { readonly version: string }> =>
  Effect.promise(async () => {
    const receipt = await readFile(join(dir, RECEIPT), "utf8").catch(() => undefined)
    if (receipt !== undefined) {
      const version = (JSON.parse(receipt) as { version?: unknown }).version
      return { version: typeof version === "string" ? version : "unknown" }
    }
    const present = await readFile(join(dir, "package.json")).then(
      () => true,
      (e: NodeJS.ErrnoException) => e.code !== "ENOENT"
    )
    return present ? "foreign" : "absent"
  })

export const install = (options: InstallOptions): Effect.Effect<Installed, RegistryError, HttpClient.HttpClient> =>
  Effect.gen(function* () {
    const { id, range } = parseSpec(options.spec)
    const resolved = yield* Client.resolve(options.registry, id, range, options.core ?? coreVersion)
    const bytes = yield* Client.tarball(options.registry, id, resolved.version)
    const actual = integrity(bytes)
    if (actual !== resolved.integrity) {
      return yield* new RegistryError({
        reason: "IntegrityMismatch",
        message: `${id}@${resolved.version}: downloaded ${actual}, the registry lists ${resolved.integrity}`
      })
    }
    const dir = join(options.dir, id)
    const before = yield* folderState(dir)
    if (before === "foreign" && options.force !== true) {
      return yield* new RegistryError({
        reason: "Duplicate",
        message: `${dir} exists and no install made it: remove it, or pass --force to replace it`
      })
    }
    yield* extract(bytes, dir).pipe(
      Effect.mapError(
        (e) =>
          new RegistryError({
            reason: e.reason === "UnsafePath" ? "UnsafeTarball" : e.reason === "Write" ? "Storage" : "InvalidManifest",
            message: e.message
          })
      )
    )
    const receipt = { id, version: resolved.version, integrity: actual, registry: options.registry }
    yield* Effect.tryPromise({
      try: () => writeFile(join(dir, RECEIPT), `${JSON.stringify(receipt, null, 2)}\n`),
      catch: (e) =>
        new RegistryError({ reason: "Storage", message: `cannot write ${join(dir, RECEIPT)}: ${String(e)}` })
    })
    return {
      id,
      version: resolved.version,
      integrity: actual,
      dir,
      ...(typeof before === "object" && { replaced: before.version })
    }
  })
