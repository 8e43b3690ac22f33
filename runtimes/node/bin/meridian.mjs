#!/usr/bin/env node
// Runs the bundled command line (runtimes/node/dist/meridian.cjs, built by `npm install`; built here first when it
// is missing) with V8's code cache: compiling the bundle's JavaScript is most of a cold start, and the cache, written
// beside the bundle after a run that found none, lets the next start skip it. A cache V8 refuses (another Node
// version, a new bundle) is replaced the same way; a folder that cannot be written only costs the speed-up.
import { accessSync, constants, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import vm from "node:vm"

const bundle = fileURLToPath(new URL("../dist/meridian.cjs", import.meta.url))
const cacheFile = `${bundle}.cache`
if (!existsSync(bundle)) await (await import("../build.mjs")).build()

const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined
const script = new vm.Script(
  `(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, "utf8")}\n})`,
  { filename: bundle, cachedData }
)
/** Whether a cache can be written beside the bundle (a read-only install runs without one). */
const writable = () => {
  try {
    accessSync(dirname(bundle), constants.W_OK)
    return true
  } catch {
    return false
  }
}
if ((cachedData === undefined || script.cachedDataRejected) && writable()) {
  process.once("exit", () => {
    try {
      const temporary = `${cacheFile}.${process.pid}`
      writeFileSync(temporary, script.createCachedData())
      renameSync(temporary, cacheFile)
    } catch {
      // A full disk or a folder made read-only meanwhile: the next start compiles again.
    }
  })
}
const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle))
