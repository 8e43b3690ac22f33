import { createHash } from "node:crypto"
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { integrity, pack } from "./Pack"
import { inspect } from "./Tarball"

const smaDir = join(resolve(import.meta.dirname, "../.."), "plugins/strategy-sma-cross")

describe("Pack", () => {
  it("writes npm's integrity form: sha512- and the base64 digest", () => {
    // sha512("abc") begins dd af 35 a1 ..., whose base64 begins "3a81oZ".
    expect(integrity(new TextEncoder().encode("abc"))).toBe(
      `sha512-${createHash("sha512").update("abc").digest("base64")}`
    )
    expect(integrity(new TextEncoder().encode("abc"))).toMatch(/^sha512-3a81oZ[A-Za-z0-9+/]{80}==$/)
  })

  it.scoped("packs deterministically under package/, in path order, without node_modules", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "meridian-pack-"))),
        (d) => Effect.promise(() => rm(d, { recursive: true, force: true }))
      )
      const copy = join(dir, "sma")
      yield* Effect.promise(async () => {
        await cp(smaDir, copy, { recursive: true })
        await mkdir(join(copy, "node_modules/dep"), { recursive: true })
        await writeFile(join(copy, "node_modules/dep/index.js"), "")
      })
      const first = yield* pack(copy)
      const second = yield* pack(copy)
      expect(second.integrity).toBe(first.integrity)
      expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true)
      // The copy, with different file times, packs to the same bytes as the original.
      expect((yield* pack(smaDir)).integrity).toBe(first.integrity)
      expect(first.files).toEqual(["package.json", "src/SmaCross.ts", "src/index.ts", "src/manifest.ts"])
      const inspected = yield* inspect(first.bytes)
      expect(inspected.files).toEqual(first.files)
      expect(inspected.packageJson).toMatchObject({ name: "@meridian/plugin-strategy-sma-cross" })
    })
  )
})
