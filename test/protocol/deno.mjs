#!/usr/bin/env node
// Runs the protocol's loopback check (test/protocol/loopback.ts) on Deno through its Node compatibility: bundled
// with esbuild, then `npx deno run -A`. DENO_VERSION pins the `deno` npm package (default below).
import { spawnSync } from "node:child_process"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const out = join(root, "node_modules", ".cache", "meridian-test", "loopback.mjs")
await esbuild.build({
  entryPoints: [join(root, "test", "protocol", "loopback.ts")],
  outfile: out,
  bundle: true,
  platform: "node",
  format: "esm",
  // esbuild's ESM output for Node needs `require` for CommonJS dependencies.
  banner: {
    js: "import { createRequire as __meridianRequire } from 'node:module'; const require = __meridianRequire(import.meta.url);"
  },
  logLevel: "error"
})
const version = process.env.DENO_VERSION ?? "2.9.6"
const result = spawnSync("npx", ["--yes", `deno@${version}`, "run", "-A", out], {
  stdio: "inherit",
  cwd: root,
  timeout: 300_000
})
process.exit(result.status ?? 1)
