/**
 * The Accounts engine (the OMS core): the authoritative order state machine with pre-trade risk, positions and
 * cash, as a deterministic single-writer object. Commands go in; `AccountEvent`s (one sequence per account) and
 * `ExecutionCommand`s for the venue come out. The backtest calls it in-process; the Accounts Service wraps it.
 *
 * Choices worth knowing:
 * - A cancel or replace is only a request: the order changes on `VenueCanceled` / `VenueReplaced`. Risk counts
 *   a pending replace at its old values until then.
 * - A venue report that contradicts the record (a fill of a closed order, an unknown order id, an accept under
 *   another venue id) changes nothing and is kept as a `Refusal`. A report the record already reflects (the same
 *   trade id filled, the same accept, cancel, expiry, rejection or replace again) is a resend: delivery from the
 *   venue is at least once, so it changes nothing and is no refusal. An overfill is clamped: the leaves are filled and
 *   booked, the excess is refused. A `VenueRejected` of a working order with a cancel or replace in flight rejects
 *   that request (`OrderModifyRejected`); otherwise it rejects the order.
 * - A client order id is unique per account within a window: it is used while its order works or an OTO holds it,
 *   and once its order closed or was refused, until at least `duplicateWindow` (default 16 384; fewer than twice
 *   that) more client order ids were used on the account — then it may be used again. A bounded window, like the
 *   per-session scope of FIX ClOrdIDs, keeps the check O(1) and memory bounded however long the engine runs.
 *   Likewise each account keeps only its latest `keepClosedOrders` (default 256) closed orders: the event stream
 *   is their record.
 * - Commands for an unknown account, deposits in an unknown currency and withdrawals beyond free cash emit no
 *   event (there is no stream or event for them); they are refusals, see `lastRefusal` and `output.refusal`.
 * - OCO members are checked one by one as alternatives, then all count while they work. OTO children are checked
 *   when released; a bracket's two exits pass or fail together.
 * - Daily-loss kill switches exist at the Firm and Account scopes; they are evaluated after fills, marks and limit
 *   changes, and reset at the UTC day boundary of the command or mark time (see `KillSwitches`). The operator's
 *   switch (`SetTradingHalt`, the same scopes) refuses every order that adds leaves, reducing ones too, and cancels
 *   the scope's open orders when it goes on; it stays on until the operator turns it off.
 * - Orders do not expire by themselves: DAY / GTD / IOC end with the venue's `VenueExpired` / `VenueCanceled`.
 * - Outputs must not call back into the engine synchronously; queue what they receive.
 *
 * @since 0.1.0
 */
import type {
  AccountCommand,
  CancelOrder,
  Deposit,
  ExecutionCommand,
  ExecutionReport,
  ReplaceOrder,
  SetRiskLimits,
  SetTradingHalt,
  SubmitOrder,
  SubmitOrderList,
  Withdraw
} from "../../domain/Commands"
import type { Currency } from "../../domain/Currency"
import type { AccountEvent } from "../../domain/Events"
import type { AccountId, ClientOrderId, CurrencyCode, OrderId } from "../../domain/Ids"
import type { InstrumentSpecs } from "../../domain/InstrumentSpec"
import { isTerminal, type Order, type OrderRequest } from "../../domain/Order"
import type { Account } from "../../domain/Portfolio"
import type { RiskLimits, RiskScope } from "../../domain/Risk"
import { lots, type Timestamp } from "../../domain/Units"
import type { FxRates } from "../portfolio/FxRates"
import { Portfolio } from "../portfolio/Portfolio"
import { EventSink, type Refusal, type Rejection } from "./EventSink"
import { KillSwitches } from "./KillSwitches"
import { hasLimit, hasStop, OrderLifecycle } from "./OrderLifecycle"
import { OrderPlacement, ownPriceOf } from "./OrderPlacement"
import { AccountState, type HeldChildren, OrderRecord, snapshot } from "./OrderRecord"
import { PreTradeRisk } from "./PreTradeRisk"
import { RiskScopes } from "./RiskScopes"
import { ScopeState } from "./ScopeState"

/** Where the engine's results go. */
export interface AccountsOutput {
  /** Every event, with a per-account sequence 1, 2, 3, ... */
  readonly event: (event: AccountEvent) => void
  /** `VenueSubmit` / `VenueCancel` / `VenueReplace` for the venue. */
  readonly execution: (command: ExecutionCommand) => void
  /** Every refusal, including those that have no event (see `Refusal`). */
  readonly refusal?: (refusal: Refusal) => void
}

export interface AccountsOptions {
  readonly specs: InstrumentSpecs
  readonly accounts: ReadonlyArray<Account>
  readonly fx: FxRates
  readonly output: AccountsOutput
  /** Order ids are `${orderIdPrefix}${n}`, n = 1, 2, ... (default `O`). */
  readonly orderIdPrefix?: string
  /** Currency of firm- and strategy-wide limits (default: the first account's base currency). */
  readonly firmCurrency?: CurrencyCode
  /**
   * How many of its latest closed orders each account keeps queryable by `order()` and matched by late venue
   * reports (default 256; 0 for none). An order forgotten earlier is unknown: a late report for it is refused as
   * UNKNOWN_ORDER.
   */
  readonly keepClosedOrders?: number
  /**
   * How many more client order ids must be used on an account before the id of a closed or refused order is free
   * again: at least this many, fewer than twice (default 16 384, at least 1). See the module comment.
   */
  readonly duplicateWindow?: number
}

type Tag = AccountCommand["_tag"]

/** A risk scope's limits and switches as they stand. */
export interface ScopeControl {
  readonly scope: RiskScope
  readonly limits: RiskLimits
  /** The operator's kill switch is on. */
  readonly halted: boolean
  /** The daily-loss kill switch tripped. */
  readonly killed: boolean
}

/** The duplicate window unless `duplicateWindow` says otherwise: more orders than most accounts send in a day. */
const DEFAULT_DUPLICATE_WINDOW = 16_384
/** Closed orders kept per account unless `keepClosedOrders` says otherwise. */
const DEFAULT_KEEP_CLOSED_ORDERS = 256

/** A refusal of a client order id used before. */
const duplicate = (account: AccountState, request: OrderRequest): Rejection => ({
  reason: "DUPLICATE_CLIENT_ORDER_ID",
  message: `client order id ${request.clientOrderId} was already used on account ${account.account.id}`
})

/** The OMS state machine with pre-trade risk. See the module comment for its rules. */
export class AccountsEngine {
  private readonly specs: InstrumentSpecs
  private readonly fx: FxRates
  private readonly output: AccountsOutput
  private readonly sink: EventSink
  private readonly accounts = new Map<AccountId, AccountState>()
  private readonly accountList: Array<AccountState> = []
  private readonly scopes: RiskScopes
  private readonly switches: KillSwitches
  private readonly marks: Float64Array
  private readonly fills: Float64Array
  private readonly risk: PreTradeRisk
  private readonly placement: OrderPlacement
  private readonly lifecycle: OrderLifecycle

  constructor(options: AccountsOptions) {
    this.specs = options.specs
    this.fx = options.fx
    this.output = options.output
    this.sink = new EventSink(options.output.event, options.output.refusal)
    const window = options.duplicateWindow ?? DEFAULT_DUPLICATE_WINDOW
    if (!Number.isSafeInteger(window) || window < 1) {
      throw new RangeError(`duplicateWindow must be a positive integer, got ${window}`)
    }
    const keep = options.keepClosedOrders ?? DEFAULT_KEEP_CLOSED_ORDERS
    if (!Number.isSafeInteger(keep) || keep < 0) {
      throw new RangeError(`keepClosedOrders must be a non-negative integer, got ${keep}`)
    }
    const firmCode = options.firmCurrency ?? options.accounts[0]?.baseCurrency
    this.scopes = new RiskScopes(this.currency(firmCode, "firm"))
    for (const account of options.accounts) {
      if (this.accounts.has(account.id)) throw new RangeError(`account ${account.id} is listed twice`)
      const base = this.currency(account.baseCurrency, `account ${account.id}`)
      const portfolio = new Portfolio({ accountId: account.id, baseCurrency: base, specs: this.specs, fx: this.fx })
      const scope = new ScopeState(`account ${account.id}`, base)
      const state = new AccountState(account, base, portfolio, scope, window, keep)
      this.accounts.set(account.id, state)
      this.accountList.push(state)
    }
    const n = this.specs.list.length
    this.marks = new Float64Array(n).fill(Number.NaN)
    this.fills = new Float64Array(n).fill(Number.NaN)
    this.risk = new PreTradeRisk(this.fx, this.scopes.firm, this.marks, this.fills)
    this.switches = new KillSwitches(this.sink, this.fx, this.scopes.firm, this.accountList)
    const execution = options.output.execution
    const prefix = options.orderIdPrefix ?? "O"
    this.placement = new OrderPlacement(this.specs, this.scopes, this.risk, this.sink, execution, prefix)
    this.lifecycle = new OrderLifecycle(this.sink, execution, this.placement, this.switches, this.fills)
  }

  /** The latest refused command or ignored venue report. */
  get lastRefusal(): Refusal | undefined {
    return this.sink.last
  }

  /** How many commands and reports were refused so far. */
  get refusals(): number {
    return this.sink.count
  }

  /** Dispatch any command. */
  handle(command: AccountCommand): void {
    switch (command._tag) {
      case "SubmitOrder":
        this.submit(command)
        return
      case "SubmitOrderList":
        this.submitList(command)
        return
      case "CancelOrder":
        this.cancel(command)
        return
      case "ReplaceOrder":
        this.replace(command)
        return
      case "Deposit":
        this.deposit(command)
        return
      case "Withdraw":
        this.withdraw(command)
        return
      case "SetRiskLimits":
        this.setRiskLimits(command)
        return
      case "SetTradingHalt":
        this.setTradingHalt(command)
        return
      case "VenueAccepted":
      case "VenueRejected":
      case "VenueFilled":
      case "VenueCanceled":
      case "VenueExpired":
      case "VenueReplaced":
        this.report(command)
        return
    }
  }

  // ---- orders ----

  submit(command: SubmitOrder): void {
    const { request, ts } = command
    const account = this.accountOf(request.accountId, command._tag, request.clientOrderId, ts)
    if (account === undefined) return
    this.switches.roll(ts)
    if (account.ids.used(request.clientOrderId)) {
      this.refuseSubmit(account, command, duplicate(account, request), false)
      return
    }
    const placed = this.placement.place(account, request, ts)
    if (placed instanceof OrderRecord) this.placement.announce(placed, ts)
    else this.refuseSubmit(account, command, placed, true)
  }

  /** Refuse a submission; a request that failed its checks uses up its client order id. */
  private refuseSubmit(account: AccountState, command: SubmitOrder, rejection: Rejection, useId: boolean): void {
    const { request, ts } = command
    if (useId) account.ids.use(request.clientOrderId, null)
    this.sink.orderRejected(account, command._tag, request.clientOrderId, undefined, rejection, ts)
  }

  /** OCO: every order works at once. OTO / bracket: the first works, the rest wait for it to fill. */
  submitList(command: SubmitOrderList): void {
    const { orders, ts } = command
    const first = orders[0]
    const account = this.accountOf(first.accountId, command._tag, first.clientOrderId, ts)
    if (account === undefined) return
    this.switches.roll(ts)
    const reused = orders.findIndex(
      (o, i) => account.ids.used(o.clientOrderId) || orders.findIndex((p) => p.clientOrderId === o.clientOrderId) < i
    )
    if (reused >= 0) {
      const rejection = duplicate(account, orders[reused]!)
      this.placement.refuseAll(account, command._tag, orders, reused, rejection, `list ${command.listId}`, ts)
      return
    }
    const oco = command.contingency === "OCO"
    const placed = oco ? orders : [first]
    const held: HeldChildren | undefined = oco
      ? undefined
      : { listId: command.listId, requests: orders.slice(1), asOco: command.contingency === "bracket" }
    for (let i = 0; i < placed.length; i++) {
      const refused = this.placement.vet(account, placed[i]!, ts, i)
      if (refused !== undefined) {
        for (const order of orders) account.ids.use(order.clientOrderId, null)
        this.placement.refuseAll(account, command._tag, orders, i, refused, `list ${command.listId}`, ts)
        return
      }
    }
    const records = this.placement.commitAll(account, placed, ts, oco ? command.listId : undefined)
    if (held !== undefined) {
      records[0]!.held = held
      for (const child of held.requests) account.ids.hold(child.clientOrderId)
    }
    for (const record of records) this.placement.announce(record, ts)
  }

  cancel(command: CancelOrder): void {
    const record = this.modifiable(command)
    if (record === undefined) return
    if (record.pendingCancel) {
      this.refuseModify(record, command, "ORDER_NOT_OPEN", `a cancel of ${command.clientOrderId} is already pending`)
      return
    }
    this.lifecycle.requestCancel(record, command.ts)
  }

  /** Risk-checks the amended order; the venue's `VenueReplaced` applies it. */
  replace(command: ReplaceOrder): void {
    const record = this.modifiable(command)
    if (record === undefined) return
    if (record.pendingCancel) {
      this.refuseModify(record, command, "ORDER_NOT_OPEN", `a cancel of ${command.clientOrderId} is pending`)
      return
    }
    if (command.limitPrice !== undefined && !hasLimit(record)) {
      this.refuseModify(record, command, "INVALID_PRICE", `a ${record.type} order has no limit price`)
      return
    }
    if (command.stopPrice !== undefined && !hasStop(record.type)) {
      this.refuseModify(record, command, "INVALID_PRICE", `a ${record.type} order has no stop price`)
      return
    }
    const quantity = command.quantity ?? record.target
    if (quantity <= record.filledQuantity) {
      this.refuseModify(
        record,
        command,
        "INVALID_QUANTITY",
        `quantity ${quantity} must exceed the filled ${record.filledQuantity}`
      )
      return
    }
    const limitPrice = command.limitPrice ?? record.limitPrice
    const stopPrice = command.stopPrice ?? record.stopPrice
    const refused = this.risk.check({
      route: record.route,
      side: record.side,
      quantity,
      leaves: quantity - record.filledQuantity,
      unitPrice: ownPriceOf({ type: record.type, side: record.side, limitPrice, stopPrice }) ?? record.unitPrice,
      limitPrice,
      stopPrice,
      reduceOnly: record.reduceOnly,
      budget: record.budget,
      previous: record,
      earlier: 0,
      ts: command.ts
    })
    if (refused !== undefined) {
      this.refuseModify(record, command, refused.reason, refused.message)
      return
    }
    record.target = quantity
    record.pendingReplaces++
    this.output.execution({
      _tag: "VenueReplace",
      accountId: record.accountId,
      orderId: record.orderId,
      instrumentId: record.instrumentId,
      ts: command.ts,
      quantity: lots(quantity),
      ...(limitPrice === undefined ? {} : { limitPrice }),
      ...(stopPrice === undefined ? {} : { stopPrice })
    })
  }

  // ---- venue reports ----

  report(report: ExecutionReport): void {
    const record = this.placement.recordOf(report.orderId)
    if (record === undefined || record.accountId !== report.accountId) {
      this.unknownOrder(report)
      return
    }
    this.switches.roll(report.ts)
    this.lifecycle.apply(record, report)
  }

  private unknownOrder(report: ExecutionReport): void {
    this.sink.refuse({
      command: report._tag,
      accountId: report.accountId,
      clientOrderId: undefined,
      orderId: report.orderId,
      reason: "UNKNOWN_ORDER",
      message: `no order ${report.orderId} on account ${report.accountId}: ${report._tag} ignored`,
      ts: report.ts
    })
  }

  // ---- cash and limits ----

  deposit(command: Deposit): void {
    const account = this.accountOf(command.accountId, command._tag, undefined, command.ts)
    if (account === undefined) return
    this.switches.roll(command.ts)
    if (!this.knownCurrency(command)) return
    this.sink.cashChanged(account, account.portfolio.deposit(command.currency, command.amount, command.ts), command.ts)
  }

  withdraw(command: Withdraw): void {
    const account = this.accountOf(command.accountId, command._tag, undefined, command.ts)
    if (account === undefined) return
    this.switches.roll(command.ts)
    if (!this.knownCurrency(command)) return
    const move = account.portfolio.withdraw(command.currency, command.amount, command.ts)
    if (move === undefined) {
      const free = account.portfolio.freeCash(command.currency)
      const message = `withdrawal of ${command.amount} ${command.currency} exceeds free cash ${free}`
      this.refuseCash(command, "INSUFFICIENT_FUNDS", message)
      return
    }
    this.sink.cashChanged(account, move, command.ts)
  }

  /**
   * Replace a scope's limits. Daily-loss limits are enforced at the Firm and Account scopes (the ledger keeps
   * day PnL per account); raising or removing a tripped limit resets its kill switch.
   */
  setRiskLimits(command: SetRiskLimits): void {
    const { scope: target, limits, ts } = command
    const resolved = this.scopeOf(target, ts)
    if (resolved === undefined) return
    this.switches.roll(ts)
    const [scope, audience] = resolved
    scope.setLimits(limits)
    for (const account of audience) {
      this.sink.emit({
        _tag: "RiskLimitsChanged",
        sequence: this.sink.next(account),
        ts,
        accountId: account.account.id,
        scope: target,
        limits
      })
    }
    this.switches.limitsChanged(scope, audience, ts)
  }

  /** The operator's kill switch on (every open order of the scope is canceled) or off. */
  setTradingHalt(command: SetTradingHalt): void {
    const { scope: target, halted, ts } = command
    const resolved = this.scopeOf(target, ts, command._tag)
    if (resolved === undefined) return
    this.switches.roll(ts)
    const [scope, audience] = resolved
    this.switches.halt(scope, audience, halted, command.reason, ts)
    if (!halted) return
    for (const account of audience) {
      const open = account.open.slice().sort((a, b) => a.seq - b.seq)
      for (const record of open) if (!record.pendingCancel) this.lifecycle.requestCancel(record, ts)
    }
  }

  /** Hot path, per market event: records the last price and marks every ledger; allocates nothing. */
  mark(index: number, price: number, ts: number): void {
    this.switches.roll(ts as Timestamp)
    this.marks[index] = price
    const list = this.accountList
    for (let i = 0; i < list.length; i++) list[i]!.portfolio.mark(index, price)
    this.switches.afterMark(ts as Timestamp)
  }

  // ---- queries ----

  /** The ledger of an account; throws a `RangeError` for an account the engine does not hold. */
  portfolio(accountId: AccountId): Portfolio {
    const account = this.accounts.get(accountId)
    if (account === undefined) throw new RangeError(`unknown account ${accountId}`)
    return account.portfolio
  }

  /**
   * What the account of an open order can spend on it now (`PreTradeRisk.funds`), in minor units of the order's
   * instrument currency: the funds a venue holding the account sizes an order with `fundsShare` from at the fill.
   * 0 for an order that is not open.
   */
  funds(orderId: OrderId): number {
    const record = this.placement.recordOf(orderId)
    return record === undefined || record.openSlot < 0 ? 0 : this.risk.funds(record.route, record)
  }

  /** A copy of the order as it stands: open, or among the account's last `keepClosedOrders` closed. */
  order(accountId: AccountId, clientOrderId: ClientOrderId): Order | undefined {
    const record = this.accounts.get(accountId)?.ids.lookup(clientOrderId)
    return record === undefined || record === null ? undefined : snapshot(record)
  }

  /** Copies of the account's pending and working orders, in submission order. */
  openOrders(accountId: AccountId): ReadonlyArray<Order> {
    const out: Array<Order> = []
    const account = this.accounts.get(accountId)
    if (account === undefined) return out
    const open = account.open.slice().sort((a, b) => a.seq - b.seq)
    for (const record of open) out.push(snapshot(record))
    return out
  }

  /** The firm's and every account's limits and switches, then those of the instrument and strategy scopes in use. */
  riskControls(): Array<ScopeControl> {
    const control = (scope: RiskScope, state: ScopeState): ScopeControl => ({
      scope,
      limits: state.limitsSet(),
      halted: state.halted,
      killed: state.killed
    })
    const out = [control({ _tag: "Firm" }, this.scopes.firm)]
    for (const account of this.accountList)
      out.push(control({ _tag: "Account", accountId: account.account.id }, account.scope))
    for (const account of this.accountList) {
      account.instrumentScopes.forEach((state, index) => {
        if (state === undefined) return
        const instrumentId = this.specs.list[index]!.instrument.id
        out.push(control({ _tag: "AccountInstrument", accountId: account.account.id, instrumentId }, state))
      })
    }
    for (const [strategyId, state] of this.scopes.strategyScopes())
      out.push(control({ _tag: "Strategy", strategyId }, state))
    return out
  }

  // ---- lookups ----

  private currency(code: CurrencyCode | undefined, owner: string): Currency {
    const currency = code === undefined ? undefined : this.specs.currencies.get(code)
    if (currency === undefined) throw new RangeError(`${owner}: unknown or missing base currency ${code ?? ""}`)
    return currency
  }

  private accountOf(
    accountId: AccountId,
    command: Tag,
    clientOrderId: ClientOrderId | undefined,
    ts: number
  ): AccountState | undefined {
    const account = this.accounts.get(accountId)
    if (account === undefined) this.unknownAccount(accountId, command, clientOrderId, ts)
    return account
  }

  private unknownAccount(
    accountId: AccountId,
    command: Tag,
    clientOrderId: ClientOrderId | undefined,
    ts: number
  ): void {
    this.sink.refuse({
      command,
      accountId,
      clientOrderId,
      orderId: undefined,
      reason: "UNKNOWN_ACCOUNT",
      message: `unknown account ${accountId}`,
      ts
    })
  }

  /** The scope a limit change names and the accounts whose streams hear of it. */
  private scopeOf(
    scope: RiskScope,
    ts: Timestamp,
    command: Tag = "SetRiskLimits"
  ): [ScopeState, ReadonlyArray<AccountState>] | undefined {
    switch (scope._tag) {
      case "Firm":
        return [this.scopes.firm, this.accountList]
      case "Strategy":
        return [this.scopes.strategy(scope.strategyId), this.accountList]
      case "Account":
      case "AccountInstrument": {
        const account = this.accountOf(scope.accountId, command, undefined, ts)
        if (account === undefined) return undefined
        if (scope._tag === "Account") return [account.scope, [account]]
        const spec = this.specs.byId.get(scope.instrumentId)
        if (spec === undefined) {
          const message = `unknown instrument ${scope.instrumentId}`
          this.sink.refuse({
            command,
            accountId: scope.accountId,
            clientOrderId: undefined,
            orderId: undefined,
            reason: "UNKNOWN_INSTRUMENT",
            message,
            ts
          })
          return undefined
        }
        return [this.scopes.instrument(account, spec), [account]]
      }
    }
  }

  /** The open order a cancel or replace names, or undefined after refusing the command. */
  private modifiable(command: CancelOrder | ReplaceOrder): OrderRecord | undefined {
    const account = this.accountOf(command.accountId, command._tag, command.clientOrderId, command.ts)
    if (account === undefined) return undefined
    this.switches.roll(command.ts)
    const record = account.ids.lookup(command.clientOrderId)
    if (record === undefined || record === null || isTerminal(record.status)) {
      const rejection: Rejection =
        record === undefined || record === null
          ? {
              reason: "UNKNOWN_ORDER",
              message: `no working order ${command.clientOrderId} on account ${command.accountId}`
            }
          : { reason: "ORDER_NOT_OPEN", message: `order ${command.clientOrderId} is ${record.status}` }
      this.sink.modifyRejected(account, command._tag, command.clientOrderId, undefined, rejection, command.ts)
      return undefined
    }
    return record
  }

  private refuseModify(
    record: OrderRecord,
    command: CancelOrder | ReplaceOrder,
    reason: Rejection["reason"],
    message: string
  ): void {
    this.sink.modifyRejected(
      record.route.account,
      command._tag,
      record.clientOrderId,
      record.orderId,
      { reason, message },
      command.ts
    )
  }

  private knownCurrency(command: Deposit | Withdraw): boolean {
    if (this.specs.currencies.has(command.currency)) return true
    this.refuseCash(command, "UNKNOWN_INSTRUMENT", `unknown currency ${command.currency}`)
    return false
  }

  private refuseCash(command: Deposit | Withdraw, reason: Rejection["reason"], message: string): void {
    this.sink.refuse({
      command: command._tag,
      accountId: command.accountId,
      clientOrderId: undefined,
      orderId: undefined,
      reason,
      message,
      ts: command.ts
    })
  }
}
