import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { gzipSync } from "node:zlib"
import { FetchHttpClient } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Header } from "tar"
import { run } from "../../core/backtest/Backtest"
import type { AnyStrategy } from "../../core/strategy/Strategy"
import smaCross from "../../plugins/strategy-sma-cross/src/index"
import { SPX, simVenue, sp500Bars } from "../../test/backtest/support"
import { currencies } from "../../test/fixtures/instruments"
import { tokenSha256 } from "./Authors"
import * as Client from "./Client"
import * as Discovery from "./Discovery"
import { install } from "./Install"
import { integrity, pack } from "./Pack"
import { serve } from "./Server"

const repo = resolve(import.meta.dirname, "../..")
const smaDir = join(repo, "plugins/strategy-sma-cross")
const alice = "alice-secret-token"
const bob = "bob-secret-token"

/** A fresh directory with an authors file (alice and bob; only their tokens' hashes). */
const workspace = Effect.acquireRelease(
  Effect.promise(async () => {
    const dir = await mkdtemp(join(tmpdir(), "meridian-registry-"))
    const authorsFile = join(dir, "authors.json")
    await writeFile(
      authorsFile,
      JSON.stringify([
        { author: "alice", tokenSha256: tokenSha256(alice) },
        { author: "bob", tokenSha256: tokenSha256(bob) }
      ])
    )
    return { dir, authorsFile, dataDir: join(dir, "data") }
  }),
  ({ dir }) => Effect.promise(() => rm(dir, { recursive: true, force: true }))
)

/** A copy of the sma-cross package with its package.json changed. */
const variant = (dir: string, name: string, change: (pkg: Record<string, unknown>) => Record<string, unknown>) =>
  Effect.promise(async () => {
    const target = join(dir, "variants", name)
    await cp(smaDir, target, { recursive: true, filter: (src) => !src.includes("node_modules") })
    const pkg = JSON.parse(await readFile(join(target, "package.json"), "utf8")) as Record<string, unknown>
    await writeFile(join(target, "package.json"), JSON.stringify(change(pkg)))
    return target
  })

const withMeridian = (pkg: Record<string, unknown>, fields: Record<string, unknown>) => ({
  ...pkg,
  meridian: { ...(pkg.meridian as Record<string, unknown>), ...fields }
})

/** A gzipped tarball written header by header, to build the malicious ones `tar` would not. */
const rawTarball = (entries: ReadonlyArray<{ path: string; body?: string; linkpath?: string }>) => {
  const blocks: Array<Buffer> = []
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? "")
    const link = entry.linkpath !== undefined
    const header = new Header({
      path: entry.path,
      mode: 0o644,
      size: link ? 0 : body.length,
      type: link ? "SymbolicLink" : "File",
      mtime: new Date(0),
      ...(link ? { linkpath: entry.linkpath } : {})
    })
    const block = Buffer.alloc(512)
    header.encode(block, 0)
    blocks.push(block)
    if (!link) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return new Uint8Array(gzipSync(Buffer.concat(blocks)))
}

/** The failure's reason and issues, or "ok". */
const outcome = <A, R>(
  effect: Effect.Effect<A, { readonly reason: string; readonly issues?: ReadonlyArray<string> }, R>
) =>
  effect.pipe(
    Effect.map(() => ({ reason: "ok", issues: [] as ReadonlyArray<string> })),
    Effect.catchAll((e) => Effect.succeed({ reason: e.reason, issues: e.issues ?? [] }))
  )

/** Backtests a strategy on the S&P 500 bars; the fills and final equity. */
const backtest = (strategy: AnyStrategy) =>
  run({
    instruments: [SPX],
    currencies,
    data: [sp500Bars()],
    strategyId: "sma",
    strategy: strategy.program(Schema.decodeUnknownSync(strategy.params)({ fast: 10, slow: 30 })),
    account: { id: "acc", kind: "cash", baseCurrency: "USD", deposit: 10_000_000 },
    venue: simVenue()
  }).pipe(Effect.map((r) => ({ fills: r.fills.length, equity: r.equity.equity[r.equity.equity.length - 1] })))

describe("Registry", () => {
  it.scoped("packs, publishes, lists, installs, verifies, loads and backtests the sma-cross plugin", () =>
    Effect.gen(function* () {
      const ws = yield* workspace
      const registry = (yield* serve({ port: 0, dataDir: ws.dataDir, authorsFile: ws.authorsFile })).url
      const packed = yield* pack(smaDir)
      expect(packed.files).toContain("src/SmaCross.ts")
      const published = yield* Client.publish(registry, packed.bytes, alice)
      expect(published.published).toMatchObject({ version: "0.1.0", integrity: packed.integrity })

      const listed = yield* Client.list(registry)
      expect(listed.plugins).toEqual([
        {
          id: "strategy-sma-cross",
          latest: "0.1.0",
          kind: "strategy",
          description: "Moving-average crossover strategy for Meridian"
        }
      ])
      const info = yield* Client.info(registry, "strategy-sma-cross")
      expect(info.author).toBe("alice")
      expect(info.versions.map((v) => v.manifest.coreApi)).toEqual(["^0.1.0"])
      const downloaded = yield* Client.tarball(registry, "strategy-sma-cross", "0.1.0")
      expect(integrity(downloaded)).toBe(packed.integrity)

      // The installed copy imports the core by relative path (../../../core), as in this repository: give its
      // plugins folder a core and node_modules beside it.
      yield* Effect.promise(async () => {
        await mkdir(join(ws.dir, "app/plugins"), { recursive: true })
        await symlink(join(repo, "core"), join(ws.dir, "app/core"))
        await symlink(join(repo, "node_modules"), join(ws.dir, "app/node_modules"))
      })
      const installed = yield* install({
        registry,
        spec: "strategy-sma-cross@^0.1.0",
        dir: join(ws.dir, "app/plugins")
      })
      expect(installed).toMatchObject({ id: "strategy-sma-cross", version: "0.1.0", integrity: packed.integrity })
      expect(installed.replaced).toBeUndefined()
      // Installing again replaces what an install made; a folder no install made is refused unless forced.
      const again = yield* install({ registry, spec: "strategy-sma-cross", dir: join(ws.dir, "app/plugins") })
      expect(again.replaced).toBe("0.1.0")
      yield* Effect.promise(async () => {
        await mkdir(join(ws.dir, "sources/strategy-sma-cross"), { recursive: true })
        await writeFile(join(ws.dir, "sources/strategy-sma-cross/package.json"), "{}")
      })
      const intoSources = { registry, spec: "strategy-sma-cross", dir: join(ws.dir, "sources") }
      const refused = yield* install(intoSources).pipe(Effect.flip)
      expect(refused).toMatchObject({ reason: "Duplicate" })
      expect(refused.message).toMatch(/exists and no install made it: remove it, or pass --force to replace it$/)
      expect((yield* install({ ...intoSources, force: true })).version).toBe("0.1.0")

      const scan = yield* Discovery.scan(join(ws.dir, "app/plugins"))
      expect(scan.plugins.map((p) => p.manifest.id)).toEqual(["strategy-sma-cross"])
      expect(scan.invalid).toEqual([])
      const loaded = yield* Discovery.load(installed.dir)
      if (loaded.kind !== "strategy") return expect.unreachable("a strategy")
      expect(loaded.strategy).not.toBe(smaCross)
      // The installed copy trades exactly as the one in the repository.
      const [fromRegistry, fromRepo] = yield* Effect.all([backtest(loaded.strategy), backtest(smaCross)])
      expect(fromRegistry.fills).toBeGreaterThan(10)
      expect(fromRegistry).toEqual(fromRepo)
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.scoped("refuses what it must, naming the reason", () =>
    Effect.gen(function* () {
      const ws = yield* workspace
      const registry = (yield* serve({ port: 0, dataDir: ws.dataDir, authorsFile: ws.authorsFile })).url
      const good = yield* pack(smaDir)
      const id = "strategy-sma-cross"

      expect(yield* outcome(Client.publish(registry, good.bytes, undefined))).toMatchObject({
        reason: "Unauthenticated"
      })
      expect(yield* outcome(Client.publish(registry, good.bytes, "guessed"))).toMatchObject({ reason: "Forbidden" })
      const other = integrity(new Uint8Array([1, 2, 3]))
      expect(yield* outcome(Client.put(registry, id, "0.1.0", good.bytes, alice, other))).toMatchObject({
        reason: "IntegrityMismatch"
      })
      expect(yield* outcome(Client.put(registry, id, "0.1.0", good.bytes, alice, "md5-abc"))).toMatchObject({
        reason: "BadRequest"
      })
      // The URL must name the manifest's id and version.
      expect(yield* outcome(Client.put(registry, id, "0.2.0", good.bytes, alice, good.integrity))).toMatchObject({
        reason: "InvalidManifest",
        issues: ["version: 0.1.0 is not 0.2.0, the version published"]
      })

      // Every problem of a bad manifest at once, each naming its field.
      const badDir = yield* variant(ws.dir, "bad", (pkg) =>
        withMeridian(
          { ...pkg, version: "0.3.0" },
          { coreApi: "banana", entry: "../outside.ts", kind: "indicator", capabilities: ["orders:submit", "teleport"] }
        )
      )
      const bad = yield* outcome(Client.publish(registry, (yield* pack(badDir)).bytes, alice))
      expect(bad.reason).toBe("InvalidManifest")
      expect(bad.issues.map((i) => i.split(":")[0])).toEqual([
        "meridian.kind",
        "meridian.coreApi",
        "meridian.entry",
        "meridian.capabilities.1"
      ])

      // Paths escaping the package folder.
      const pkgJson = JSON.stringify(
        JSON.parse(yield* Effect.promise(() => readFile(join(smaDir, "package.json"), "utf8")))
      )
      for (const evil of [
        [
          { path: "package/package.json", body: pkgJson },
          { path: "package/../../evil.ts", body: "x" }
        ],
        [
          { path: "package/package.json", body: pkgJson },
          { path: "/etc/evil", body: "x" }
        ],
        [
          { path: "package/package.json", body: pkgJson },
          { path: "package/link", linkpath: "../../../etc/passwd" }
        ]
      ]) {
        const bytes = rawTarball(evil)
        expect(yield* outcome(Client.put(registry, id, "0.1.0", bytes, alice, integrity(bytes)))).toMatchObject({
          reason: "UnsafeTarball"
        })
      }

      // Nothing refused was stored; now alice publishes, and the version cannot be published again.
      expect((yield* Client.list(registry)).plugins).toEqual([])
      expect((yield* outcome(Client.publish(registry, good.bytes, alice))).reason).toBe("ok")
      expect(yield* outcome(Client.publish(registry, good.bytes, alice))).toMatchObject({ reason: "Duplicate" })
      // The id is alice's: bob cannot publish a new version of it.
      const next = yield* pack(yield* variant(ws.dir, "next", (pkg) => ({ ...pkg, version: "0.4.0" })))
      expect(yield* outcome(Client.publish(registry, next.bytes, bob))).toMatchObject({ reason: "NotOwner" })

      // A version for core 2 only: not resolved for core 0.1.0, and Discovery refuses to load it.
      const core2Dir = yield* variant(ws.dir, "core2", (pkg) =>
        withMeridian({ ...pkg, version: "0.5.0" }, { coreApi: "^2.0.0" })
      )
      expect((yield* outcome(Client.publish(registry, (yield* pack(core2Dir)).bytes, alice))).reason).toBe("ok")
      expect((yield* Client.resolve(registry, id, "*", "0.1.0")).version).toBe("0.1.0")
      expect((yield* Client.resolve(registry, id, "*", "2.1.0")).version).toBe("0.5.0")
      expect(yield* outcome(Client.resolve(registry, id, "^0.5.0", "0.1.0"))).toMatchObject({
        reason: "NoMatchingVersion"
      })
      expect(yield* outcome(Discovery.load(core2Dir))).toMatchObject({ reason: "Incompatible" })
      expect(yield* outcome(Client.info(registry, "strategy-unknown"))).toMatchObject({ reason: "NotFound" })
      expect(yield* outcome(Client.tarball(registry, id, "9.9.9"))).toMatchObject({ reason: "NotFound" })
      expect(yield* outcome(Client.put(registry, "Bad_Id", "latest", good.bytes, alice, good.integrity))).toEqual({
        reason: "BadRequest",
        issues: [
          'id: expected a kebab-case id such as strategy-sma-cross, got "Bad_Id"',
          'version: expected a semver version such as 1.2.3, got "latest"'
        ]
      })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )

  it.scoped("keeps plugins, owners and tarballs across a restart", () =>
    Effect.gen(function* () {
      const ws = yield* workspace
      const options = { port: 0, dataDir: ws.dataDir, authorsFile: ws.authorsFile }
      const v1 = yield* pack(smaDir)
      const v2 = yield* pack(yield* variant(ws.dir, "v2", (pkg) => ({ ...pkg, version: "1.0.0" })))
      const before = yield* Effect.scoped(
        Effect.gen(function* () {
          const { url } = yield* serve(options)
          yield* Client.publish(url, v1.bytes, alice)
          yield* Client.publish(url, v2.bytes, alice)
          return yield* Client.info(url, "strategy-sma-cross")
        })
      )
      const { url } = yield* serve(options)
      expect(yield* Client.info(url, "strategy-sma-cross")).toEqual(before)
      expect((yield* Client.list(url)).plugins.map((p) => p.latest)).toEqual(["1.0.0"])
      expect(integrity(yield* Client.tarball(url, "strategy-sma-cross", "0.1.0"))).toBe(v1.integrity)
      expect(yield* outcome(Client.publish(url, v2.bytes, alice))).toMatchObject({ reason: "Duplicate" })
      expect(yield* outcome(Client.publish(url, v2.bytes, bob))).toMatchObject({ reason: "NotOwner" })

      // Publishes are serialized: of two at once of the same new version, one is stored, one refused.
      const v3 = yield* pack(yield* variant(ws.dir, "v3", (pkg) => ({ ...pkg, version: "1.1.0" })))
      const both = yield* Effect.all(
        [outcome(Client.publish(url, v3.bytes, alice)), outcome(Client.publish(url, v3.bytes, alice))],
        {
          concurrency: 2
        }
      )
      expect(both.map((o) => o.reason).sort()).toEqual(["Duplicate", "ok"])

      // A tarball changed on the server's disk no longer matches the integrity of its metadata: install refuses it.
      yield* Effect.promise(() => writeFile(join(ws.dataDir, "tarballs/strategy-sma-cross/1.1.0.tgz"), v1.bytes))
      expect(
        yield* outcome(install({ registry: url, spec: "strategy-sma-cross", dir: join(ws.dir, "installed") }))
      ).toMatchObject({
        reason: "IntegrityMismatch"
      })
    }).pipe(Effect.provide(FetchHttpClient.layer))
  )
})
