/**
 * A fresh, empty database on a server, dropped when the scope closes: tests and benchmarks on a shared server
 * (`MERIDIAN_TEST_PG_URL`) start from empty without touching anything else on it.
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer, Redacted, type Scope } from "effect"
import { type DatabaseError, toDatabaseError } from "../../../core/db/DatabaseError"

const onServer = (url: string, statement: string) =>
  Layer.build(PgClient.layer({ url: Redacted.make(url), maxConnections: 1 })).pipe(
    Effect.flatMap((context) => Context.get(context, SqlClient.SqlClient).unsafe(statement)),
    Effect.scoped
  )

/** Create database `name` on the server of `adminUrl`; returns the URL of the new database. */
export const scratchDatabase = (adminUrl: string, name: string): Effect.Effect<string, DatabaseError, Scope.Scope> =>
  Effect.acquireRelease(
    onServer(adminUrl, `DROP DATABASE IF EXISTS "${name}"`).pipe(
      Effect.zipRight(onServer(adminUrl, `CREATE DATABASE "${name}"`)),
      Effect.mapError(toDatabaseError("Connect", `cannot create database ${name}`)),
      Effect.as(withDatabase(adminUrl, name))
    ),
    () =>
      onServer(adminUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).pipe(
        Effect.catchAll((e) => Effect.logWarning(`cannot drop database ${name}: ${e.message}`))
      )
  )

const withDatabase = (url: string, name: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}
