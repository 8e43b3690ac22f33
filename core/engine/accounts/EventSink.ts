/**
 * The account event streams: stamps each event with its account's next sequence number and hands it to the
 * output, and records refusals that have no event of their own.
 *
 * @since 0.1.0
 */
import type { AccountCommand } from "../../domain/Commands"
import type { AccountEvent } from "../../domain/Events"
import type { ClientOrderId, OrderId } from "../../domain/Ids"
import type { RejectReason } from "../../domain/Reject"
import { minor, type Sequence, type Timestamp } from "../../domain/Units"
import type { BookedMove, CashMove } from "../portfolio/Portfolio"
import type { AccountState } from "./OrderRecord"

/** Why a command was refused: a code and a sentence a person can act on. */
export interface Rejection {
  readonly reason: RejectReason
  readonly message: string
}

/**
 * A command the engine refused or a venue report it ignored. Refusals of orders, cancels and replaces are also
 * published as events; the others (an unknown account, a withdrawal beyond free cash, a fill of a closed order, an
 * overfill) exist only as refusals, since no account stream or domain event fits them.
 */
export interface Refusal {
  readonly command: AccountCommand["_tag"]
  readonly accountId: string
  readonly clientOrderId: ClientOrderId | undefined
  readonly orderId: OrderId | undefined
  readonly reason: RejectReason
  readonly message: string
  readonly ts: number
}

/** Writes the per-account streams; `refused` sees every refusal, `last` keeps the latest for callers and tests. */
export class EventSink {
  last: Refusal | undefined = undefined
  count = 0

  constructor(
    private readonly publish: (event: AccountEvent) => void,
    private readonly refused: ((refusal: Refusal) => void) | undefined
  ) {}

  /** The account's next sequence number. */
  next(account: AccountState): Sequence {
    return ++account.sequence as Sequence
  }

  emit(event: AccountEvent): void {
    this.publish(event)
  }

  refuse(refusal: Refusal): void {
    this.last = refusal
    this.count++
    this.refused?.(refusal)
  }

  /** `OrderRejected`: of a request (no `orderId`) or of a placed order. */
  orderRejected(
    account: AccountState,
    command: AccountCommand["_tag"],
    clientOrderId: ClientOrderId,
    orderId: OrderId | undefined,
    { reason, message }: Rejection,
    ts: Timestamp
  ): void {
    const accountId = account.account.id
    this.refuse({ command, accountId, clientOrderId, orderId, reason, message, ts })
    const sequence = this.next(account)
    this.publish(
      orderId === undefined
        ? { _tag: "OrderRejected", sequence, ts, accountId, clientOrderId, reason, message }
        : { _tag: "OrderRejected", sequence, ts, accountId, clientOrderId, orderId, reason, message }
    )
  }

  /** `OrderModifyRejected`: a cancel or replace refused, the order unchanged. */
  modifyRejected(
    account: AccountState,
    command: AccountCommand["_tag"],
    clientOrderId: ClientOrderId,
    orderId: OrderId | undefined,
    { reason, message }: Rejection,
    ts: Timestamp
  ): void {
    const accountId = account.account.id
    this.refuse({ command, accountId, clientOrderId, orderId, reason, message, ts })
    this.publish({
      _tag: "OrderModifyRejected",
      sequence: this.next(account),
      ts,
      accountId,
      clientOrderId,
      reason,
      message
    })
  }

  cashChanged(account: AccountState, move: CashMove, ts: Timestamp): void {
    this.publish({
      _tag: "CashChanged",
      sequence: this.next(account),
      ts,
      accountId: account.account.id,
      currency: move.currency,
      amount: minor(move.amount),
      reason: move.reason,
      balance: move.balance
    })
  }

  /** `CashChanged` for a cash move of a booked fill. */
  fillCash(account: AccountState, move: BookedMove, ts: Timestamp): void {
    const accountId = account.account.id
    const currency = move.currency
    this.publish({
      _tag: "CashChanged",
      sequence: this.next(account),
      ts,
      accountId,
      currency,
      amount: minor(move.amount),
      reason: move.reason,
      balance: { accountId, currency, total: minor(move.total), reserved: minor(move.reserved), updatedAt: ts }
    })
  }

  killSwitch(account: AccountState, active: boolean, reason: string, ts: Timestamp): void {
    this.publish({
      _tag: "KillSwitchChanged",
      sequence: this.next(account),
      ts,
      accountId: account.account.id,
      active,
      reason
    })
  }
}
