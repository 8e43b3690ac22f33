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
      // ccxt (connector-ccxt) imports its optional protobuf decoders (mexc) only when used; protobufjs is not
      // installed, so it stays a runtime require instead of failing the bundle.
      external: ["protobufjs", "protobufjs/*"],
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
