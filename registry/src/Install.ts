/**
 * Installing a plugin from a registry: resolve the version, download its tarball, verify its sha512 against the
 * registry's metadata, check its entries and extract it into `<dir>/<id>`, where `Discovery.load` finds it.
 *
 * @since 0.1.0
 */

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
}

/** What was installed. */
export interface Installed {
  readonly id: string
  readonly version: string
  readonly integrity: string
  readonly dir: string
}

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
    yield* extract(bytes, dir).pipe(
      Effect.mapError(
        (e) =>
          new RegistryError({
            reason: e.reason === "UnsafePath" ? "UnsafeTarball" : e.reason === "Write" ? "Storage" : "InvalidManifest",
            message: e.message
          })
      )
    )
    return { id, version: resolved.version, integrity: actual, dir }
  })
