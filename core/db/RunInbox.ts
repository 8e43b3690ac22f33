/**
 * The inbox of the embedded database: where a backtest stores its run without opening PGlite, which takes about a
 * second to start. `write` puts the run into one durable file `<dir>/inbox/<id>.run` (`dir` being the embedded
 * database's data folder, e.g. `.meridian/db`; PGlite ignores the extra folder); `ingest`, run by whoever opens
 * the database next (`BacktestRuns.layerIngesting`), records the files into it and deletes them.
 *
 * Durability: the file is written under a temporary name, fsynced, renamed and its folder fsynced, so a file under
 * its final name is whole. Ingestion is idempotent: a run whose id is stored already is not stored again, so a
 * crash between a commit and the file's deletion does no harm. A file that is not a run (unreadable msgpack, a
 * missing field, an equity curve that does not decode) is moved to `<dir>/inbox/rejected/` with a logged warning,
 * so that one bad file neither blocks the database nor disappears; a database failure stops `ingest` with a
 * `DatabaseError` naming the file, which stays for the next attempt.
 *
 * @since 0.1.0
 */
import type { FileSystem, Path } from "@effect/platform"
import type { SqlClient } from "@effect/sql"
import type { Effect } from "effect"
import type { BacktestRun } from "./BacktestRuns"
import type { DatabaseError } from "./DatabaseError"
import * as internal from "./internal/runInbox"

/**
 * Makes the inbox of the embedded database in `dir` (and `dir`), so that a folder that cannot be written fails
 * before a backtest runs rather than after.
 *
 * @since 0.1.0
 */
export const prepare: (dir: string) => Effect.Effect<void, DatabaseError, FileSystem.FileSystem | Path.Path> =
  internal.prepare

/**
 * Writes the run durably into the inbox of the embedded database in `dir`, without opening the database; returns
 * its id, the same `BacktestRuns.record` would give. Fails (`reason: "Inbox"`) when the folder cannot be written
 * or the equity curve is not exact integers.
 *
 * @since 0.1.0
 */
export const write: (
  dir: string,
  run: BacktestRun
) => Effect.Effect<string, DatabaseError, FileSystem.FileSystem | Path.Path> = internal.write

/**
 * Records every run waiting in the inbox of `dir` into the database, oldest file first, each in its own
 * transaction, deleting each file after its commit; returns how many runs were stored (a run stored already is
 * skipped and its file deleted; a file that is not a run is moved to `inbox/rejected/`). No inbox: 0.
 *
 * @since 0.1.0
 */
export const ingest: (
  dir: string
) => Effect.Effect<number, DatabaseError, SqlClient.SqlClient | FileSystem.FileSystem | Path.Path> = internal.ingest
