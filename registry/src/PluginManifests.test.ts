import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { load, scan } from "./Discovery"

const plugins = resolve(import.meta.dirname, "..", "..", "plugins")

describe("the repository's plugins", () => {
  it.effect("all carry a valid manifest, and each loads", () =>
    Effect.gen(function* () {
      const found = yield* scan(plugins)
      expect(found.invalid.map((e) => e.message)).toEqual([])
      expect(found.plugins.length).toBeGreaterThanOrEqual(4)
      for (const plugin of found.plugins) {
        const loaded = yield* load(plugin.dir)
        expect(loaded.manifest.id).toBe(plugin.manifest.id)
      }
    })
  )

  it("publish the manifest their src/manifest.ts generates (npm run manifests)", async () => {
    const found = await Effect.runPromise(scan(plugins))
    for (const plugin of found.plugins) {
      const source = join(plugin.dir, "src", "manifest.ts")
      if (!existsSync(source)) continue
      const { meridian } = (await import(pathToFileURL(source).href)) as { meridian: unknown }
      const published = JSON.parse(readFileSync(join(plugin.dir, "package.json"), "utf8")).meridian
      expect(published, `${plugin.manifest.id}: run npm run manifests`).toEqual(JSON.parse(JSON.stringify(meridian)))
    }
  })
})
