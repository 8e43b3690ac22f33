/**
 * The embedded PostgreSQL: PGlite (Postgres compiled to WebAssembly) behind a local socket that speaks the
 * PostgreSQL wire protocol, so the same `@effect/sql-pg` client serves it and a real server.
 */
import { PgClient } from "@effect/sql-pg"
import { PGlite } from "@electric-sql/pglite"
import { PGLiteSocketServer } from "@electric-sql/pglite-socket"
import { Duration, Effect, type Scope } from "effect"
import { type DatabaseError, toDatabaseError } from "../DatabaseError"
import { claim } from "./embeddedOwner"
import { creation } from "./embeddedTemplate"

/** Where the embedded server listens. */
export interface EmbeddedAddress {
  readonly host: string
  readonly port: number
}

/**
 * Start PGlite on `dataDir` (in memory when absent) and serve it on an ephemeral port of 127.0.0.1; both stop
 * when the scope closes. When another live process owns `dataDir` (`embeddedOwner`), its server's address.
 */
export const startEmbedded = (
  dataDir: string | undefined
): Effect.Effect<EmbeddedAddress, DatabaseError, Scope.Scope> =>
  Effect.gen(function* () {
    // A folder another live process already serves is used through its server, never opened a second time.
    const ownership =
      dataDir === undefined
        ? undefined
        : yield* Effect.acquireRelease(claim(dataDir), (owned) =>
            Effect.sync(() => owned._tag === "Owned" && owned.release())
          )
    if (ownership?._tag === "Served") return { host: "127.0.0.1", port: ownership.port }
    const db = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          const { options, created } = await creation(dataDir)
          const db = await PGlite.create(options)
          await created(db)
          return db
        },
        catch: toDatabaseError("Embedded", `cannot open the embedded database${dataDir ? ` at ${dataDir}` : ""}`)
      }),
      (db) => Effect.promise(() => db.close())
    )
    // PGlite is one session: the server queues every connection's statements onto it, a transaction holding it
    // until it ends. A few connections are allowed: this process's, other processes' on the same folder, and a
    // reconnecting pool's.
    const server = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 8 })
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => server.start(),
        catch: toDatabaseError("Embedded", "cannot start the embedded database server")
      }),
      () => Effect.promise(() => server.stop())
    )
    const conn = server.getServerConn()
    const colon = conn.lastIndexOf(":")
    const address = { host: conn.slice(0, colon), port: Number(conn.slice(colon + 1)) }
    if (ownership?._tag === "Owned") ownership.announce(address.port)
    return address
  })

/**
 * The client of the embedded server at `address`: ONE connection, since PGlite is one session (a transaction holds
 * the database until it ends), kept open (reconnecting costs more than it saves).
 */
export const embeddedClient = ({ host, port }: EmbeddedAddress) =>
  PgClient.layer({
    host,
    port,
    username: "postgres",
    database: "postgres",
    maxConnections: 1,
    idleTimeout: Duration.zero
  })
