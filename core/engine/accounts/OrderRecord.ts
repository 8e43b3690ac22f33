/**
 * The engine's mutable record of an order: the domain `Order` it publishes, plus the bookkeeping its risk
 * aggregates, cash reservation and contingent links need.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type { OrderId } from "../../domain/Ids"
import type { Order, OrderRequest } from "../../domain/Order"
import type { Account } from "../../domain/Portfolio"
import { lots, type Timestamp } from "../../domain/Units"
import type { InstrumentSpec } from "../InstrumentSpec"
import type { Portfolio } from "../portfolio/Portfolio"
import { ClientOrderIds } from "./ClientOrderIds"
import type { InstrumentStat, ScopeState } from "./ScopeState"

/** `Order` with writable fields; the engine hands out copies only. */
export type MutableOrder = { -readonly [K in keyof Order]: Order[K] }

/** One account: its ledger, its event stream and its orders. */
export class AccountState {
  /** Last sequence number emitted on the account's stream. */
  sequence = 0
  /** Pending and working orders, in no particular order; `OrderRecord.openSlot` is each one's index. */
  readonly open: Array<OrderRecord> = []
  readonly instrumentScopes: Array<ScopeState | undefined> = []
  /** Routes by strategy id ("" for none), then by instrument index. */
  readonly routes = new Map<string, Array<Route | undefined>>()
  /** Whether the account trades on margin (else it is a cash account). */
  readonly margin: boolean
  /** Its client order ids, and the closed orders it keeps. */
  readonly ids: ClientOrderIds
  constructor(
    readonly account: Account,
    readonly base: Currency,
    readonly portfolio: Portfolio,
    /** The account-wide scope. */
    readonly scope: ScopeState,
    /** A closed or refused order's client order id stays used until at least this many more were used. */
    window: number,
    /** How many of its latest closed orders stay queryable. */
    keep: number
  ) {
    this.margin = account.kind === "margin"
    this.ids = new ClientOrderIds(window, keep, this.open)
  }

  addOpen(record: OrderRecord): void {
    record.openSlot = this.open.length
    this.open.push(record)
  }

  /** O(1): the last open order takes the removed one's slot. */
  removeOpen(record: OrderRecord): void {
    const last = this.open.pop() as OrderRecord
    if (last !== record) {
      this.open[record.openSlot] = last
      last.openSlot = record.openSlot
    }
    record.openSlot = -1
  }
}

/** Where an order of (account, instrument, strategy) counts: its scopes and its instrument's aggregate in each. */
export interface Route {
  readonly account: AccountState
  readonly spec: InstrumentSpec
  readonly scopes: ReadonlyArray<ScopeState>
  /** `stats[k]` is the instrument's aggregate in `scopes[k]`. */
  readonly stats: ReadonlyArray<InstrumentStat>
}

/** Children an OTO parent holds until it fills. */
export interface HeldChildren {
  readonly listId: string
  readonly requests: ReadonlyArray<OrderRequest>
  /** A bracket's exits work as an OCO pair once released. */
  readonly asOco: boolean
}

/** Orders the venue works one-cancels-other (`VenueSubmit.ocoGroup`). */
export interface OcoGroup {
  /** The list id, unique per account as the venue scopes it. */
  readonly id: string
  /** Every member, itself included. */
  readonly members: ReadonlyArray<OrderRecord>
}

/** An order and the engine's bookkeeping for it. */
export interface OrderRecord {
  readonly order: MutableOrder
  /** The n of its order id `${prefix}${n}`: submission order. */
  readonly seq: number
  /** Index in `AccountState.open`, -1 once closed. */
  openSlot: number
  readonly route: Route
  /** Price (ticks) its notional is counted at: limit, else stop, else the last price; NaN if it had none. */
  unitPrice: number
  /** Notional of the leaves at `unitPrice`, minor units of the instrument's currency, counted in every scope. */
  working: number
  /** Whether `working` is also held as reserved cash (a cash account's buy of a fully funded instrument). */
  readonly reservesCash: boolean
  /**
   * The quantity the order will have once the venue applied what is in flight: the replaces sent, and the OCO
   * reductions the venue makes on its own when a sibling fills. Differs from `order.quantity` until then.
   */
  target: number
  pendingCancel: boolean
  /** Replaces sent to the venue and not yet answered. */
  pendingReplaces: number
  oco: OcoGroup | undefined
  held: HeldChildren | undefined
  /** Where `ClientOrderIds` put its client order id, so that closing it need not look the id up again. */
  idSlot: number
}

/**
 * A pending-new order for `request`. Built field by field, not by spreading the request, so that every order
 * shares one object layout (a spread with added fields is a slow path in V8, and the hot path reads these).
 */
export const newOrder = (request: OrderRequest, orderId: OrderId, ts: Timestamp): MutableOrder => {
  const order: MutableOrder = {
    clientOrderId: request.clientOrderId,
    accountId: request.accountId,
    instrumentId: request.instrumentId,
    side: request.side,
    type: request.type,
    quantity: request.quantity,
    timeInForce: request.timeInForce,
    reduceOnly: request.reduceOnly,
    postOnly: request.postOnly,
    orderId,
    status: "pending-new",
    filledQuantity: lots(0),
    filledValue: lots(0),
    createdAt: ts,
    updatedAt: ts
  }
  if (request.strategyId !== undefined) order.strategyId = request.strategyId
  if (request.limitPrice !== undefined) order.limitPrice = request.limitPrice
  if (request.stopPrice !== undefined) order.stopPrice = request.stopPrice
  if (request.trailingOffset !== undefined) order.trailingOffset = request.trailingOffset
  if (request.expireAt !== undefined) order.expireAt = request.expireAt
  if (request.displayQuantity !== undefined) order.displayQuantity = request.displayQuantity
  if (request.notionalLimit !== undefined) order.notionalLimit = request.notionalLimit
  return order
}

/** Quantity still to fill. */
export const leaves = (record: OrderRecord): number => record.order.quantity - record.order.filledQuantity
