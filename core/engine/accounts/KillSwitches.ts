/**
 * The daily-loss kill switches of the firm and of each account, and the UTC trading day they live in. Day PnL moves
 * only with fills and marks, so the switches are evaluated after each fill, each mark and each limit change; an
 * order only reads them. Beside them, the operator's switches (`halt`), which only the operator turns off: an
 * account's `KillSwitchChanged` says whether any switch over it is on.
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

/** Whether the scope has a daily-loss switch that could trip: a limit, not tripped yet. */
const watching = (scope: ScopeState): boolean => scope.limits.dailyLossLimit !== undefined && !scope.killed

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
    // Every command calls this: the rare new day is out of line, so that the check inlines where it is called.
    if (ts >= this.dayEnd) this.startDay(ts)
  }

  private startDay(ts: Timestamp): void {
    this.dayEnd = (Math.floor(ts / MICROS_PER_DAY) + 1) * MICROS_PER_DAY
    for (const account of this.accounts) account.portfolio.resetDay()
    if (this.firm.killed) {
      this.firm.killed = false
      for (const account of this.accounts) this.reset(account, "the firm: new UTC day", ts)
    }
    for (const account of this.accounts) {
      if (account.scope.killed) {
        account.scope.killed = false
        this.reset(account, `${account.scope.label}: new UTC day`, ts)
      }
    }
  }

  /** After a fill of the account: its day PnL is valued once, for its own switch and the firm's. */
  afterFill(account: AccountState, ts: Timestamp): void {
    if (!this.armed) return
    const own = watching(account.scope)
    if (!own && !watching(this.firm)) return
    const pnl = this.dayPnl(account)
    if (own) this.evaluateAccount(account, pnl, ts)
    this.evaluateFirm(ts, account, pnl)
  }

  /** After a mark: every account may have moved. */
  afterMark(ts: Timestamp): void {
    if (!this.armed) return
    for (let i = 0; i < this.accounts.length; i++) {
      const account = this.accounts[i]!
      if (watching(account.scope)) this.evaluateAccount(account, this.dayPnl(account), ts)
    }
    this.evaluateFirm(ts, undefined, undefined)
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
        for (const account of audience) this.reset(account, `${scope.label}: limits changed`, ts)
      }
    }
    for (const account of audience) this.afterFill(account, ts)
  }

  /**
   * Turn the operator's switch of `scope` (the firm or an account) on or off; every account of `audience` hears
   * whether a switch over it is still on. Returns false when it already was as asked (nothing emitted).
   */
  halt(
    scope: ScopeState,
    audience: ReadonlyArray<AccountState>,
    halted: boolean,
    reason: string,
    ts: Timestamp
  ): boolean {
    if (scope.halted === halted) return false
    scope.halted = halted
    const why = `${scope.label}: ${halted ? "halted" : "resumed"} by the operator${reason === "" ? "" : `: ${reason}`}`
    for (const account of audience) this.sink.killSwitch(account, this.blocked(account), why, ts)
    return true
  }

  /** Whether any switch over the account is on. */
  private blocked(account: AccountState): boolean {
    return this.firm.halted || this.firm.killed || account.scope.halted || account.scope.killed
  }

  /** A daily-loss switch over the account went off: the account hears of it unless another one is still on. */
  private reset(account: AccountState, why: string, ts: Timestamp): void {
    if (!this.blocked(account)) this.sink.killSwitch(account, false, why, ts)
  }

  /** Trip the account's switch if `pnl`, its day PnL, reached its limit; the scope is `watching`. */
  private evaluateAccount(account: AccountState, pnl: number | undefined, ts: Timestamp): void {
    const limit = account.scope.limits.dailyLossLimit as number
    if (pnl !== undefined && pnl <= -limit) this.tripAccount(account, pnl, limit, ts)
  }

  private tripAccount(account: AccountState, pnl: number, limit: number, ts: Timestamp): void {
    account.scope.killed = true
    const why = `${account.scope.label}: day PnL ${pnl} ${account.base.code} reached the daily-loss limit ${limit}`
    this.sink.killSwitch(account, true, why, ts)
  }

  /** `known` is an account whose day PnL is `knownPnl` already. */
  private evaluateFirm(ts: Timestamp, known: AccountState | undefined, knownPnl: number | undefined): void {
    if (!watching(this.firm)) return
    const limit = this.firm.limits.dailyLossLimit as number
    const pnl = this.firmDayPnl(known, knownPnl)
    if (pnl !== undefined && pnl <= -limit) this.tripFirm(pnl, limit, ts)
  }

  private tripFirm(pnl: number, limit: number, ts: Timestamp): void {
    this.firm.killed = true
    const why = `the firm: day PnL ${pnl} ${this.firm.currency.code} reached the daily-loss limit ${limit}`
    for (const account of this.accounts) this.sink.killSwitch(account, true, why, ts)
  }

  /** Day PnL in the account's base currency; undefined when it cannot be valued (a missing FX rate). */
  private dayPnl(account: AccountState): number | undefined {
    try {
      return account.portfolio.dayPnl()
    } catch {
      return undefined
    }
  }

  private firmDayPnl(known?: AccountState, knownPnl?: number): number | undefined {
    let total = 0
    for (const account of this.accounts) {
      const pnl = account === known ? knownPnl : this.dayPnl(account)
      const converted = pnl === undefined ? undefined : safeConvert(this.fx, pnl, account.base, this.firm.currency)
      if (converted === undefined) return undefined
      total += converted
    }
    return total
  }
}
