/**
 * Vitest's global setup: the tests that start a `meridian` process run the bundle, so build it from the sources
 * under test first, unless the bundle is newer than every source it is built from. A clean install has just built
 * it (`npm ci` runs `prepare`), and CI then runs the suite twice (Node and Bun): each build and its warm-up backtest
 * took 10-20 s of the suite's wall time on a loaded 2-core machine, with every test waiting for it.
 */
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"
// @ts-expect-error: the build script is plain JavaScript without declarations.
import { build, bundle } from "../runtimes/node/build.mjs"

const root = join(import.meta.dirname, "..")
/** What the bundle is built from: our sources, the build script, and the installed packages (as locked). */
const SOURCES = ["core", "runtimes", "plugins", "registry", "site"]
const FILES = ["package.json", "package-lock.json", "tsconfig.json"]
/** Not bundled: the bundle itself, installed packages (their lock stands for them), tests, run-time folders. */
const SKIPPED = new Set(["node_modules", "dist", "out", ".meridian"])

/**
 * The newest modification time of the files under `dir` but test files, which are not bundled. Folders' times are
 * passed over (the build's swap of `dist` changes its parent's): a source deleted or renamed changes the bundle only
 * through an edit to the files that import it.
 */
const newest = (dir: string): number => {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED.has(entry.name) && !entry.name.startsWith("dist."))
        latest = Math.max(latest, newest(join(dir, entry.name)))
    } else if (!entry.name.endsWith(".test.ts")) {
      latest = Math.max(latest, statSync(join(dir, entry.name)).mtimeMs)
    }
  }
  return latest
}

/** Whether the bundle was written after the last change to anything it is built from. */
const upToDate = (): boolean => {
  try {
    const built = statSync(bundle as string).mtimeMs
    const sources = Math.max(
      ...SOURCES.map((dir) => newest(join(root, dir))),
      ...FILES.map((file) => statSync(join(root, file), { throwIfNoEntry: false })?.mtimeMs ?? 0)
    )
    return sources < built
  } catch {
    return false
  }
}

export default async function setup(): Promise<void> {
  if (!upToDate()) await build()
}
