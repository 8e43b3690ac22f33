import { mkdtemp, readFile, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { decodePackageJson } from "./Manifest"
import { ScaffoldError, scaffoldStrategy, strategyNames } from "./Scaffold"

const scratch = () => Effect.promise(() => mkdtemp(join(tmpdir(), "meridian-scaffold-")))

describe("Scaffold", () => {
  it("names a strategy after its kebab-case name, with or without the strategy- prefix", () => {
    expect(strategyNames("buy-the-dip")).toEqual({ id: "strategy-buy-the-dip", type: "BuyTheDip", value: "buyTheDip" })
    expect(strategyNames("strategy-rsi2")).toEqual({ id: "strategy-rsi2", type: "Rsi2", value: "rsi2" })
    for (const bad of ["", "Buy", "buy_dip", "2fast", "strategy-", "a--b", "../x"]) {
      expect(strategyNames(bad), bad).toBeInstanceOf(ScaffoldError)
    }
  })

  it.effect("writes a package whose package.json is a valid strategy manifest", () =>
    Effect.gen(function* () {
      const dir = join(yield* scratch(), "pkg")
      const made = yield* scaffoldStrategy("buy-the-dip", dir)
      expect(made.files).toEqual([
        "package.json",
        "README.md",
        "tsconfig.json",
        ".gitignore",
        "src/BuyTheDip.ts",
        "src/index.ts",
        "src/manifest.ts",
        "test/BuyTheDip.test.ts"
      ])
      const raw = JSON.parse(yield* Effect.promise(() => readFile(join(dir, "package.json"), "utf8")))
      const manifest = yield* decodePackageJson(raw)
      expect(manifest).toMatchObject({ id: "strategy-buy-the-dip", kind: "strategy", entry: "src/index.ts" })
      expect(raw.dependencies["@meridian/core"]).toBe("0.1.0")
      expect(yield* Effect.promise(() => readFile(join(dir, "src", "index.ts"), "utf8"))).toMatch(
        /buyTheDip as default/
      )
    })
  )

  it.effect("writes into an empty folder and refuses one that is not", () =>
    Effect.gen(function* () {
      const empty = yield* scratch()
      yield* scaffoldStrategy("a", empty)
      const taken = yield* scratch()
      yield* Effect.promise(() => writeFile(join(taken, "keep.txt"), "x"))
      const error = yield* Effect.flip(scaffoldStrategy("a", taken))
      expect(error).toMatchObject({ reason: "FolderNotEmpty" })
      const file = join(taken, "keep.txt")
      expect(yield* Effect.flip(scaffoldStrategy("a", file))).toMatchObject({ reason: "FolderNotEmpty" })
    })
  )
})
