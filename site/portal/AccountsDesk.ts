/**
 * The port through which the Client Portal and the Control Panel's cash-request page reach a running session's
 * Accounts Service: account values (`AccountValues`), approved cash movements (`CashMovement`), the account
 * events and the NAV marks (`NavMarks`). `none` when no session runs: pages then show the stored history, and cash cannot move.
 *
 * @since 0.1.0
 */
import { Context, Effect, Option, Schema } from "effect"
import { Outcome } from "../../core/live/accounts/AccountsShard"
import { AccountValues } from "../../core/live/accounts/AccountValues"
import { type ApprovedMovement, cashMovementInput } from "../../core/live/accounts/CashMovement"
import type { Peer } from "../../core/live/Peer"

/**
 * The Accounts Service did not answer in time (`Unavailable`), failed the request, or answered something else.
 *
 * @since 0.1.0
 * @category errors
 */
export class AccountsDeskError extends Schema.TaggedError<AccountsDeskError>()("AccountsDeskError", {
  reason: Schema.Literal("Unavailable", "Failed", "Answer"),
  message: Schema.String
}) {}

/**
 * @since 0.1.0
 * @category models
 */
export interface AccountsDeskService {
  /** The values of these accounts (all when absent). */
  readonly values: (accountIds?: ReadonlyArray<string>) => Effect.Effect<AccountValues, AccountsDeskError>
  /** Send an approved movement; its outcome once journaled (the same outcome however often it is sent). */
  readonly moveCash: (movement: ApprovedMovement) => Effect.Effect<Outcome, AccountsDeskError>
  /** Follow shard 0's account events from the first retained one; returns the function that stops. */
  readonly followEvents: (onEvent: (seq: number, event: unknown) => void) => () => void
  /** Follow shard 0's NAV marks (`NavMarks`) from the first retained one; returns the function that stops. */
  readonly followNavs: (onMark: (seq: number, mark: unknown) => void) => () => void
}

/**
 * @since 0.1.0
 * @category tags
 */
export class AccountsDesk extends Context.Tag("@meridian/site/portal/AccountsDesk")<
  AccountsDesk,
  Option.Option<AccountsDeskService>
>() {}

/** How long a request waits for the Accounts Service. */
export const ANSWER_TIMEOUT_MS = 5_000

/**
 * The desk over a peer of the Accounts Service. A request unanswered in time fails `Unavailable`; the peer still
 * resends it after a reconnect, which the request id makes harmless.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPeer = (peer: Peer): AccountsDeskService => {
  const ask = <A, I>(body: unknown, schema: Schema.Schema<A, I>) =>
    peer.call(body).pipe(
      Effect.mapError((e) => new AccountsDeskError({ reason: "Failed", message: JSON.stringify(e.error) })),
      Effect.timeoutFail({
        duration: ANSWER_TIMEOUT_MS,
        onTimeout: () =>
          new AccountsDeskError({ reason: "Unavailable", message: "the Accounts Service did not answer in time" })
      }),
      Effect.flatMap((answer) =>
        Schema.decodeUnknown(schema)(answer).pipe(
          Effect.mapError(
            () => new AccountsDeskError({ reason: "Answer", message: "the Accounts Service's answer did not decode" })
          )
        )
      )
    )
  return {
    values: (accountIds) =>
      ask({ _tag: "AccountValues", ...(accountIds === undefined ? {} : { accountIds }) }, AccountValues),
    moveCash: (movement) => ask(cashMovementInput(movement), Outcome),
    followEvents: (onEvent) => peer.subscribe("events/0", 0, onEvent).unsubscribe,
    followNavs: (onMark) => peer.subscribe("navs/0", 0, onMark).unsubscribe
  }
}

/**
 * The desk, or a `Unavailable` failure when no session runs.
 *
 * @since 0.1.0
 */
export const required: Effect.Effect<AccountsDeskService, AccountsDeskError, AccountsDesk> = Effect.flatMap(
  AccountsDesk,
  Option.match({
    onNone: () =>
      Effect.fail(
        new AccountsDeskError({ reason: "Unavailable", message: "no running session: cash cannot move now" })
      ),
    onSome: Effect.succeed
  })
)
