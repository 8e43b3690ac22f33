/**
 * The options that choose the central database, shared by every command that uses it: `--db <url>`, else
 * `DATABASE_URL`, else the embedded database in `--db-dir`. They parse into a `DatabaseChoice`
 * (`core/db/DatabaseChoice.ts`), which decides.
 *
 * @since 0.1.0
 */
import { Options } from "@effect/cli"

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
