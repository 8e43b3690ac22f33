/**
 * A private, throw-away PostgreSQL cluster for tests and benchmarks on a machine that has the server binaries
 * (`initdb`, `pg_ctl`) but no running server: initdb in a temporary directory, trust authentication, listening on
 * 127.0.0.1 only, removed when the scope closes. As root the server runs as the `postgres` user.
 */
import { execFileSync } from "node:child_process"
import { chownSync, mkdtempSync, rmSync } from "node:fs"
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

/**
 * Start a cluster with the binaries in `bin`; returns its URL (`postgres://postgres@127.0.0.1:PORT/postgres`).
 */
export const startLocalCluster = (bin: string): Effect.Effect<string, DatabaseError, Scope.Scope> =>
  Effect.gen(function* () {
    const asRoot = process.getuid?.() === 0
    // As root, postgres refuses to start: run it as the postgres user, in a directory it owns.
    const as = (file: string, args: ReadonlyArray<string>) =>
      asRoot ? run("runuser", ["-u", "postgres", "--", file, ...args]) : run(file, args)
    const dir = yield* Effect.acquireRelease(
      Effect.try({
        try: () => {
          const dir = mkdtempSync(join(tmpdir(), "meridian-pg-"))
          if (asRoot) chownSync(dir, Number(run("id", ["-u", "postgres"])), Number(run("id", ["-g", "postgres"])))
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
          as(`${bin}/initdb`, ["-D", `${dir}/data`, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"])
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
