/**
 * A new embedded database starts from a kept copy of a freshly initialized one. PGlite initializes a database by
 * running initdb in a second WebAssembly instance, four fifths of opening a new one (19 s against 3-4 s from the
 * copy, on a loaded 2-core machine): the first new database of an installed PGlite keeps its initial state as a
 * tarball in the user's cache, and every later one loads it instead.
 *
 * A new database in a folder starts from a second form of the copy, a folder beside the tarball that PGlite opened
 * from it and shut down cleanly: copied with the file system's own calls, it is opened as an existing database.
 * Loading the tarball instead (gunzip, then PGlite writing ~1,000 files through its emulated file system) cost
 * 1.1-1.6 s more CPU per new database (2.9-3.5 s against 1.8-1.9 s at load 8-10). The folder is made from the
 * tarball by the first new database in a folder that finds none.
 *
 * The copy is named after the installed PGlite's files (path, size and time of its WebAssembly and file-system
 * bundle), so another version never loads it. It is an optimization only: a cache that cannot be read or written
 * costs the speed-up, never the database.
 */
import { createHash } from "node:crypto"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { createRequire } from "node:module"
import { homedir } from "node:os"
import { dirname, join } from "node:path"
import { gunzipSync } from "node:zlib"
import { PGlite } from "@electric-sql/pglite"

/** `MERIDIAN_CACHE_DIR`, else `$XDG_CACHE_HOME/meridian`, else `~/.cache/meridian`. */
const userCacheDir = (): string =>
  process.env.MERIDIAN_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "meridian")

/** The tarball's file for the installed PGlite, or undefined when its files cannot be found. */
const templateFile = (cacheDir: string): string | undefined => {
  try {
    const dist = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"))
    const identity = ["pglite.wasm", "pglite.data"].map((name) => {
      const path = join(dist, name)
      const { size, mtimeMs } = statSync(path)
      return `${path}:${size}:${mtimeMs}`
    })
    const key = createHash("sha256").update(identity.join("\n")).digest("hex").slice(0, 16)
    return join(cacheDir, `pglite-initdb-${key}.tar.gz`)
  } catch {
    return undefined
  }
}

/** Whether `dataDir` already holds a database (then PGlite opens it, and must not be given a copy to load). */
const holdsDatabase = (dataDir: string | undefined) => dataDir !== undefined && existsSync(join(dataDir, "PG_VERSION"))

/**
 * Whether `dataDir` holds files before its database does (a backtest's run inbox): PGlite's dump is the whole
 * folder, so a copy of it would carry them into every later new database.
 */
const holdsFiles = (dataDir: string | undefined) =>
  dataDir !== undefined && existsSync(dataDir) && readdirSync(dataDir).length > 0

/** Write `db`'s state as the copy, through a temporary file renamed, so that concurrent first starts never leave half a copy. */
const keep = async (db: PGlite, file: string) => {
  try {
    const tarball = Buffer.from(await (await db.dumpDataDir("gzip")).arrayBuffer())
    mkdirSync(dirname(file), { recursive: true })
    const temporary = `${file}.${process.pid}`
    writeFileSync(temporary, tarball)
    renameSync(temporary, file)
  } catch {
    // A read-only or full cache: the next new database runs initdb again.
  }
}

/**
 * The folder form of the copy `file`, made (once) when missing: PGlite opens the tarball in a folder of its own and
 * shuts down, and the folder is renamed into place, so that concurrent first makers never leave half of one. None
 * when it cannot be made.
 */
const keptFolder = async (file: string, tarball: Buffer): Promise<string | undefined> => {
  const folder = file.replace(/\.tar\.gz$/, "")
  if (existsSync(join(folder, "PG_VERSION"))) return folder
  let staging: string | undefined
  try {
    staging = mkdtempSync(`${folder}.`)
    const db = await PGlite.create({ dataDir: staging, loadDataDir: new Blob([tarball]) })
    await db.close()
    renameSync(staging, folder)
    return folder
  } catch {
    if (staging !== undefined) rmSync(staging, { recursive: true, force: true })
    // Another process renamed its folder into place first: that one serves.
    return existsSync(join(folder, "PG_VERSION")) ? folder : undefined
  }
}

/**
 * How to create the database at `dataDir` (in memory when undefined), with the copy kept in `cacheDir`: `options` for
 * `PGlite.create` (the kept copy to load when the database is new in memory and a copy exists; a new one in a folder
 * gets the folder form copied in), and `created`, to call on the new instance before anything is written to it,
 * which keeps its state as the copy when initdb made it and none is kept yet.
 */
export const creation = async (
  dataDir: string | undefined,
  cacheDir: string = userCacheDir()
): Promise<{
  readonly options: { readonly dataDir?: string; readonly loadDataDir?: Blob }
  readonly created: (db: PGlite) => Promise<void>
}> => {
  const base = dataDir === undefined ? {} : { dataDir }
  const file = holdsDatabase(dataDir) ? undefined : templateFile(cacheDir)
  if (file === undefined) return { options: base, created: async () => {} }
  const kept = holdsFiles(dataDir) ? async () => {} : (db: PGlite) => keep(db, file)
  if (!existsSync(file)) return { options: base, created: kept }
  let tarball: Buffer
  try {
    // Unzipping checks the copy's CRC: a damaged copy is never loaded, it is replaced.
    tarball = gunzipSync(readFileSync(file))
  } catch {
    return { options: base, created: kept }
  }
  const folder = dataDir === undefined ? undefined : await keptFolder(file, tarball)
  if (dataDir !== undefined && folder !== undefined) {
    try {
      cpSync(folder, dataDir, { recursive: true })
      return { options: base, created: async () => {} }
    } catch {
      // A full disk: PGlite will report it on the tarball's load as well.
    }
  }
  return { options: { ...base, loadDataDir: new Blob([tarball]) }, created: async () => {} }
}
