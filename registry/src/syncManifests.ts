/**
 * `npm run manifests`: write each plugin's `src/manifest.ts` into the `"meridian"` field of its package.json, so
 * the published manifest is generated from the code (parameters' JSON Schema from their `Schema`).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"

const root = resolve(import.meta.dirname, "..", "..", "plugins")
for (const name of readdirSync(root).sort()) {
  const manifest = join(root, name, "src", "manifest.ts")
  if (!existsSync(manifest)) continue
  const { meridian } = (await import(pathToFileURL(manifest).href)) as { meridian: unknown }
  const file = join(root, name, "package.json")
  const pkg = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>
  writeFileSync(file, `${JSON.stringify({ ...pkg, meridian }, null, 2)}\n`)
  console.log(`${name}: manifest written`)
}
