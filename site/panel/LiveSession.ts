/**
 * The port through which the Control Panel sees a running session: its services' statuses and its Accounts
 * Service's events. The runtime that starts the panel provides it (`runtimes/cli/PanelHandlers.ts` connects as the
 * session's `cli` peer); the panel reads it, and sends the requests an operator asks for (limit changes, kill
 * switches, cancels), which the Accounts Service journals before it answers.
 *
 * @since 0.1.0
 */
import { Context, type Effect, type Option, Schema } from "effect"
import type { CancelOrder, SetRiskLimits, SetTradingHalt } from "../../core/domain/Commands"
import type { Outcome } from "../../core/live/accounts/AccountsShard"
import type { RiskControls } from "../../core/live/accounts/RiskControls"
import type { ServiceStatus } from "../../core/live/ServiceStatus"

/**
 * A request the Accounts Service failed (`Invalid`: the input did not decode, its message names the field) or did
 * not answer in time (`Unanswered`: it may still be applied, since the connection resends it after a reconnect).
 *
 * @since 0.1.0
 * @category errors
 */
export class AccountsRequestError extends Schema.TaggedError<AccountsRequestError>()("AccountsRequestError", {
  reason: Schema.Literal("Invalid", "Unanswered"),
  message: Schema.String
}) {}

/**
 * What an operator sends the Accounts Service: a limit change, a kill switch, a cancel, each under its own request
 * id (the service answers a resend with the first outcome) and with `ts` 0 (the service stamps it with its clock).
 *
 * @since 0.1.0
 * @category models
 */
export type OperatorInput = (SetRiskLimits | SetTradingHalt | CancelOrder) & { readonly requestId: string }

/**
 * One service of the session as `meridian status` sees it: down (no answer) or its status.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceReport {
  readonly service: string
  /** Where it should listen, from the session's configuration. */
  readonly address: string
  readonly status: Option.Option<ServiceStatus>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface LiveSessionService {
  readonly id: string
  /** Every service's status, asked at once; a service that does not answer in time is down. */
  readonly statuses: Effect.Effect<ReadonlyArray<ServiceReport>>
  /**
   * Follow the account events of shard 0 from the first one (replayed), `onEvent` with each as decoded from the
   * wire; returns the function that stops following.
   */
  readonly followEvents: (onEvent: (seq: number, event: unknown) => void) => () => void
  /** Every risk scope's limits and kill switches, as the Accounts Service holds them now. */
  readonly riskControls: Effect.Effect<RiskControls, AccountsRequestError>
  /** Send an operator's input; its outcome once the Accounts Service journaled it (it waits while disconnected). */
  readonly send: (input: OperatorInput) => Effect.Effect<Outcome, AccountsRequestError>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class LiveSession extends Context.Tag("@meridian/site/panel/LiveSession")<
  LiveSession,
  Option.Option<LiveSessionService>
>() {}
