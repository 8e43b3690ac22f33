/**
 * Strategy plugins for `--strategy`: a plugin package's folder (one `meridian new strategy` made, one installed
 * anywhere with `meridian plugin install --dir`), or a plugin's name looked up in Meridian's own `plugins/` and in
 * the `plugins/` folder of the working directory (where `meridian plugin install` puts them). The manifest is
 * validated and the core API range checked (`registry/src/Discovery.ts`); the entry is bundled with esbuild, its
 * `@meridian/core` and `effect` resolved from Meridian's own `node_modules` when the package has none.
 *
 * @since 0.1.0
 */
import { existsSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { Effect } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import type { AnyStrategy } from "../../core/strategy/Strategy"
import { coreVersion } from "../../registry/src/CoreVersion"
import { load } from "../../registry/src/Discovery"
import { importStrategyFile } from "./StrategyFile"

/** A strategy plugin as the backtest job runs it: its strategy, folder and version. */
export interface PluginStrategy {
  readonly strategy: AnyStrategy
  readonly origin: { readonly kind: "package"; readonly dir: URL; readonly version: string }
}

/** Where plugins are looked up by name, in order, without duplicates: Meridian's own, then the working directory's. */
export const pluginRoots = (): ReadonlyArray<string> => [
  ...new Set([fileURLToPath(new URL("../../plugins", import.meta.url)), resolve("plugins")])
]

const configError = (message: string) => new BacktestError({ reason: "Config", message })

const isDirectory = (path: string) => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

/** The plugin folders `name` may be: `strategy-<name>` or `<name>` in each root, those holding a package.json. */
const candidates = (name: string): ReadonlyArray<string> =>
  /^[a-z][a-z0-9-]*$/.test(name)
    ? pluginRoots()
        .flatMap((root) => [join(root, name.startsWith("strategy-") ? name : `strategy-${name}`), join(root, name)])
        .filter((dir) => existsSync(join(dir, "package.json")))
    : []

/** Loads the strategy plugin in `dir`, failing with one line that names the plugin and what is wrong. */
export const loadStrategyPlugin = (dir: string): Effect.Effect<PluginStrategy, BacktestError> =>
  load(dir, coreVersion, importStrategyFile).pipe(
    Effect.mapError((e) =>
      configError(
        `strategy plugin ${e.plugin}: ${e.issues === undefined ? e.message : `invalid manifest: ${e.issues.join("; ")}`}`
      )
    ),
    Effect.flatMap((loaded) =>
      loaded.kind === "strategy"
        ? Effect.succeed({
            strategy: loaded.strategy,
            origin: { kind: "package", dir: pathToFileURL(`${resolve(dir)}/`), version: loaded.manifest.version }
          } satisfies PluginStrategy)
        : Effect.fail(configError(`${dir} holds the ${loaded.kind} plugin ${loaded.manifest.id}, not a strategy`))
    )
  )

/**
 * The strategy plugin `--strategy name` selects: a folder's, or the first plugin of that name; undefined when it is
 * neither (a strategy file, or an unknown name).
 */
export const findStrategyPlugin = (name: string): Effect.Effect<PluginStrategy | undefined, BacktestError> => {
  if (isDirectory(name)) {
    return existsSync(join(name, "package.json"))
      ? loadStrategyPlugin(resolve(name))
      : Effect.fail(configError(`${name} is a folder without a package.json, not a strategy plugin's package`))
  }
  const [dir] = candidates(name)
  return dir === undefined ? Effect.succeed(undefined) : loadStrategyPlugin(dir)
}
