/**
 * The order state machine driven by venue reports: pending-new → accepted → partially-filled → filled, or
 * canceled / expired / rejected; replaces applied on `VenueReplaced`. Each transition updates the risk aggregates,
 * the cash reservation and the ledger, emits its events, and settles contingent lists (OCO siblings, OTO children).
 * A report the record contradicts changes nothing and becomes a `Refusal`.
 *
 * @since 0.1.0
 */
import type { ExecutionCommand, ExecutionReport } from "../../domain/Commands"
import type { Fill } from "../../domain/Fill"
import { notional } from "../../domain/InstrumentSpec"
import { hasLimitPrice, hasTriggerPrice, isOpen, isTerminal, type OrderType } from "../../domain/Order"
import { PrecisionLossError } from "../../domain/SafeInt"
import { lots, type Timestamp } from "../../domain/Units"
import type { BookedFill } from "../portfolio/Portfolio"
import type { EventSink, Rejection } from "./EventSink"
import type { KillSwitches } from "./KillSwitches"
import { safeNotional } from "./Money"
import { type OrderPlacement, ownPriceOf } from "./OrderPlacement"
import { leaves, type OrderRecord } from "./OrderRecord"

type Report<T extends ExecutionReport["_tag"]> = Extract<ExecutionReport, { _tag: T }>

/** Whether orders of this type may carry a limit price: those that have one, and market-to-limit after a fill. */
const mayHaveLimit = (type: OrderType): boolean => hasLimitPrice(type) || type === "market-to-limit"
/** Whether the order's limit price can be amended now (a market-to-limit order's once its first fill set it). */
export const hasLimit = (order: { readonly type: OrderType; readonly limitPrice?: number | undefined }): boolean =>
  hasLimitPrice(order.type) || (order.type === "market-to-limit" && order.limitPrice !== undefined)
/** Whether orders of this type carry a stop (trigger) price. */
export const hasStop = (type: OrderType): boolean => hasTriggerPrice(type)

/**
 * Whether `record` already reflects `report`: a venue (or the Execution Service after a restart) may send a report
 * again, and delivery is at least once. A fill whose trade id is booked; an accept of an order the venue accepted
 * under that id, or of one closed without it; a cancel, expiry or rejection of an order already so; a replace to
 * what the order already is, with none in flight.
 */
const applied = (record: OrderRecord, report: ExecutionReport): boolean => {
  switch (report._tag) {
    case "VenueFilled":
      return record.tradeId === report.tradeId || record.tradeIds?.includes(report.tradeId) === true
    case "VenueAccepted":
      return (
        record.venueOrderId === report.venueOrderId || (isTerminal(record.status) && record.venueOrderId === undefined)
      )
    case "VenueCanceled":
      return record.status === "canceled"
    case "VenueExpired":
      return record.status === "expired"
    case "VenueRejected":
      return record.status === "rejected"
    case "VenueReplaced":
      return (
        record.pendingReplaces === 0 &&
        record.quantity === report.quantity &&
        (report.limitPrice === undefined || report.limitPrice === record.limitPrice) &&
        (report.stopPrice === undefined || report.stopPrice === record.stopPrice)
      )
  }
}

/** Applies venue reports to order records. */
export class OrderLifecycle {
  constructor(
    private readonly sink: EventSink,
    private readonly execution: (command: ExecutionCommand) => void,
    private readonly placement: OrderPlacement,
    private readonly switches: KillSwitches,
    /** Last fill price per instrument index, shared with the risk checks. */
    private readonly fills: Float64Array
  ) {}

  /** Apply a report about `record`'s order; one the record already reflects changes nothing and is no refusal. */
  apply(record: OrderRecord, report: ExecutionReport): void {
    if (applied(record, report)) return
    if (isTerminal(record.status)) {
      this.notOpen(record, report)
      return
    }
    switch (report._tag) {
      case "VenueAccepted":
        this.accepted(record, report)
        return
      case "VenueRejected":
        this.venueRejected(record, report)
        return
      case "VenueFilled":
        this.filled(record, report)
        return
      case "VenueCanceled":
        this.close(record, "canceled", report.ts, "")
        return
      case "VenueExpired":
        this.close(record, "expired", report.ts, "")
        return
      case "VenueReplaced":
        this.replaced(record, report)
        return
    }
  }

  private accepted(record: OrderRecord, report: Report<"VenueAccepted">): void {
    const first = record.status === "pending-new"
    if (!first && record.venueOrderId !== undefined) {
      this.ignore(record, report, "ORDER_NOT_OPEN", `order is already ${record.status}: VenueAccepted ignored`)
      return
    }
    record.venueOrderId = report.venueOrderId
    if (first) record.status = "accepted"
    record.updatedAt = report.ts
    const account = record.route.account
    this.sink.emit({
      _tag: "OrderAccepted",
      sequence: this.sink.next(account),
      ts: report.ts,
      accountId: record.accountId,
      orderId: record.orderId,
      venueOrderId: report.venueOrderId
    })
  }

  private venueRejected(record: OrderRecord, report: Report<"VenueRejected">): void {
    if (record.status === "pending-new" || (record.pendingReplaces === 0 && !record.pendingCancel)) {
      this.close(record, "rejected", report.ts, report.message)
      return
    }
    if (record.pendingReplaces > 0) {
      record.pendingReplaces--
      if (record.pendingReplaces === 0) record.target = record.quantity
    } else record.pendingCancel = false
    const rejection: Rejection = { reason: "VENUE_REJECTED", message: report.message }
    this.sink.modifyRejected(
      record.route.account,
      report._tag,
      record.clientOrderId,
      record.orderId,
      rejection,
      report.ts
    )
  }

  private filled(record: OrderRecord, report: Report<"VenueFilled">): void {
    const { spec, account } = record.route
    const left = leaves(record)
    const quantity = Math.min(report.quantity, left)
    const filledValue = record.filledValue + report.price * quantity
    if (!Number.isSafeInteger(filledValue)) {
      this.inexactFill(record, report)
      return
    }
    const portfolio = account.portfolio
    let booked: BookedFill
    try {
      booked = portfolio.book(spec, record.side, quantity, report.price, report.fee, report.feeCurrency, report.ts)
    } catch (error) {
      this.unbooked(record, report, error)
      return
    }
    if (report.quantity > left) this.overfilled(record, report, left)
    const rest = left - quantity
    const working =
      rest === 0 || Number.isNaN(record.unitPrice) ? 0 : Math.min(notional(spec, record.unitPrice, rest), record.budget)
    const freed = record.working - working
    const signed = record.side === "buy" ? quantity : -quantity
    const route = record.route
    for (let k = 0; k < route.stats.length; k++) {
      const stat = route.stats[k]!
      stat.position += signed
      if (signed > 0) stat.buyLeaves -= quantity
      else stat.sellLeaves -= quantity
      stat.workingNotional -= freed
      if (rest === 0) route.scopes[k]!.openOrders--
    }
    if (record.reservesCash && freed > 0) account.portfolio.release(spec.currency.code, freed)
    record.working = working
    if (record.tradeId === undefined) record.tradeId = report.tradeId
    else if (record.tradeIds === undefined) record.tradeIds = [report.tradeId]
    else record.tradeIds.push(report.tradeId)
    record.filledQuantity = lots(record.filledQuantity + quantity)
    record.filledValue = lots(filledValue)
    record.status = rest === 0 ? "filled" : "partially-filled"
    record.updatedAt = report.ts
    if (rest === 0) this.finish(record)
    this.fills[spec.index] = report.price

    const fill: Fill = {
      tradeId: report.tradeId,
      orderId: record.orderId,
      clientOrderId: record.clientOrderId,
      accountId: record.accountId,
      instrumentId: record.instrumentId,
      side: record.side,
      quantity: lots(quantity),
      price: report.price,
      fee: report.fee,
      feeCurrency: report.feeCurrency,
      liquidity: report.liquidity,
      ts: report.ts
    }
    const ts = report.ts
    const accountId = record.accountId
    const sink = this.sink
    sink.emit({
      _tag: "OrderFilled",
      sequence: sink.next(account),
      ts,
      accountId,
      fill,
      status: record.status,
      leavesQuantity: lots(rest)
    })
    const position = portfolio.position(spec.index, ts)
    sink.emit({ _tag: "PositionChanged", sequence: sink.next(account), ts, accountId, position })
    for (let k = 0; k < booked.count; k++) sink.fillCash(account, booked.moves[k]!, ts)
    this.switches.afterFill(account, ts)
    if (record.oco !== undefined) this.reduceSiblings(record, quantity)
    if (rest === 0 && record.held !== undefined) this.placement.release(record, ts)
  }

  /** End an open order (canceled, expired or rejected), free what it held and settle its list. */
  private close(
    record: OrderRecord,
    status: "canceled" | "expired" | "rejected",
    ts: Timestamp,
    message: string
  ): void {
    // A member the venue canceled because its siblings' fills used it up is the OCO working, not a reason to cancel.
    const usedUp = record.target <= record.filledQuantity
    this.retire(record)
    record.status = status
    record.updatedAt = ts
    const account = record.route.account
    if (status === "rejected") {
      const rejection: Rejection = { reason: "VENUE_REJECTED", message }
      this.sink.orderRejected(account, "VenueRejected", record.clientOrderId, record.orderId, rejection, ts)
    } else {
      const sequence = this.sink.next(account)
      const { accountId, orderId } = record
      this.sink.emit(
        status === "canceled"
          ? { _tag: "OrderCanceled", sequence, ts, accountId, orderId }
          : { _tag: "OrderExpired", sequence, ts, accountId, orderId }
      )
    }
    if (record.oco !== undefined && !usedUp) {
      for (const other of record.oco.members) {
        if (other !== record && isOpen(other.status) && !other.pendingCancel) this.requestCancel(other, ts)
      }
    }
    this.placement.release(record, ts)
  }

  /** Apply a replace the venue confirmed; a quantity down to the filled one completes the order. */
  private replaced(record: OrderRecord, report: Report<"VenueReplaced">): void {
    if (report.quantity < record.filledQuantity) {
      this.ignore(
        record,
        report,
        "INVALID_QUANTITY",
        `replaced quantity ${report.quantity} is below the filled ${record.filledQuantity}`
      )
      return
    }
    // A market-to-limit order's first fill sets its limit: the venue reports it as a replace.
    const limitPrice = mayHaveLimit(record.type) ? (report.limitPrice ?? record.limitPrice) : undefined
    const stopPrice = hasStop(record.type) ? (report.stopPrice ?? record.stopPrice) : undefined
    const unitPrice = ownPriceOf({ type: record.type, side: record.side, limitPrice, stopPrice }) ?? record.unitPrice
    const rest = report.quantity - record.filledQuantity
    const { spec, account } = record.route
    const working = rest === 0 || Number.isNaN(unitPrice) ? 0 : safeNotional(spec, unitPrice, rest)
    if (working === undefined || !(Number.isNaN(unitPrice) || Number.isSafeInteger(unitPrice * report.quantity))) {
      this.ignore(record, report, "PRECISION_LOSS", `replaced order ${record.orderId} leaves the exact integer range`)
      return
    }
    const addLeaves = rest - leaves(record)
    const addWorking = working - record.working
    const route = record.route
    for (let k = 0; k < route.stats.length; k++) {
      const stat = route.stats[k]!
      if (record.side === "buy") stat.buyLeaves += addLeaves
      else stat.sellLeaves += addLeaves
      stat.workingNotional += addWorking
      if (rest === 0) route.scopes[k]!.openOrders--
    }
    if (record.reservesCash && addWorking > 0) account.portfolio.reserve(spec.currency.code, addWorking)
    if (record.reservesCash && addWorking < 0) account.portfolio.release(spec.currency.code, -addWorking)
    record.working = working
    record.unitPrice = unitPrice
    if (record.pendingReplaces > 0) record.pendingReplaces--
    if (record.pendingReplaces === 0) record.target = report.quantity
    record.quantity = report.quantity
    if (limitPrice !== undefined) record.limitPrice = limitPrice
    if (stopPrice !== undefined) record.stopPrice = stopPrice
    if (record.displayQuantity !== undefined && record.displayQuantity > report.quantity)
      record.displayQuantity = report.quantity
    record.updatedAt = report.ts
    this.sink.emit({
      _tag: "OrderReplaced",
      sequence: this.sink.next(account),
      ts: report.ts,
      accountId: record.accountId,
      orderId: record.orderId,
      quantity: report.quantity,
      ...(limitPrice === undefined ? {} : { limitPrice }),
      ...(stopPrice === undefined ? {} : { stopPrice })
    })
    if (rest === 0) {
      record.status = "filled"
      record.pendingCancel = false
      this.finish(record)
      this.placement.release(record, report.ts)
    }
  }

  /** Take an open order's leaves out of every aggregate and free its cash. */
  private retire(record: OrderRecord): void {
    const left = leaves(record)
    const route = record.route
    const buy = record.side === "buy"
    for (let k = 0; k < route.stats.length; k++) {
      route.scopes[k]!.openOrders--
      const stat = route.stats[k]!
      if (buy) stat.buyLeaves -= left
      else stat.sellLeaves -= left
      stat.workingNotional -= record.working
    }
    if (record.reservesCash && record.working > 0) {
      route.account.portfolio.release(route.spec.currency.code, record.working)
    }
    record.working = 0
    record.pendingCancel = false
    record.pendingReplaces = 0
    this.finish(record)
  }

  /** A closed order leaves the open set; its account keeps it a while. */
  private finish(record: OrderRecord): void {
    record.route.account.removeOpen(record)
    this.placement.closed(record)
  }

  /**
   * OCO: a fill of one member takes its quantity off the others. The venue does it in the same event (the
   * `ocoGroup` contract) and reports `VenueReplaced` / `VenueCanceled`; the engine only expects it, so that a
   * member's cancel at zero is not taken for a cancel that should cancel the others.
   */
  private reduceSiblings(record: OrderRecord, quantity: number): void {
    for (const other of record.oco!.members) {
      if (other !== record && isOpen(other.status)) other.target -= quantity
    }
  }

  /** Ask the venue to cancel; the order closes on `VenueCanceled`. */
  requestCancel(record: OrderRecord, ts: Timestamp): void {
    record.pendingCancel = true
    this.execution({
      _tag: "VenueCancel",
      accountId: record.accountId,
      orderId: record.orderId,
      instrumentId: record.instrumentId,
      ts
    })
  }

  private inexactFill(record: OrderRecord, report: ExecutionReport): void {
    this.ignore(record, report, "PRECISION_LOSS", `fill value of ${record.orderId} leaves the exact integer range`)
  }

  /** The ledger checks before it changes anything: an overflow, or a fee in a currency it cannot value. */
  private unbooked(record: OrderRecord, report: ExecutionReport, error: unknown): void {
    const reason = error instanceof PrecisionLossError ? "PRECISION_LOSS" : "UNKNOWN_INSTRUMENT"
    this.ignore(record, report, reason, `the ledger refused the fill: ${String(error)}`)
  }

  /** The leaves were booked; the excess is refused. */
  private overfilled(record: OrderRecord, report: Report<"VenueFilled">, left: number): void {
    this.ignore(
      record,
      report,
      "INVALID_QUANTITY",
      `overfill: ${report.quantity} reported, ${left} left; ${left} booked`
    )
  }

  private notOpen(record: OrderRecord, report: ExecutionReport): void {
    this.ignore(record, report, "ORDER_NOT_OPEN", `order is ${record.status}: ${report._tag} ignored`)
  }

  /** A venue report the record contradicts: nothing changes, the refusal says why. */
  private ignore(record: OrderRecord, report: ExecutionReport, reason: Rejection["reason"], message: string): void {
    this.sink.refuse({
      command: report._tag,
      accountId: record.accountId,
      clientOrderId: record.clientOrderId,
      orderId: record.orderId,
      reason,
      message: `${record.orderId}: ${message}`,
      ts: report.ts
    })
  }
}
