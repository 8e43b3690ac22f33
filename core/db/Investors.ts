/**
 * Which accounts an investor of the Client Portal sees (`investor_accounts`): bound when the user is added, read at
 * every portal request, so that an account id in a URL is served only to its own investors.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"

/**
 * @since 0.1.0
 * @category models
 */
export interface InvestorsService {
  /** Bind `accountIds` to the user (a binding it has already is kept). */
  readonly bind: (userId: string, accountIds: ReadonlyArray<string>) => Effect.Effect<void, DatabaseError>
  /** The user's accounts, sorted. */
  readonly accountsOf: (userId: string) => Effect.Effect<ReadonlyArray<string>, DatabaseError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class Investors extends Context.Tag("@meridian/core/db/Investors")<Investors, InvestorsService>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<InvestorsService, never, SqlClient.SqlClient> = Effect.map(
  SqlClient.SqlClient,
  (sql) => ({
    bind: (userId, accountIds) =>
      Effect.forEach(
        accountIds,
        (accountId) =>
          sql`INSERT INTO investor_accounts ${sql.insert({ user_id: userId, account_id: accountId })}
            ON CONFLICT DO NOTHING`,
        { discard: true }
      ).pipe(Effect.mapError(toDatabaseError("Query", `cannot bind accounts to ${userId}`))),
    accountsOf: (userId) =>
      sql<{ account_id: string }>`
        SELECT account_id FROM investor_accounts WHERE user_id = ${userId} ORDER BY account_id`.pipe(
        Effect.map((rows) => rows.map((r) => r.account_id)),
        Effect.mapError(toDatabaseError("Query", `cannot read the accounts of ${userId}`))
      )
  })
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Investors, never, SqlClient.SqlClient> = Layer.effect(Investors, make)
