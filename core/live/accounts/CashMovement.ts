/**
 * A cash movement an operator approved (a Client Portal deposit or withdrawal request) as the Accounts Service's
 * input: a `Deposit` or `Withdraw` carrying the request id `cash-request:<id>`. The shard journals it before it
 * answers, and answers a resend of the same id with the first outcome, across restarts, without applying it again
 * (`ShardInput.RequestId`): approving twice, or resending after a lost answer, never moves cash twice.
 *
 * Its `ts` is 0: the service stamps every input with its own clock (the system clock, or in a session over a
 * replayed feed the feed's time, which a wall-clock stamp would push forward).
 *
 * @since 0.1.0
 */
import type { Deposit, Withdraw } from "../../domain/Commands"
import type { AccountId, CurrencyCode } from "../../domain/Ids"
import type { Minor, Timestamp } from "../../domain/Units"

/**
 * What an approved request moves.
 *
 * @since 0.1.0
 * @category models
 */
export interface ApprovedMovement {
  readonly requestId: string
  readonly accountId: string
  readonly kind: "deposit" | "withdrawal"
  readonly currency: string
  /** Minor units, positive. */
  readonly amount: number
}

/**
 * The wire input of an approved movement.
 *
 * @since 0.1.0
 */
export const cashMovementInput = (
  movement: ApprovedMovement
): (Deposit | Withdraw) & { readonly requestId: string } => ({
  _tag: movement.kind === "deposit" ? "Deposit" : "Withdraw",
  accountId: movement.accountId as AccountId,
  currency: movement.currency as CurrencyCode,
  amount: movement.amount as Minor,
  reference: `cash request ${movement.requestId}`,
  ts: 0 as Timestamp,
  requestId: `cash-request:${movement.requestId}`
})
