import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { PGlite } from "@electric-sql/pglite"
import { afterAll, describe, expect, it } from "vitest"
import { creation } from "./embeddedTemplate"

const root = mkdtempSync(join(tmpdir(), "meridian-template-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const cache = join(root, "cache")
const copies = () => readdirSync(cache).filter((name) => name.endsWith(".tar.gz"))

/**
 * Create the database at `dataDir` as the embedded layer does; run `use` on it; close it. `from`: the form of the
 * kept copy it started from (the tarball loaded, or the folder form copied into `dataDir`), if any.
 */
const open = async <A>(dataDir: string | undefined, use: (db: PGlite) => Promise<A>) => {
  const held = dataDir !== undefined && existsSync(join(dataDir, "PG_VERSION"))
  const { options, created } = await creation(dataDir, cache)
  const copied = !held && dataDir !== undefined && existsSync(join(dataDir, "PG_VERSION"))
  const db = await PGlite.create(options)
  try {
    await created(db)
    const from = options.loadDataDir !== undefined ? "tarball" : copied ? "folder" : undefined
    return { from, result: await use(db) }
  } finally {
    await db.close()
  }
}

const count = (db: PGlite) => db.query<{ n: number }>("SELECT count(*)::int AS n FROM t").then((r) => r.rows[0]?.n)

describe("the kept copy of a new embedded database", () => {
  it("is written by the first new database, loaded by the next, never taken from one that holds data or files, replaced when damaged", {
    timeout: 300_000
  }, async () => {
    // The first new database runs initdb and keeps its initial state.
    const first = await open(join(root, "a"), async (db) => {
      await db.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)")
      return count(db)
    })
    expect(first).toEqual({ from: undefined, result: 2 })
    expect(copies()).toHaveLength(1)
    const copy = join(cache, copies()[0]!)
    const kept = readFileSync(copy)

    // The next new one, in a folder or in memory, starts from the copy: initdb's state, without the first one's data.
    // In a folder, from the folder form, made from the tarball by the first that needs it.
    const second = await open(join(root, "b"), async (db) => {
      expect((await db.query("SELECT to_regclass('t') AS t")).rows).toEqual([{ t: null }])
      await db.exec("CREATE TABLE t (x int); INSERT INTO t VALUES (7)")
      return count(db)
    })
    expect(second).toEqual({ from: "folder", result: 1 })
    expect(existsSync(join(copy.replace(/\.tar\.gz$/, ""), "PG_VERSION"))).toBe(true)
    const third = await open(join(root, "b2"), async (db) => (await db.query("SELECT to_regclass('t') AS t")).rows)
    expect(third).toEqual({ from: "folder", result: [{ t: null }] })
    // An in-memory one loads the tarball. It stays open: below, it stands for a new database fresh from initdb.
    const memory = await creation(undefined, cache)
    expect(memory.options.loadDataDir).toBeDefined()
    const fresh = await PGlite.create(memory.options)
    try {
      expect((await fresh.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }])

      // A database loaded from the copy is a database of its own: reopened, it has what was written to it, and
      // (holding data) it is opened as it is and never kept as the copy.
      expect(await open(join(root, "b"), count)).toEqual({ from: undefined, result: 1 })
      expect(readFileSync(copy).equals(kept)).toBe(true)

      // A folder that holds files before its database (a backtest's run inbox) is never kept: PGlite's dump is the
      // whole folder, and every later new database would find those files.
      const elsewhere = join(root, "other-cache")
      mkdirSync(join(root, "e", "inbox"), { recursive: true })
      writeFileSync(join(root, "e", "inbox", "0123456789ab.run"), "a run")
      await (await creation(join(root, "e"), elsewhere)).created(fresh)
      expect(existsSync(elsewhere)).toBe(false)

      // A damaged copy is not loaded: the new database gets none (PGlite runs initdb), and the new instance's state
      // replaces the copy. The open in-memory database is such an instance: a second initdb here would only repeat
      // PGlite's own work, four fifths of this test's time.
      truncateSync(copy, 1000)
      const damaged = await creation(join(root, "c"), cache)
      expect(damaged.options.loadDataDir).toBeUndefined()
      expect(existsSync(join(root, "c", "PG_VERSION"))).toBe(false)
      await damaged.created(fresh)
    } finally {
      await fresh.close()
    }
    expect(readFileSync(copy).length).toBeGreaterThan(1000)
    expect(await open(join(root, "d"), async (db) => (await db.query("SELECT 1 AS one")).rows)).toEqual({
      from: "folder",
      result: [{ one: 1 }]
    })
  })
})
