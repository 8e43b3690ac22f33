/**
 * Which central database a command uses: the PostgreSQL server `db` names, else `DATABASE_URL`, else the embedded
 * database in `dbDir`. This module only decides; `ChosenDatabase.ts` opens the choice (and loads the database
 * clients with it).
 *
 * @since 0.1.0
 */
import { Config, Effect, Option, type Redacted } from "effect"
import { toDatabaseError } from "./DatabaseError"

/** A command's choice of database: `--db <url>` and `--db-dir` on the command line. */
export interface DatabaseChoice {
  readonly db: Option.Option<Redacted.Redacted>
  readonly dbDir: string
}

/** The PostgreSQL server that `db`, else `DATABASE_URL`, names; none means the embedded database. */
export const serverUrl = (choice: DatabaseChoice) =>
  Config.option(Config.redacted("DATABASE_URL")).pipe(
    Effect.mapError(toDatabaseError("Config", "invalid DATABASE_URL")),
    Effect.map((fromEnv) => Option.orElse(choice.db, () => fromEnv))
  )
