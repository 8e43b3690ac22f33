/**
 * The options that choose the central database, shared by every command that uses it: `--db <url>`, else
 * `DATABASE_URL`, else the embedded database in `--db-dir`.
 *
 * @since 0.1.0
 */
import { Options } from "@effect/cli"
import { Config, Effect, Option, type Redacted } from "effect"
import { toDatabaseError } from "../../core/db/DatabaseError"

export const databaseOptions = {
  db: Options.redacted("db").pipe(
    Options.optional,
    Options.withDescription("PostgreSQL URL of the central database (default: DATABASE_URL, else the embedded one)")
  ),
  dbDir: Options.directory("db-dir").pipe(
    Options.withDefault(".meridian/db"),
    Options.withDescription("data folder of the embedded database")
  )
}

/** The parsed database options. */
export interface DatabaseOptions {
  readonly db: Option.Option<Redacted.Redacted>
  readonly dbDir: string
}

/** The PostgreSQL server that `--db`, else `DATABASE_URL`, names; none means the embedded database. */
export const serverUrl = (options: DatabaseOptions) =>
  Config.option(Config.redacted("DATABASE_URL")).pipe(
    Effect.mapError(toDatabaseError("Config", "invalid DATABASE_URL")),
    Effect.map((fromEnv) => Option.orElse(options.db, () => fromEnv))
  )
