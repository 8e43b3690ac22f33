/**
 * The Accounts Service's view of this venue, as the Execution Service's journal records it: every order the
 * Accounts Service sent here (its `VenueSubmit`) and every report it was sent about them. The journal holds both
 * before anything goes out, and a restart sends its reports again, so once recovered this is what the Accounts
 * Service holds of the orders it placed at this venue — without asking it, and without counting orders whose
 * commands have not reached the venue yet. Reconciliation compares it with what the venue holds.
 *
 * @since 0.1.0
 */
import type { ExecutionCommand, ExecutionReport } from "../../domain/Commands"

type Submit = Extract<ExecutionCommand, { _tag: "VenueSubmit" }>

/** An order sent to the venue and not closed by a report. */
export interface ViewOrder {
  readonly submit: Submit
  /** The quantity now (a `VenueReplaced` changes it). */
  quantity: number
  filled: number
  /** Whether the venue's acceptance reached the Accounts Service. */
  acked: boolean
}

const keyOf = (accountId: string, orderId: string) => `${accountId}\u0000${orderId}`

export class VenueView {
  private readonly working = new Map<string, ViewOrder>()
  private readonly closed = new Set<string>()
  private readonly trades = new Set<string>()

  /** A venue command applied (journaled, and sent to the venue). */
  command(command: ExecutionCommand): void {
    if (command._tag !== "VenueSubmit") return
    const key = keyOf(command.order.accountId, command.order.orderId)
    if (this.closed.has(key) || this.working.has(key)) return
    this.working.set(key, { submit: command, quantity: command.order.quantity, filled: 0, acked: false })
  }

  /** A report sent (or to be sent) to the Accounts Service. */
  report(report: ExecutionReport): void {
    const key = keyOf(report.accountId, report.orderId)
    if (report._tag === "VenueFilled") this.trades.add(report.tradeId)
    const order = this.working.get(key)
    if (order === undefined) return
    switch (report._tag) {
      case "VenueAccepted":
        order.acked = true
        return
      case "VenueFilled":
        order.filled += report.quantity
        if (order.filled >= order.quantity) this.close(key)
        return
      case "VenueReplaced":
        order.quantity = report.quantity
        if (order.filled >= order.quantity) this.close(key)
        return
      default:
        this.close(key)
    }
  }

  /** Whether the Accounts Service was sent the fill `tradeId`. */
  hasTrade(tradeId: string): boolean {
    return this.trades.has(tradeId)
  }

  /** The order, if it is working here. */
  get(accountId: string, orderId: string): ViewOrder | undefined {
    return this.working.get(keyOf(accountId, orderId))
  }

  /** Whether the order was ever sent to this venue (working or closed). */
  knows(accountId: string, orderId: string): boolean {
    const key = keyOf(accountId, orderId)
    return this.working.has(key) || this.closed.has(key)
  }

  /** The orders working here, in the order they were sent. */
  open(): ReadonlyArray<ViewOrder> {
    return [...this.working.values()]
  }

  private close(key: string): void {
    this.working.delete(key)
    this.closed.add(key)
  }
}
