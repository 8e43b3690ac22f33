/**
 * A reserved connection that an interruption cannot lose. `@effect/sql-pg` 0.53's `reserve` (a connection held for
 * a scope: `@effect/cluster` keeps its shard locks on one) waits for the pool in an `Effect.async` without a
 * canceller: a fiber interrupted while the pool is still connecting forgets the connection the pool then hands it,
 * which stays checked out with its socket open for the life of the process. The pool's close gives up on it after a
 * second and the process cannot exit: a cluster sweep that printed its results and hung. `@effect/cluster` rebuilds
 * its lock connection under a deadline and interrupts the rebuild when it misses it (a loaded machine) or when the
 * client closes. Acquired uninterruptibly, as `withTransaction` acquires its connection, an interrupted reservation
 * waits for its connection and releases it with its scope.
 */
import { SqlClient } from "@effect/sql"
import type { PgClient } from "@effect/sql-pg"
import { Context, Effect, Layer } from "effect"

/** `layer`'s client with `reserve` acquired uninterruptibly (the client object is shared by its tags: set once). */
export const reserveUninterruptibly = <E>(
  layer: Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, E>
): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, E> =>
  Layer.tap(layer, (context) =>
    Effect.sync(() => {
      const client = Context.get(context, SqlClient.SqlClient)
      Object.assign(client, { reserve: Effect.uninterruptible(client.reserve) })
    })
  )
