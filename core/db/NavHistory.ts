/**
 * Each account's NAV history for the Client Portal (`nav_samples`, `nav_flows`; why it is kept here: migration
 * `0009_client_portal`). A sample is the account's NAV at the Accounts Service's time; a flow is a deposit or
 * withdrawal from the account's events, signed, keyed by its event sequence so that a replayed event is stored once.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"

/**
 * A NAV sample, minor units of `currency`.
 *
 * @since 0.1.0
 * @category models
 */
export interface NavSample {
  readonly ts: number
  readonly nav: number
  readonly currency: string
  readonly decimals: number
}

/**
 * A deposit (positive) or withdrawal (negative), minor units of `currency`.
 *
 * @since 0.1.0
 * @category models
 */
export interface NavFlow {
  readonly sequence: number
  readonly ts: number
  readonly amount: number
  readonly currency: string
  readonly decimals: number
}

/**
 * @since 0.1.0
 * @category models
 */
export interface NavHistoryService {
  /** Store a sample; one at the same time replaces it. */
  readonly recordSample: (accountId: string, sample: NavSample) => Effect.Effect<void, DatabaseError>
  /** Store a flow unless its sequence is stored already. */
  readonly recordFlow: (accountId: string, flow: NavFlow) => Effect.Effect<void, DatabaseError>
  /**
   * The account's history up to `to` (µs, inclusive): the last sample of each hour (a year is under 9,000 rows; the
   * hour is written into the query, since PostgreSQL matches DISTINCT ON to ORDER BY by text, not by value)
   * and every flow, oldest first.
   */
  readonly history: (
    accountId: string,
    to?: number
  ) => Effect.Effect<
    { readonly samples: ReadonlyArray<NavSample>; readonly flows: ReadonlyArray<NavFlow> },
    DatabaseError
  >
}

/**
 * @since 0.1.0
 * @category tags
 */
export class NavHistory extends Context.Tag("@meridian/core/db/NavHistory")<NavHistory, NavHistoryService>() {}

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<NavHistoryService, never, SqlClient.SqlClient> = Effect.map(
  SqlClient.SqlClient,
  (sql) => ({
    recordSample: (accountId, s) =>
      sql`INSERT INTO nav_samples ${sql.insert({ account_id: accountId, ...s })}
        ON CONFLICT (account_id, ts) DO UPDATE SET nav = EXCLUDED.nav`.pipe(
        Effect.asVoid,
        Effect.mapError(toDatabaseError("Query", `cannot record a NAV sample of ${accountId}`))
      ),
    recordFlow: (accountId, f) =>
      sql`INSERT INTO nav_flows ${sql.insert({ account_id: accountId, ...f })} ON CONFLICT DO NOTHING`.pipe(
        Effect.asVoid,
        Effect.mapError(toDatabaseError("Query", `cannot record a cash flow of ${accountId}`))
      ),
    history: (accountId, to = Number.MAX_SAFE_INTEGER) =>
      Effect.gen(function* () {
        const samples = yield* sql<{ ts: string; nav: string; currency: string; decimals: number }>`
          SELECT ts, nav, currency, decimals FROM (
            SELECT DISTINCT ON (ts / 3600000000) ts, nav, currency, decimals FROM nav_samples
            WHERE account_id = ${accountId} AND ts <= ${to}
            ORDER BY ts / 3600000000, ts DESC) hourly
          ORDER BY ts`
        const flows = yield* sql<{ sequence: string; ts: string; amount: string; currency: string; decimals: number }>`
          SELECT sequence, ts, amount, currency, decimals FROM nav_flows
          WHERE account_id = ${accountId} AND ts <= ${to} ORDER BY ts, sequence`
        return {
          samples: samples.map((r) => ({ ...r, ts: Number(r.ts), nav: Number(r.nav) })),
          flows: flows.map((r) => ({ ...r, sequence: Number(r.sequence), ts: Number(r.ts), amount: Number(r.amount) }))
        }
      }).pipe(Effect.mapError(toDatabaseError("Query", `cannot read the NAV history of ${accountId}`)))
  })
)

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<NavHistory, never, SqlClient.SqlClient> = Layer.effect(NavHistory, make)
