import { cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { isStrategy } from "../../core/strategy/Strategy"
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { checkCompatible, load, scan } from "./Discovery"

const repo = resolve(import.meta.dirname, "../..")

/**
 * A copy of the sma-cross package in a temporary `plugins` folder; it imports the core by relative path
 * (../../../core), so that folder gets a core and node_modules beside it.
 */
const copy = (change: (pkg: Record<string, unknown>) => Record<string, unknown>, files: Record<string, string> = {}) =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const root = await mkdtemp(join(tmpdir(), "meridian-discovery-"))
      await symlink(join(repo, "core"), join(root, "core"))
      await symlink(join(repo, "node_modules"), join(root, "node_modules"))
      const dir = join(root, "plugins", "sma")
      await cp(join(repo, "plugins/strategy-sma-cross"), dir, { recursive: true })
      const pkg = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as Record<string, unknown>
      await writeFile(join(dir, "package.json"), JSON.stringify(change(pkg)))
      for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
      return dir
    }),
    (dir) => Effect.promise(() => rm(join(dir, "../.."), { recursive: true, force: true }))
  )

const meridian = (pkg: Record<string, unknown>, fields: Record<string, unknown>) => ({
  ...pkg,
  meridian: { ...(pkg.meridian as Record<string, unknown>), ...fields }
})

describe("Discovery", () => {
  it.effect("scans the repository's plugins: sma-cross is valid, a package without a manifest is reported", () =>
    Effect.gen(function* () {
      const found = yield* scan(join(repo, "plugins"))
      expect(found.plugins.map((p) => p.manifest.id)).toContain("strategy-sma-cross")
      for (const invalid of found.invalid) {
        expect(invalid.reason).toBe("InvalidManifest")
        expect(invalid.issues?.length).toBeGreaterThan(0)
      }
    })
  )

  it.effect("loads the sma-cross strategy from its entry", () =>
    Effect.gen(function* () {
      const loaded = yield* load(join(repo, "plugins/strategy-sma-cross"))
      expect(loaded.kind).toBe("strategy")
      // The entry is bundled (`ModuleImport.ts`), as the command line runs it: a copy of the strategy, not the same object.
      expect(loaded.kind === "strategy" && loaded.strategy.id).toBe(smaCross.id)
      expect(loaded.kind === "strategy" && isStrategy(loaded.strategy)).toBe(true)
    })
  )

  it.effect("refuses a core outside the plugin's range", () =>
    Effect.gen(function* () {
      const loaded = yield* load(join(repo, "plugins/strategy-sma-cross"))
      // ^0.1.0 accepts 0.1.x only.
      expect(yield* Effect.flip(checkCompatible(loaded.manifest, "0.2.0"))).toMatchObject({ reason: "Incompatible" })
      expect(yield* checkCompatible(loaded.manifest, "0.1.9")).toBeUndefined()
      const refused = yield* Effect.flip(load(join(repo, "plugins/strategy-sma-cross"), "1.0.0"))
      expect(refused.message).toBe("strategy-sma-cross@0.1.0 supports core ^0.1.0, this core is 1.0.0")
    })
  )

  it.scoped("refuses an entry whose default export is not a Strategy, or is another one", () =>
    Effect.gen(function* () {
      const notStrategy = yield* copy((pkg) => meridian(pkg, { entry: "other.ts" }), {
        "other.ts": "export default { id: 'strategy-sma-cross' }\n"
      })
      expect(yield* Effect.flip(load(notStrategy))).toMatchObject({ reason: "InvalidEntry" })
      const renamed = yield* copy((pkg) => ({ ...meridian(pkg, { id: "strategy-other" }), name: "strategy-other" }))
      expect((yield* Effect.flip(load(renamed))).message).toBe(
        "src/index.ts: the strategy's id strategy-sma-cross is not strategy-other"
      )
      const missing = yield* copy((pkg) => meridian(pkg, { entry: "nowhere.ts" }))
      expect(yield* Effect.flip(load(missing))).toMatchObject({ reason: "LoadFailed" })
    })
  )
})
