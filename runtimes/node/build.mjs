#!/usr/bin/env node
// Bundles the `meridian` command line for Node into runtimes/node/dist/meridian.cjs and the chunks it loads on first
// use (run by `npm install` through the root package's `prepare`, by the test suite's global setup, and by
// `npm run build`), then runs a backtest with it once, so that it leaves V8's code cache beside each script it loaded
// (see bin/meridian.mjs). CommonJS scripts rather than ES modules, because Node 20 can hand V8 a code cache only for a
// script. Each command's dependencies sit behind a dynamic import, which becomes a chunk loaded and initialised on
// first use: code that a command does not run is neither read nor executed.
import { spawnSync } from "node:child_process"
import { createHash } from "node:crypto"
import { link, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises"
import { createRequire } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as esbuild from "esbuild"

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, "..", "..")
export const bundle = join(here, "dist", "meridian.cjs")

/**
 * Packages loaded from node_modules at run time: native code, WebAssembly or files beside their modules; ccxt (17 MB,
 * with optional dependencies that are not installed) and jspurefix (~2,400 modules, FIX dictionaries read from disk).
 */
const external = [
  "@duckdb/node-api",
  "@electric-sql/pglite",
  "@electric-sql/pglite-socket",
  "@node-rs/argon2",
  "@node-rs/crc32",
  "ccxt",
  "esbuild",
  "jspurefix",
  // jspurefix's tsyringe needs this polyfill loaded before it. A chunk requires its external packages at its top, in
  // import order, ahead of the bundled modules it initialises on first use: bundled, the polyfill came too late.
  "reflect-metadata"
]

/**
 * A module of ours that finds files beside itself (`new URL("./data/", import.meta.url)`,
 * `createRequire(import.meta.url)`) keeps finding them from the bundle: there, its `import.meta.url` becomes its
 * own source's URL, relative to the bundle's file.
 */
const SELF_URL = /(new URL\(\s*(?:"[^"]*"|'[^']*'),\s*|createRequire\()import\.meta\.url\)/g

const sourceUrls = {
  name: "source-urls",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
      if (path.includes(`${join("node_modules", "")}`)) return undefined
      const source = await readFile(path, "utf8")
      if (source.search(SELF_URL) < 0) return undefined
      const fromBundle = relative(dirname(bundle), path).split("\\").join("/")
      const url = `new URL(${JSON.stringify(fromBundle)}, require("node:url").pathToFileURL(__filename)).href`
      return { contents: source.replace(SELF_URL, (_, call) => `${call}${url})`), loader: "ts" }
    })
  }
}

/**
 * Built-in plugins by strategy id: the bundle records the hash of the code it holds (see `codeHash` in
 * `registry/src/StrategyLoader.ts`).
 */
const builtInPlugins = { "strategy-sma-cross": join(root, "plugins", "strategy-sma-cross") }

/** sha256 of a plugin's `src/` files, sorted by path, each as path, NUL, content, NUL. */
const pluginCodeHash = async (dir) => {
  const src = join(dir, "src")
  const hash = createHash("sha256")
  for (const file of (await readdir(src, { recursive: true })).sort()) {
    if (!(await stat(join(src, file))).isFile()) continue
    hash
      .update(`${file}\0`)
      .update(await readFile(join(src, file)))
      .update("\0")
  }
  return hash.digest("hex")
}

/** What esbuild makes a CommonJS module's exports: a copy of its `__export` getters, each read through another. */
const TO_COMMONJS = /module\.exports=__toCommonJS\((\w+)\)/g

/**
 * A chunk exports its own getters, one per name, rather than esbuild's copy of them, whose one shared getter read
 * behind every import from another chunk was megamorphic: 8 % of a 1M-bar backtest's profile.
 */
const directExports = (code) => {
  const found = code.match(TO_COMMONJS)?.length ?? 0
  if (found > 1) throw new Error(`a chunk sets module.exports ${found} times`)
  return code.replace(TO_COMMONJS, (_, exports) => `module.exports=__defProp(${exports},"__esModule",{value:!0})`)
}

/** How long a chunk of an older build is kept: as long as a process started from that build may still load it. */
const OLD_CHUNK_MS = 24 * 3_600_000

/**
 * A process started from the previous build loads its chunks from `dist` when it first needs them, after the new
 * build took the folder's place: the chunks it may ask for are carried over (named by their content's hash, they
 * never clash with the new build's), for a day.
 */
const keepOldChunks = async (dist, staging) => {
  const fresh = new Set(await readdir(staging))
  const old = await readdir(dist).catch(() => [])
  for (const name of old) {
    if (!name.startsWith("chunk-") || !name.endsWith(".cjs") || fresh.has(name)) continue
    const { mtimeMs } = await stat(join(dist, name))
    if (Date.now() - mtimeMs < OLD_CHUNK_MS) await link(join(dist, name), join(staging, name)).catch(() => undefined)
  }
}

/**
 * What bin/meridian.mjs answers without loading the bundle: `meridian --help` from the help text as the command line
 * renders it (`help.txt`, made by running runtimes/node/help.ts bundled on its own), and `meridian info`, with the
 * few KB of runtimes/node/quick.ts (`quick.cjs`). Loading the bundle's first chunk and Effect was most of those starts
 * (0.33-0.34 s).
 */
const writeQuick = async (staging, hashes) => {
  const options = { bundle: true, format: "cjs", platform: "node", target: "node20", logLevel: "error" }
  await esbuild.build({
    ...options,
    entryPoints: [join(here, "quick.ts")],
    outfile: join(staging, "quick.cjs"),
    minify: true,
    legalComments: "none"
  })
  const snapshot = join(staging, "help-snapshot.cjs")
  await esbuild.build({
    ...options,
    entryPoints: [join(here, "help.ts")],
    outfile: snapshot,
    external,
    plugins: [sourceUrls],
    define: { MERIDIAN_BUNDLED_CODE_HASHES: JSON.stringify(hashes) }
  })
  const { topLevelHelp } = createRequire(import.meta.url)(snapshot)
  await writeFile(join(staging, "help.txt"), await topLevelHelp())
  await rm(snapshot)
}

/**
 * Build the bundle and warm its code cache; resolves once both are written. The bundle is written in a folder of its
 * own and swapped in, so that a `meridian` started meanwhile (another test run) reads a whole bundle, old or new.
 */
export const build = async () => {
  const dist = dirname(bundle)
  const staging = `${dist}.${process.pid}`
  const retired = `${dist}.${process.pid}.old`
  const hashes = {}
  for (const [id, dir] of Object.entries(builtInPlugins)) hashes[id] = await pluginCodeHash(dir)
  // Split at each dynamic import: `--help` and `info` read and deserialize only the modules that parse the command
  // line (1.4 of the 3.6 MB), not those of the commands that run. Against one file, valgrind counts 6 % fewer
  // instructions for `meridian --help` (11 % of what it adds to a bare `node`), and its peak RSS is 73 MB, not 87. esbuild splits ES modules only, and Node 20 hands V8 a code cache only for a
  // script: each chunk is then turned into a CommonJS script (imports into `require`, `import()` into a `require` on
  // first use) that bin/meridian.mjs loads with its own cache.
  const split = await esbuild.build({
    entryPoints: [join(here, "main.ts")],
    outdir: staging,
    entryNames: "meridian",
    chunkNames: "chunk-[hash]",
    outExtension: { ".js": ".cjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external,
    plugins: [sourceUrls],
    define: { MERIDIAN_BUNDLED_CODE_HASHES: JSON.stringify(hashes) },
    legalComments: "none",
    // Less to read and to deserialize at each start (help 0.47 s → 0.39 s here); names kept for stack traces.
    minify: true,
    keepNames: true,
    write: false,
    logLevel: "error"
  })
  await mkdir(staging, { recursive: true })
  for (const file of split.outputFiles) {
    // A script run with a code cache cannot call import() on Node 20: dynamic imports become require() calls, of
    // our chunks (bin/meridian.mjs loads them) and of the external packages (each ships a CommonJS build).
    const script = await esbuild.transform(file.text, {
      format: "cjs",
      platform: "node",
      target: "node20",
      supported: { "dynamic-import": false },
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: "error"
    })
    await writeFile(file.path, directExports(script.code))
  }
  await writeQuick(staging, hashes)
  await keepOldChunks(dist, staging)
  await rename(dist, retired).catch(() => undefined)
  await rename(staging, dist)
  await rm(retired, { recursive: true, force: true })
  // The first run writes the code cache, and shows the bundle starts: a backtest of the shipped S&P 500 bars, so
  // the cache holds the functions a backtest compiles, not only those of the command line.
  const sp500 = join(root, "node_modules", "vega-datasets", "data", "sp500-2000.csv")
  const warm = spawnSync(
    process.execPath,
    [join(here, "bin", "meridian.mjs"), "backtest", "--strategy", "sma-cross", "--data", sp500, "--no-store"],
    { cwd: root, encoding: "utf8" }
  )
  if (warm.status !== 0) throw new Error(`the bundle does not start: ${warm.stderr || warm.error}`)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await build()
