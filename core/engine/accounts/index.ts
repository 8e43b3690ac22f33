/**
 * The Accounts engine: the OMS state machine with pre-trade risk, shared by the backtest and the Accounts Service.
 *
 * @since 0.1.0
 */
export { AccountsEngine, type AccountsOptions, type AccountsOutput } from "./AccountsEngine"
export type { Refusal, Rejection } from "./EventSink"
