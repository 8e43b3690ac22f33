/**
 * A strategy: typed parameters and an Effect program written against `MarketData` and `Accounts` (time from
 * Effect's `Clock`). The program subscribes its handlers and forks its timers, then returns; its scope lives as
 * long as the strategy runs. The same value runs in a backtest and live.
 *
 * @since 0.1.0
 */
import { type Effect, Schema, type Scope } from "effect"
import type { Accounts } from "../services/Accounts"
import type { MarketData, MarketDataError } from "../services/MarketData"

export type StrategyRequirements = MarketData | Accounts | Scope.Scope

export interface Strategy<P, I = P> {
  /** Kebab-case plugin id, e.g. `strategy-sma-cross`. */
  readonly id: string
  readonly description: string
  /** Parameters, decoded from the CLI, a config file or the Control Panel. */
  readonly params: Schema.Schema<P, I>
  readonly program: (params: P) => Effect.Effect<void, MarketDataError, StrategyRequirements>
}

/** Any strategy, whatever its parameter types. */
// biome-ignore lint/suspicious/noExplicitAny: parameter types are erased where strategies are listed or loaded.
export type AnyStrategy = Strategy<any, any>

export const make = <P, I>(strategy: Strategy<P, I>): Strategy<P, I> => strategy

/** Whether a loaded module's export looks like a strategy. */
export const isStrategy = (value: unknown): value is AnyStrategy =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { id?: unknown }).id === "string" &&
  typeof (value as { program?: unknown }).program === "function" &&
  Schema.isSchema((value as { params?: unknown }).params)
