#!/usr/bin/env node
// Runs the bundled command line (runtimes/node/dist/meridian.cjs and its chunks, built by `npm install`; built here
// first when it is missing) with V8's code cache: compiling the bundle's JavaScript is most of a cold start, and the
// cache, written beside each script after a run that found none, lets the next start skip it. A cache V8 refuses
// (another Node version, a new bundle) is replaced the same way; a folder that cannot be written only costs the
// speed-up. The scripts are CommonJS, loaded here rather than by Node's loader because only a script compiled here
// (vm.Script) can be given a cache; a chunk is loaded when the code that imports it first runs.
import { accessSync, constants, existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import vm from "node:vm"

const bundle = fileURLToPath(new URL("../dist/meridian.cjs", import.meta.url))
const dist = dirname(bundle)
if (!existsSync(bundle)) await (await import("../build.mjs")).build()

/** Whether caches can be written beside the bundle (a read-only install runs without them). */
const writable = (() => {
  try {
    accessSync(dist, constants.W_OK)
    return true
  } catch {
    return false
  }
})()

/** Scripts compiled without a usable cache: each gets one written at exit. */
const uncached = []
process.once("exit", () => {
  for (const { file, inode, script } of uncached) {
    try {
      // A build swapped in meanwhile (meridian.cjs keeps its name): this script's cache would pass V8's check of the
      // new one whenever the two have the same length, and run stale code.
      if (statSync(file).ino !== inode) continue
      const temporary = `${file}.cache.${process.pid}`
      writeFileSync(temporary, script.createCachedData())
      renameSync(temporary, `${file}.cache`)
    } catch {
      // A full disk or a folder made read-only meanwhile: the next start compiles again.
    }
  }
})

const nodeRequire = createRequire(bundle)
/** The bundle's scripts by file name, once loaded: their `module.exports`. */
const loaded = new Map()

/** `require` for the bundle's scripts: a chunk (`./chunk-….cjs`) is loaded here, anything else by Node. */
const requireFromBundle = (id) => (id.startsWith("./") ? load(join(dist, id)) : nodeRequire(id))

const load = (file) => {
  const known = loaded.get(file)
  if (known !== undefined) return known.exports
  const inode = statSync(file).ino
  const cacheFile = `${file}.cache`
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined
  const script = new vm.Script(
    `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`,
    { filename: file, cachedData }
  )
  if ((cachedData === undefined || script.cachedDataRejected) && writable) uncached.push({ file, inode, script })
  const module = { exports: {} }
  loaded.set(file, module)
  script.runInThisContext()(module.exports, requireFromBundle, module, file, dist)
  return module.exports
}

/**
 * What the build's quick.cjs answers without the bundle and Effect: `meridian --help` (from the text the build
 * stored) and `meridian info`.
 */
const quick = join(dist, "quick.cjs")
const helpText = join(dist, "help.txt")
const args = process.argv.slice(2)
const lone = args.length === 1 ? args[0] : undefined
if ((lone === "--help" || lone === "-h") && existsSync(quick) && existsSync(helpText)) {
  const { helpLayout, plainHelp } = load(quick)
  process.stdout.write(`${plainHelp(readFileSync(helpText, "utf8"), helpLayout())}\n`)
} else if (lone === "info" && existsSync(quick)) {
  process.stdout.write(`${load(quick).infoLine()}\n`)
} else {
  load(bundle)
}
