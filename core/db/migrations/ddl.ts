/**
 * Migrations are lists of DDL statements run one by one (the extended protocol takes one statement at a time).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

/** A migration that runs the statements in order, inside the migrator's transaction. */
export const ddl = (statements: ReadonlyArray<string>): Effect.Effect<void, unknown, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (s) => sql.unsafe(s), { discard: true }))
