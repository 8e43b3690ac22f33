/**
 * The versioned schema of the central database. A migration is `NNNN_name` in `migrations/`; a new one gets the
 * next number and is never edited once released.
 *
 * @since 0.1.0
 */
import { Migrator, type SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { DatabaseError, toDatabaseError } from "./DatabaseError"
import trading from "./migrations/0001_trading"
import usersAudit from "./migrations/0002_users_audit"
import backtests from "./migrations/0003_backtests"
import deployments from "./migrations/0004_deployments"
import staticData from "./migrations/0005_static_data"
import backtestColumns from "./migrations/0006_backtest_columns"
import sweeps from "./migrations/0007_sweeps"
import panelSessions from "./migrations/0008_panel_sessions"
import configAudit from "./migrations/0009_config_audit"
import clientPortal from "./migrations/0010_client_portal"
import panelBacktests from "./migrations/0011_panel_backtests"
import panelConcurrency from "./migrations/0012_panel_concurrency"

/** Every migration, by id and name. */
export const migrations = {
  "0001_trading": trading,
  "0002_users_audit": usersAudit,
  "0003_backtests": backtests,
  "0004_deployments": deployments,
  "0005_static_data": staticData,
  "0006_backtest_columns": backtestColumns,
  "0007_sweeps": sweeps,
  "0008_panel_sessions": panelSessions,
  "0009_config_audit": configAudit,
  "0010_client_portal": clientPortal,
  "0011_panel_backtests": panelBacktests,
  "0012_panel_concurrency": panelConcurrency
}

/** The table in which the migrator records what it applied. */
export const migrationsTable = "meridian_migrations"

const run = Migrator.make({})

/**
 * Bring the schema up to date (a no-op when it is). Returns the migrations applied now, as `[id, name]`.
 *
 * @since 0.1.0
 */
export const migrate: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  DatabaseError,
  SqlClient.SqlClient
> = run({ loader: Migrator.fromRecord(migrations), table: migrationsTable }).pipe(
  Effect.catchAllDefect((defect) => Effect.fail(toDatabaseError("Migrate", "migration failed")(defect))),
  Effect.mapError((e) => (e instanceof DatabaseError ? e : toDatabaseError("Migrate", "migration failed")(e)))
)
