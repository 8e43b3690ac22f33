import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { gzipSync } from "node:zlib"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Header } from "tar"
import { extract, inspect } from "./Tarball"

type Entry = { path: string; body?: string; type?: "File" | "SymbolicLink" | "Link" | "FIFO"; linkpath?: string }

/** A gzipped tarball written header by header. */
const tarball = (entries: ReadonlyArray<Entry>) => {
  const blocks: Array<Buffer> = []
  for (const entry of entries) {
    const type = entry.type ?? "File"
    const body = Buffer.from(type === "File" ? (entry.body ?? "") : "")
    const header = new Header({
      path: entry.path,
      mode: 0o644,
      size: body.length,
      type,
      mtime: new Date(0),
      ...(entry.linkpath === undefined ? {} : { linkpath: entry.linkpath })
    })
    const block = Buffer.alloc(512)
    header.encode(block, 0)
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return new Uint8Array(gzipSync(Buffer.concat(blocks)))
}

const pkg: Entry = { path: "package/package.json", body: '{"name":"x"}' }
const reason = (bytes: Uint8Array) =>
  inspect(bytes).pipe(
    Effect.map(() => "ok"),
    Effect.catchAll((e) => Effect.succeed(`${e.reason}: ${e.message}`))
  )

describe("Tarball", () => {
  it.effect("accepts files, folders and links that stay inside package/", () =>
    Effect.gen(function* () {
      const ok = yield* inspect(
        tarball([
          pkg,
          { path: "package/src/a.ts", body: "export {}" },
          { path: "package/src/b.ts", type: "SymbolicLink", linkpath: "a.ts" },
          { path: "package/c.ts", type: "Link", linkpath: "package/src/a.ts" }
        ])
      )
      expect(ok.files).toEqual(["package.json", "src/a.ts", "src/b.ts", "c.ts"])
      expect(ok.packageJson).toEqual({ name: "x" })
    })
  )

  it.effect("refuses absolute paths, .., links pointing out and devices", () =>
    Effect.gen(function* () {
      expect(yield* reason(tarball([pkg, { path: "/etc/cron.d/x", body: "" }]))).toBe(
        "UnsafePath: absolute path /etc/cron.d/x"
      )
      expect(yield* reason(tarball([pkg, { path: "package/../../x", body: "" }]))).toMatch(
        /^UnsafePath: path with "\.\."/
      )
      expect(yield* reason(tarball([pkg, { path: "other/x", body: "" }]))).toBe(
        "UnsafePath: path outside package/: other/x"
      )
      expect(yield* reason(tarball([pkg, { path: "package/l", type: "SymbolicLink", linkpath: "../x" }]))).toMatch(
        /^UnsafePath: link package\/l points outside/
      )
      expect(
        yield* reason(tarball([pkg, { path: "package/l", type: "SymbolicLink", linkpath: "/etc/passwd" }]))
      ).toMatch(/^UnsafePath: link package\/l to absolute path/)
      expect(yield* reason(tarball([pkg, { path: "package/h", type: "Link", linkpath: "etc/passwd" }]))).toMatch(
        /^UnsafePath: link package\/h points outside/
      )
      expect(yield* reason(tarball([pkg, { path: "package/f", type: "FIFO" }]))).toBe(
        "UnsafePath: entry package/f of type FIFO"
      )
      expect(yield* reason(tarball([{ path: "package/a.ts", body: "" }]))).toBe(
        "NoPackageJson: no package/package.json"
      )
      expect(yield* reason(new Uint8Array([1, 2, 3, 4]))).toMatch(/^Malformed: /)
    })
  )

  it.scoped("extracts a safe tarball into place and leaves the target untouched when it refuses one", () =>
    Effect.gen(function* () {
      const dir = yield* Effect.acquireRelease(
        Effect.promise(() => mkdtemp(join(tmpdir(), "meridian-tar-"))),
        (d) => Effect.promise(() => rm(d, { recursive: true, force: true }))
      )
      const dest = join(dir, "plugins", "x")
      yield* extract(tarball([pkg, { path: "package/src/a.ts", body: "export const a = 1" }]), dest)
      expect(yield* Effect.promise(() => readFile(join(dest, "src/a.ts"), "utf8"))).toBe("export const a = 1")
      yield* Effect.promise(() => writeFile(join(dest, "marker"), ""))
      const refused = yield* Effect.flip(extract(tarball([pkg, { path: "package/../../escape", body: "" }]), dest))
      expect(refused.reason).toBe("UnsafePath")
      expect((yield* Effect.promise(() => readdir(dest))).sort()).toEqual(["marker", "package.json", "src"])
      expect(yield* Effect.promise(() => readdir(dir))).toEqual(["plugins"])
    })
  )
})
