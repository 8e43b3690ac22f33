/**
 * The engine's mutable record of an order (the fields of the domain `Order`, plus the bookkeeping its risk
 * aggregates, cash reservation and contingent links need) and the account that holds its orders.
 *
 * @since 0.1.0
 */
import type { Currency } from "../../domain/Currency"
import type {
  AccountId,
  ClientOrderId,
  InstrumentId,
  OrderId,
  StrategyId,
  TradeId,
  VenueOrderId
} from "../../domain/Ids"
import type { InstrumentSpec } from "../../domain/InstrumentSpec"
import type { Order, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce } from "../../domain/Order"
import type { Account } from "../../domain/Portfolio"
import { lots, type Timestamp } from "../../domain/Units"
import type { Portfolio } from "../portfolio/Portfolio"
import { ClientOrderIds } from "./ClientOrderIds"
import type { InstrumentStat, ScopeState } from "./ScopeState"

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
    this.ids = new ClientOrderIds(window, keep)
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
  /** The instrument's aggregate in the account's scope (one of `stats`). */
  readonly accountStat: InstrumentStat
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

/**
 * An order as the engine keeps it: the fields of the domain `Order` (the request's, then what the venue changes),
 * plus the bookkeeping its risk aggregates, cash reservation and contingent links need. One object of one shape
 * per order; the `Order`s the engine publishes are snapshots of it (`snapshot`).
 */
export class OrderRecord {
  readonly clientOrderId: ClientOrderId
  readonly accountId: AccountId
  readonly strategyId: StrategyId | undefined
  readonly instrumentId: InstrumentId
  readonly side: OrderSide
  readonly type: OrderType
  readonly timeInForce: TimeInForce
  readonly reduceOnly: boolean
  readonly postOnly: boolean
  readonly trailingOffset: Order["trailingOffset"]
  readonly limitOffset: Order["limitOffset"]
  readonly expireAt: Order["expireAt"]
  readonly notionalLimit: Order["notionalLimit"]
  readonly fundsShare: Order["fundsShare"]
  /**
   * What the order is counted at most at, minor units of the instrument's currency: the smaller of `notionalLimit`
   * and `fundsShare` of the funds the account had when it was placed; `Infinity` for an order without a budget.
   */
  readonly budget: number
  readonly createdAt: Timestamp
  quantity: Order["quantity"]
  limitPrice: Order["limitPrice"]
  stopPrice: Order["stopPrice"]
  displayQuantity: Order["displayQuantity"]
  status: OrderStatus = "pending-new"
  filledQuantity: Order["filledQuantity"] = lots(0)
  /** Σ price × quantity of the fills, tick-lots. */
  filledValue: Order["filledValue"] = lots(0)
  venueOrderId: VenueOrderId | undefined = undefined
  /**
   * The venue's trade ids of the fills booked, so that a report sent again is not booked twice: the first here, the
   * others in `tradeIds` (most orders fill once: no array for them).
   */
  tradeId: TradeId | undefined = undefined
  tradeIds: Array<TradeId> | undefined = undefined
  updatedAt: Timestamp
  /** Index in `AccountState.open`, -1 once closed. */
  openSlot = -1
  /** Whether `working` is also held as reserved cash (a cash account's buy of a fully funded instrument). */
  readonly reservesCash: boolean
  /**
   * The quantity the order will have once the venue applied what is in flight: the replaces sent, and the OCO
   * reductions the venue makes on its own when a sibling fills. Differs from `quantity` until then.
   */
  target: number
  pendingCancel = false
  /** Replaces sent to the venue and not yet answered. */
  pendingReplaces = 0
  oco: OcoGroup | undefined = undefined
  held: HeldChildren | undefined = undefined
  /** Where `ClientOrderIds` put its client order id, so that closing it need not look the id up again. */
  idSlot = 0

  /** A pending-new order for `request`, its fields copied one by one so that every record has one layout. */
  constructor(
    request: OrderRequest,
    readonly orderId: OrderId,
    /** The n of its order id `${prefix}${n}`: submission order. */
    readonly seq: number,
    readonly route: Route,
    /** Price (ticks) its notional is counted at (`OrderPlacement.priceOf`); NaN if it had none. */
    public unitPrice: number,
    /** Notional of the leaves at `unitPrice`, minor units of the instrument's currency, counted in every scope. */
    public working: number,
    ts: Timestamp,
    budget: number
  ) {
    this.clientOrderId = request.clientOrderId
    this.accountId = request.accountId
    this.strategyId = request.strategyId
    this.instrumentId = request.instrumentId
    this.side = request.side
    this.type = request.type
    this.timeInForce = request.timeInForce
    this.reduceOnly = request.reduceOnly
    this.postOnly = request.postOnly
    this.trailingOffset = request.trailingOffset
    this.limitOffset = request.limitOffset
    this.expireAt = request.expireAt
    this.notionalLimit = request.notionalLimit
    this.fundsShare = request.fundsShare
    this.budget = budget
    this.createdAt = ts
    this.quantity = request.quantity
    this.limitPrice = request.limitPrice
    this.stopPrice = request.stopPrice
    this.displayQuantity = request.displayQuantity
    this.updatedAt = ts
    this.target = request.quantity
    this.reservesCash = request.side === "buy" && !route.account.margin && route.spec.instrument.margin === undefined
  }
}

/**
 * Whether the order has none of the optional fields but its strategy and its limit price (if any): the common limit
 * or market order.
 */
const plain = (r: OrderRecord): boolean =>
  r.stopPrice === undefined &&
  r.trailingOffset === undefined &&
  r.limitOffset === undefined &&
  r.expireAt === undefined &&
  r.displayQuantity === undefined &&
  r.notionalLimit === undefined &&
  r.fundsShare === undefined &&
  r.venueOrderId === undefined

/** The order as it stands, as the domain `Order` (a new object: the record goes on changing). */
export const snapshot = (r: OrderRecord): Order => {
  // Every order published takes one of these (≈ 200 bytes, kept in the event log): a field added to a literal
  // goes to a second allocation of its own, so the common shape is one literal, its keys in the general order.
  const { strategyId, limitPrice } = r
  if (strategyId !== undefined && plain(r)) {
    if (limitPrice === undefined) {
      // A strategy's market order (every order of a backtest's crossover): the same keys, in the same order.
      return {
        clientOrderId: r.clientOrderId,
        accountId: r.accountId,
        instrumentId: r.instrumentId,
        side: r.side,
        type: r.type,
        quantity: r.quantity,
        timeInForce: r.timeInForce,
        reduceOnly: r.reduceOnly,
        postOnly: r.postOnly,
        orderId: r.orderId,
        status: r.status,
        filledQuantity: r.filledQuantity,
        filledValue: r.filledValue,
        createdAt: r.createdAt,
        updatedAt: r.updatedAt,
        strategyId
      }
    }
    return {
      clientOrderId: r.clientOrderId,
      accountId: r.accountId,
      instrumentId: r.instrumentId,
      side: r.side,
      type: r.type,
      quantity: r.quantity,
      timeInForce: r.timeInForce,
      reduceOnly: r.reduceOnly,
      postOnly: r.postOnly,
      orderId: r.orderId,
      status: r.status,
      filledQuantity: r.filledQuantity,
      filledValue: r.filledValue,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      strategyId,
      limitPrice
    }
  }
  const order: { -readonly [K in keyof Order]: Order[K] } = {
    clientOrderId: r.clientOrderId,
    accountId: r.accountId,
    instrumentId: r.instrumentId,
    side: r.side,
    type: r.type,
    quantity: r.quantity,
    timeInForce: r.timeInForce,
    reduceOnly: r.reduceOnly,
    postOnly: r.postOnly,
    orderId: r.orderId,
    status: r.status,
    filledQuantity: r.filledQuantity,
    filledValue: r.filledValue,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt
  }
  if (r.strategyId !== undefined) order.strategyId = r.strategyId
  if (r.limitPrice !== undefined) order.limitPrice = r.limitPrice
  if (r.stopPrice !== undefined) order.stopPrice = r.stopPrice
  if (r.trailingOffset !== undefined) order.trailingOffset = r.trailingOffset
  if (r.limitOffset !== undefined) order.limitOffset = r.limitOffset
  if (r.expireAt !== undefined) order.expireAt = r.expireAt
  if (r.displayQuantity !== undefined) order.displayQuantity = r.displayQuantity
  if (r.notionalLimit !== undefined) order.notionalLimit = r.notionalLimit
  if (r.fundsShare !== undefined) order.fundsShare = r.fundsShare
  if (r.venueOrderId !== undefined) order.venueOrderId = r.venueOrderId
  return order
}

/** Quantity still to fill. */
export const leaves = (record: OrderRecord): number => record.quantity - record.filledQuantity
