#!/usr/bin/env node
// Runs the bundled command line (runtimes/node/dist/meridian.cjs, built by `npm install`; built here first when it
// is missing) with V8's code cache: compiling the bundle's JavaScript is most of a cold start, and the cache, written
// beside the bundle after a run that found none, lets the next start skip it. A cache V8 refuses (another Node
// version, a new bundle) is replaced the same way; a folder that cannot be written only costs the speed-up.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
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
if (cachedData === undefined || script.cachedDataRejected) {
  process.once("exit", () => {
    try {
      const temporary = `${cacheFile}.${process.pid}`
      writeFileSync(temporary, script.createCachedData())
      renameSync(temporary, cacheFile)
    } catch {
      // A read-only install runs without the cache.
    }
  })
}
const module = { exports: {} }
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle))
