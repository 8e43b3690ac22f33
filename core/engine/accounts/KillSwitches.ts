/**
 * The daily-loss kill switches of the firm and of each account, and the UTC trading day they live in. Day PnL moves
 * only with fills and marks, so the switches are evaluated after each fill, each mark and each limit change; an
 * order only reads them.
 *
 * @since 0.1.0
 */
import type { Timestamp } from "../../domain/Units"
import { MICROS_PER_DAY } from "../../domain/Units"
import type { FxRates } from "../portfolio/FxRates"
import type { EventSink } from "./EventSink"
import { safeConvert } from "./Money"
import type { AccountState } from "./OrderRecord"
import type { ScopeState } from "./ScopeState"

/** Trips and resets the switches, emitting `KillSwitchChanged` on the affected accounts' streams. */
export class KillSwitches {
  /** Start of the next UTC day in µs; a command at or after it starts a new trading day. */
  private dayEnd = 0
  /** Whether any daily-loss limit is set; nothing needs evaluating otherwise. */
  private armed = false

  constructor(
    private readonly sink: EventSink,
    private readonly fx: FxRates,
    private readonly firm: ScopeState,
    private readonly accounts: ReadonlyArray<AccountState>
  ) {}

  /** Start a new UTC day once `ts` passed midnight: day PnL restarts and tripped switches reset. */
  roll(ts: Timestamp): void {
    if (ts < this.dayEnd) return
    this.dayEnd = (Math.floor(ts / MICROS_PER_DAY) + 1) * MICROS_PER_DAY
    for (const account of this.accounts) account.portfolio.resetDay()
    if (this.firm.killed) {
      this.firm.killed = false
      for (const account of this.accounts) this.sink.killSwitch(account, false, "the firm: new UTC day", ts)
    }
    for (const account of this.accounts) {
      if (account.scope.killed) {
        account.scope.killed = false
        this.sink.killSwitch(account, false, `${account.scope.label}: new UTC day`, ts)
      }
    }
  }

  /** After a fill of the account. */
  afterFill(account: AccountState, ts: Timestamp): void {
    if (!this.armed) return
    this.evaluateAccount(account, ts)
    this.evaluateFirm(ts)
  }

  /** After a mark: every account may have moved. */
  afterMark(ts: Timestamp): void {
    if (!this.armed) return
    for (let i = 0; i < this.accounts.length; i++) this.evaluateAccount(this.accounts[i]!, ts)
    this.evaluateFirm(ts)
  }

  /**
   * After `scope`'s limits changed. Only the Firm and Account scopes have switches (the ledger keeps day PnL per
   * account); raising or removing a tripped limit past the current loss resets the switch.
   */
  limitsChanged(scope: ScopeState, audience: ReadonlyArray<AccountState>, ts: Timestamp): void {
    this.armed =
      this.firm.limits.dailyLossLimit !== undefined ||
      this.accounts.some((a) => a.scope.limits.dailyLossLimit !== undefined)
    if (scope.killed) {
      const loss = scope === this.firm ? this.firmDayPnl() : this.dayPnl(audience[0]!)
      const limit = scope.limits.dailyLossLimit
      if (limit === undefined || (loss !== undefined && loss > -limit)) {
        scope.killed = false
        for (const account of audience) this.sink.killSwitch(account, false, `${scope.label}: limits changed`, ts)
      }
    }
    for (const account of audience) this.afterFill(account, ts)
  }

  private evaluateAccount(account: AccountState, ts: Timestamp): void {
    const limit = account.scope.limits.dailyLossLimit
    if (limit === undefined || account.scope.killed) return
    const pnl = this.dayPnl(account)
    if (pnl !== undefined && pnl <= -limit) {
      account.scope.killed = true
      const why = `${account.scope.label}: day PnL ${pnl} ${account.base.code} reached the daily-loss limit ${limit}`
      this.sink.killSwitch(account, true, why, ts)
    }
  }

  private evaluateFirm(ts: Timestamp): void {
    const limit = this.firm.limits.dailyLossLimit
    if (limit === undefined || this.firm.killed) return
    const pnl = this.firmDayPnl()
    if (pnl !== undefined && pnl <= -limit) {
      this.firm.killed = true
      const why = `the firm: day PnL ${pnl} ${this.firm.currency.code} reached the daily-loss limit ${limit}`
      for (const account of this.accounts) this.sink.killSwitch(account, true, why, ts)
    }
  }

  /** Day PnL in the account's base currency; undefined when it cannot be valued (a missing FX rate). */
  private dayPnl(account: AccountState): number | undefined {
    try {
      return account.portfolio.dayPnl()
    } catch {
      return undefined
    }
  }

  private firmDayPnl(): number | undefined {
    let total = 0
    for (const account of this.accounts) {
      const pnl = this.dayPnl(account)
      const converted = pnl === undefined ? undefined : safeConvert(this.fx, pnl, account.base, this.firm.currency)
      if (converted === undefined) return undefined
      total += converted
    }
    return total
  }
}
