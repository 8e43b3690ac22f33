/**
 * A process of its own that opens the embedded database in the folder `argv[2]`, adds the user `argv[3]` and exits:
 * another process on a folder one process already owns (core/db/internal/embeddedOwner.test.ts).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import * as Database from "../../../core/db/Database"

const [dataDir, id] = process.argv.slice(2) as [string, string]
await Effect.runPromise(
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`INSERT INTO users ${sql.insert({ id, email: `${id}@example.com`, name: id, created_at: 1 })}`
  ).pipe(Effect.provide(Database.layerEmbedded({ dataDir })))
)
