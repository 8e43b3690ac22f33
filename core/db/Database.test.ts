import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SqlClient } from "@effect/sql"
import { describe, expect, it, layer, type Vitest } from "@effect/vitest"
import { ConfigProvider, Effect, Layer } from "effect"
import { serverLayer, serverRequired, serverSource } from "../../test/support/db/testServer"
import * as Database from "./Database"
import { migrate } from "./Migrations"

const tables = [
  "account_events",
  "accounts",
  "audit_log",
  "backtest_results",
  "backtest_runs",
  "backtest_trades",
  "cash_balances",
  "cash_movements",
  "cash_requests",
  "deployments",
  "fills",
  "investor_accounts",
  "login_failures",
  "meridian_migrations",
  "nav_flows",
  "nav_samples",
  "orders",
  "panel_backtests",
  "position_snapshots",
  "positions",
  "roles",
  "static_data",
  "sweep_jobs",
  "sweeps",
  "user_roles",
  "users",
  "web_sessions"
]

/** What every backend must do after its layer started on an empty database. */
const migrationSuite = (it: Vitest.MethodsNonLive<Database.Database>) => {
  it.effect("migrates an empty database to the latest schema, once", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const applied = yield* sql<{ migration_id: number; name: string }>`
        SELECT migration_id, name FROM meridian_migrations ORDER BY migration_id`
      expect(applied).toEqual([
        { migration_id: 1, name: "trading" },
        { migration_id: 2, name: "users_audit" },
        { migration_id: 3, name: "backtests" },
        { migration_id: 4, name: "deployments" },
        { migration_id: 5, name: "static_data" },
        { migration_id: 6, name: "backtest_columns" },
        { migration_id: 7, name: "sweeps" },
        { migration_id: 8, name: "panel_sessions" },
        { migration_id: 9, name: "config_audit" },
        { migration_id: 10, name: "client_portal" },
        { migration_id: 11, name: "panel_backtests" },
        { migration_id: 12, name: "panel_concurrency" }
      ])
      const present = yield* sql<{ table_name: string }>`
        SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`
      expect(present.map((r) => r.table_name)).toEqual(tables)
      // Already up to date: nothing runs again.
      expect(yield* migrate).toEqual([])
      const roles = yield* sql<{ name: string }>`SELECT name FROM roles ORDER BY name`
      expect(roles.map((r) => r.name)).toEqual(["admin", "investor", "operator", "quant"])
    })
  )

  it.effect("keeps money and time exact as bigint beyond 2^31 and refuses what the schema forbids", () =>
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const big = Number.MAX_SAFE_INTEGER // 9007199254740991
      yield* sql`INSERT INTO cash_movements ${sql.insert({
        account_id: "exact",
        sequence: 1,
        currency: "USD",
        amount: -big,
        reason: "deposit",
        balance: big,
        ts: 1_700_000_000_000_001
      })}`
      const rows = yield* sql<{ amount: string; balance: string; ts: string }>`
        SELECT amount, balance, ts FROM cash_movements WHERE account_id = 'exact'`
      // int8 arrives as text: every digit is kept.
      expect(rows).toEqual([{ amount: "-9007199254740991", balance: "9007199254740991", ts: "1700000000000001" }])
      const refused = yield* sql`INSERT INTO account_events ${sql.insert({
        account_id: "exact",
        sequence: 0,
        ts: 1,
        type: "X",
        payload: "{}"
      })}`.pipe(Effect.flip)
      expect(refused._tag).toBe("SqlError")
    })
  )
}

layer(Database.layerEmbedded(), { timeout: "60 seconds" })("embedded database", (it) => {
  migrationSuite(it)
})

const source = serverSource()
if (source._tag === "None") {
  describe("real PostgreSQL server", () => {
    if (serverRequired()) it("is required (MERIDIAN_TEST_PG_REQUIRED=1)", () => expect.fail(source.why))
    else it.skip(`skipped: ${source.why}`, () => {})
  })
} else {
  layer(serverLayer(source, `meridian_test_database_${process.pid}`), { timeout: "60 seconds" })(
    "real PostgreSQL server",
    (it) => {
      migrationSuite(it)
    }
  )
}

describe("layers", () => {
  it.effect("fails with a Connect DatabaseError when the server is unreachable", () =>
    Effect.gen(function* () {
      const error = yield* Layer.build(Database.layer("postgres://nobody@127.0.0.1:1/none")).pipe(
        Effect.scoped,
        Effect.flip
      )
      expect(error._tag).toBe("DatabaseError")
      expect(error.reason).toBe("Connect")
    })
  )

  it.live("layerConfig without DATABASE_URL is the embedded database, persistent in dataDir", () =>
    Effect.gen(function* () {
      const parent = mkdtempSync(join(tmpdir(), "meridian-db-"))
      const dataDir = join(parent, "db")
      const write = Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql`INSERT INTO users ${sql.insert({ id: "u1", email: "a@example.com", name: "A", created_at: 1 })}`
      })
      const read = Effect.flatMap(SqlClient.SqlClient, (sql) => sql<{ id: string }>`SELECT id FROM users`)
      const withConfig = Effect.withConfigProvider(ConfigProvider.fromMap(new Map()))
      yield* write.pipe(Effect.provide(Database.layerConfig({ dataDir })), withConfig)
      // Reopened: the row is still there and the migrations do not run twice.
      const rows = yield* read.pipe(Effect.provide(Database.layerConfig({ dataDir })), withConfig)
      expect(rows).toEqual([{ id: "u1" }])
      rmSync(parent, { recursive: true, force: true })
    })
  )

  it.effect("layerConfig with a malformed DATABASE_URL fails with a DatabaseError", () =>
    Effect.gen(function* () {
      const error = yield* Layer.build(Database.layerConfig()).pipe(
        Effect.scoped,
        Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["DATABASE_URL", "postgres://x@127.0.0.1:1/db"]]))),
        Effect.flip
      )
      expect(error.reason).toBe("Connect")
    })
  )
})
