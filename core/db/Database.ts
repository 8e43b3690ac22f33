/**
 * The central database: PostgreSQL through `@effect/sql-pg`, for account events and the orders, fills, positions
 * and cash projected from them, the audit log, users and roles, backtest runs and results, and deployments.
 *
 * `layer(url)` connects to a real server. `layerEmbedded()` needs no server: it starts PGlite in this process and
 * connects the same client to it through one connection. `layerConfig()` picks one from `DATABASE_URL`. Every
 * layer migrates the schema before it is provided.
 *
 * @since 0.1.0
 */
import type { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Config, Effect, Layer, Option, Redacted } from "effect"
import { DatabaseError, toDatabaseError } from "./DatabaseError"
import { embeddedClient, startEmbedded } from "./internal/embedded"
import { reserveUninterruptibly } from "./internal/reserveUninterruptibly"
import { migrate } from "./Migrations"

export { DatabaseError } from "./DatabaseError"

/** What every database layer provides. */
export type Database = PgClient.PgClient | SqlClient.SqlClient

/**
 * Options of a real server connection.
 *
 * @since 0.1.0
 */
export interface ServerOptions {
  /** Pool size (default 10). */
  readonly maxConnections?: number
}

/**
 * Options of the embedded database.
 *
 * @since 0.1.0
 */
export interface EmbeddedOptions {
  /** Directory of the data files, e.g. `.meridian/db`; in memory (lost on close) when absent. */
  readonly dataDir?: string
}

const migrated = <E>(client: Layer.Layer<Database, E>): Layer.Layer<Database, DatabaseError> =>
  Layer.tap(
    Layer.mapError(reserveUninterruptibly(client), (e) =>
      e instanceof DatabaseError ? e : toDatabaseError("Connect", "cannot connect")(e)
    ),
    (context) => Effect.provide(migrate, context)
  )

/**
 * A real PostgreSQL server at `url` (`postgres://user:password@host:port/database`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  url: Redacted.Redacted | string,
  options: ServerOptions = {}
): Layer.Layer<Database, DatabaseError> =>
  migrated(
    PgClient.layer({
      url: typeof url === "string" ? Redacted.make(url) : url,
      maxConnections: options.maxConnections ?? 10
    })
  )

/**
 * The embedded default: PGlite started in this process and served on a local socket for the lifetime of the
 * layer. PGlite is a single session, so the client has ONE connection (`embeddedClient`): a transaction holds the
 * database until it ends (concurrent writers serialize) and advisory locks do not separate connections.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerEmbedded = (options: EmbeddedOptions = {}): Layer.Layer<Database, DatabaseError> =>
  migrated(Layer.unwrapScoped(Effect.map(startEmbedded(options.dataDir), embeddedClient)))

/**
 * `layer(DATABASE_URL)` when `DATABASE_URL` is set, else the embedded default with `options`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (options: EmbeddedOptions = {}): Layer.Layer<Database, DatabaseError> =>
  Layer.unwrapEffect(
    Config.option(Config.redacted("DATABASE_URL")).pipe(
      Effect.mapError(toDatabaseError("Config", "invalid DATABASE_URL")),
      Effect.map(Option.match({ onNone: () => layerEmbedded(options), onSome: (url) => layer(url) }))
    )
  )
