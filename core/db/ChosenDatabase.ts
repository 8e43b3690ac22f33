/**
 * The central database a `DatabaseChoice` names, as layers: the server (`db`, else `DATABASE_URL`), else the
 * embedded database in `dbDir`.
 *
 * @since 0.1.0
 */
import { FileSystem, Path } from "@effect/platform"
import { Effect, Layer, Option, type Redacted } from "effect"
import * as BacktestRuns from "./BacktestRuns"
import * as Database from "./Database"
import { type DatabaseChoice, serverUrl } from "./DatabaseChoice"
import { toDatabaseError } from "./DatabaseError"

/** The embedded database in `dir`, its parent folders made first (PGlite makes only the last one). */
const embedded = (dir: string) =>
  Layer.unwrapEffect(
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const path = yield* Path.Path
      yield* fs
        .makeDirectory(path.dirname(path.resolve(dir)), { recursive: true })
        .pipe(Effect.mapError(toDatabaseError("Embedded", `cannot make the folder of ${dir}`)))
      return Database.layerEmbedded({ dataDir: dir })
    })
  )

/** The server named, else the embedded database in `dbDir`. */
const databaseFor = (server: Option.Option<Redacted.Redacted>, dbDir: string) =>
  Option.match(server, { onNone: () => embedded(dbDir), onSome: Database.layer })

/** The central database the choice names: `db`, else `DATABASE_URL`, else the embedded one in `dbDir`. */
export const databaseLayer = (
  choice: DatabaseChoice
): Layer.Layer<Database.Database, Database.DatabaseError, FileSystem.FileSystem | Path.Path> =>
  Layer.unwrapEffect(Effect.map(serverUrl(choice), (server) => databaseFor(server, choice.dbDir)))

/**
 * `BacktestRuns` on the database the choice names; on the embedded one, after ingesting the runs that backtests
 * left in its inbox.
 */
export const runsLayer = (choice: DatabaseChoice) =>
  Layer.unwrapEffect(
    Effect.map(serverUrl(choice), (server) =>
      Layer.provide(
        Option.isSome(server) ? BacktestRuns.layer : BacktestRuns.layerIngesting(choice.dbDir),
        databaseFor(server, choice.dbDir)
      )
    )
  )
