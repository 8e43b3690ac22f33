/**
 * How a plugin's entry or a strategy file is imported, the one way for the command line and for discovery: a
 * TypeScript (or JavaScript) file, loaded without transpiling Meridian's tree: esbuild bundles that one file with
 * what it imports into a temporary CommonJS module, which is required and removed. Bare imports that the file's own
 * folders cannot resolve (`effect`, `@meridian/core/...`) fall back to Meridian's `node_modules`, so a strategy kept
 * in a folder of its own, or a plugin installed anywhere, loads too.
 *
 * @since 0.1.0
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import type { Plugin } from "esbuild"

/** Meridian's own `node_modules`, beside the root package. */
const meridianModules = fileURLToPath(new URL("../../node_modules", import.meta.url))

interface BuildFailure {
  readonly errors?: ReadonlyArray<{ readonly text: string; readonly location?: { file: string; line: number } | null }>
}

/** The first error esbuild reports, as `file:line: text`. */
const firstError = (e: unknown): Error => {
  const first = (e as BuildFailure).errors?.[0]
  if (first === undefined) return e instanceof Error ? e : new Error(String(e))
  return new Error(`${first.location ? `${first.location.file}:${first.location.line}: ` : ""}${first.text}`)
}

/**
 * Packages required where they are installed rather than bundled into each plugin: ccxt is 17 MB of exchange
 * classes and imports optional decoders (protobufjs, not installed) only when used; jspurefix is ~2,400 modules.
 * Bundling them made discovering the plugins a third slower, for each process that does. Resolved from the importing folder, then Meridian's `node_modules`, to an
 * absolute path, since the bundle is required from a temporary folder.
 */
const IN_PLACE = /^(ccxt|jspurefix)(\/|$)/

const requiredInPlace: Plugin = {
  name: "required-in-place",
  setup(build) {
    build.onResolve({ filter: IN_PLACE }, ({ path, resolveDir }) => ({
      path: resolveFrom.resolve(path, { paths: [resolveDir, meridianModules] }),
      external: true
    }))
  }
}
const resolveFrom = createRequire(import.meta.url)

/** The module a strategy file exports; rejects with an `Error` whose message says why it cannot be loaded. */
export const importModule = async (file: string): Promise<Record<string, unknown>> => {
  const esbuild = await import("esbuild")
  const built = await esbuild
    .build({
      entryPoints: [file],
      bundle: true,
      write: false,
      format: "cjs",
      platform: "node",
      target: "node20",
      nodePaths: [meridianModules],
      plugins: [requiredInPlace],
      logLevel: "silent"
    })
    .catch((e: unknown) => {
      throw firstError(e)
    })
  const dir = await mkdtemp(join(tmpdir(), "meridian-strategy-"))
  try {
    const bundle = join(dir, "strategy.cjs")
    await writeFile(bundle, built.outputFiles[0]!.contents)
    return createRequire(bundle)(bundle) as Record<string, unknown>
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
