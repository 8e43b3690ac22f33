/**
 * The risk scopes an order falls in — the firm, its account, its account's instrument, its strategy — created on
 * first use and cached per (account, instrument, strategy) as a `Route`, so placing an order finds them in O(1).
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { StrategyId } from "../../domain/Ids"
import type { InstrumentSpec } from "../../domain/InstrumentSpec"
import type { AccountState, Route } from "./OrderRecord"
import { ScopeState } from "./ScopeState"

/** Every scope of the engine. Firm- and strategy-wide amounts are in the firm's currency. */
export class RiskScopes {
  readonly firm: ScopeState
  private readonly strategies = new Map<StrategyId, ScopeState>()

  constructor(firmCurrency: Currency) {
    this.firm = new ScopeState("the firm", firmCurrency)
  }

  /** The scopes an order of (account, instrument, strategy) counts in. */
  routeOf(account: AccountState, spec: InstrumentSpec, strategyId: StrategyId | undefined): Route {
    const key = strategyId ?? ""
    let byInstrument = account.routes.get(key)
    if (byInstrument === undefined) {
      byInstrument = []
      account.routes.set(key, byInstrument)
    }
    const cached = byInstrument[spec.index]
    if (cached !== undefined) return cached
    const scopes = [this.firm, account.scope, this.instrument(account, spec)]
    if (strategyId !== undefined) scopes.push(this.strategy(strategyId))
    const stats = scopes.map((scope) => scope.stat(spec))
    const route: Route = { account, spec, scopes, stats, accountStat: account.scope.stat(spec) }
    byInstrument[spec.index] = route
    return route
  }

  /** The account's scope for one instrument. */
  instrument(account: AccountState, spec: InstrumentSpec): ScopeState {
    const existing = account.instrumentScopes[spec.index]
    if (existing !== undefined) return existing
    const created = new ScopeState(`account ${account.account.id} in ${spec.instrument.id}`, account.base)
    account.instrumentScopes[spec.index] = created
    return created
  }

  /** The strategy scopes created so far. */
  strategyScopes(): IterableIterator<[StrategyId, ScopeState]> {
    return this.strategies.entries()
  }

  /** The scope of every order that names `strategyId`, across accounts. */
  strategy(strategyId: StrategyId): ScopeState {
    const existing = this.strategies.get(strategyId)
    if (existing !== undefined) return existing
    const created = new ScopeState(`strategy ${strategyId}`, this.firm.currency)
    this.strategies.set(strategyId, created)
    return created
  }
}
