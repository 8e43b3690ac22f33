import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { meridian } from "../../plugins/strategy-sma-cross/src/manifest"
import { decodeManifest, decodePackageJson } from "./Manifest"

const smaPackage = JSON.parse(
  readFileSync(join(resolve(import.meta.dirname, "../.."), "plugins/strategy-sma-cross/package.json"), "utf8")
) as Record<string, unknown>

const valid = {
  name: "@acme/plugin-strategy-dip",
  version: "1.2.3",
  description: "buys the dip",
  meridian: {
    id: "strategy-dip",
    kind: "strategy",
    coreApi: "^0.1.0",
    entry: "src/index.ts",
    capabilities: ["market-data:bars", "orders:submit"]
  }
}

const issues = (raw: unknown) => Effect.runSync(Effect.either(decodePackageJson(raw)))

describe("Manifest", () => {
  it("decodes the sma-cross package.json, whose params schema is the one generated from Params", () => {
    const manifest = Either.getOrThrow(issues(smaPackage))
    expect(manifest).toMatchObject({
      name: "@meridian/plugin-strategy-sma-cross",
      id: "strategy-sma-cross",
      version: "0.1.0",
      kind: "strategy",
      coreApi: "^0.1.0",
      entry: "src/index.ts"
    })
    expect(smaPackage.meridian).toEqual(JSON.parse(JSON.stringify(meridian)))
  })

  it("accepts a bare id as name and round-trips the flat manifest", () => {
    const manifest = Either.getOrThrow(issues({ ...valid, name: "strategy-dip" }))
    expect(manifest.name).toBe("strategy-dip")
    expect(Either.isRight(Effect.runSync(Effect.either(decodeManifest(manifest))))).toBe(true)
  })

  it("reports every problem at once, each naming its field", () => {
    const result = issues({
      name: "Not A Name",
      version: "1.2",
      description: 3,
      meridian: {
        id: "Strategy_Dip",
        kind: "indicator",
        coreApi: ">>1",
        entry: "src/../../etc/passwd",
        params: "not a schema",
        capabilities: ["network", "mind-reading"]
      }
    })
    expect(Either.isLeft(result)).toBe(true)
    const list = Either.isLeft(result) ? result.left : []
    expect(list.map((i) => i.split(":")[0])).toEqual([
      "name",
      "version",
      "description",
      "meridian.id",
      "meridian.kind",
      "meridian.coreApi",
      "meridian.entry",
      "meridian.params",
      "meridian.capabilities.1"
    ])
    expect(list).toContain('meridian.kind: Expected "connector" | "strategy" | "algo", actual "indicator"')
    expect(list).toContain('version: expected a semver version such as 1.2.3, got "1.2"')
  })

  it("refuses absolute entries, a missing meridian field and a name that is not the id's", () => {
    const entry = issues({ ...valid, meridian: { ...valid.meridian, entry: "/abs/index.ts" } })
    expect(Either.isLeft(entry) && entry.left[0]).toMatch(/^meridian\.entry: expected a relative path/)
    const missing = issues({ name: "x", version: "1.0.0", description: "" })
    expect(Either.isLeft(missing) && missing.left).toEqual(["meridian: is missing"])
    const name = issues({ ...valid, name: "@acme/plugin-strategy-other" })
    expect(Either.isLeft(name) && name.left).toEqual([
      "name: expected strategy-dip or @scope/plugin-strategy-dip, got @acme/plugin-strategy-other"
    ])
  })
})
