/**
 * Deposits and withdrawals investors request in the Client Portal and operators decide in the Control Panel
 * (`cash_requests`). A request is `pending` until an operator approves or rejects it (who and when are kept);
 * an approved one is `approved` until the Accounts Service answered its cash movement, then `done` or `failed` with
 * the one-line outcome. Each step changes a request only from the status before it, in one statement, so two
 * operators deciding at once cannot both win. Amounts are minor units.
 *
 * @since 0.1.0
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { type DatabaseError, toDatabaseError } from "./DatabaseError"

/**
 * @since 0.1.0
 * @category models
 */
export const CashRequestStatus = Schema.Literal("pending", "approved", "rejected", "done", "failed")
export type CashRequestStatus = typeof CashRequestStatus.Type

/**
 * @since 0.1.0
 * @category models
 */
export interface CashRequest {
  readonly id: string
  readonly accountId: string
  readonly kind: "deposit" | "withdrawal"
  readonly currency: string
  readonly decimals: number
  readonly amount: number
  readonly requestedBy: string
  readonly requestedAt: number
  readonly status: CashRequestStatus
  readonly decidedBy: string | null
  readonly decidedAt: number | null
  readonly outcome: string | null
  readonly completedAt: number | null
}

/**
 * The request is not (or no longer) in the status the step needs; `status` is its status now.
 *
 * @since 0.1.0
 * @category errors
 */
export class CashRequestConflict extends Schema.TaggedError<CashRequestConflict>()("CashRequestConflict", {
  id: Schema.String,
  status: Schema.optional(CashRequestStatus),
  message: Schema.String
}) {}

/**
 * @since 0.1.0
 * @category models
 */
export interface CashRequestsService {
  readonly create: (
    request: Omit<CashRequest, "status" | "decidedBy" | "decidedAt" | "outcome" | "completedAt">
  ) => Effect.Effect<void, DatabaseError>
  readonly find: (id: string) => Effect.Effect<Option.Option<CashRequest>, DatabaseError>
  /** The latest requests of these accounts, newest first. */
  readonly ofAccounts: (
    accountIds: ReadonlyArray<string>,
    limit: number
  ) => Effect.Effect<ReadonlyArray<CashRequest>, DatabaseError>
  /** Requests waiting for an operator (`pending`) or for the Accounts Service (`approved`), oldest first. */
  readonly open: Effect.Effect<ReadonlyArray<CashRequest>, DatabaseError>
  /** `pending` → `approved` or `rejected` by `by` at `at`; the request as it is after. */
  readonly decide: (
    id: string,
    decision: { readonly status: "approved" | "rejected"; readonly by: string; readonly at: number }
  ) => Effect.Effect<CashRequest, DatabaseError | CashRequestConflict>
  /** `approved` → `done` or `failed` with the Accounts Service's outcome. */
  readonly complete: (
    id: string,
    result: { readonly status: "done" | "failed"; readonly outcome: string; readonly at: number }
  ) => Effect.Effect<CashRequest, DatabaseError | CashRequestConflict>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CashRequests extends Context.Tag("@meridian/core/db/CashRequests")<CashRequests, CashRequestsService>() {}

interface Row {
  id: string
  account_id: string
  kind: "deposit" | "withdrawal"
  currency: string
  decimals: number
  amount: string
  requested_by: string
  requested_at: string
  status: CashRequestStatus
  decided_by: string | null
  decided_at: string | null
  outcome: string | null
  completed_at: string | null
}

const fromRow = (r: Row): CashRequest => ({
  id: r.id,
  accountId: r.account_id,
  kind: r.kind,
  currency: r.currency,
  decimals: r.decimals,
  amount: Number(r.amount),
  requestedBy: r.requested_by,
  requestedAt: Number(r.requested_at),
  status: r.status,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at === null ? null : Number(r.decided_at),
  outcome: r.outcome,
  completedAt: r.completed_at === null ? null : Number(r.completed_at)
})

/**
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<CashRequestsService, never, SqlClient.SqlClient> = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const query = (message: string) => Effect.mapError(toDatabaseError("Query", message))

  const find: CashRequestsService["find"] = (id) =>
    sql<Row>`SELECT * FROM cash_requests WHERE id = ${id}`.pipe(
      Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), fromRow)),
      query(`cannot read cash request ${id}`)
    )

  /** The row `update` changed, else a conflict naming the status the request has. */
  const changed = (id: string, wanted: CashRequestStatus, rows: ReadonlyArray<Row>) =>
    rows[0] !== undefined
      ? Effect.succeed(fromRow(rows[0]))
      : Effect.flatMap(find(id), (found) =>
          Effect.fail(
            Option.match(found, {
              onNone: () => new CashRequestConflict({ id, message: `no cash request ${id}` }),
              onSome: (r) =>
                new CashRequestConflict({
                  id,
                  status: r.status,
                  message: `cash request ${id} is ${r.status}, not ${wanted}`
                })
            })
          )
        )

  return {
    create: (r) =>
      sql`INSERT INTO cash_requests ${sql.insert({
        id: r.id,
        account_id: r.accountId,
        kind: r.kind,
        currency: r.currency,
        decimals: r.decimals,
        amount: r.amount,
        requested_by: r.requestedBy,
        requested_at: r.requestedAt,
        status: "pending"
      })}`.pipe(Effect.asVoid, query("cannot store the cash request")),
    find,
    ofAccounts: (accountIds, limit) =>
      accountIds.length === 0
        ? Effect.succeed([])
        : sql<Row>`SELECT * FROM cash_requests WHERE account_id IN ${sql.in(accountIds)}
            ORDER BY requested_at DESC LIMIT ${limit}`.pipe(
            Effect.map((rows) => rows.map(fromRow)),
            query("cannot read cash requests")
          ),
    open: sql<Row>`SELECT * FROM cash_requests WHERE status IN ('pending', 'approved') ORDER BY requested_at`.pipe(
      Effect.map((rows) => rows.map(fromRow)),
      query("cannot read open cash requests")
    ),
    decide: (id, d) =>
      sql<Row>`UPDATE cash_requests SET status = ${d.status}, decided_by = ${d.by}, decided_at = ${d.at}
        WHERE id = ${id} AND status = 'pending' RETURNING *`.pipe(
        query(`cannot decide cash request ${id}`),
        Effect.flatMap((rows) => changed(id, "pending", rows))
      ),
    complete: (id, r) =>
      sql<Row>`UPDATE cash_requests SET status = ${r.status}, outcome = ${r.outcome}, completed_at = ${r.at}
        WHERE id = ${id} AND status = 'approved' RETURNING *`.pipe(
        query(`cannot complete cash request ${id}`),
        Effect.flatMap((rows) => changed(id, "approved", rows))
      )
  }
})

/**
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<CashRequests, never, SqlClient.SqlClient> = Layer.effect(CashRequests, make)
