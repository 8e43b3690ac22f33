#!/usr/bin/env node
// `npm run bench -- <name>` runs bench/<name>.ts on Node (through tsx, with GC exposed for memory figures).
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const name = process.argv[2]
const file = name === undefined ? undefined : join(root, "bench", `${name}.ts`)
if (file === undefined || !existsSync(file)) {
  const known = readdirSync(join(root, "bench"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
  console.error(`usage: npm run bench -- <name>; benchmarks: ${known.join(", ")}`)
  process.exit(2)
}
const result = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", file, ...process.argv.slice(3)], {
  stdio: "inherit",
  cwd: root
})
process.exit(result.status ?? 1)
