/**
 * What the Accounts Service answers `{ _tag: "RiskControls" }` with: every risk scope's limits and kill switches as
 * they stand, the firm's and each account's always, an account-instrument's or a strategy's once in use. It is
 * answered at once and not journaled (a read, like `Watermark`), from the state after every input applied so far.
 * The Control Panel shows it and reads a scope's limits from it before it changes them.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { RiskLimits, RiskScope } from "../../domain/Risk"
import type { AccountsShard } from "./AccountsShard"

/**
 * @since 0.1.0
 * @category models
 */
export const ScopeControl = Schema.Struct({
  scope: RiskScope,
  limits: RiskLimits,
  /** The operator's kill switch is on. */
  halted: Schema.Boolean,
  /** The daily-loss kill switch tripped (until the next UTC day). */
  killed: Schema.Boolean
})
export type ScopeControl = typeof ScopeControl.Type

/**
 * @since 0.1.0
 * @category models
 */
export const RiskControls = Schema.Struct({ scopes: Schema.Array(ScopeControl) })
export type RiskControls = typeof RiskControls.Type

/** The request. */
export const riskControlsRequest = { _tag: "RiskControls" } as const

export const isRiskControlsRequest = (body: unknown): boolean =>
  typeof body === "object" && body !== null && (body as { _tag?: unknown })._tag === "RiskControls"

/** A scope's key, the same on every shard. */
export const scopeKey = (scope: RiskScope): string => {
  switch (scope._tag) {
    case "Firm":
      return "Firm"
    case "Account":
      return `Account:${scope.accountId}`
    case "AccountInstrument":
      return `AccountInstrument:${scope.accountId}:${scope.instrumentId}`
    case "Strategy":
      return `Strategy:${scope.strategyId}`
  }
}

/**
 * Every shard's scopes. The firm's and the strategies' are on every shard, with the same limits and operator switch
 * (each shard takes every change of them); the daily-loss switch trips per shard, so it is on if it is on anywhere.
 */
export const riskControlsOf = (shards: ReadonlyArray<AccountsShard>): RiskControls => {
  const byKey = new Map<string, ScopeControl>()
  for (const shard of shards) {
    for (const control of shard.state.riskControls()) {
      const key = scopeKey(control.scope)
      const seen = byKey.get(key)
      byKey.set(key, seen === undefined ? control : { ...seen, killed: seen.killed || control.killed })
    }
  }
  return { scopes: [...byKey.values()] }
}
