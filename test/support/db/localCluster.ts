/**
 * A private, throw-away PostgreSQL cluster for tests and benchmarks on a machine that has the server binaries
 * (`initdb`, `pg_ctl`) but no running server: initdb in a temporary directory, trust authentication, listening on
 * 127.0.0.1 only, removed when the scope closes. As root the server runs as the `postgres` user.
 */
import { execFileSync } from "node:child_process"
import { createHash } from "node:crypto"
import { chownSync, existsSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, type Scope } from "effect"
import { type DatabaseError, toDatabaseError } from "../../../core/db/DatabaseError"
import { freePort } from "../../../runtimes/cli/FreePort"

const run = (file: string, args: ReadonlyArray<string>): string =>
  execFileSync(file, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim()

/** The directory of `initdb` and `pg_ctl`: from PATH, else the newest Debian install; undefined if neither. */
export const findPostgresBin = (): string | undefined => {
  try {
    const found = run("sh", [
      "-c",
      "command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1"
    ])
    return found === "" ? undefined : found.slice(0, -"/initdb".length)
  } catch {
    return undefined
  }
}

const INITDB_OPTIONS = ["-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]

/**
 * A freshly initialized cluster's files, kept in the temporary folder (named after the binaries and the options) and
 * copied for each cluster: initdb costs 1.5 s of CPU and 4-7 s on a loaded machine, the copy 0.4 s. Made once
 * through a folder renamed into place, so that concurrent first starts never copy half of one.
 */
const initdbCopy = (
  bin: string,
  as: (file: string, args: ReadonlyArray<string>) => string,
  owned: (dir: string) => void
) => {
  const { size, mtimeMs } = statSync(`${bin}/initdb`)
  const key = createHash("sha256")
    .update([bin, size, mtimeMs, process.getuid?.(), ...INITDB_OPTIONS].join("\n"))
    .digest("hex")
    .slice(0, 16)
  const kept = join(tmpdir(), `meridian-pg-initdb-${key}`)
  if (existsSync(join(kept, "data", "PG_VERSION"))) return kept
  const staging = mkdtempSync(`${kept}.`)
  owned(staging)
  try {
    as(`${bin}/initdb`, ["-D", `${staging}/data`, ...INITDB_OPTIONS])
    renameSync(staging, kept)
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    // Another process kept its copy first: that one serves.
    if (!existsSync(join(kept, "data", "PG_VERSION"))) throw error
  }
  return kept
}

/**
 * Start a cluster with the binaries in `bin`; returns its URL (`postgres://postgres@127.0.0.1:PORT/postgres`).
 */
export const startLocalCluster = (bin: string): Effect.Effect<string, DatabaseError, Scope.Scope> =>
  Effect.gen(function* () {
    const asRoot = process.getuid?.() === 0
    // As root, postgres refuses to start: run it as the postgres user, in a directory it owns.
    const as = (file: string, args: ReadonlyArray<string>) =>
      asRoot ? run("runuser", ["-u", "postgres", "--", file, ...args]) : run(file, args)
    const owned = (dir: string) => {
      if (asRoot) chownSync(dir, Number(run("id", ["-u", "postgres"])), Number(run("id", ["-g", "postgres"])))
    }
    const dir = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const dir = mkdtempSync(join(tmpdir(), "meridian-pg-"))
          owned(dir)
          return dir
        },
        catch: toDatabaseError("Embedded", "cannot create the cluster directory")
      }),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    )
    const port = yield* Effect.promise(freePort)
    yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          // A copy (owner and modes kept) of the kept initdb's files.
          run("cp", ["-a", join(initdbCopy(bin, as, owned), "data"), `${dir}/data`])
          const options = `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off`
          as(`${bin}/pg_ctl`, ["-D", `${dir}/data`, "-o", options, "-l", `${dir}/server.log`, "-w", "start"])
        },
        catch: toDatabaseError("Connect", "cannot start a local PostgreSQL cluster")
      }),
      () =>
        Effect.try(() => as(`${bin}/pg_ctl`, ["-D", `${dir}/data`, "-m", "immediate", "-w", "stop"])).pipe(
          Effect.catchAll((e) => Effect.logWarning(`cannot stop the local PostgreSQL cluster: ${e.message}`))
        )
    )
    return `postgres://postgres@127.0.0.1:${port}/postgres`
  })
