import { readdirSync } from "node:fs"
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Option } from "effect"
import { Authors, addAuthor, layerFile, tokenSha256 } from "./Authors"
import * as Client from "./Client"
import { pack } from "./Pack"
import { serve } from "./Server"

const smaDir = join(resolve(import.meta.dirname, "../.."), "plugins/strategy-sma-cross")

const tempDir = Effect.acquireRelease(
  Effect.promise(() => mkdtemp(join(tmpdir(), "meridian-authors-"))),
  (dir) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

const authenticate = (path: string, token: string) =>
  Effect.flatMap(Authors, (authors) => authors.authenticate(token)).pipe(Effect.provide(layerFile(path)))

describe("Authors", () => {
  it.scoped("adds authors with fresh tokens, storing only their hashes", () =>
    Effect.gen(function* () {
      const path = join(yield* tempDir, "authors.json")
      const dave = yield* addAuthor(path, "dave")
      const erin = yield* addAuthor(path, "erin.q")
      expect(dave).not.toBe(erin)
      expect(dave).toMatch(/^[A-Za-z0-9_-]{43}$/) // 32 random bytes, base64url
      const text = yield* Effect.promise(() => readFile(path, "utf8"))
      expect(text).not.toContain(dave)
      expect(JSON.parse(text)).toEqual([
        { author: "dave", tokenSha256: tokenSha256(dave) },
        { author: "erin.q", tokenSha256: tokenSha256(erin) }
      ])
      expect(yield* authenticate(path, dave)).toEqual(Option.some("dave"))
      expect(yield* authenticate(path, erin)).toEqual(Option.some("erin.q"))
      expect(yield* authenticate(path, `${dave}x`)).toEqual(Option.none())
    })
  )

  it.scoped("refuses a taken name, a bad name and a bad file, leaving the file as it was", () =>
    Effect.gen(function* () {
      const path = join(yield* tempDir, "authors.json")
      yield* addAuthor(path, "dave")
      const before = yield* Effect.promise(() => readFile(path, "utf8"))
      const taken = yield* Effect.flip(addAuthor(path, "dave"))
      expect(taken).toMatchObject({ reason: "Duplicate", message: expect.stringContaining("dave") })
      const bad = yield* Effect.flip(addAuthor(path, "dave smith"))
      expect(bad).toMatchObject({ reason: "BadRequest" })
      expect(bad.issues?.[0]).toMatch(/^author: an author name is letters/)
      expect(yield* Effect.promise(() => readFile(path, "utf8"))).toBe(before)

      yield* Effect.promise(() => writeFile(path, `[{ "author": "x" }]`))
      const invalid = yield* Effect.flip(addAuthor(path, "frank"))
      expect(invalid).toMatchObject({ reason: "Storage", message: expect.stringContaining("invalid authors file") })
      expect(invalid.issues?.join("\n")).toContain("tokenSha256")
      expect(yield* Effect.promise(() => readFile(path, "utf8"))).toBe(`[{ "author": "x" }]`)
    })
  )

  it.scopedLive("loses no author when several are added at once, or while another process holds the file", () =>
    Effect.gen(function* () {
      const path = join(yield* tempDir, "authors.json")
      const names = ["a1", "a2", "a3", "a4", "a5"]
      const tokens = yield* Effect.all(
        names.map((name) => addAuthor(path, name)),
        { concurrency: "unbounded" }
      )
      for (const [i, token] of tokens.entries()) expect(yield* authenticate(path, token)).toEqual(Option.some(names[i]))
      // Another process's lock: the addition waits until it is gone.
      yield* Effect.promise(() => writeFile(`${path}.lock`, ""))
      const waiting = yield* Effect.fork(addAuthor(path, "late"))
      yield* Effect.sleep("100 millis")
      expect(JSON.parse(yield* Effect.promise(() => readFile(path, "utf8")))).toHaveLength(5)
      yield* Effect.promise(() => rm(`${path}.lock`))
      const late = yield* Fiber.join(waiting)
      expect(yield* authenticate(path, late)).toEqual(Option.some("late"))
      expect(readdirSync(dirname(path)).sort()).toEqual(["authors.json"]) // no temporary or lock file left
    })
  )

  it.scoped("lets an author added while the registry runs publish at once", () =>
    Effect.gen(function* () {
      const dir = yield* tempDir
      const path = join(dir, "authors.json")
      yield* addAuthor(path, "dave")
      const { url } = yield* serve({ port: 0, dataDir: join(dir, "data"), authorsFile: path })
      const grace = yield* addAuthor(path, "grace")
      const packed = yield* pack(smaDir)
      const { id } = yield* Client.publish(url, packed.bytes, grace)
      expect((yield* Client.info(url, id)).author).toBe("grace")
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
