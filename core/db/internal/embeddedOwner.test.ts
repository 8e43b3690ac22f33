import { execFile, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { afterEach, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Database from "../Database"

const root = join(import.meta.dirname, "..", "..", "..")
const dirs: Array<string> = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const dataDirIn = () => {
  const parent = mkdtempSync(join(tmpdir(), "meridian-db-owner-"))
  dirs.push(parent)
  return join(parent, "db")
}

const users = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`SELECT id FROM users ORDER BY id`)
const addUser = (id: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`INSERT INTO users ${sql.insert({ id, email: `${id}@example.com`, name: id, created_at: 1 })}`
  )

/** Another process that opens the same folder, adds a user and exits (waited for without blocking: this process serves it). */
const addUserFromAnotherProcess = (dataDir: string, id: string) =>
  Effect.promise(
    () =>
      new Promise<void>((resolve, reject) =>
        execFile(
          process.execPath,
          ["--import", "tsx", join(root, "test", "support", "db", "addUserProcess.ts"), dataDir, id],
          { cwd: root, timeout: 60_000 },
          (error) => (error === null ? resolve() : reject(error))
        )
      )
  )

describe("an embedded database folder has one owner", () => {
  it.live(
    "a stale claim is taken over; a second process uses the owner's server instead of opening the folder; the claim goes when the owner closes",
    () =>
      Effect.gen(function* () {
        const dataDir = dataDirIn()
        const claim = `${dataDir}.owner`
        // Left by a process that is gone.
        const gone = spawnSync(process.execPath, ["-e", "0"]).pid!
        writeFileSync(claim, JSON.stringify({ pid: gone, port: 1 }))
        const seen = yield* Effect.scoped(
          Effect.gen(function* () {
            yield* addUser("owner")
            const owner = JSON.parse(readFileSync(claim, "utf8")) as { pid: number; port: number }
            expect(owner.pid).toBe(process.pid)
            expect(owner.port).toBeGreaterThan(0)
            yield* addUserFromAnotherProcess(dataDir, "other")
            return yield* users
          }).pipe(Effect.provide(Database.layerEmbedded({ dataDir })))
        )
        expect(seen).toEqual([{ id: "other" }, { id: "owner" }])
        expect(existsSync(claim)).toBe(false)
      }),
    120_000
  )
})
