import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Command } from "@effect/cli"
import { NodeContext } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { tokenSha256 } from "./Authors"
import { plugin } from "./Cli"
import { serve } from "./Server"

const smaDir = join(resolve(import.meta.dirname, "../.."), "plugins/strategy-sma-cross")
const cli = Command.run(plugin, { name: "plugin", version: "0.1.0" })

describe("plugin command", () => {
  it.scoped("packs, publishes and installs through its subcommands", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "meridian-cli-"))),
        (d) => Effect.promise(() => rm(d, { recursive: true, force: true }))
      )
      const authors = join(dir, "authors.json")
      yield* Effect.promise(() =>
        writeFile(authors, JSON.stringify([{ author: "carol", tokenSha256: tokenSha256("t0k") }]))
      )
      const { url } = yield* serve({ port: 0, dataDir: join(dir, "data"), authorsFile: authors })

      yield* cli(["node", "plugin", "pack", smaDir, "--out", dir])
      const tgz = join(dir, "strategy-sma-cross-0.1.0.tgz")
      expect(yield* Effect.promise(() => readdir(dir))).toContain("strategy-sma-cross-0.1.0.tgz")
      yield* cli(["node", "plugin", "publish", tgz, "--registry", url, "--token", "t0k"])
      yield* cli(["node", "plugin", "list", "--registry", url])
      yield* cli(["node", "plugin", "install", "strategy-sma-cross@^0.1.0", "--registry", url, "--dir", dir])
      expect(yield* Effect.promise(() => readdir(join(dir, "strategy-sma-cross", "src")))).toContain("SmaCross.ts")
      // A second publish of the same version is refused, and the command fails with the registry's reason.
      const again = yield* Effect.flip(cli(["node", "plugin", "publish", tgz, "--registry", url, "--token", "t0k"]))
      expect(again).toMatchObject({ _tag: "RegistryError", reason: "Duplicate" })
      // `author` adds an author (only the token's hash) to the file the running registry reads.
      yield* cli(["node", "plugin", "author", "zoe", "--authors", authors])
      const entries = JSON.parse(yield* Effect.promise(() => readFile(authors, "utf8"))) as Array<{ author: string }>
      expect(entries.map((e) => e.author)).toEqual(["carol", "zoe"])
    }).pipe(Effect.provide(NodeContext.layer))
  )
})
