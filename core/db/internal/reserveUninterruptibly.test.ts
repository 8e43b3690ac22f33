/**
 * A reserved connection whose fiber is interrupted while the pool is still connecting it is released, not left open:
 * `@effect/sql-pg`'s own `reserve` forgot it, and a cluster sweep's process could not exit with its socket open.
 */
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer } from "effect"
import { serverDatabase, serverRequired, serverSource } from "../../../test/support/db/testServer"
import * as Database from "../Database"

const source = serverSource()

describe("a reserved connection interrupted while connecting", () => {
  if (source._tag === "None") {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
    return
  }

  it.live(
    "is closed with the client: no session of it stays on the server",
    () =>
      Effect.gen(function* () {
        const url = yield* serverDatabase(source, `meridian_test_reserve_${process.pid}`)
        // The client under test, built and closed in a scope of its own.
        yield* Effect.scoped(
          Effect.gen(function* () {
            const context = yield* Layer.build(Database.layer(url))
            const sql = yield* Effect.provide(SqlClient.SqlClient, context)
            // Its pool has one idle connection (from the migration): two reservations, so that one connects anew.
            const held = yield* Effect.fork(Effect.scoped(Effect.zipRight(sql.reserve, Effect.never)))
            const connecting = yield* Effect.fork(Effect.scoped(Effect.zipRight(sql.reserve, Effect.never)))
            yield* Effect.yieldNow()
            yield* Fiber.interrupt(connecting)
            yield* Fiber.interrupt(held)
            // Before the client closes: the pool, still open, finishes connecting the interrupted one's connection.
            yield* Effect.sleep("1 second")
          })
        )
        const others = yield* Effect.gen(function* () {
          const sql = yield* SqlClient.SqlClient
          // Sessions close asynchronously on the server after the client ends them: wait a little for it.
          const count = Effect.map(
            sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`,
            (rows) => rows[0]!.n
          )
          let n = yield* count
          for (let i = 0; i < 25 && n > 0; i++) n = yield* Effect.zipRight(Effect.sleep("200 millis"), count)
          return n
        }).pipe(Effect.provide(Database.layer(url, { maxConnections: 1 })))
        expect(others).toBe(0)
      }).pipe(Effect.scoped),
    60_000
  )
})
