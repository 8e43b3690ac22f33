/**
 * Strategy loading, the one implementation for `--strategy` and for whoever selects a strategy: a strategy the
 * caller has built in (by name), a plugin package's folder (one `meridian new strategy` made, one installed anywhere
 * with `meridian plugin install --dir`), a plugin's name looked up in Meridian's own `plugins/` and in the `plugins/`
 * folder of the working directory (where `meridian plugin install` puts them), or a strategy file. A plugin's
 * manifest is validated and its core API range checked (`Discovery.ts`); plugins and files are imported alike
 * (`ModuleImport.ts`).
 *
 * @since 0.1.0
 */
import { createHash } from "node:crypto"
import { existsSync, statSync } from "node:fs"
import { join, resolve } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { BacktestError } from "../../core/backtest/Backtest"
import type { JobStrategy } from "../../core/backtest/BacktestJob"
import { type AnyStrategy, isStrategy } from "../../core/strategy/Strategy"
import { coreVersion } from "./CoreVersion"
import { load } from "./Discovery"
import { importModule } from "./ModuleImport"

/** A strategy and where its code comes from: a plugin package (its folder and version) or a file. */
export interface LoadedStrategy {
  readonly strategy: AnyStrategy
  readonly origin:
    | { readonly kind: "package"; readonly dir: URL; readonly version: string }
    | { readonly kind: "file"; readonly file: string }
}

/** A strategy plugin as the backtest job runs it: its strategy, folder and version. */
export interface PluginStrategy extends LoadedStrategy {
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
  load(dir, coreVersion).pipe(
    Effect.mapError((e) =>
      configError(
        `strategy plugin ${e.plugin}: ${e.issues === undefined ? e.message : `invalid manifest: ${e.issues.join("; ")}`}`
      )
    ),
    Effect.flatMap((loaded) => {
      // An execution algorithm is a strategy that works a parent order (Strategy.make, the same ports): it runs as one.
      const strategy =
        loaded.kind === "strategy"
          ? loaded.strategy
          : loaded.kind === "algo" && isStrategy(loaded.value)
            ? loaded.value
            : undefined
      return strategy !== undefined
        ? Effect.succeed({
            strategy,
            origin: { kind: "package", dir: pathToFileURL(`${resolve(dir)}/`), version: loaded.manifest.version }
          } satisfies PluginStrategy)
        : Effect.fail(configError(`${dir} holds the ${loaded.kind} plugin ${loaded.manifest.id}, not a strategy`))
    })
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

/**
 * The strategy `name` selects: one of `builtIn` (the strategies the caller holds, by name), a plugin (its folder or
 * its name), else a strategy file (a path, or a name ending in `.ts`/`.js`).
 */
export const loadStrategy = (
  name: string,
  builtIn: Readonly<Record<string, LoadedStrategy>>
): Effect.Effect<LoadedStrategy, BacktestError, Path.Path> =>
  Effect.gen(function* () {
    const known = builtIn[name]
    if (known !== undefined) return known
    const plugin = yield* findStrategyPlugin(name)
    if (plugin !== undefined) return plugin
    if (!/[/\\]|\.[cm]?[jt]s$/.test(name)) {
      return yield* configError(
        `unknown strategy ${name}: not built in (${Object.keys(builtIn).join(", ")}) nor a plugin in ${pluginRoots().join(" or ")}`
      )
    }
    const path = yield* Path.Path
    const module = yield* Effect.tryPromise({
      try: () => importModule(path.resolve(name)),
      catch: (e) => configError(`cannot load ${name}: ${e instanceof Error ? e.message : String(e)}`)
    })
    const found = [module.default, module.strategy, ...Object.values(module)].find(isStrategy)
    if (found === undefined) return yield* configError(`${name} exports no strategy (Strategy.make({ ... }))`)
    return { strategy: found, origin: { kind: "file", file: path.resolve(name) } } satisfies LoadedStrategy
  })

/**
 * The code hashes of the built-in plugins as they were when the command line was bundled (`runtimes/node/build.mjs`
 * defines it): the bundle runs that code, whatever their folders hold since. Undefined when run from the sources.
 */
declare const MERIDIAN_BUNDLED_CODE_HASHES: Readonly<Record<string, string>> | undefined
const bundledCodeHashes = typeof MERIDIAN_BUNDLED_CODE_HASHES === "object" ? MERIDIAN_BUNDLED_CODE_HASHES : undefined

/**
 * sha256 of the strategy's code: its source file, or every file of its plugin package's `src/` (sorted by path,
 * each as path, NUL, content, NUL; `build.mjs` hashes the built-in plugins the same way).
 */
export const codeHash = (id: string, origin: LoadedStrategy["origin"]) =>
  Effect.gen(function* () {
    const bundled = origin.kind === "package" ? bundledCodeHashes?.[id] : undefined
    if (bundled !== undefined) return bundled
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const hash = createHash("sha256")
    if (origin.kind === "file") {
      hash.update(yield* fs.readFile(origin.file))
    } else {
      const src = path.join(yield* path.fromFileUrl(origin.dir), "src")
      const files = (yield* fs.readDirectory(src, { recursive: true })).sort()
      for (const file of files) {
        const full = path.join(src, file)
        if ((yield* fs.stat(full)).type !== "File") continue
        hash
          .update(`${file}\0`)
          .update(yield* fs.readFile(full))
          .update("\0")
      }
    }
    return hash.digest("hex")
  }).pipe(Effect.mapError((e) => configError(`cannot hash the strategy's code: ${e.message}`)))

/** The strategy as the backtest job takes it: the version and the code hash it records with the run. */
export const jobStrategy = ({ strategy, origin }: LoadedStrategy): JobStrategy => ({
  strategy,
  version: origin.kind === "package" ? origin.version : "local",
  codeHash: codeHash(strategy.id, origin)
})
